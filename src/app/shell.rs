//! What runner gives the shell: completions computed by runner itself, and its man page.
//!
//! Completions are clap_complete's dynamic ones: the script a shell loads calls runner back
//! (`COMPLETE=bash runner -- …`) at each Tab, and runner answers from its own command line
//! definition. A static script cannot complete `runner pl<Tab>` to `plan`, because a run's
//! experiment file and a subcommand share the first position; runner's answer offers both, and
//! the keys `--set` and `KEY=VALUES` take.

use crate::app::cli::Cli;
use crate::config::KEYS;
use anyhow::{anyhow, bail, Result};
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{CompleteEnv, Shells};
use std::ffi::OsStr;
use std::io::Write;

/// The variable the completion scripts set when they call runner back.
const VAR: &str = "COMPLETE";

/// Answers a completion request and exits, when the shell's script made this call
/// (`COMPLETE` is set); otherwise does nothing.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(Cli::command).var(VAR).complete();
}

/// `runner completions SHELL`: the script that registers runner's completions in SHELL. It
/// calls this binary by its full path, so it works before runner is on PATH.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells
        .completer(&name)
        .ok_or_else(|| anyhow!("runner cannot complete for {name}; use bash, zsh or fish"))?;
    let exe = std::env::current_exe()
        .map_err(|e| anyhow!("cannot find runner's own path ({e}) to write into the script"))?;
    let mut script = Vec::new();
    completer.write_registration(VAR, "runner", "runner", &exe.to_string_lossy(), &mut script)?;
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if name == "zsh" {
        // zsh would add a space after `train.epochs=`, where the value goes: keys are offered
        // with no suffix (bash's script already leaves none after `=`).
        let other = "[[ -n $other ]] && _describe -V 'values' other";
        let split = "local -a keys=(${(M)other:#*=}); other=(${other:#*=})\n        \
                     [[ -n $keys ]] && _describe -V 'values' keys -S ''\n        ";
        if !script.contains(other) {
            bail!("clap_complete's zsh script changed; runner's completions need updating");
        }
        script = script.replace(other, &format!("{split}{other}"));
    }
    out.write_all(script.as_bytes())?;
    Ok(())
}

/// The keys an override names, completed as `key=` (and `+key=`): `tr` gives `train.epochs=`,
/// `train.learning_rate=`, …
pub fn override_keys(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    if current.contains('=') {
        return Vec::new();
    }
    let (plus, typed) = match current.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", current),
    };
    KEYS.iter()
        .filter(|key| key.starts_with(typed))
        .map(|key| CompletionCandidate::new(format!("{plus}{key}=")))
        .collect()
}

/// `runner man`: clap_mangen's page, with the subcommands described in it (clap_mangen would
/// point to `runner-plan(1)` and others, pages that do not exist) and the examples and exit
/// codes kept as written (as a paragraph, roff would reflow their lines).
pub fn man(out: &mut dyn Write) -> Result<()> {
    let cmd = Cli::command();
    let page = clap_mangen::Man::new(cmd.clone());
    page.render_title(out)?;
    // Option names and paths are not hyphenated at line ends.
    writeln!(out, ".nh")?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands() {
        let mut line = format!("runner {}", sub.get_name());
        for arg in sub.get_positionals() {
            let name = arg.get_id().as_str().to_uppercase();
            line.push_str(&if arg.is_required_set() {
                format!(" {name}")
            } else {
                format!(" [{name}]")
            });
        }
        writeln!(out, ".TP\n\\fB{}\\fR [OPTIONS]", roff(&line))?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff(&about.to_string()))?;
        }
        let options: Vec<String> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && a.get_long().is_some_and(|l| l != "help"))
            .map(|a| format!("\\-\\-{}", roff(a.get_long().unwrap_or_default())))
            .collect();
        if !options.is_empty() {
            writeln!(
                out,
                ".br\nOptions: {} (see \\fBrunner {} \\-\\-help\\fR).",
                options.join(", "),
                sub.get_name()
            )?;
        }
    }
    if let Some(after) = cmd.get_after_long_help() {
        for block in after.to_string().split("\n\n") {
            match block.split_once('\n') {
                Some((head, body)) if head.ends_with(':') => {
                    let head = head.trim_end_matches(':').to_uppercase();
                    writeln!(out, ".SH {}\n.nf", roff(&head))?;
                    for line in body.lines() {
                        writeln!(out, "{}", roff(line))?;
                    }
                    writeln!(out, ".fi")?;
                }
                _ => writeln!(out, ".PP\n{}", roff(block))?,
            }
        }
    }
    page.render_version_section(out)?;
    Ok(())
}

/// Text as roff prints it literally: backslashes and hyphens escaped, no line starting with a
/// control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

//! Colour, as ripgrep and hyperfine do it: `--color auto|always|never`, with `auto` colouring a
//! stream only when it is a terminal, `NO_COLOR` is unset (or empty) and `TERM` is not `dumb`.
//! Messages' prefixes (`error:` red, `warning:` yellow, `note:` cyan) go to stderr coloured; the
//! table's header to stdout in bold. Files are never coloured.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// When to colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

static STDERR: AtomicBool = AtomicBool::new(false);
static STDOUT: AtomicBool = AtomicBool::new(false);

impl When {
    /// The choice the command line makes, read before parsing so that clap's own messages
    /// follow it too: the last `--color X` or `--color=X` (an unreadable value is left to clap).
    pub fn from_args(args: &[std::ffi::OsString]) -> When {
        let mut when = When::Auto;
        let mut next = false;
        for a in args.iter().skip(1).map(|a| a.to_string_lossy()) {
            if a == "--" {
                break;
            }
            let value = match (next, a.strip_prefix("--color=")) {
                (true, _) => Some(a.to_string()),
                (false, Some(v)) => Some(v.to_string()),
                _ => None,
            };
            next = a == "--color";
            match value.as_deref() {
                Some("always") => when = When::Always,
                Some("never") => when = When::Never,
                Some("auto") => when = When::Auto,
                _ => {}
            }
        }
        when
    }

    /// Whether a stream that `is_terminal` is coloured.
    fn colours(self, is_terminal: bool) -> bool {
        match self {
            When::Always => true,
            When::Never => false,
            When::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }

    /// Sets colour for stdout and stderr for the rest of the process.
    pub fn apply(self) {
        STDERR.store(
            self.colours(std::io::stderr().is_terminal()),
            Ordering::Relaxed,
        );
        STDOUT.store(
            self.colours(std::io::stdout().is_terminal()),
            Ordering::Relaxed,
        );
    }

    /// The same choice for clap's help and errors.
    pub fn clap(self) -> clap::ColorChoice {
        match self {
            When::Auto if !self.colours(true) => clap::ColorChoice::Never,
            When::Auto => clap::ColorChoice::Auto,
            When::Always => clap::ColorChoice::Always,
            When::Never => clap::ColorChoice::Never,
        }
    }
}

/// `line` with its `error:`, `warning:` or `note:` prefix coloured, when stderr is.
pub fn paint(line: &str) -> String {
    if !STDERR.load(Ordering::Relaxed) {
        return line.to_string();
    }
    for (prefix, code) in [("error:", "1;31"), ("warning:", "1;33"), ("note:", "1;36")] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("\x1b[{code}m{prefix}\x1b[0m{rest}");
        }
    }
    line.to_string()
}

/// Prints a message on stderr, its prefix coloured as [`paint`] does.
pub fn eprint(line: &str) {
    eprintln!("{}", paint(line));
}

/// `text` in bold when stdout is coloured (the table's header).
pub fn bold(text: &str) -> String {
    if STDOUT.load(Ordering::Relaxed) {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<std::ffi::OsString> {
        a.iter().map(Into::into).collect()
    }

    #[test]
    fn the_last_color_option_wins_in_either_spelling() {
        assert_eq!(When::from_args(&args(&["runner", "x.toml"])), When::Auto);
        assert_eq!(
            When::from_args(&args(&["runner", "--color", "never"])),
            When::Never
        );
        assert_eq!(
            When::from_args(&args(&["runner", "--color=never", "--color", "always"])),
            When::Always
        );
        // After `--`, and as another option's value, it is not an option.
        assert_eq!(
            When::from_args(&args(&["runner", "--", "--color=never"])),
            When::Auto
        );
        assert_eq!(
            When::from_args(&args(&["runner", "--color", "pink"])),
            When::Auto
        );
    }

    #[test]
    fn always_and_never_ignore_the_terminal() {
        assert!(When::Always.colours(false));
        assert!(!When::Never.colours(true));
        assert!(!When::Auto.colours(false));
    }
}

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    // `runner … | head` should end quietly, as cat and grep do: Rust ignores SIGPIPE, so a
    // closed stdout would make `println!` panic. Results are written before anything is printed.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // glibc raises its mmap threshold each time a large block is freed, after which the
    // encoders' and writers' large buffers come from the heap and are kept there; a fixed
    // threshold hands them back, which keeps a 10⁴-run sweep's peak memory flat.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a documented allocator setting, made before any allocation of note.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
    // A shell's completion script calling back (`COMPLETE=bash runner …`): answered, then exit.
    runner::app::shell::complete_if_asked();
    // `--color` decides clap's colours too, so it is read before clap parses.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let when = runner::color::When::from_args(&args);
    when.apply();
    let command = runner::app::cli::Cli::command().color(when.clap());
    let cli = runner::app::cli::Cli::from_arg_matches(&command.get_matches_from(args))
        .unwrap_or_else(|e| e.exit());
    match runner::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // Values echoed from the input may hold control characters: shown escaped.
            let message = runner::format::escape_controls(&format!("{err:#}"));
            runner::color::eprint(&format!("error: {message}"));
            ExitCode::FAILURE
        }
    }
}

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `runner … | head` should end quietly, as cat and grep do: Rust ignores SIGPIPE, so a
    // closed stdout would make `println!` panic. Results are written before anything is printed.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = runner::app::cli::Cli::parse();
    match runner::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

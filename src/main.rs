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
    let cli = runner::app::cli::Cli::parse();
    match runner::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // Values echoed from the input may hold control characters: shown escaped.
            let message = runner::format::escape_controls(&format!("{err:#}"));
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = runner::cli::Cli::parse();
    match runner::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

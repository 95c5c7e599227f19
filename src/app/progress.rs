//! The progress bar on stderr: epochs done of all epochs, runs done, speed, ETA. Hidden when
//! stderr is not a terminal or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar over `epochs` epochs in `runs` runs.
pub fn bar(epochs: u64, runs: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(epochs);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} {wide_bar} {msg} · ETA {eta}")
            .expect("template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(format!("0/{runs} runs"));
    bar
}

/// Tells the bar that `done` of `runs` runs are finished, with the speed so far.
pub fn runs_done(bar: &ProgressBar, done: usize, runs: usize) {
    let secs = bar.elapsed().as_secs_f64().max(1e-9);
    let rate = bar.position() as f64 / secs;
    let rate = if rate >= 1e6 {
        format!("{:.1}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.0}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    };
    bar.set_message(format!("{done}/{runs} runs · {rate} epochs/s"));
}

/// Counts one run's epochs and hands them to the shared bar in batches, so the bar's atomic
/// counter is not touched every epoch.
pub struct Ticker<'a> {
    bar: &'a ProgressBar,
    pending: u64,
}

impl<'a> Ticker<'a> {
    pub fn new(bar: &'a ProgressBar) -> Self {
        Self { bar, pending: 0 }
    }

    pub fn tick(&mut self) {
        self.pending += 1;
        if self.pending == 4096 {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        self.bar.inc(self.pending);
        self.pending = 0;
    }
}

impl Drop for Ticker<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

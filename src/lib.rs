//! runner: an experiment runner for small neural networks.
//!
//! An experiment file (TOML) names a data set, a network, its initialisation and its training,
//! and may sweep any key. [`Experiment::load`] expands and checks it; [`Experiment::run`]
//! trains the runs its results folder does not already hold, on a rayon pool, writes the
//! per-epoch CSV files, the summaries and the report, and returns each run's [`Record`].
//!
//! ```
//! # fn main() -> anyhow::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("xor.toml");
//! std::fs::write(&file, "[data]\nkind = \"xor\"\n[model]\nhidden = [4]\n\
//!                        [train]\nlearning_rate = 2.0\nepochs = 3000\n")?;
//! let exp = runner::Experiment::load(&file, &[], Some(&dir.path().join("out")))?;
//! let record = &exp.run()?[0];
//! assert_eq!(record.accuracy, Some(1.0)); // a hidden layer learns XOR
//! # Ok(()) }
//! ```
//!
//! The experiment file, the result files and the command line are described in the README.

mod api;
pub use api::{Experiment, Record, Run};

// runner's modules. Those its binary, benchmarks and integration tests reach are public but
// hidden from the documentation: they are not a stable API and change with runner.
#[doc(hidden)]
pub mod app;
#[doc(hidden)]
pub mod color;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod data;
#[doc(hidden)]
pub mod format;
#[doc(hidden)]
pub mod job;
pub mod memory;
#[doc(hidden)]
pub mod network;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod results;
#[doc(hidden)]
pub mod rng;
mod store;
mod suggest;
#[doc(hidden)]
pub mod train;

#[cfg(test)]
mod fixtures;

/// The README's Rust blocks, run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

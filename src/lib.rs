//! runner: an experiment runner for small neural networks.
//!
//! An experiment file (TOML) names a data set, a network, its initialisation and its training;
//! [`config`] expands it into validated runs, [`app`] trains them on a rayon pool and
//! [`output`] writes per-epoch CSV. Everything the binary does lives here, so tests and
//! benchmarks use it directly.

pub mod app;
pub mod blocks;
pub mod budget;
pub mod cli;
pub mod config;
pub mod data;
pub mod figures;
pub mod init;
pub mod network;
pub mod output;
pub mod prepare;
pub mod progress;
pub mod report;
pub mod rng;
pub mod slurm;
pub mod store;
pub mod suggest;
pub mod train;
pub mod weights;

#[cfg(test)]
mod fixtures;

//! runner: an experiment runner for small neural networks.

pub mod data;
pub mod network;
pub mod rng;
pub mod suggest;

#[cfg(test)]
mod fixtures;

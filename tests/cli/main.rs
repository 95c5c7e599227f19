//! End-to-end tests: the `runner` binary on the shipped experiments and on small fixture
//! experiments, checking result files, stdout and stderr. One test binary (see STYLE.md).

mod browser;
mod catalogue;
mod classes;
mod common;
mod compare;
mod conventions;
mod errors;
mod golden;
mod large;
mod live;
mod lockstep;
mod parquet;
mod predict;
mod readme;
mod report;
mod results;
mod shell;
mod store;
mod sweeps;
mod tutorials;

//! BatchLab's training core.
//!
//! Everything that decides a number the app shows lives here: data sets, models, losses, optimisers,
//! learning-rate schedules, the training loop and the rules that call a run diverged or stalled.
//! It is pure Rust with no browser dependency, so the Web Worker, the native CLI, the benchmarks and
//! the tests all run the very same code — and, with the same [`RunConfig`], get the same numbers bit
//! for bit (see `ARCHITECTURE.md`, "Reproducibility").
//!
//! The flow is burn-like: a serde [`RunConfig`] describes a run, [`RunConfig::init`] checks it and
//! builds a [`Trainer`], and the trainer reports through the [`Observer`] trait. Every setting a
//! person can give is one entry of the [`settings::SETTINGS`] table.

pub mod advice;
pub mod bench;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod edge;
pub mod figures;
pub mod json_float;
pub mod loss;
pub mod lr_find;
pub mod model;
mod named;
pub mod nqm;
pub mod optim;
pub mod outcome;
pub mod pulse;
pub mod regime;
pub mod scalar;
pub mod scaling;
pub mod schedule;
pub mod settings;
pub mod sweep;
pub mod train;

pub use config::{BatchSize, RunConfig};
pub use data::{DataSource, Dataset, DatasetKind};
pub use outcome::Outcome;
/// For `named_enum!` in other crates.
#[doc(hidden)]
pub use serde as __serde;
pub use settings::ConfigError;
pub use train::{Observer, Point, Reading, StabilityLimit, Summary, Trainer};

//! The trainer's integration tests, one module per subject, in one test binary: the test build links
//! once instead of once a file, and the harness runs the tests of every subject side by side instead
//! of one file after another.

mod advice;
mod any_config;
mod csv_files;
mod diagnostics;
mod extreme_grid;
mod lr_find;
mod max_lr;
mod outcomes;
mod range_test;
mod readme;
mod reference;
mod sharpness;

//! BatchLab in the browser: the Leptos UI and the files the page writes and reads (the Web Worker
//! that trains is `crates/worker`). The training lives in `batchlab-trainer`, the drawing in `batchlab-chart`, and what the
//! page and the worker decide in `batchlab-lab`, whose modules are re-exported here under their names
//! (`crate::lab`, `crate::protocol`, …).
//!
//! The modules that need a browser are compiled for wasm32 only; [`export`] (a run as a file) and
//! [`keep`] (a session kept between visits), the lab's adapters to files, are plain Rust and tested
//! natively with `cargo test`.

pub use batchlab_lab::{
    deep_link, explain, form, lab, lessons, pool, protocol, session, share, summary, view_state, APP_VERSION,
};

pub mod export;
pub mod keep;

#[cfg(target_arch = "wasm32")]
pub mod ui;

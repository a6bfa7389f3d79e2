//! BatchLab in the browser: the Leptos UI, the Web Worker that trains, and the one protocol between
//! them. The training itself lives in `batchlab-trainer`, the drawing in `batchlab-chart`.
//!
//! The modules that need a browser are compiled for wasm32 only; the rest ([`protocol`], [`explain`], [`export`],
//! [`session`], [`share`], [`pool`], [`lab`], [`lessons`], [`view_state`], [`deep_link`], [`form`], [`keep`]) is plain Rust and tested natively
//! with `cargo test`.

pub mod deep_link;
pub mod explain;
pub mod export;
pub mod form;
pub mod keep;
pub mod lab;
pub mod lessons;
pub mod pool;
pub mod protocol;
pub mod session;
pub mod share;
pub mod summary;
pub mod view_state;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
mod wire;
#[cfg(target_arch = "wasm32")]
pub mod worker;

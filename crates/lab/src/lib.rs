//! BatchLab's lab without a browser: what the page and its workers decide, as plain Rust tested
//! natively. The page's [`lab`] (runs, the pool of workers, the sweep), the worker's [`session`], the
//! [`protocol`] between them, a session as a link ([`share`], [`deep_link`]), the [`lessons`] and
//! every sentence the page says ([`explain`], [`summary`]).
//!
//! It sits below the web package (`batchlab`: the Leptos UI, the worker's wiring and the run and
//! session files of `export` and `keep`) and never depends on it, nor on any browser crate.

pub mod deep_link;
pub mod explain;
pub mod form;
pub mod lab;
pub mod lessons;
pub mod pool;
pub mod protocol;
pub mod session;
pub mod share;
pub mod summary;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod view_state;

/// The app's version (the workspace's), written into every file the page writes.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

//! The training Web Worker: [`run`] moves the lab's `ToWorker`/`FromWorker` messages between the page
//! and a `Session`, and [`wire`] is how both ends post them. It depends on the lab and the browser's
//! bindings, never on the UI: Cargo keeps the worker from reaching the page.

#[cfg(target_arch = "wasm32")]
pub mod wire;
#[cfg(target_arch = "wasm32")]
mod worker;

#[cfg(target_arch = "wasm32")]
pub use worker::run;

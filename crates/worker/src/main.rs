//! The training Web Worker (built by Trunk as `worker_loader.js` + wasm).
#[cfg(target_arch = "wasm32")]
fn main() {
    batchlab_worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker runs in the browser; natively, use the `batchlab` CLI");
}

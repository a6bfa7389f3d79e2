//! The page (built by Trunk from index.html).
#[cfg(target_arch = "wasm32")]
fn main() {
    batchlab::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("BatchLab's page runs in the browser: `cargo xtask serve`");
}

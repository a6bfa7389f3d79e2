//! Posting a protocol message from either end of the worker boundary. An encoding or posting
//! failure is a bug, not an input error: it is logged to the console, once, here.

use serde::Serialize;
use wasm_bindgen::JsValue;

/// Encodes `msg` with serde-wasm-bindgen and hands it to `post_message` (a `Worker`'s or the worker
/// scope's).
pub fn post(post_message: impl FnOnce(&JsValue) -> Result<(), JsValue>, msg: &impl Serialize) {
    match serde_wasm_bindgen::to_value(msg) {
        Ok(v) => {
            if let Err(e) = post_message(&v) {
                web_sys::console::error_2(&"posting a message failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&format!("encoding a message failed: {e}").into()),
    }
}

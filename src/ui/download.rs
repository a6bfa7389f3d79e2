//! Files the page hands to the person: a download made from text or bytes, never sent anywhere.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Offers `bytes` as a file named `name` of type `mime`; false if the browser refused.
pub fn save(name: &str, mime: &str, bytes: &[u8]) -> bool {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else { return false };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return false };
    let link = document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = &link {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The download has its own reference to the blob by now.
    let _ = web_sys::Url::revoke_object_url(&url);
    link.is_some()
}

/// A file name for an export: "batchlab-run-3.json".
pub fn file_name(what: &str, ext: &str) -> String {
    format!("batchlab-{what}.{ext}")
}

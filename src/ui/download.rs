//! Files the page hands to the person (a download made from text or bytes) and files the person
//! hands to the page (read in this browser); nothing is sent anywhere.

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

/// The one file an `<input type="file">` holds, emptied so that the same file can be chosen again;
/// `Err` names a file larger than `max_bytes`, which is not read.
pub fn chosen_file(ev: &leptos::ev::Event, max_bytes: usize) -> Option<Result<web_sys::File, String>> {
    let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0))?;
    input.set_value("");
    Some(if file.size() > max_bytes as f64 {
        Err(format!("{} is {:.0} bytes; at most {max_bytes} are read", file.name(), file.size()))
    } else {
        Ok(file)
    })
}

/// A chosen file's bytes, or `None` if the browser could not read them.
pub async fn bytes_of(file: &web_sys::File) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A chosen file's text, or `None` if the browser could not read it as text.
pub async fn text_of(file: &web_sys::File) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string())
}

// Starts the training worker (Trunk builds worker.js and worker_bg.wasm). If the wasm cannot load,
// the page is told so, in the worker protocol's own words, instead of waiting for it forever. A
// missing or broken worker.js throws here, which the page sees as the worker's error event.
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" }).catch((e) => postMessage({ Crashed: { message: `its WebAssembly could not load (${e})` } }));

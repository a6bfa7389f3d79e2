//! The bench page (`?bench`): runs the reference workload in the worker as soon as it loads and writes
//! the result as JSON into `<pre id="bench-result">` (../shared/reference-workload.md).

use leptos::prelude::*;

use super::client::WorkerClient;
use super::now_ms;
use crate::protocol::{FromWorker, ToWorker};

#[component]
pub fn BenchPage(min_secs: f64) -> impl IntoView {
    let result = RwSignal::new(String::new());
    let status = RwSignal::new("running the reference workload…".to_owned());
    let on_message = move |msg| match msg {
        FromWorker::BenchReport { report } => match serde_json::to_string(&report) {
            Ok(json) => {
                result.set(json);
                status.set("done".to_owned());
            }
            Err(e) => status.set(format!("failed: the report could not be encoded: {e}")),
        },
        FromWorker::Failed { message, .. } => status.set(format!("failed: {message}")),
        _ => {}
    };
    match WorkerClient::spawn(on_message, move |why| status.set(format!("failed: the worker stopped: {why}")), now_ms) {
        Ok(client) => {
            client.send(ToWorker::Bench { min_secs, repeats: 3 });
            // The client must outlive this function: it owns the worker's message handler.
            StoredValue::new_local(client);
        }
        Err(e) => status.set(e),
    }
    view! {
        <main class="bench">
            <h1>"BatchLab benchmark"</h1>
            <p>
                "Digits, MLP 64-128-10 (ReLU), plain SGD at η = 0.1, in a Web Worker: training samples per second at B = 32, 128 and 512 "
                {format!("(one warm-up epoch, then at least {min_secs} s per measurement, median of 3), and validation accuracy after 20 epochs at B = 32.")}
            </p>
            <p data-testid="bench-status">{move || status.get()}</p>
            <pre id="bench-result">{move || result.get()}</pre>
        </main>
    }
}

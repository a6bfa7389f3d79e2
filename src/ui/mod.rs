//! The Leptos page. It renders [`AppState`] and sends [`ToWorker`] messages; it never trains.

mod bench;
mod charts;
mod client;
mod controls;
mod readout;

use leptos::prelude::*;

use batchlab_chart::XAxis;
use batchlab_trainer::RunConfig;

use crate::deep_link;
use crate::protocol::ToWorker;
use crate::view_state::RunView;
use client::WorkerClient;

/// A message for the person (a refused input, an ignored link setting).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

/// The page's state, shared by context. Every field is a cheap `Copy` handle.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The form: what the next Start will run.
    pub config: RwSignal<RunConfig>,
    pub run: RwSignal<RunView>,
    pub notices: RwSignal<Vec<Notice>>,
    pub x_axis: RwSignal<XAxis>,
    pub log_y: RwSignal<bool>,
    client: StoredValue<Option<WorkerClient>, LocalStorage>,
}

pub fn now_ms() -> f64 {
    window().performance().map_or_else(js_sys::Date::now, |p| p.now())
}

impl AppState {
    pub fn notify(&self, text: impl Into<String>) {
        let text = text.into();
        self.notices.update(|n| {
            let id = n.last().map_or(0, |x| x.id + 1);
            n.push(Notice { id, text });
        });
    }

    /// Applies a form edit through the same rules as a link or a CLI flag; a refusal changes nothing
    /// and says why.
    pub fn set(&self, key: &str, value: &str) {
        let mut next = self.config.get_untracked();
        match next.set(key, value) {
            Ok(()) => self.config.set(next),
            Err(e) => {
                self.notify(format!("Not changed: {e}."));
                // Re-render the field with the value still in force.
                self.config.update(|_| {});
            }
        }
    }

    fn send(&self, msg: ToWorker) {
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.send(msg);
            }
        });
    }

    pub fn start(&self) {
        let config = self.config.get_untracked();
        let query = deep_link::to_query(&config);
        if let Ok(history) = window().history() {
            // The address bar always reproduces the run on screen.
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
        }
        self.run.set(RunView::starting(config.clone(), now_ms()));
        self.send(ToWorker::Start { config: Box::new(config) });
    }

    pub fn pause(&self) {
        self.send(ToWorker::Pause);
    }

    pub fn resume(&self) {
        self.run.update(|r| r.status = crate::view_state::Status::Training);
        self.send(ToWorker::Resume);
    }

    pub fn step_once(&self) {
        self.send(ToWorker::Step);
    }

    pub fn reset(&self) {
        self.send(ToWorker::Stop);
        self.run.set(RunView::default());
    }
}

/// Mounts the app on `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let link = deep_link::parse(&window().location().search().unwrap_or_default());
    if let Some(min_secs) = link.bench {
        return view! { <bench::BenchPage min_secs /> }.into_any();
    }
    let state = AppState {
        config: RwSignal::new(link.config),
        run: RwSignal::new(RunView::default()),
        notices: RwSignal::new(Vec::new()),
        x_axis: RwSignal::new(XAxis::Epochs),
        log_y: RwSignal::new(true),
        client: StoredValue::new_local(None),
    };
    provide_context(state);
    if !link.notices.is_empty() {
        let n = link.notices.len();
        state.notify(format!(
            "{n} setting{} in the link {} ignored; the defaults are used instead, and nothing starts until you press Start: {}.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            link.notices.join("; ")
        ));
    }
    match WorkerClient::spawn(move |msg| {
        let mut refusal = None;
        state.run.update(|r| refusal = r.apply(msg, now_ms()));
        if let Some(text) = refusal {
            state.notify(text);
        }
    }) {
        Ok(c) => state.client.set_value(Some(c)),
        Err(e) => state.notify(e),
    }
    if link.autostart {
        state.start();
    }

    view! {
        <header class="top">
            <h1>"BatchLab"</h1>
            <p class="tagline">
                "Should the learning rate go up or down with the batch size? Train a real network here and see."
            </p>
        </header>
        <main class="layout">
            <controls::Controls />
            <section class="results">
                <readout::Notices />
                <readout::Banner />
                <readout::Readout />
                <charts::Charts />
            </section>
        </main>
        <footer class="about">
            <details>
                <summary>"About the data"</summary>
                <p>{batchlab_trainer::data::DIGITS_ATTRIBUTION}</p>
                <p>
                    "Reference split: pixels / 16, the first 1437 images train, the last 360 validate. "
                    "The toy sets (moons, circles, spiral, XOR, blobs) are generated in your browser from the seed."
                </p>
            </details>
            <p class="fineprint">
                "Everything runs in your browser, in a Web Worker; nothing is sent anywhere. Same settings and seed give the same curves, bit for bit."
            </p>
        </footer>
    }
    .into_any()
}

//! The Leptos page. It renders [`AppState`] and sends [`ToWorker`] messages; it never trains.

mod bench;
mod charts;
mod client;
mod controls;
mod readout;

use std::time::Duration;

use leptos::prelude::*;

use batchlab_chart::XAxis;
use batchlab_trainer::RunConfig;

use crate::deep_link::{self, Page};
use crate::protocol::ToWorker;
use crate::view_state::{RunView, Status};
use client::{WorkerClient, SILENCE_LIMIT_MS};

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
    /// The training worker; `None` before the first one and after one died (Start spawns anew).
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

    /// A live worker, spawning one if there is none (the first, or after one died).
    fn ensure_client(&self) {
        if self.client.with_value(Option::is_some) {
            return;
        }
        let state = *self;
        let spawned = WorkerClient::spawn(
            move |msg| {
                let mut refusal = None;
                state.run.update(|r| refusal = r.apply(msg, now_ms()));
                if let Some(text) = refusal {
                    state.notify(text);
                }
            },
            move |why| state.worker_died(why),
            now_ms,
        );
        match spawned {
            Ok(c) => self.client.set_value(Some(c)),
            Err(e) => self.worker_died(e),
        }
    }

    /// The worker died: the run on screen fails with the reason, and the next Start gets a new one.
    fn worker_died(&self, why: String) {
        self.run.update(|r| r.fail(why));
        self.client.set_value(None);
    }

    fn send(&self, msg: ToWorker) {
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.expect_answer(now_ms());
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
        self.ensure_client();
        self.send(ToWorker::Start { config: Box::new(config) });
    }

    pub fn pause(&self) {
        self.send(ToWorker::Pause);
    }

    pub fn resume(&self) {
        self.run.update(|r| r.status = Status::Training);
        self.send(ToWorker::Resume);
    }

    pub fn step_once(&self) {
        self.send(ToWorker::Step);
    }

    pub fn reset(&self) {
        self.send(ToWorker::Stop);
        self.run.set(RunView::default());
    }

    /// Fails the run if the worker owes an answer and has been silent too long.
    fn watch(&self) {
        let owes = self.run.with_untracked(|r| matches!(r.status, Status::Starting | Status::Training));
        let silent = self.client.with_value(|c| c.as_ref().map(|c| c.silent_for_ms(now_ms())));
        if let Some(ms) = silent.filter(|&ms| owes && ms > SILENCE_LIMIT_MS) {
            self.worker_died(format!("it stopped answering ({:.0} s without a message)", ms / 1000.0));
        }
    }
}

/// Mounts the app on `<body>`, replacing the loading message.
pub fn mount() {
    console_error_panic_hook::set_once();
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let link = deep_link::parse(&window().location().search().unwrap_or_default());
    match link.page {
        Page::Bench { min_secs } => view! { <bench::BenchPage min_secs /> }.into_any(),
        Page::Lab => view! { <Lab link /> }.into_any(),
    }
}

#[component]
fn Lab(link: deep_link::DeepLink) -> impl IntoView {
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
            "{n} setting{} in the link {} refused, and the defaults are used instead; nothing starts until you press Start: {}.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            link.notices.join("; ")
        ));
    }
    state.ensure_client();
    if let Ok(watchdog) = set_interval_with_handle(move || state.watch(), Duration::from_secs(2)) {
        on_cleanup(move || watchdog.clear());
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
}

//! The Leptos page. It renders [`AppState`] and carries out the lab's commands to the workers; it
//! never trains and keeps no training state of its own.

mod bench;
mod boundary;
mod canvas;
mod charts;
mod class_link;
mod client;
mod controls;
mod dataset;
mod diagnostics;
mod download;
mod lessons;
mod points;
mod range_test;
mod readout;
mod runs;
mod store;
mod svg;
mod sweep;

use std::time::Duration;

use leptos::prelude::*;

use batchlab_chart::Theme;
use batchlab_trainer::scaling::ScalingRule;
use batchlab_trainer::RunConfig;

use crate::deep_link::{self, Page};
use crate::lab::{Command, Lab, RunId, RunKind};
use crate::share;
use client::{WorkerClient, SILENCE_LIMIT_MS};

/// A message for the person (a refused input, an ignored link setting).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

pub use crate::share::ChartOptions;

/// The page's state, shared by context. Every field is a cheap `Copy` handle.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The form: what the next Start will run.
    pub config: RwSignal<RunConfig>,
    pub lab: RwSignal<Lab>,
    pub notices: RwSignal<Vec<Notice>>,
    pub charts: RwSignal<ChartOptions>,
    /// Moving the batch size moves η by this rule (`ScalingRule::None`: η stays).
    pub lock: RwSignal<ScalingRule>,
    /// Counts the window's resizes: charts redraw at their new size.
    pub resized: RwSignal<u32>,
    /// Why the session could not be kept in this browser, if it could not (leaving then asks first).
    pub save_failed: RwSignal<Option<String>>,
    /// The reader's colour scheme (`prefers-color-scheme`), which the charts are drawn for.
    pub theme: RwSignal<Theme>,
    /// The pool's workers, one per slot; `None` before a slot's first job and after its worker died.
    clients: StoredValue<Vec<Option<WorkerClient>>, LocalStorage>,
    /// When the views last heard of the workers' replies, or that they are about to.
    lab_told: StoredValue<LabTold>,
}

/// When the views last heard of a change of the lab by a worker's reply.
#[derive(Clone, Copy)]
enum LabTold {
    /// At this time (ms), and nothing has changed since.
    At(f64),
    /// A change is to be told: the views hear of it soon.
    Pending,
}

/// The shortest time between two tellings of the workers' replies to the views.
const TELL_EVERY_MS: f64 = 100.0;

pub fn now_ms() -> f64 {
    window().performance().map_or_else(js_sys::Date::now, |p| p.now())
}

/// Workers in the pool: one per core the browser reports (the pool takes at most its maximum).
fn pool_size() -> usize {
    let cores = window().navigator().hardware_concurrency();
    if cores.is_finite() && cores >= 1.0 {
        (cores as usize).min(crate::pool::MAX_WORKERS)
    } else {
        2
    }
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

    /// Carries out the lab's commands, spawning a slot's worker when it has none.
    pub fn execute(&self, commands: Vec<Command>) {
        for Command { slot, msg } in commands {
            self.ensure_client(slot);
            self.clients.with_value(|clients| {
                if let Some(Some(c)) = clients.get(slot) {
                    c.expect_answer(now_ms());
                    c.send(msg);
                }
            });
        }
    }

    fn ensure_client(&self, slot: usize) {
        if self.clients.with_value(|c| c.get(slot).is_some_and(Option::is_some)) {
            return;
        }
        let state = *self;
        let spawned = WorkerClient::spawn(
            move |msg| state.answer_soon(|l| l.on_message(slot, msg, now_ms())),
            move |why| state.worker_died(slot, &why),
            now_ms,
        );
        match spawned {
            Ok(c) => self.clients.update_value(|clients| {
                if clients.len() <= slot {
                    clients.resize_with(slot + 1, || None);
                }
                clients[slot] = Some(c);
            }),
            Err(e) => self.worker_died(slot, &e),
        }
    }

    /// A worker died: its job fails with the reason, and the slot's next job gets a new worker.
    fn worker_died(&self, slot: usize, why: &str) {
        self.clients.update_value(|clients| {
            if let Some(c) = clients.get_mut(slot) {
                *c = None;
            }
        });
        self.answer(|l| l.on_death(slot, why));
    }

    /// Runs `f` on the lab, tells the person what it has to say, and carries out its commands.
    fn answer(&self, f: impl FnOnce(&mut Lab) -> (Vec<Command>, Option<String>)) {
        let mut out = (Vec::new(), None);
        self.lab.update(|l| out = f(l));
        self.carry_out(out);
    }

    fn carry_out(&self, (commands, said): (Vec<Command>, Option<String>)) {
        if let Some(text) = said {
            self.notify(text);
        }
        self.execute(commands);
    }

    /// [`Self::answer`] for a worker's reply: the lab changes at once, but the views hear of it at
    /// most every [`TELL_EVERY_MS`], once however many replies came in between (each worker reports
    /// about 30 times a second while training; figures that change faster cannot be read, and every
    /// change costs the page a layout and a paint while the workers hold the cores).
    fn answer_soon(&self, f: impl FnOnce(&mut Lab) -> (Vec<Command>, Option<String>)) {
        let mut out = (Vec::new(), None);
        self.lab.update_untracked(|l| out = f(l));
        let (lab, told) = (self.lab, self.lab_told);
        if let LabTold::At(last_ms) = told.get_value() {
            told.set_value(LabTold::Pending);
            let wait_ms = (last_ms + TELL_EVERY_MS - now_ms()).max(0.0);
            set_timeout(
                move || {
                    told.set_value(LabTold::At(now_ms()));
                    lab.notify();
                },
                Duration::from_secs_f64(wait_ms / 1000.0),
            );
        }
        self.carry_out(out);
    }

    /// Runs `f` on the lab and carries out the commands it returns.
    pub fn act(&self, f: impl FnOnce(&mut Lab) -> Vec<Command>) {
        self.answer(|l| (f(l), None));
    }

    /// Trains a link's runs and its sweep; none of them when one names a CSV file this page has not
    /// read (the link names the file but cannot carry it).
    pub fn replay(&self, link: &deep_link::DeepLink) {
        let base = link.sweep.as_ref().and_then(|s| s.grid.base_config().ok());
        let configs = link.runs.iter().map(|r| &r.config).chain(base.as_ref());
        if let Some(why) = self.lab.with_untracked(|l| l.missing_table(configs)) {
            self.notify(format!("The link's runs did not start: {why}."));
            return;
        }
        if !link.runs.is_empty() {
            let mut replayed = Ok(Vec::new());
            self.lab.update(|l| replayed = l.replay(&link.runs, now_ms()));
            match replayed {
                Ok(commands) => self.execute(commands),
                Err(e) => self.notify(format!("The link's runs did not start: {e}.")),
            }
        }
        if let Some(s) = link.sweep.clone() {
            let mut started = Ok(Vec::new());
            self.lab.update(|l| started = l.start_sweep(s.grid, s.shard, now_ms()));
            match started {
                Ok(commands) => self.execute(commands),
                Err(e) => self.notify(format!("The link's sweep did not start: {e}.")),
            }
        }
    }

    /// Puts a kept session back on the page: its runs and sweep, and its form and chart view unless
    /// the link set its own; says what could not be put back.
    pub fn restore(&self, session: crate::lab::RestorableSession) {
        if self.config.with_untracked(|c| *c == RunConfig::default()) {
            self.config.set(session.link.config.clone());
        }
        self.charts.set(session.link.charts);
        let mut out = (Vec::new(), Vec::new());
        self.lab.update(|l| out = l.restore(session, now_ms()));
        let (commands, notices) = out;
        for n in notices {
            self.notify(n);
        }
        self.execute(commands);
    }

    /// Adds a run to the lab with `add` and carries it out; a run not added is said, with the reason.
    pub fn add(
        &self,
        add: impl FnOnce(&mut Lab) -> Result<(RunId, Vec<Command>), crate::lab::NotAdded>,
    ) -> Option<RunId> {
        let mut added = Err(crate::lab::NotAdded::Full);
        self.lab.update(|l| added = add(l));
        match added {
            Ok((id, commands)) => {
                self.execute(commands);
                Some(id)
            }
            Err(e) => {
                self.notify(format!("Not added: {e}."));
                None
            }
        }
    }

    /// Starts a run of the form's settings (beside the ones on screen).
    pub fn start(&self) {
        let config = self.config.get_untracked();
        if let Some(why) = self.lab.with_untracked(|l| l.missing_table([&config])) {
            self.notify(format!("Not started: {why}."));
            return;
        }
        self.add(|l| l.add_run(config, RunKind::Curve, now_ms()));
    }

    /// The run the buttons and read-outs act on.
    pub fn current(&self) -> Option<RunId> {
        self.lab.with(|l| l.current().map(|r| r.id))
    }

    /// Fails a job whose worker owes an answer and has been silent too long.
    fn watch(&self) {
        let now = now_ms();
        let busy = self.lab.with_untracked(Lab::busy_slots);
        let silent: Vec<(usize, f64)> = self.clients.with_value(|clients| {
            busy.iter()
                .filter_map(|&slot| clients.get(slot)?.as_ref().map(|c| (slot, c.silent_for_ms(now))))
                .filter(|(_, ms)| *ms > SILENCE_LIMIT_MS)
                .collect()
        });
        for (slot, ms) in silent {
            self.worker_died(slot, &format!("it stopped answering ({:.0} s without a message)", ms / 1000.0));
        }
    }
}

/// Keeps the whole session in the address bar from the first change on (`replaceState`, so Back still
/// leaves the page): the form, every run, the chart view, and the page and class view it was opened
/// with. A query past [`share::MAX_QUERY_CHARS`] goes after `#` instead, which the page reads alike.
fn keep_session_in_address_bar(state: AppState, opened: &deep_link::DeepLink) {
    let opened = opened.clone();
    let query = Memo::new(move |_| {
        let session = state.lab.with(|l| l.link(&state.config.get(), state.charts.get()));
        // The page and class view it was opened with stay; the session is the page's now.
        let link = deep_link::DeepLink {
            page: opened.page.clone(),
            workers: opened.workers,
            embed: opened.embed,
            class: opened.class.clone(),
            ..session
        };
        link.to_query()
    });
    let warned = StoredValue::new(false);
    Effect::new(move |first: Option<()>| {
        let query = query.get();
        if first.is_none() {
            return; // the page as opened: its link is already in the address bar
        }
        let Ok(history) = window().history() else { return };
        let path = window().location().pathname().unwrap_or_default();
        let url = if query == "?" {
            path // `?` alone would leave the old query
        } else if query.len() > share::MAX_QUERY_CHARS {
            if !warned.get_value() {
                warned.set_value(true);
                state.notify(format!(
                    "This session's link is {} characters, more than some servers accept in a query ({}): it is kept \
                     after # in the address bar, which the page reads the same way and which never leaves your browser.",
                    query.len(),
                    share::MAX_QUERY_CHARS
                ));
            }
            format!("{path}#{}", &query[1..])
        } else {
            query
        };
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    });
}

/// The link the page was opened with: its query, or its fragment for a session too long for one.
fn opened_link() -> deep_link::DeepLink {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    deep_link::parse(if search.is_empty() && hash.len() > 1 { &hash[1..] } else { &search })
}

/// Puts `text` on the clipboard, or says why it could not: a page served without HTTPS has no
/// clipboard, and a browser may refuse it.
pub async fn copy_text(text: &str) -> Result<(), &'static str> {
    let navigator = window().navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).unwrap_or_default();
    if clipboard.is_undefined() || clipboard.is_null() {
        return Err("this browser gives the page no clipboard here");
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.map(|_| ()).map_err(|_| "the browser refused the clipboard")
}

/// Copies the address bar's link; where the clipboard is refused, shows the link to copy by hand.
pub fn copy_link(state: AppState) {
    let href = window().location().href().unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        let text = match copy_text(&href).await {
            Ok(()) => format!("Copied the link to this session ({} characters).", href.len()),
            Err(why) => format!("Not copied: {why}; copy the link by hand: {href}"),
        };
        state.notify(text);
    });
}

/// Brings `element` into view, moving the page as little as it must: the stylesheet's
/// `scroll-padding` keeps it clear of the bar fixed at the foot of a phone's screen.
pub fn bring_into_view(element: &web_sys::Element) {
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    element.scroll_into_view_with_scroll_into_view_options(&options);
}

/// Brings the run list's entry of run `id` into view, after the page has drawn it: an action that
/// adds a run off-screen shows where it went.
pub fn scroll_to_run(id: u32) {
    leptos::prelude::request_animation_frame(move || {
        let selector = format!("[data-testid=run-item][data-id=\"{id}\"]");
        if let Ok(Some(item)) = document().query_selector(&selector) {
            bring_into_view(&item);
        }
    });
}

/// The reader's colour scheme now, and from now on: `theme` follows `prefers-color-scheme`.
fn follow_colour_scheme(theme: RwSignal<Theme>) {
    use wasm_bindgen::JsCast;
    let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") else { return };
    let read = |q: &web_sys::MediaQueryList| if q.matches() { Theme::Dark } else { Theme::Light };
    theme.set(read(&query));
    let changed = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if let Some(q) = ev.target().and_then(|t| t.dyn_into::<web_sys::MediaQueryList>().ok()) {
            theme.set(read(&q));
        }
    });
    // For the page's lifetime: the app is never unmounted.
    let _ = query.add_event_listener_with_callback("change", changed.as_ref().unchecked_ref());
    changed.forget();
}

/// Registers the service worker (`sw.js`) that keeps the site's own files, so that after one visit
/// the page loads and trains offline. Where the browser has none (or refuses it), nothing changes.
fn keep_offline() {
    let navigator = window().navigator();
    if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        let registering = navigator.service_worker().register("sw.js");
        // A refusal (an insecure origin, storage off) leaves the page as it is, online only.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(registering).await;
        });
    }
}

/// Mounts the app on `<body>`, replacing the loading message.
pub fn mount() {
    console_error_panic_hook::set_once();
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    keep_offline();
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let link = opened_link();
    match link.page {
        Page::Bench { min_secs } => view! { <bench::BenchPage min_secs /> }.into_any(),
        Page::Lessons => view! { <lessons::LessonsPage /> }.into_any(),
        Page::Lab => view! { <LabPage link guide=lessons::Guide::None /> }.into_any(),
        Page::Lesson { lesson, autoplay } => {
            view! { <LabPage link guide=lessons::Guide::Lesson(lesson, autoplay) /> }.into_any()
        }
        Page::Answer => view! { <LabPage link guide=lessons::Guide::Answer /> }.into_any(),
    }
}

/// The lab, with a lesson or the answer above its results when `guide` says so.
#[component]
fn LabPage(link: deep_link::DeepLink, guide: lessons::Guide) -> impl IntoView {
    let state = AppState {
        config: RwSignal::new(link.config.clone()),
        lab: RwSignal::new(Lab::new(link.workers.unwrap_or_else(pool_size))),
        notices: RwSignal::new(Vec::new()),
        charts: RwSignal::new(link.charts),
        lock: RwSignal::new(ScalingRule::None),
        resized: RwSignal::new(0),
        save_failed: RwSignal::new(None),
        theme: RwSignal::new(Theme::Light),
        clients: StoredValue::new_local(Vec::new()),
        lab_told: StoredValue::new(LabTold::At(f64::NEG_INFINITY)),
    };
    follow_colour_scheme(state.theme);
    provide_context(state);
    provide_context(link.class.clone());
    let shows = |panel: &str| link.class.shows(panel);
    // One listener for the page's lifetime (the app is never unmounted).
    window_event_listener(leptos::ev::resize, move |_| state.resized.update(|n| *n += 1));
    // Runs and sweeps are kept in the browser; where they cannot be, leaving asks first.
    window_event_listener(leptos::ev::beforeunload, move |ev| {
        if state.save_failed.with_untracked(Option::is_some)
            && state.lab.with_untracked(|l| !l.runs.is_empty() || l.sweep.is_some())
        {
            ev.prevent_default();
            ev.set_return_value("Your runs could not be kept in this browser: leave anyway?");
        }
    });
    if !link.notices.is_empty() {
        let n = link.notices.len();
        state.notify(format!(
            "{n} setting{} in the link {} refused, and the defaults are used instead; nothing starts until you press Start: {}.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            link.notices.join("; ")
        ));
    }
    // Load the first worker now, so the first Start answers at once.
    state.ensure_client(0);
    if let Ok(watchdog) = set_interval_with_handle(move || state.watch(), Duration::from_secs(2)) {
        on_cleanup(move || watchdog.clear());
    }
    if link.autostart {
        state.start();
    }
    keep_session_in_address_bar(state, &link);
    store::open_session(state, link.clone());
    if link.embed {
        return view! {
            <main class="embed" data-testid="embed">
                <div class="buttons-row">
                    <button type="button" class="primary" data-testid="start" on:click=move |_| state.start()>"▶ Play"</button>
                    <a class="hint nav-link" href=deep_link::to_query(&state.config.get_untracked()) target="_blank" rel="noopener">
                        "Open in BatchLab"
                    </a>
                </div>
                <readout::Notices />
                <runs::RunList />
                <charts::Charts />
            </main>
        }
        .into_any();
    }

    view! {
        <header class="top">
            <h1>"BatchLab"</h1>
            <p class="tagline">
                "Should the learning rate go up or down with the batch size? Train real networks here and compare."
            </p>
            <p class="top-links"><a class="nav-link" href="?lessons" data-testid="lessons-link">"Lessons"</a></p>
        </header>
        <main class="layout">
            <controls::Controls />
            <section class="results">
                <class_link::ClassNote />
                {lessons::guide_view(guide)}
                <readout::Notices />
                <readout::Announcer />
                <readout::Banner />
                <readout::Readout />
                <runs::RunList />
                <charts::Charts />
                <boundary::DecisionBoundary />
                <points::PointEditor />
                {shows("diagnostics").then(|| view! { <diagnostics::Diagnostics /> })}
                {shows("range_test").then(|| view! { <range_test::RangeTest /> })}
                {shows("sweep").then(|| view! { <sweep::SweepPanel /> })}
                <class_link::ClassLinkBuilder />
            </section>
        </main>
        <footer class="about">
            <details>
                <summary>"About the data"</summary>
                <p>{batchlab_trainer::data::DIGITS_ATTRIBUTION}</p>
                <p>
                    {format!(
                        "Reference split: pixels / 16, the first {} images train, the last {} validate. ",
                        batchlab_trainer::data::DIGITS_TRAIN_ROWS,
                        batchlab_trainer::data::DIGITS_VAL_ROWS
                    )}
                    "The toy sets (moons, circles, spiral, XOR, blobs) are generated in your browser from the seed."
                </p>
            </details>
            <p class="fineprint">
                "Everything runs in your browser, in Web Workers; nothing is sent anywhere. Same settings and seed give the same curves, bit for bit."
            </p>
        </footer>
    }
    .into_any()
}

//! The data set's field: the named sets and every CSV file read on this page, a sentence about the
//! chosen one, and Load CSV, which reads a file in this browser (never uploaded) — in a worker of its
//! own, so that a large file does not stop the page — lets the person pick its label column and the
//! columns to leave out, and says how it read the file or, beside the control, why not.

use leptos::prelude::*;

use batchlab_trainer::data::table::MAX_FILE_BYTES;
use batchlab_trainer::data::{Choice, DatasetKind, TableShape};
use batchlab_trainer::settings::setting;

use super::client::WorkerClient;
use super::AppState;
use crate::protocol::{FromWorker, TableRead, ToWorker};

/// Load CSV's state: the file read last (its name and text, to read again with other columns), its
/// columns, the columns used, how the last table was read, the file being read, why the last file
/// was not loaded, and the worker that reads files (spawned at the first).
#[derive(Clone, Copy)]
struct Loader {
    state: AppState,
    source: StoredValue<Option<(String, String)>>,
    columns: RwSignal<Vec<String>>,
    choice: RwSignal<Choice>,
    read_as: RwSignal<Option<(TableShape, String)>>,
    reading: RwSignal<Option<String>>,
    refusal: RwSignal<Option<String>>,
    reader: StoredValue<Option<WorkerClient>, LocalStorage>,
}

impl Loader {
    fn new(state: AppState) -> Self {
        Loader {
            state,
            source: StoredValue::new(None),
            columns: RwSignal::new(Vec::new()),
            choice: RwSignal::new(Choice::default()),
            read_as: RwSignal::new(None),
            reading: RwSignal::new(None),
            refusal: RwSignal::new(None),
            reader: StoredValue::new_local(None),
        }
    }

    /// A refusal ends the reading and is said beside Load CSV, as well as among the notices.
    fn refuse(self, text: String) {
        self.reading.set(None);
        self.refusal.set(Some(text.clone()));
        self.state.notify(text);
    }

    /// A read file: its columns shown; its table used at once, or refused naming why.
    fn on_read(self, r: TableRead) {
        self.reading.set(None);
        self.columns.set(r.columns);
        self.choice.set(r.choice);
        match r.table {
            Ok(t) => {
                self.refusal.set(None);
                let word = format!("csv:{}", t.shape);
                self.read_as.set(Some((t.shape, r.reading)));
                self.state.lab.update(|l| {
                    l.add_table(t);
                });
                self.state.set("dataset", &word);
            }
            Err(e) => self.refuse(format!("Not loaded: {}: {e}.", r.name)),
        }
    }

    /// Reads the file again with these columns (`None`: the likeliest).
    fn read(self, label: Option<usize>, left_out: Option<Vec<usize>>) {
        let Some((name, text)) = self.source.get_value() else { return };
        if self.reader.with_value(Option::is_none) {
            let spawned = WorkerClient::spawn(
                move |msg| match msg {
                    FromWorker::TableRead(r) => self.on_read(*r),
                    FromWorker::Failed { message, .. } => self.refuse(format!("Not loaded: {message}.")),
                    _ => {}
                },
                move |why| {
                    self.refuse(format!("The file could not be read: the worker reading it stopped ({why})."));
                    // Dropped after this callback returns: a worker is never dropped from inside its own.
                    leptos::task::spawn_local(async move { self.reader.set_value(None) });
                },
                super::now_ms,
            );
            match spawned {
                Ok(c) => self.reader.set_value(Some(c)),
                Err(e) => return self.refuse(format!("Not loaded: {e}.")),
            }
        }
        self.reading.set(Some(name.clone()));
        self.reader.with_value(|r| {
            if let Some(r) = r {
                r.send(ToWorker::ReadTable { name, text, label, left_out });
            }
        });
    }

    /// A chosen file, its bytes checked to be UTF-8 here as the CLI checks them: a browser's text
    /// decoding would turn a wrong byte into a class named "�", and read UTF-16 as if it were text.
    fn on_file(self, ev: &leptos::ev::Event) {
        let chosen = match super::download::chosen_file(ev, MAX_FILE_BYTES) {
            None => return,
            Some(Err(e)) => return self.refuse(format!("Not loaded: {e}.")),
            Some(Ok(f)) => f,
        };
        let name = chosen.name();
        self.refusal.set(None);
        self.reading.set(Some(name.clone()));
        leptos::task::spawn_local(async move {
            let Some(bytes) = super::download::bytes_of(&chosen).await else {
                return self.refuse(format!("Not loaded: {name} could not be read."));
            };
            match batchlab_trainer::data::decode(&bytes) {
                Ok(text) => {
                    self.source.set_value(Some((name, text.to_owned())));
                    self.read(None, None);
                }
                Err(e) => self.refuse(format!("Not loaded: {name}: {e}.")),
            }
        });
    }

    /// Leaves column `j` out, or takes it back.
    fn toggle(self, j: usize) {
        let Choice { label, mut left_out } = self.choice.get_untracked();
        match left_out.iter().position(|&k| k == j) {
            Some(at) => {
                left_out.remove(at);
            }
            None => left_out.push(j),
        }
        self.read(Some(label), Some(left_out));
    }
}

#[component]
pub fn DataSet() -> impl IntoView {
    let state = expect_context::<AppState>();
    let Some(s) = setting("dataset") else { return ().into_any() };
    let loader = Loader::new(state);
    let value = move || state.config.with(|c| s.read(c).map(|v| v.to_string()).unwrap_or_default());
    let named = DatasetKind::ALL
        .iter()
        .map(|k| view! { <option value=k.name() selected=move || value() == k.name()>{k.label()}</option> })
        .collect_view();
    // The files read on this page, by shape and name: the list changes when a file is read, not with
    // every message of every run.
    let loaded = Memo::new(move |_| {
        state.lab.with(|l| l.tables().iter().map(|t| (t.shape, t.name.clone())).collect::<Vec<_>>())
    });
    let tables = move || {
        loaded
            .get()
            .into_iter()
            .map(|(shape, name)| {
                let word = format!("csv:{shape}");
                let text = format!("{name} ({} rows)", shape.rows);
                view! { <option value=word.clone() selected=move || value() == word>{text}</option> }
            })
            .collect_view()
    };
    let about = move || {
        if let Some(name) = loader.reading.get() {
            return format!("Reading {name}…");
        }
        loaded.with(|_| ()); // read, not only tracked: a memo updates when read
        state.config.with(|c| match c.dataset.table().and_then(|t| state.lab.with_untracked(|l| l.table(t))) {
            Some(t) => match loader.read_as.get() {
                Some((shape, how)) if shape == t.shape => format!("{} {how}", t.summary()),
                _ => t.summary(),
            },
            None => c.dataset.source.about(),
        })
    };
    view! {
        <div class="field dataset">
            <label class="field">
                <span class="label">{s.label}</span>
                <select data-testid="dataset" on:change=move |ev| state.set("dataset", &event_target_value(&ev))>
                    {named}{tables}
                </select>
                <span class="hint" data-testid="dataset-about" aria-live="polite">{about}</span>
            </label>
            <label class="file">
                "Load CSV "
                <input type="file" accept=".csv,.tsv,text/csv,text/tab-separated-values,text/plain" data-testid="load-csv"
                    on:change=move |ev| loader.on_file(&ev) />
            </label>
            <p class="refusal" role="alert" data-testid="csv-refusal">{move || loader.refusal.get()}</p>
            <Columns loader />
        </div>
    }
    .into_any()
}

/// The read file's label column and the columns to leave out, one checkbox each.
#[component]
fn Columns(loader: Loader) -> impl IntoView {
    let Loader { columns, choice, .. } = loader;
    let options = move || {
        columns.with(|cs| {
            cs.iter()
                .enumerate()
                .map(|(i, c)| {
                    view! { <option value=i.to_string() selected=move || choice.with(|ch| ch.label == i)>{c.clone()}</option> }
                })
                .collect_view()
        })
    };
    // Another label: its columns of words left out again, as for a new file.
    let on_label = move |ev: leptos::ev::Event| {
        if let Ok(col) = event_target_value(&ev).parse::<usize>() {
            loader.read(Some(col), None);
        }
    };
    let leave_out = move || {
        let label = choice.with(|c| c.label);
        columns.with(|cs| {
            cs.iter()
                .enumerate()
                .filter(|&(j, _)| j != label)
                .map(|(j, c)| {
                    view! {
                        <label>
                            <input type="checkbox" data-testid="csv-leave-out" value=j.to_string()
                                prop:checked=move || choice.with(|ch| ch.left_out.contains(&j))
                                on:change=move |_| loader.toggle(j) />
                            {c.clone()}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <label class="field" hidden=move || columns.with(Vec::is_empty)>
            <span class="label">"Label column"</span>
            <select data-testid="csv-label" on:change=on_label>{options}</select>
            <span class="hint">"The column to predict; every other column is a feature unless it is left out."</span>
        </label>
        <fieldset class="leave-out" hidden=move || columns.with(Vec::is_empty)>
            <legend>"Leave out"</legend>
            {leave_out}
            <span class="hint">"Columns that are no feature (an id, a comment). Columns of words other than the label are left out."</span>
        </fieldset>
    }
}

//! The run list: every run on the page with its colour (the charts' legend), what sets it apart from
//! the first run, its status, and what can be done with it — show or hide, pick it for the buttons
//! and read-outs, another seed (an ensemble), its settings into the form, a fork, delete.

use leptos::prelude::*;

use super::{now_ms, AppState};
use crate::lab::RunId;

/// Look `k`'s glyph in its colour, in the page's theme: a run's key beside its name, as on the charts.
#[component]
pub fn RunKey(#[prop(into)] look: Signal<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let look = move || state.theme.get().look(look.get());
    view! {
        <span class="glyph" aria-hidden="true" style:color=move || {
            let c = look().color;
            format!("rgb({}, {}, {})", c.0, c.1, c.2)
        }>{move || look().glyph.symbol().to_string()}</span>
    }
}

/// What of a run can be downloaded.
#[derive(Clone, Copy)]
enum Export {
    Csv,
    Json,
    Weights,
}

/// Downloads run `id` as CSV, JSON or its weights.
fn export(state: AppState, id: crate::lab::RunId, what: Export) {
    let text = state.lab.with_untracked(|l| {
        let run = l.run(id)?;
        match what {
            Export::Csv => crate::export::run_csv(run),
            Export::Json => crate::export::run_file(run).and_then(|f| serde_json::to_string_pretty(&f).ok()),
            Export::Weights => run.view.weights.as_ref().and_then(|w| serde_json::to_string(w).ok()),
        }
    });
    let (name, ext, mime) = match what {
        Export::Csv => (format!("run-{id}"), "csv", "text/csv"),
        Export::Json => (format!("run-{id}"), "json", "application/json"),
        Export::Weights => (format!("run-{id}-weights"), "json", "application/json"),
    };
    let saved =
        text.is_some_and(|t| super::download::save(&super::download::file_name(&name, ext), mime, t.as_bytes()));
    if !saved {
        state.notify(format!("Run #{id} could not be exported."));
    }
}

/// Reads a run's JSON export back, checked before it touches the page.
fn import(state: AppState, ev: &leptos::ev::Event) {
    let file = match super::download::chosen_file(ev, crate::export::MAX_FILE_BYTES) {
        None => return,
        Some(Err(e)) => return state.notify(format!("Not imported: {e}.")),
        Some(Ok(file)) => file,
    };
    leptos::task::spawn_local(async move {
        let name = file.name();
        match super::download::text_of(&file).await.map(|t| crate::export::import(&t)) {
            Some(Ok(run)) => match state.lab.try_update(|l| l.import_run(run, super::now_ms())) {
                Some(Ok(id)) => super::scroll_to_run(id),
                Some(Err(e)) => state.notify(format!("Not imported: {name}: {e}.")),
                None => {}
            },
            Some(Err(e)) => state.notify(format!("Not imported: {name}: {e}.")),
            None => state.notify(format!("Not imported: {name} could not be read as text.")),
        }
    });
}

#[component]
pub fn RunList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ids = move || state.lab.with(|l| l.curves().map(|r| r.id).collect::<Vec<_>>());
    let pool = move || {
        state.lab.with(|l| {
            let queued = l.curves().filter(|r| r.view.status == crate::view_state::Status::Queued).count();
            let waiting = if queued > 0 { format!(", {queued} waiting") } else { String::new() };
            let workers = if l.workers() == 1 { "1 worker".to_owned() } else { format!("{} workers", l.workers()) };
            format!("{workers} in the pool: {} busy{waiting}", l.training())
        })
    };
    view! {
        <section class="runs" aria-label="Runs">
            <div class="runs-head">
                <h2>"Runs"</h2>
                <span class="hint" data-testid="pool">{pool}</span>
                <button type="button" class="small" data-testid="copy-link" hidden=move || ids().is_empty()
                    title="The address bar holds every run, its seed and the chart view: opening it replays them."
                    on:click=move |_| super::copy_link(state)>"Copy link"</button>
                <label class="file small">"Import run JSON "
                    <input type="file" accept=".json,application/json" data-testid="import-json" on:change=move |ev| import(state, &ev) />
                </label>
            </div>
            <p class="hint" hidden=move || !ids().is_empty()>
                "Every Start adds a run: set another batch size or learning rate and press Start again to compare."
            </p>
            <ol class="run-list">
                <For each=ids key=|id| *id let:id>
                    <RunItem id />
                </For>
            </ol>
        </section>
    }
}

#[component]
fn RunItem(id: RunId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let get = move |f: fn(&crate::lab::Run) -> String| state.lab.with(|l| l.run(id).map(f).unwrap_or_default());
    let label = move || state.lab.with(|l| l.label(id));
    let status = move || get(|r| r.view.status.word().to_owned());
    let visible = move || state.lab.with(|l| l.run(id).is_some_and(|r| r.visible));
    let selected = move || state.lab.with(|l| l.current().is_some_and(|r| r.id == id));
    let progress = move || {
        get(|r| match (&r.view.summary, r.view.total_steps) {
            (Some(s), _) => format!("{:.1} % val. acc.", 100.0 * s.final_val_acc),
            (None, total) if total > 0 => format!("step {} / {total}", r.view.step),
            _ => String::new(),
        })
    };
    let forking = RwSignal::new(false);
    let fork_step = RwSignal::new(String::new());
    let fork_button = NodeRef::<leptos::html::Button>::new();
    // Escape closes the fork's form and gives the focus back to the button that opened it.
    let on_fork_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            forking.set(false);
            if let Some(b) = fork_button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let open_fork = move |_| {
        fork_step.set(get(|r| r.view.trace.last().map_or(0, |p| p.step).to_string()));
        forking.update(|f| *f = !*f);
    };
    let do_fork = move |_| {
        let Ok(step) = fork_step.get_untracked().trim().parse::<usize>() else {
            state.notify("Not forked: the step must be a whole number.");
            return;
        };
        let form = state.config.get_untracked();
        let mut result = None;
        state.lab.update(|l| result = Some(l.fork(id, step, &form, now_ms())));
        match result {
            Some(Ok((_, commands))) => {
                forking.set(false);
                state.execute(commands);
            }
            Some(Err(e)) => state.notify(format!("Not forked: {e}.")),
            None => {}
        }
    };
    let add_seed = move |_| {
        state.add(|l| l.add_seed(id, now_ms()));
    };
    let edit = move |_| {
        if let Some(c) = state.lab.with_untracked(|l| l.run(id).map(|r| r.config.clone())) {
            state.config.set(c);
        }
    };
    let ended = move || state.lab.with(|l| l.run(id).is_some_and(|r| r.view.summary.is_some()));
    view! {
        <li class="run-item" class:selected=selected data-testid="run-item" data-id=id
            data-bs=move || get(|r| r.config.batch_size.to_string())
            data-lr=move || get(|r| r.config.lr.to_string())
            data-digest=move || state.lab.with(|l| l.run(id).and_then(|r| r.view.summary.as_ref().map(|s| s.digest.clone())))
            data-status=status>
            <div class="run-row">
                <input type="checkbox" aria-label="show on the charts" prop:checked=visible
                    on:change=move |ev| state.lab.update(|l| l.set_visible(id, event_target_checked(&ev))) />
                <RunKey look=Signal::derive(move || state.lab.with(|l| l.run(id).map_or(0, |r| r.look))) />
                <button type="button" class="run-label" title="Pick this run for the buttons and read-outs"
                    on:click=move |_| state.lab.update(|l| l.selected = Some(id))>
                    <span class="run-id">{format!("#{id}")}</span>" "{label}
                </button>
                <span class=move || format!("run-status status {}", status())>{status}</span>
                <span class="run-progress">{progress}</span>
            </div>
            <div class="run-actions">
                <button type="button" data-testid="run-seed" aria-label=format!("+ seed of run {id}") title="The same settings with the next seed, drawn with this one as an ensemble"
                    on:click=add_seed>"+ seed"</button>
                <button type="button" data-testid="run-edit" aria-label=format!("edit run {id}") title="Put this run's settings in the form, to change and start"
                    on:click=edit>"edit"</button>
                // A fork cannot be forked (`NotAdded::ForkOfFork`): it replays its parent from the start.
                <button type="button" data-testid="run-fork" node_ref=fork_button aria-label=format!("fork run {id}") title="Continue this run from one of its steps with the form's η, B and schedule"
                    hidden=move || state.lab.with(|l| l.run(id).is_some_and(|r| r.fork.is_some()))
                    on:click=open_fork>"fork"</button>
                <button type="button" data-testid="run-stop" aria-label=format!("stop run {id}") title="Stop training"
                    hidden=move || !state.lab.with(|l| l.run(id).is_some_and(|r| r.view.status.is_active()))
                    on:click=move |_| state.act(|l| l.stop(id))>"stop"</button>
                <button type="button" data-testid="run-retrain" aria-label=format!("retrain run {id}")
                    hidden=move || !state.lab.with(|l| l.run(id).is_some_and(|r| r.view.status == crate::view_state::Status::Stopped))
                    title="Train it again from its start: the same curves, bit for bit, and on to its end"
                    on:click=move |_| state.act(|l| l.retrain(id, now_ms()))>"retrain"</button>
                <button type="button" data-testid="export-csv" hidden=move || !ended() aria-label=format!("run {id} as CSV")
                    title="Its points as CSV: a header row, then a row per point ending in its version, seed, fingerprint, status and link"
                    on:click=move |_| export(state, id, Export::Csv)>"CSV"</button>
                <button type="button" data-testid="export-json" hidden=move || !ended() aria-label=format!("run {id} as JSON")
                    title="Settings, seed, fingerprint, outcome and points as JSON: Import puts it back as it is"
                    on:click=move |_| export(state, id, Export::Json)>"JSON"</button>
                <button type="button" data-testid="export-weights" aria-label=format!("run {id}'s weights as JSON")
                    hidden=move || !state.lab.with(|l| l.run(id).is_some_and(|r| r.view.weights.is_some()))
                    title="The final weights, each layer's shape, weights and biases, with the settings and fingerprint"
                    on:click=move |_| export(state, id, Export::Weights)>"weights"</button>
                <button type="button" data-testid="run-delete" aria-label=format!("delete run {id}")
                    on:click=move |_| state.act(|l| l.delete(id))>"×"</button>
            </div>
            <Show when=move || forking.get()>
                <div class="fork-row" on:keydown=on_fork_key>
                    <label>"Continue from step "
                        <input type="number" min="0" data-testid="fork-step" prop:value=move || fork_step.get()
                            on:input=move |ev| fork_step.set(event_target_value(&ev)) />
                    </label>
                    " with the form's η, B and schedule "
                    <button type="button" class="primary" data-testid="fork-go" on:click=do_fork>"Fork"</button>
                </div>
            </Show>
        </li>
    }
}

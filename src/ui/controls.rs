//! The form: run buttons, then one field per setting of the trainer's settings table (its label,
//! unit, limits and hint come from there), with sliders for the batch size and the learning rate.
//! Every edit goes through [`AppState::set`], the same rules as links and CLI flags; a field whose
//! setting has no effect in the current config is not shown.

use leptos::prelude::*;

use batchlab_trainer::scaling::ScalingRule;
use batchlab_trainer::settings::{setting, Domain, Setting};
use batchlab_trainer::RunConfig;

use super::AppState;
use crate::deep_link::ClassView;
use crate::view_state::{batch_choices, fmt_lr, Status};

const LR_MIN_LOG10: f64 = -4.0;
const LR_MAX_LOG10: f64 = 1.0;
const LR_SLIDER_STEPS: f64 = 1000.0;

fn lr_to_slider(lr: f64) -> f64 {
    ((lr.log10() - LR_MIN_LOG10) / (LR_MAX_LOG10 - LR_MIN_LOG10) * LR_SLIDER_STEPS).clamp(0.0, LR_SLIDER_STEPS).round()
}

fn slider_to_lr(pos: f64) -> f64 {
    10f64.powf(LR_MIN_LOG10 + pos / LR_SLIDER_STEPS * (LR_MAX_LOG10 - LR_MIN_LOG10))
}

/// The form's training-set size: the batch-size slider's choices depend on it.
fn train_len(state: AppState) -> usize {
    state.config.with(RunConfig::train_len)
}

/// The batch-size slider's position: the first choice at least the form's B.
fn batch_position(state: AppState) -> usize {
    let n = train_len(state);
    let choices = batch_choices(n);
    let b = state.config.with(|c| c.batch_size.resolve(n));
    choices.iter().position(|c| c.resolve(n) >= b).unwrap_or(choices.len() - 1)
}

/// The form's B as the slider says it: "64", or "1437 (full batch)".
fn batch_text(state: AppState) -> String {
    let n = train_len(state);
    let b = state.config.with(|c| c.batch_size.resolve(n));
    if b >= n {
        format!("{n} (full batch)")
    } else {
        b.to_string()
    }
}

/// Moves B to slider position `position`; with the lock on, η follows B by the rule, from the pair
/// before the move.
fn move_batch(state: AppState, position: &str) {
    let n = train_len(state);
    let choices = batch_choices(n);
    let Some(&b) = position.parse::<usize>().ok().and_then(|i| choices.get(i)) else {
        state.notify("Not changed: that batch-size position does not exist.");
        return;
    };
    let (old_b, old_lr) = state.config.with_untracked(|c| (c.batch_size.resolve(n), c.lr));
    state.set("bs", &b.to_string());
    let rule = state.lock.get_untracked();
    if rule != ScalingRule::None {
        let lr = rule.scale(old_b, old_lr, b.resolve(n));
        let mut probe = state.config.get_untracked();
        match probe.set("lr", &lr.to_string()) {
            Ok(()) => state.config.set(probe),
            Err(_) => state.notify(format!(
                "B moved to {b}, but η could not follow it {}: that would make η {}, outside its range; η stays {}.",
                rule.label(),
                fmt_lr(lr),
                fmt_lr(old_lr)
            )),
        }
    }
}

/// Moves η to the logarithmic slider's position `position`.
fn move_lr(state: AppState, position: &str) {
    let pos: f64 = position.parse().unwrap_or(0.0);
    state.set("lr", &fmt_lr(slider_to_lr(pos)));
}

/// An `on:change` handler that applies the field's value to `key`.
fn setter(state: AppState, key: &'static str) -> impl Fn(leptos::ev::Event) + Copy {
    move |ev| state.set(key, &event_target_value(&ev))
}

/// The label with its unit: "Warm-up (epochs)" (but "Epochs", not "Epochs (epochs)").
fn label(s: &Setting) -> String {
    if s.unit.is_empty() || matches!(s.domain, Domain::Choice { .. }) || s.label.eq_ignore_ascii_case(s.unit) {
        s.label.to_owned()
    } else {
        format!("{} ({})", s.label, s.unit)
    }
}

/// A field for one setting: a select for a choice, a number field for a plain number, a text field
/// for anything that also takes a word (`off`, `full`, `auto`) or a list.
#[component]
fn SettingField(key: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Every key in `crate::form` is in the table: a test keeps it so.
    let Some(s) = setting(key) else { return ().into_any() };
    let applies = move || state.config.with(|c| s.read(c).is_ok());
    let value = move || state.config.with(|c| s.read(c).map(|v| v.to_string()).unwrap_or_default());
    let input = match s.domain {
        Domain::Choice { names, labels } => {
            let options = names
                .iter()
                .zip(labels)
                .map(|(&name, &text)| view! { <option value=name selected=move || value() == name>{text}</option> })
                .collect_view();
            view! { <select data-testid=key on:change=setter(state, key)>{options}</select> }.into_any()
        }
        Domain::Whole { min, max, words: [] } => view! {
            <input type="number" step="1" min=min max=max data-testid=key prop:value=value on:change=setter(state, key) />
        }
        .into_any(),
        Domain::Real { min, max, words: [] } => view! {
            <input type="number" step="any" min=min max=max data-testid=key prop:value=value on:change=setter(state, key) />
        }
        .into_any(),
        _ => view! {
            <input type="text" spellcheck="false" data-testid=key prop:value=value on:change=setter(state, key) />
        }
        .into_any(),
    };
    let short = matches!(s.domain, Domain::Whole { .. } | Domain::Real { .. }) && !matches!(key, "lr" | "bs");
    view! {
        <label class=if short { "field short" } else { "field" } hidden=move || !applies()>
            <span class="label">{label(s)}</span>
            {input}
            <span class="hint">{s.help}</span>
        </label>
    }
    .into_any()
}

#[component]
pub fn Controls() -> impl IntoView {
    // A class link hides some controls: they keep the link's values and are not shown.
    let class = expect_context::<ClassView>();
    let main = crate::form::MAIN
        .iter()
        .filter(|&&key| class.shows(key) || key == "bs")
        .map(|&key| match key {
            "dataset" => view! { <super::dataset::DataSet /> }.into_any(),
            "bs" => view! { <BatchAndRate show_bs=class.shows("bs") show_lr=class.shows("lr") /> }.into_any(),
            "lr" => ().into_any(),
            "seed" => view! { <Seed /> }.into_any(),
            _ => view! { <SettingField key /> }.into_any(),
        })
        .collect_view();
    let more: Vec<&'static str> = crate::form::MORE.iter().copied().filter(|k| class.shows(k)).collect();
    view! {
        <aside class="controls" aria-label="Training settings">
            <h2>"Settings"</h2>
            <div class="run-bar">
                <QuickStrip show_bs=class.shows("bs") show_lr=class.shows("lr") />
                <RunButtons />
            </div>
            <p class="hint">"Changes apply when you press Start."</p>
            <div class="fields">{main}</div>
            {(!more.is_empty()).then(|| view! {
                <details class="more">
                    <summary>"More settings"</summary>
                    <div class="fields">
                        {more.into_iter().map(|key| view! { <SettingField key /> }).collect_view()}
                    </div>
                </details>
            })}
        </aside>
    }
}

/// The batch-size slider: one position per choice of B, saying its value.
#[component]
fn BatchSlider(testid: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <input type="range" min="0" step="1" data-testid=testid aria-label="batch size"
            aria-valuetext=move || format!("batch size {}", batch_text(state))
            prop:max=move || (batch_choices(train_len(state)).len() - 1).to_string()
            prop:value=move || batch_position(state).to_string()
            on:input=move |ev| move_batch(state, &event_target_value(&ev)) />
    }
}

/// The learning-rate slider, logarithmic from 0.0001 to 10, saying its value.
#[component]
fn LrSlider(testid: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lr = move || state.config.with(|c| c.lr);
    view! {
        <input type="range" min="0" max=LR_SLIDER_STEPS step="1" data-testid=testid
            aria-label="learning rate (log scale, 0.0001 to 10)"
            aria-valuetext=move || format!("learning rate {}", fmt_lr(lr()))
            prop:value=move || lr_to_slider(lr()).to_string()
            on:input=move |ev| move_lr(state, &event_target_value(&ev)) />
    }
}

/// On a phone, B and η beside Start at the foot of the screen, so a change and the curves it makes are
/// in view together. Wider screens hide it: there the form sits beside the charts.
#[component]
fn QuickStrip(show_bs: bool, show_lr: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let lr = move || fmt_lr(state.config.with(|c| c.lr));
    let batch = view! {
        <label class="quick-field">
            <span>"B " <output>{move || batch_text(state)}</output></span>
            <BatchSlider testid="quick-batch-size" />
        </label>
    };
    let rate = view! {
        <label class="quick-field">
            <span>"η " <output>{lr}</output></span>
            <LrSlider testid="quick-learning-rate" />
        </label>
    };
    view! { <div class="quick" data-testid="quick">{show_bs.then_some(batch)} {show_lr.then_some(rate)}</div> }
}

/// Start adds a run of the form's settings beside the others; Pause, Step act on the current run
/// (the newest, or the one picked in the list); Clear removes every run.
#[component]
fn RunButtons() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = move || state.lab.with(|l| l.current().map_or(Status::Idle, |r| r.view.status));
    let on_current = move |f: fn(&mut crate::lab::Lab, crate::lab::RunId) -> Vec<crate::lab::Command>| {
        if let Some(id) = state.current() {
            state.act(|l| f(l, id));
        }
    };
    view! {
        <div class="buttons">
            <button type="button" class="primary" data-testid="start" title="Train the form's settings beside the runs on screen"
                on:click=move |_| state.start()>"Start"</button>
            <button type="button" data-testid="pause"
                prop:disabled=move || !matches!(status(), Status::Training | Status::Paused)
                on:click=move |_| {
                    if status() == Status::Paused {
                        on_current(crate::lab::Lab::resume);
                    } else {
                        on_current(|l, id| l.pause(id));
                    }
                }>
                {move || if status() == Status::Paused { "Resume" } else { "Pause" }}
            </button>
            <button type="button" data-testid="step-once" title="One update while paused"
                prop:disabled=move || status() != Status::Paused
                on:click=move |_| on_current(|l, id| l.step(id))>"Step"</button>
            <button type="button" data-testid="reset" title="Stop and remove every run" aria-label="clear every run"
                on:click=move |_| state.act(crate::lab::Lab::clear)>"Clear"</button>
        </div>
    }
}

/// The batch-size and learning-rate sliders (either can be hidden by a class link).
#[component]
fn BatchAndRate(show_bs: bool, show_lr: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let config = state.config;
    let (Some(bs), Some(lr)) = (setting("bs"), setting("lr")) else { return ().into_any() };
    let bs_text = move || batch_text(state);
    let ratios = move || {
        config.with(|c| {
            let b = c.batch_size.resolve(train_len(state)) as f64;
            format!("η/B = {} · η/√B = {}", fmt_lr(c.lr / b), fmt_lr(c.lr / b.sqrt()))
        })
    };
    let on_lock = move |ev: leptos::ev::Event| {
        state.lock.set(ScalingRule::from_name(&event_target_value(&ev)).unwrap_or(ScalingRule::None));
    };
    // The current run's two marks on the η slider: the edge c/λ₀ at its start (where the catapult
    // begins: the banner's figure) and η_max(B), measured by runs of its settings (where it breaks).
    let marks = move || {
        state.lab.with(|l| {
            let run = l.current()?;
            let edge = run.view.start_limit(&run.config).map(|limit| limit.lr).filter(|e| e.is_finite() && *e > 0.0);
            let max = run.view.max_lr().and_then(|m| Some((m.batch_size, m.lr_max?)));
            let formula = run.config.optimizer.kind.edge_formula("λ₀");
            Some((edge.zip(formula), max))
        })
    };
    let tick = |class: &'static str, testid: &'static str, lr: f64, title: String| {
        let at = lr_to_slider(lr) / LR_SLIDER_STEPS * 100.0;
        view! {
            <span class=class data-testid=testid data-value=lr.to_string() style:left=format!("{at:.1}%") title=title></span>
        }
    };
    let ticks = move || {
        let (edge, max) = marks()?;
        Some(view! {
            {edge.map(|(e, formula)| tick("edge", "stability-edge", e, format!(
                "{formula} = {} for the current run: above it the loss first jumps, and the run may still catch itself",
                fmt_lr(e)
            )))}
            {max.map(|(b, m)| tick("edge max", "max-lr", m, format!(
                "η_max at B {b} = {}: the largest η that trained in runs of the current run's settings",
                fmt_lr(m)
            )))}
        })
    };
    let legend = move || {
        let (edge, max) = marks()?;
        let edge = edge.map(|(e, formula)| format!("amber: {formula} = {}, where the loss first jumps", fmt_lr(e)));
        let max = max.map(|(b, m)| format!("red: η_max at B {b} = {}, measured, where runs stop training", fmt_lr(m)));
        let both: Vec<String> = edge.into_iter().chain(max).collect();
        (!both.is_empty()).then(|| format!(" Ticks for the current run — {}.", both.join("; ")))
    };
    let batch = view! {
        <div class="field">
            <span class="label">{bs.label} " = " <output data-testid="batch-size-value">{bs_text}</output></span>
            <BatchSlider testid="batch-size" />
            <span class="hint">{bs.help}</span>
            <label class="lock">
                "η follows B: "
                <select data-testid="scaling-lock" on:change=on_lock>
                    {ScalingRule::ALL
                        .iter()
                        .map(|r| view! { <option value=r.name() selected=move || state.lock.get() == *r>{r.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <span class="hint" data-testid="scaling-ratios">{ratios}</span>
        </div>
    };
    let rate = view! {
        <div class="field">
            <span class="label">{lr.label}</span>
            <div class="lr-row">
                <div class="lr-slider">
                    <LrSlider testid="learning-rate-slider" />
                    {ticks}
                </div>
                <input type="number" step="any" min="0" data-testid="learning-rate" aria-label="learning rate"
                    prop:value=move || fmt_lr(config.with(|c| c.lr))
                    on:change=setter(state, "lr") />
            </div>
            <span class="hint" data-testid="lr-ticks-hint">{lr.help} " The slider is logarithmic, from 0.0001 to 10." {legend}</span>
        </div>
    };
    view! { {show_bs.then_some(batch)} {show_lr.then_some(rate)} }.into_any()
}

#[component]
fn Seed() -> impl IntoView {
    let state = expect_context::<AppState>();
    let Some(seed) = setting("seed") else { return ().into_any() };
    let new_seed = move |_| {
        let mut bytes = [0u8; 4];
        match getrandom::fill(&mut bytes) {
            Ok(()) => state.set("seed", &u32::from_le_bytes(bytes).to_string()),
            Err(e) => state.notify(format!("No random seed available: {e}.")),
        }
    };
    view! {
        <label class="field short">
            <span class="label">{seed.label}</span>
            <span class="seed-row">
                <input type="number" min="0" data-testid="seed"
                    prop:value=move || state.config.with(|c| c.seed.to_string())
                    on:change=setter(state, "seed") />
                <button type="button" class="icon" title="New random seed" aria-label="new random seed"
                    on:click=new_seed>"new"</button>
            </span>
            <span class="hint">{seed.help}</span>
        </label>
    }
    .into_any()
}

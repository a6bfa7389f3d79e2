//! The form: run buttons, data set and model, batch size and learning rate, schedule, run length and
//! seed. Every edit goes through [`AppState::set`], the same rules as links and CLI flags.

use leptos::prelude::*;

use batchlab_trainer::{DatasetConfig, OptimizerKind, RunConfig, ScheduleKind, ToyKind};

use super::AppState;
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

/// An `on:change`/`on:input` handler that applies the field's value to `key`.
fn setter(state: AppState, key: &'static str) -> impl Fn(leptos::ev::Event) + Copy {
    move |ev| state.set(key, &event_target_value(&ev))
}

#[component]
fn Field(label: &'static str, #[prop(optional)] hint: &'static str, children: Children) -> impl IntoView {
    view! {
        <label class="field">
            <span class="label">{label}</span>
            {children()}
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
        </label>
    }
}

#[component]
pub fn Controls() -> impl IntoView {
    view! {
        <aside class="controls" aria-label="Training settings">
            <h2>"Settings"</h2>
            <RunButtons />
            <p class="hint">"Changes apply when you press Start."</p>
            <DataAndModel />
            <BatchAndRate />
            <ScheduleFields />
            <LengthAndSeed />
        </aside>
    }
}

#[component]
fn RunButtons() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = move || state.run.with(|r| r.status);
    view! {
        <div class="buttons">
            <button type="button" class="primary" data-testid="start" on:click=move |_| state.start()>
                {move || if status().is_active() { "Restart" } else { "Start" }}
            </button>
            <button type="button" data-testid="pause"
                prop:disabled=move || !matches!(status(), Status::Training | Status::Paused)
                on:click=move |_| if status() == Status::Paused { state.resume() } else { state.pause() }>
                {move || if status() == Status::Paused { "Resume" } else { "Pause" }}
            </button>
            <button type="button" data-testid="step-once" title="One update while paused"
                prop:disabled=move || status() != Status::Paused
                on:click=move |_| state.step_once()>"Step"</button>
            <button type="button" data-testid="reset" on:click=move |_| state.reset()>"Reset"</button>
        </div>
    }
}

fn dataset_hint(name: &str) -> &'static str {
    match name {
        "digits" => "8×8 handwritten digits, 10 classes: 1437 to train, 360 to validate.",
        "moons" => "Two interleaved half-circles, 2 classes.",
        "circles" => "A ring around a disc, 2 classes.",
        "spiral" => "Three spiral arms, 3 classes.",
        "xor" => "Points labelled by the signs of x and y, 2 classes.",
        _ => "Three Gaussian blobs, 3 classes.",
    }
}

#[component]
fn DataAndModel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let config = state.config;
    let dataset = move || config.with(|c| c.dataset.name());
    let noise = move || {
        config.with(|c| match c.dataset {
            DatasetConfig::Toy { noise, .. } => noise.to_string(),
            DatasetConfig::Digits => String::new(),
        })
    };
    let hidden = move || {
        config.with(|c| {
            if c.model.hidden.is_empty() {
                "none".to_owned()
            } else {
                c.model.hidden.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
            }
        })
    };
    let optimizer = move || config.with(|c| c.optimizer.kind.name());
    let toy_options = ToyKind::ALL
        .into_iter()
        .map(|k| view! { <option value=k.name() selected=move || dataset() == k.name()>{k.name()}</option> })
        .collect_view();
    view! {
        <div class="field">
            <span class="label">"Data set"</span>
            <select data-testid="dataset" on:change=setter(state, "dataset")>
                <option value="digits" selected=move || dataset() == "digits">"digits (UCI 8×8)"</option>
                {toy_options}
            </select>
            <span class="hint">{move || dataset_hint(dataset())}</span>
        </div>
        <Show when=move || config.with(|c| matches!(c.dataset, DatasetConfig::Toy { .. }))>
            <Field label="Noise" hint="Standard deviation of the noise added to each point.">
                <input type="number" step="0.05" min="0" max="2" data-testid="noise" prop:value=noise
                    on:change=setter(state, "noise") />
            </Field>
        </Show>
        <Field label="Hidden layers" hint="Widths, e.g. 128 or 64,32; none for a linear model.">
            <input type="text" data-testid="hidden" prop:value=hidden on:change=setter(state, "hidden") />
        </Field>
        <Field label="Optimiser" hint="Momentum: β = 0.9. Adam: β₁ = 0.9, β₂ = 0.999.">
            <select data-testid="optimizer" on:change=setter(state, "optimizer")>
                {OptimizerKind::ALL
                    .into_iter()
                    .map(|k| {
                        let label = match k {
                            OptimizerKind::Sgd => "SGD",
                            OptimizerKind::Momentum => "SGD + momentum",
                            OptimizerKind::Nesterov => "SGD + Nesterov momentum",
                            OptimizerKind::Adam => "Adam",
                            OptimizerKind::AdamW => "AdamW",
                        };
                        view! { <option value=k.name() selected=move || optimizer() == k.name()>{label}</option> }
                    })
                    .collect_view()}
            </select>
        </Field>
    }
}

#[component]
fn BatchAndRate() -> impl IntoView {
    let state = expect_context::<AppState>();
    let config = state.config;
    let train_len = Memo::new(move |_| config.with(RunConfig::train_len));
    let bs_index = move || {
        let choices = batch_choices(train_len.get());
        let bs = config.with(|c| c.batch_size);
        choices.iter().position(|&b| b >= bs).unwrap_or(choices.len() - 1)
    };
    let bs_text = move || {
        let (bs, n) = (config.with(|c| c.batch_size), train_len.get());
        if bs >= n {
            format!("{n} (full batch)")
        } else {
            bs.to_string()
        }
    };
    let on_bs = move |ev: leptos::ev::Event| {
        let choices = batch_choices(train_len.get_untracked());
        match event_target_value(&ev).parse::<usize>().ok().and_then(|i| choices.get(i)) {
            Some(&usize::MAX) => state.set("bs", "full"),
            Some(b) => state.set("bs", &b.to_string()),
            None => state.notify("Not changed: that batch-size position does not exist."),
        }
    };
    let on_lr_slider = move |ev: leptos::ev::Event| {
        let pos: f64 = event_target_value(&ev).parse().unwrap_or(0.0);
        state.set("lr", &fmt_lr(slider_to_lr(pos)));
    };
    view! {
        <div class="field">
            <span class="label">"Batch size B = " <output data-testid="batch-size-value">{bs_text}</output></span>
            <input type="range" min="0" step="1" data-testid="batch-size" aria-label="batch size"
                prop:max=move || (batch_choices(train_len.get()).len() - 1).to_string()
                prop:value=move || bs_index().to_string()
                on:input=on_bs />
            <span class="hint">"Powers of two, up to the whole training set."</span>
        </div>
        <div class="field">
            <span class="label">"Learning rate η"</span>
            <div class="lr-row">
                <input type="range" min="0" max=LR_SLIDER_STEPS step="1" data-testid="learning-rate-slider"
                    aria-label="learning rate (log scale)"
                    prop:value=move || lr_to_slider(config.with(|c| c.lr)).to_string()
                    on:input=on_lr_slider />
                <input type="number" step="any" min="0" data-testid="learning-rate" aria-label="learning rate"
                    prop:value=move || fmt_lr(config.with(|c| c.lr))
                    on:change=setter(state, "lr") />
            </div>
            <span class="hint">"Log scale from 0.0001 to 10."</span>
        </div>
    }
}

#[component]
fn ScheduleFields() -> impl IntoView {
    let state = expect_context::<AppState>();
    let config = state.config;
    let kind = move || config.with(|c| c.schedule.kind);
    let name = move || match kind() {
        ScheduleKind::Constant => "constant",
        ScheduleKind::Step { .. } => "step",
        ScheduleKind::Exponential { .. } => "exp",
        ScheduleKind::Cosine => "cosine",
        ScheduleKind::Ramp { .. } => "ramp",
    };
    let step_every = move || match kind() {
        ScheduleKind::Step { every_epochs, .. } => every_epochs.to_string(),
        _ => String::new(),
    };
    let gamma = move || match kind() {
        ScheduleKind::Step { gamma, .. } | ScheduleKind::Exponential { gamma } => gamma.to_string(),
        _ => String::new(),
    };
    view! {
        <Field label="Schedule" hint="How η changes during the run (drawn under the loss).">
            <select data-testid="schedule" on:change=setter(state, "schedule")>
                <option value="constant" selected=move || name() == "constant">"constant"</option>
                <option value="step" selected=move || name() == "step">"step decay"</option>
                <option value="exp" selected=move || name() == "exp">"exponential decay"</option>
                <option value="cosine" selected=move || name() == "cosine">"cosine to zero"</option>
                <option value="ramp" selected=move || name() == "ramp">"ramp up ×1000 (LR range test)"</option>
            </select>
        </Field>
        <div class="row">
            <Show when=move || name() == "step">
                <Field label="Every (epochs)">
                    <input type="number" min="1" data-testid="step-every" prop:value=step_every
                        on:change=setter(state, "step_every") />
                </Field>
            </Show>
            <Show when=move || matches!(name(), "step" | "exp")>
                <Field label="× γ">
                    <input type="number" step="any" min="0" max="1" data-testid="gamma" prop:value=gamma
                        on:change=setter(state, "gamma") />
                </Field>
            </Show>
            <Field label="Warm-up (epochs)">
                <input type="number" step="any" min="0" data-testid="warmup"
                    prop:value=move || config.with(|c| c.schedule.warmup_epochs.to_string())
                    on:change=setter(state, "warmup") />
            </Field>
        </div>
    }
}

#[component]
fn LengthAndSeed() -> impl IntoView {
    let state = expect_context::<AppState>();
    let config = state.config;
    let new_seed = move |_| {
        let mut bytes = [0u8; 4];
        match getrandom::fill(&mut bytes) {
            Ok(()) => state.set("seed", &u32::from_le_bytes(bytes).to_string()),
            Err(e) => state.notify(format!("No random seed available: {e}.")),
        }
    };
    view! {
        <div class="row">
            <Field label="Epochs">
                <input type="number" min="1" data-testid="epochs"
                    prop:value=move || config.with(|c| c.epochs.to_string())
                    on:change=setter(state, "epochs") />
            </Field>
            <Field label="Seed">
                <span class="seed-row">
                    <input type="number" min="0" data-testid="seed"
                        prop:value=move || config.with(|c| c.seed.to_string())
                        on:change=setter(state, "seed") />
                    <button type="button" class="icon" title="New random seed" aria-label="new random seed"
                        on:click=new_seed>"new"</button>
                </span>
            </Field>
        </div>
    }
}

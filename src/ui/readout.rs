//! The current run's status and latest figures as text, its divergence/stall banner, and notices.

use leptos::prelude::*;

use batchlab_trainer::outcome::fmt_loss;

use super::AppState;
use crate::explain::{banner, BannerKind};
use crate::view_state::{RunView, Status};

#[component]
pub fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <ul class="notices" aria-live="polite">
            <For each=move || state.notices.get() key=|n| n.id let:n>
                <li class="notice" data-testid="notice">
                    <span>{n.text.clone()}</span>
                    // Named by what it dismisses: notices come several at a time.
                    <button type="button" class="icon" aria-label=format!("dismiss: {}", n.text)
                        on:click=move |_| state.notices.update(|v| v.retain(|x| x.id != n.id))>"×"</button>
                </li>
            </For>
        </ul>
    }
}

/// Says, in a polite live region, when a run starts and how it ends — once for each change of a run's
/// status, never for each step — for a reader who cannot see the status words and colours.
#[component]
pub fn Announcer() -> impl IntoView {
    let state = expect_context::<AppState>();
    let statuses =
        Memo::new(move |_| state.lab.with(|l| l.curves().map(|r| (r.id, r.view.status)).collect::<Vec<_>>()));
    let said = RwSignal::new(String::new());
    Effect::new(move |before: Option<Vec<(u32, Status)>>| {
        let now = statuses.get();
        let before = before.unwrap_or_default();
        let changes: Vec<String> = now
            .iter()
            .filter(|(id, status)| before.iter().find(|(b, _)| b == id).is_none_or(|(_, s)| s != status))
            .filter_map(|&(id, status)| {
                let verb = match status {
                    Status::Training => "started",
                    Status::Ended(verdict) => verdict.name(),
                    Status::Failed | Status::Stopped => status.word(),
                    Status::Idle | Status::Queued | Status::Starting | Status::Paused => return None,
                };
                let label = state.lab.with_untracked(|l| l.label(id));
                Some(format!("Run #{id} ({label}) {verb}."))
            })
            .collect();
        if !changes.is_empty() {
            said.set(changes.join(" "));
        }
        now
    });
    view! { <p class="sr-only" aria-live="polite" data-testid="announce">{said}</p> }
}

/// `f` of the current run's view, if there is a run.
fn current<T>(state: AppState, f: impl Fn(&RunView) -> T) -> Option<T> {
    state.lab.with(|l| l.current().map(|r| f(&r.view)))
}

#[component]
pub fn Banner() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.lab.with(|l| l.current().and_then(|r| banner(&r.view, &r.config))).map(|(kind, text)| {
            let class = match kind {
                BannerKind::Diverged | BannerKind::Failed => "banner diverged",
                BannerKind::Stalled | BannerKind::Unstable => "banner stalled",
                BannerKind::RangeTest | BannerKind::CaughtItself => "banner info",
            };
            view! { <div class=class role="alert" data-testid="banner">{text}</div> }
        })
    }
}

#[component]
fn Figure(
    #[prop(into)] label: Signal<&'static str>,
    testid: &'static str,
    value: Signal<Option<f64>>,
    percent: bool,
) -> impl IntoView {
    let text = move || match value.get() {
        None => "–".to_owned(),
        Some(v) if percent && v.is_finite() => format!("{:.1} %", 100.0 * v),
        Some(v) => fmt_loss(v),
    };
    view! {
        <div class="figure">
            <span class="label">{label}</span>
            <span class="value" data-testid=testid data-value=move || value.get().map(|v| v.to_string())>{text}</span>
        </div>
    }
}

#[component]
pub fn Readout() -> impl IntoView {
    let state = expect_context::<AppState>();
    let latest = move |f: fn(&batchlab_trainer::Point) -> f64| {
        Signal::derive(move || current(state, |r| r.latest().map(f)).flatten())
    };
    let train_loss = Signal::derive(move || current(state, |r| r.train_loss().map(|t| t.0)).flatten());
    let train_label = Signal::derive(move || {
        current(state, |r| r.train_loss().map_or("Training loss", |t| t.1)).unwrap_or("Training loss")
    });
    let status = move || current(state, |r| r.status.word()).unwrap_or("idle");
    let step = move || current(state, |r| r.step).unwrap_or(0);
    let total =
        move || current(state, |r| r.total_steps).filter(|t| *t > 0).map(|t| format!(" / {t}")).unwrap_or_default();
    let title = move || {
        state.lab.with(|l| {
            l.current()
                .map_or_else(|| "No run yet: press Start".to_owned(), |r| format!("Run #{} · {}", r.id, l.label(r.id)))
        })
    };
    let speed = move || {
        current(state, |r| {
            if r.working && r.status == Status::Training {
                return "Working on one long piece of the run (an evaluation of the whole set, a sharpness reading, or a \
                        fork's replay): a large model's step counter waits for it."
                    .to_owned();
            }
            if r.steps_per_sec <= 0.0 {
                return String::new();
            }
            let first = r.first_point_ms.map(|ms| format!(" · first point after {ms:.0} ms")).unwrap_or_default();
            let batch = r.latest().map_or(0, |p| p.batch_size);
            format!("{:.0} steps/s · {:.0} examples/s{first}", r.steps_per_sec, r.steps_per_sec * batch as f64)
        })
        .unwrap_or_default()
    };
    let digest = move || current(state, |r| r.summary.as_ref().map(|s| s.digest.clone())).flatten();
    view! {
        <div class="readout">
            <p class="run-title" data-testid="current-run">{title}</p>
            <div class="figures">
                <div class="figure">
                    <span class="label">"Status"</span>
                    <span class=move || format!("value status {}", status()) data-testid="status">{status}</span>
                </div>
                <div class="figure">
                    <span class="label">"Step"</span>
                    <span class="value"><span data-testid="step">{step}</span>{total}</span>
                </div>
                <Figure label=train_label testid="train-loss" value=train_loss percent=false />
                <Figure label="Validation loss" testid="val-loss" value=latest(|p| p.val_loss) percent=false />
                <Figure label="Validation accuracy" testid="val-acc" value=latest(|p| p.val_acc) percent=true />
            </div>
        </div>
        <p class="speed" data-testid="speed" data-working=move || current(state, |r| r.working.to_string())
            data-steps-per-sec=move || current(state, |r| r.steps_per_sec.to_string())
            data-first-point-ms=move || current(state, |r| r.first_point_ms.map(|v| v.to_string())).flatten()>
            {speed}
        </p>
        <p class="digest" data-testid="digest" hidden=move || digest().is_none()>
            "Run fingerprint: "
            <code>{digest}</code>
            " — the same settings give the same fingerprint, in any browser and natively."
        </p>
    }
}

//! Live diagnostics of the current run, each with one sentence saying what it means — sharpness
//! λ_max against the stability edge, the gradient-noise scale B_simple against the batch size, the
//! gradient norm — and the sharpness of every visible run against its 2/η.

use leptos::html::Canvas;
use leptos::prelude::*;

use batchlab_chart::Frame;
use batchlab_trainer::schedule::Schedule;
use batchlab_trainer::train::Diagnostic;

use super::charts::{curves, paint_layered, redraw_on_change, track_curves, BaseCache};
use super::AppState;
use crate::lab::Run;

/// Why a card has no figure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Missing {
    NoRun,
    Off,
    Measuring,
    /// The run ended without an estimate to show.
    Unresolved,
}

impl Missing {
    fn word(self) -> &'static str {
        match self {
            Missing::NoRun => "–",
            Missing::Off => "off",
            Missing::Measuring => "measuring…",
            Missing::Unresolved => "not resolved",
        }
    }
}

/// One diagnostic's card for the current run: its figure (for tests, `data-value`), the figure as
/// read, and what it means for the run or why there is none.
#[derive(Clone, PartialEq)]
struct Card {
    value: Option<f64>,
    text: String,
    hint: Option<String>,
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "∞ / NaN".to_owned()
    }
}

/// `diagnostic`'s figure measured by `step`, as its card writes it.
fn figure(diagnostic: Diagnostic, v: f64, step: usize) -> String {
    match diagnostic {
        Diagnostic::Sharpness => format!("{} (step {step})", fmt(v)),
        Diagnostic::NoiseScale => format!("{v:.0} (step {step})"),
        Diagnostic::GradNorm => fmt(v),
    }
}

/// What `diagnostic`'s figure `measured` means for `run`, or what its card says in any case.
fn meaning(run: Option<&Run>, diagnostic: Diagnostic, measured: Option<(usize, f64)>) -> Option<String> {
    match diagnostic {
        Diagnostic::GradNorm => Some("The size of the last minibatch gradient, before any clipping.".to_owned()),
        Diagnostic::Sharpness => {
            let (run, (step, v)) = (run?, measured?);
            let lr = run.view.latest().map_or(run.config.lr, |p| p.lr);
            Some(crate::explain::sharpness_sentence(run, v, step, lr))
        }
        Diagnostic::NoiseScale => {
            let (run, (_, v)) = (run?, measured?);
            let train_len = run.config.train_len();
            let batch = run.view.latest().map_or_else(|| run.config.batch_size.resolve(train_len), |p| p.batch_size);
            let rows = train_len.min(batchlab_trainer::diagnostics::NOISE_ROWS);
            Some(crate::explain::noise_sentence(batch, v, rows, train_len))
        }
    }
}

impl Card {
    fn of(run: Option<&Run>, diagnostic: Diagnostic) -> Self {
        let measured = run.and_then(|r| r.view.measured(diagnostic));
        if let Some((step, v)) = measured {
            return Card {
                value: Some(v),
                text: figure(diagnostic, v, step),
                hint: meaning(run, diagnostic, measured),
            };
        }
        let missing = match run.and_then(|r| Some((r, diagnostic.cadence(&r.config.diagnostics)?))) {
            None => Missing::NoRun,
            Some((_, c)) if !c.is_on() => Missing::Off,
            Some((r, _)) if r.view.status.is_active() => Missing::Measuring,
            Some(_) => Missing::Unresolved,
        };
        let hint = match (diagnostic, missing) {
            (Diagnostic::NoiseScale, Missing::Unresolved) => Some(crate::explain::UNRESOLVED_NOISE.to_owned()),
            _ => meaning(run, diagnostic, None),
        };
        Card { value: None, text: missing.word().to_owned(), hint }
    }
}

#[component]
pub fn Diagnostics() -> impl IntoView {
    let state = expect_context::<AppState>();
    let card = move |d: Diagnostic| state.lab.with(|l| Card::of(l.current(), d));
    let chart_ref = NodeRef::<Canvas>::new();
    let frame = RwSignal::new(None::<Frame>);
    let cache: BaseCache = StoredValue::new_local(None);
    let redraw = move || {
        let options = state.charts.get_untracked();
        let form = state.config.get_untracked();
        state.lab.with_untracked(|lab| {
            let schedules: Vec<(u32, Schedule)> = Vec::new();
            let ratio = window().device_pixel_ratio().max(1.0);
            if let Some(c) = chart_ref.get_untracked() {
                frame.set(paint_layered(&c, cache, |_| {
                    curves(lab, &schedules, &form, options, (ratio, state.theme.get_untracked(), false))
                        .sharpness_chart()
                }));
            }
        });
    };
    redraw_on_change(move || track_curves(state), redraw);
    let cards = Diagnostic::ALL
        .iter()
        .map(|&d| {
            view! {
                <div class="diag">
                    <span class="label">{d.label()}</span>
                    <span class="value" data-testid=d.name().replace('_', "-") data-value=move || card(d).value.map(|v| v.to_string())>
                        {move || card(d).text}
                    </span>
                    <span class="hint">{move || card(d).hint}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="diagnostics" aria-label="Diagnostics of the current run">
            {cards}
            <figure class="chart">
                <figcaption>"Sharpness λ_max of each run; dashed: 2/η for each run (c/η with momentum), the curvature above which its steps first overshoot"</figcaption>
                <canvas node_ref=chart_ref class="plot" data-testid="sharpness-chart" aria-label="sharpness of each run against its stability edge"></canvas>
            </figure>
        </section>
    }
}

//! Live diagnostics of the current run, each with one sentence saying what it means — sharpness
//! λ_max against the stability edge, the gradient-noise scale B_simple against the batch size, the
//! gradient norm — and the sharpness of every visible run against its 2/η.

use leptos::html::Canvas;
use leptos::prelude::*;

use batchlab_chart::Frame;
use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::schedule::Schedule;

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

/// A measured figure: its value, the step it was measured at, and what it means for the run.
type Measured = (f64, usize, String);

/// The current run's figures, and what the cards say in place of a missing one.
struct Figures {
    sharpness: Option<Measured>,
    noise: Option<Measured>,
    grad_norm: Option<f64>,
    missing: (Missing, Missing),
}

impl Figures {
    fn of(run: &Run) -> Self {
        let missing = |cadence: Cadence| {
            if !cadence.is_on() {
                Missing::Off
            } else if run.view.status.is_active() {
                Missing::Measuring
            } else {
                Missing::Unresolved
            }
        };
        let d = &run.config.diagnostics;
        let (sharpness, noise) = run.view.diagnostics();
        let lr = run.view.latest().map_or(run.config.lr, |p| p.lr);
        let batch =
            run.view.latest().map_or_else(|| run.config.batch_size.resolve(run.config.train_len()), |p| p.batch_size);
        let rows = run.config.train_len().min(batchlab_trainer::diagnostics::NOISE_ROWS);
        Figures {
            sharpness: sharpness.map(|(step, v)| (v, step, crate::explain::sharpness_sentence(run, v, step, lr))),
            noise: noise
                .map(|(step, v)| (v, step, crate::explain::noise_sentence(batch, v, rows, run.config.train_len()))),
            grad_norm: run.view.grad_norm(),
            missing: (missing(d.sharpness), missing(d.noise_scale)),
        }
    }
}

#[component]
pub fn Diagnostics() -> impl IntoView {
    let state = expect_context::<AppState>();
    let figures = move || state.lab.with(|l| l.current().map(Figures::of));
    let sharpness = move || figures().and_then(|f| f.sharpness);
    let noise = move || figures().and_then(|f| f.noise);
    let grad = move || figures().and_then(|f| f.grad_norm);
    // What the cards say without a figure: nothing to measure without a run.
    let missing = move || figures().map_or((Missing::NoRun, Missing::NoRun), |f| f.missing);
    let chart_ref = NodeRef::<Canvas>::new();
    let frame = RwSignal::new(None::<Frame>);
    let kept: BaseCache = StoredValue::new_local(None);
    let redraw = move || {
        let options = state.charts.get_untracked();
        let form = state.config.get_untracked();
        state.lab.with_untracked(|lab| {
            let schedules: Vec<(u32, Schedule)> = Vec::new();
            let ratio = window().device_pixel_ratio().max(1.0);
            if let Some(c) = chart_ref.get_untracked() {
                frame.set(paint_layered(&c, kept, |_| {
                    curves(lab, &schedules, &form, options, (ratio, state.theme.get_untracked(), false))
                        .sharpness_chart()
                }));
            }
        });
    };
    redraw_on_change(move || track_curves(state), redraw);
    let fmt = |v: f64| if v.is_finite() { format!("{v:.4}") } else { "∞ / NaN".to_owned() };
    view! {
        <section class="diagnostics" aria-label="Diagnostics of the current run">
            <div class="diag">
                <span class="label">"Sharpness λ_max"</span>
                <span class="value" data-testid="sharpness" data-value=move || sharpness().map(|s| s.0.to_string())>
                    {move || sharpness().map_or_else(|| missing().0.word().to_owned(), |s| format!("{} (step {})", fmt(s.0), s.1))}
                </span>
                <span class="hint">{move || sharpness().map(|s| s.2)}</span>
            </div>
            <div class="diag">
                <span class="label">"Noise scale B_simple"</span>
                <span class="value" data-testid="noise-scale" data-value=move || noise().map(|s| s.0.to_string())>
                    {move || noise().map_or_else(|| missing().1.word().to_owned(), |s| format!("{:.0} (step {})", s.0, s.1))}
                </span>
                <span class="hint">
                    {move || noise().map(|s| s.2).or_else(|| (missing().1 == Missing::Unresolved).then(|| crate::explain::UNRESOLVED_NOISE.to_owned()))}
                </span>
            </div>
            <div class="diag">
                <span class="label">"Gradient norm ‖g‖"</span>
                <span class="value" data-testid="grad-norm" data-value=move || grad().map(|g| g.to_string())>
                    {move || grad().map_or_else(|| "–".to_owned(), fmt)}
                </span>
                <span class="hint">"The size of the last minibatch gradient, before any clipping."</span>
            </div>
            <figure class="chart">
                <figcaption>"Sharpness λ_max of each run; dashed: 2/η for each run (c/η with momentum), the curvature above which its steps first overshoot"</figcaption>
                <canvas node_ref=chart_ref class="plot" data-testid="sharpness-chart" aria-label="sharpness of each run against its stability edge"></canvas>
            </figure>
        </section>
    }
}

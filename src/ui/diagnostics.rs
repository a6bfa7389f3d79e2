//! Live diagnostics of the current run, each with one sentence saying what it means — sharpness
//! λ_max against the stability edge, the gradient-noise scale B_simple against the batch size, the
//! gradient norm — and the sharpness of every visible run against its 2/η.

use leptos::html::Canvas;
use leptos::prelude::*;

use batchlab_chart::Frame;
use batchlab_trainer::schedule::Schedule;

use super::charts::{curves, paint};
use super::AppState;
use crate::lab::Run;
use crate::view_state::fmt_lr;

/// What the current run's sharpness says.
fn sharpness_sentence(run: &Run, lambda: f64, lr: f64) -> String {
    let o = run.config.optimizer;
    match o.kind.stability_constant(o.momentum) {
        Some(c) => {
            let edge = c / lambda;
            let side = if lr > edge {
                "above it: on this curvature descent would diverge, unless the network moves to flatter ground"
            } else {
                "below it"
            };
            format!(
                "The loss's largest curvature. Full-batch descent is stable here only while η < {}/λ_max = {}; this run's η = {} is {side}.",
                if (c - 2.0).abs() < 1e-12 { "2".to_owned() } else { format!("{c:.3}") },
                fmt_lr(edge),
                fmt_lr(lr)
            )
        }
        None => format!(
            "The loss's largest curvature. {}'s steps are scaled per weight, so no single η limit follows from it.",
            o.kind.label()
        ),
    }
}

#[component]
pub fn Diagnostics() -> impl IntoView {
    let state = expect_context::<AppState>();
    // (λ_max, step, sentence), (B_simple, step, sentence), grad norm
    let figures = move || {
        state.lab.with(|l| {
            let run = l.current()?;
            let (sharpness, noise) = run.view.diagnostics();
            let lr = run.view.latest().map_or(run.config.lr, |p| p.lr);
            let batch = run.view.latest().map_or_else(|| run.config.batch_size.resolve(run.config.train_len()), |p| p.batch_size);
            Some((
                sharpness.map(|(step, v)| (v, step, sharpness_sentence(run, v, lr))),
                noise.map(|(step, v)| {
                    // The project's own measurement, for the data set it was made on.
                    let digits = if run.config.dataset.kind == batchlab_trainer::DatasetKind::Digits {
                        " On digits the batch size past which larger batches stop saving steps measured about 30, well \
                         below B_simple (docs/science, E7)."
                    } else {
                        ""
                    };
                    (
                        v,
                        step,
                        format!(
                            "How noisy a batch's gradient is, against this run's B = {batch} (McCandlish et al. 2018): far below \
                             B_simple, a larger batch gives a much better gradient. A rough guide only.{digits}"
                        ),
                    )
                }),
                run.view.grad_norm(),
            ))
        })
    };
    let sharpness = move || figures().and_then(|f| f.0);
    let noise = move || figures().and_then(|f| f.1);
    let grad = move || figures().and_then(|f| f.2);
    let chart_ref = NodeRef::<Canvas>::new();
    let frame = RwSignal::new(None::<Frame>);
    let pending = StoredValue::new(false);
    let redraw = move || {
        pending.set_value(false);
        let options = state.charts.get_untracked();
        state.lab.with_untracked(|lab| {
            let schedules: Vec<(u32, Schedule)> = Vec::new();
            let ratio = window().device_pixel_ratio().max(1.0);
            if let Some(c) = chart_ref.get_untracked() {
                frame.set(paint(&c, |_| curves(lab, &schedules, options, ratio).sharpness_chart()));
            }
        });
    };
    Effect::new(move |_| {
        state.charts.track();
        state.lab.track();
        if !pending.get_value() {
            pending.set_value(true);
            request_animation_frame(redraw);
        }
    });
    let fmt = |v: f64| if v.is_finite() { format!("{v:.4}") } else { "∞ / NaN".to_owned() };
    view! {
        <section class="diagnostics" aria-label="Diagnostics of the current run">
            <div class="diag">
                <span class="label">"Sharpness λ_max"</span>
                <span class="value" data-testid="sharpness" data-value=move || sharpness().map(|s| s.0.to_string())>
                    {move || sharpness().map_or_else(|| "measuring…".to_owned(), |s| format!("{} (step {})", fmt(s.0), s.1))}
                </span>
                <span class="hint">{move || sharpness().map(|s| s.2)}</span>
            </div>
            <div class="diag">
                <span class="label">"Noise scale B_simple"</span>
                <span class="value" data-testid="noise-scale" data-value=move || noise().map(|s| s.0.to_string())>
                    {move || noise().map_or_else(|| "measuring…".to_owned(), |s| format!("{:.0} (step {})", s.0, s.1))}
                </span>
                <span class="hint">{move || noise().map(|s| s.2)}</span>
            </div>
            <div class="diag">
                <span class="label">"Gradient norm ‖g‖"</span>
                <span class="value" data-testid="grad-norm" data-value=move || grad().map(|g| g.to_string())>
                    {move || grad().map_or_else(|| "–".to_owned(), fmt)}
                </span>
                <span class="hint">"The size of the last minibatch gradient, before any clipping."</span>
            </div>
            <figure class="chart">
                <figcaption>"Sharpness λ_max of each run; dashed: its stability edge 2/η (c/η with momentum)"</figcaption>
                <canvas node_ref=chart_ref class="plot" data-testid="sharpness-chart" aria-label="sharpness of each run against its stability edge"></canvas>
            </figure>
        </section>
    }
}

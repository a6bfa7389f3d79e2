//! The loss chart (with the schedule under it) and the accuracy chart, drawn by `batchlab-chart` on
//! canvases whenever the run, the form or the window size changes.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use batchlab_chart::{draw, Curves, LineChart, XAxis};

use super::AppState;

/// Sizes the canvas to its laid-out size, then draws.
fn paint(canvas: &HtmlCanvasElement, chart: &LineChart) {
    let (w, h) = (canvas.client_width().max(1) as u32, canvas.client_height().max(1) as u32);
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) else { return };
    let area = backend.into_drawing_area();
    if let Err(e) =
        draw(&area, chart).and_then(|()| area.present().map_err(|e| batchlab_chart::ChartError::from_debug(&e)))
    {
        web_sys::console::error_1(&e.to_string().into());
    }
}

#[component]
pub fn Charts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (loss_ref, lr_ref, acc_ref) = (NodeRef::<Canvas>::new(), NodeRef::<Canvas>::new(), NodeRef::<Canvas>::new());
    let resized = RwSignal::new(0u32);
    let listener = window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n += 1));
    on_cleanup(move || listener.remove());

    Effect::new(move |_| {
        resized.track();
        let (x_axis, log_y) = (state.x_axis.get(), state.log_y.get());
        // While a run is on screen, draw its config; before, the form's (so the schedule shows).
        let config = state.run.with(|r| r.config.clone()).unwrap_or_else(|| state.config.get());
        let schedule = config.schedule();
        state.run.with(|run| {
            let curves = Curves {
                trace: &run.trace,
                divergence: run.divergence(),
                x_axis,
                log_y,
                x_max: match x_axis {
                    XAxis::Epochs => schedule.epoch(schedule.total_steps),
                    XAxis::Steps => schedule.total_steps as f64,
                },
                classes: config.dataset.classes(),
            };
            if let Some(c) = loss_ref.get() {
                paint(&c, &curves.loss_chart());
            }
            if let Some(c) = lr_ref.get() {
                paint(&c, &curves.lr_chart(&schedule));
            }
            if let Some(c) = acc_ref.get() {
                paint(&c, &curves.accuracy_chart());
            }
        });
    });

    let diverged = move || state.run.with(|r| r.divergence().map(|d| d.step.to_string()));
    view! {
        <div class="chart-tools">
            <label class="toggle">
                <input type="checkbox" data-testid="log-y" prop:checked=move || state.log_y.get()
                    on:change=move |ev| state.log_y.set(event_target_checked(&ev)) />
                " log-scale loss"
            </label>
            <label class="toggle">
                "x-axis "
                <select data-testid="x-axis" on:change=move |ev| state.x_axis.set(if event_target_value(&ev) == "steps" { XAxis::Steps } else { XAxis::Epochs })>
                    <option value="epochs" selected=move || state.x_axis.get() == XAxis::Epochs>"epochs"</option>
                    <option value="steps" selected=move || state.x_axis.get() == XAxis::Steps>"steps"</option>
                </select>
            </label>
        </div>
        <figure class="chart">
            <figcaption>"Loss — " <span class="key train">"training"</span> " and " <span class="key val">"validation"</span></figcaption>
            <canvas node_ref=loss_ref class="plot tall" data-testid="loss-chart" data-diverged-step=diverged
                aria-label="training and validation loss"></canvas>
            <canvas node_ref=lr_ref class="plot strip" data-testid="lr-chart" aria-label="learning-rate schedule"></canvas>
        </figure>
        <figure class="chart">
            <figcaption>"Validation accuracy"</figcaption>
            <canvas node_ref=acc_ref class="plot" data-testid="acc-chart" data-diverged-step=diverged
                aria-label="validation accuracy"></canvas>
        </figure>
    }
}

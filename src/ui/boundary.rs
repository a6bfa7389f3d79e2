//! The current run's decision boundary on a 2-D data set, as it trains: the plane tinted by the class
//! its model gives each point, under the training points (TensorFlow Playground's view). Pick another
//! run in the list to see its boundary.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;

use batchlab_chart::{draw_boundary, Boundary};

use super::charts::redraw_on_change;
use super::AppState;
use crate::protocol::MAX_LIVE_WEIGHTS;

/// Cells per side of the grid the model classifies.
const CELLS: usize = 48;

#[component]
pub fn DecisionBoundary() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<Canvas>::new();
    // The run shown: the current one, when it trains on 2-D data.
    let shown = move || {
        state.lab.with(|l| {
            l.current().filter(|r| r.config.dataset.features() == 2).map(|r| {
                let params = r.config.model.param_count(2, r.config.dataset.classes());
                (r.id, params > MAX_LIVE_WEIGHTS)
            })
        })
    };
    let redraw = move || {
        let Some(c) = canvas.get_untracked() else { return };
        state.lab.with_untracked(|l| {
            let Some(run) = l.current() else { return };
            let Some(model) = run.view.model() else { return };
            let points: Vec<(f64, f64, usize)> = run
                .view
                .plane
                .iter()
                .flatten()
                .map(|&(x, y, k)| (f64::from(x), f64::from(y), usize::from(k)))
                .collect();
            let ratio = window().device_pixel_ratio().max(1.0);
            let title = format!("#{} at step {}", run.id, run.view.step);
            let boundary = Boundary {
                scale: ratio,
                theme: state.theme.get_untracked(),
                ..Boundary::of(model, &points, CELLS, &title)
            };
            let (w, h) = (c.client_width().max(1), c.client_height().max(1));
            c.set_width((f64::from(w) * ratio).round() as u32);
            c.set_height((f64::from(h) * ratio).round() as u32);
            if let Some(backend) = super::canvas::Canvas::on(&c) {
                let area = backend.into_drawing_area();
                match draw_boundary(&area, &boundary)
                    .and_then(|_| area.present().map_err(|e| batchlab_chart::ChartError::from_debug(&e)))
                {
                    Ok(()) => {}
                    Err(e) => web_sys::console::error_1(&e.to_string().into()),
                }
            }
        });
    };
    redraw_on_change(
        move || {
            state.lab.track();
            state.theme.track();
        },
        redraw,
    );
    view! {
        <section class="panel boundary" aria-label="Decision boundary" hidden=move || shown().is_none()>
            <h2>"Decision boundary"</h2>
            <p class="hint">
                "The plane tinted by the class the current run's model gives each point, under its training points; it moves as the run trains. Pick a run in the list to see its boundary."
            </p>
            <canvas node_ref=canvas class="plot square" data-testid="boundary"
                data-run=move || shown().map(|s| s.0)
                aria-label="decision boundary of the current run over its training points"></canvas>
            <p class="hint" hidden=move || !shown().is_some_and(|s| s.1)>
                {format!("This model is too large to draw while it trains (more than {MAX_LIVE_WEIGHTS} parameters).")}
            </p>
        </section>
    }
}

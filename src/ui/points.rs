//! Editing a 2-D data set by hand, as TensorFlow Playground lets one: the form's points on a plane;
//! a click adds a point of the chosen class, a shift-click removes the nearest one. Each edit is a new
//! table, as if a CSV file had been loaded, and the form trains on it from then on.

use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;

use batchlab_chart::{draw_boundary, Boundary, Plane};
use batchlab_trainer::data::{Table, TableShape};

use super::charts::redraw_on_change;
use super::AppState;

/// A shift-click removes the nearest point within this many CSS pixels.
const REACH_PX: f64 = 8.0;

#[component]
pub fn PointEditor() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<Canvas>::new();
    let plane = StoredValue::new(None::<Plane>);
    let class = RwSignal::new(0usize);
    // The last table an edit here made: forgotten at the next edit if nothing trains on it.
    let last_edit = StoredValue::new(None::<TableShape>);
    // The form's points: its CSV file's table, or its toy set's points (the lab is read untracked: a
    // table is added to it before the form names it).
    let table = Memo::new(move |_| {
        state.config.with(|c| {
            if c.dataset.features() != 2 {
                return None;
            }
            match c.dataset.table() {
                Some(shape) => state.lab.with_untracked(|l| l.table(shape)),
                None => c.dataset.toy_table(c.seed).map(Arc::new),
            }
        })
    });
    let redraw = move || {
        let (Some(c), Some(t)) = (canvas.get_untracked(), table.get_untracked()) else { return };
        let points: Vec<(f64, f64, usize)> =
            t.x.chunks(2).zip(&t.y).map(|(p, &k)| (f64::from(p[0]), f64::from(p[1]), usize::from(k))).collect();
        let ratio = window().device_pixel_ratio().max(1.0);
        let title = format!("{}: {} points", t.name, t.shape.rows);
        let drawing =
            Boundary { scale: ratio, theme: state.theme.get_untracked(), ..Boundary::points(&points, &title) };
        let (w, h) = (c.client_width().max(1), c.client_height().max(1));
        c.set_width((f64::from(w) * ratio).round() as u32);
        c.set_height((f64::from(h) * ratio).round() as u32);
        let Some(backend) = super::canvas::Canvas::on(&c) else { return };
        let area = backend.into_drawing_area();
        match draw_boundary(&area, &drawing) {
            Ok(p) => plane.set_value(Some(p)),
            Err(e) => web_sys::console::error_1(&e.to_string().into()),
        }
        let _ = area.present();
    };
    redraw_on_change(
        move || {
            table.with(|_| ());
            state.theme.track();
        },
        redraw,
    );
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let (Some(t), Some(p)) = (table.get_untracked(), plane.get_value()) else { return };
        let ratio = window().device_pixel_ratio().max(1.0);
        let Some((x, y)) = p.at(f64::from(ev.offset_x()) * ratio, f64::from(ev.offset_y()) * ratio) else { return };
        let edited = if ev.shift_key() {
            let (sx, sy) = p.pixel();
            t.without_point(x as f32, y as f32, (REACH_PX * ratio) as f32, (sx as f32, sy as f32))
        } else {
            t.with_point(x as f32, y as f32, class.get_untracked())
        };
        match edited {
            Ok(next) => use_edit(state, next, t.shape, last_edit),
            Err(e) => state.notify(format!("Not changed: {e}.")),
        }
    };
    let classes = move || {
        table.with(|t| {
            t.as_ref().map(|t| {
                t.classes
                    .iter()
                    .enumerate()
                    .map(|(k, name)| view! { <option value=k.to_string() selected=move || class.get() == k>{format!("class {name}")}</option> })
                    .collect_view()
            })
        })
    };
    view! {
        <section class="panel points" aria-label="Edit the points" hidden=move || table.with(Option::is_none)>
            <h2>"Edit the points"</h2>
            <p class="hint">
                "The form's data set. Click to add a point of the class chosen; shift-click removes the nearest point. The edited set is trained on from the next Start, and its features are then standardised as a CSV file's."
            </p>
            <label class="field short">
                <span class="label">"Class to add"</span>
                <select data-testid="point-class" on:change=move |ev| class.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {classes}
                </select>
            </label>
            <button type="button" class="small" data-testid="save-points"
                title="A CSV file of these points: Load CSV reads it back as the very same data set, here or in another browser"
                on:click=move |_| {
                    if let Some(t) = table.get_untracked() {
                        let name = super::download::file_name("points", "csv");
                        if !super::download::save(&name, "text/csv", t.to_csv().as_bytes()) {
                            state.notify("The points could not be saved.");
                        }
                    }
                }>"Save these points as CSV"</button>
            <canvas node_ref=canvas class="plot square" data-testid="points" on:click=on_click
                data-rows=move || table.with(|t| t.as_ref().map(|t| t.shape.rows))
                aria-label="the form's data points; click to add one, shift-click to remove one"></canvas>
        </section>
    }
}

/// Trains on `next` from now on; forgets the edit before it (`was`) if nothing trains on it.
fn use_edit(state: AppState, next: Table, was: TableShape, last_edit: StoredValue<Option<TableShape>>) {
    let word = format!("csv:{}", next.shape);
    let shape = next.shape;
    state.lab.update(|l| {
        l.add_table(next);
        if last_edit.get_value() == Some(was) {
            l.forget_table(was);
        }
    });
    last_edit.set_value(Some(shape));
    state.set("dataset", &word);
}

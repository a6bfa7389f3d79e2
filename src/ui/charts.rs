//! The charts of the runs on screen — loss with η under it, and validation accuracy — drawn by
//! `batchlab-chart` on canvases at the screen's pixel ratio and in the page's theme, at most once a
//! frame. Hovering a chart (or, focused, its arrow keys) shows every visible run's values at that x;
//! a sentence under each chart says what its curves do (`crate::summary`), and a table says each
//! run's figures for screen readers.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use batchlab_chart::{
    draw, draw_part, legend_height, ChartError, Curves, Ensemble, Frame, LineChart, Part, RunCurve, Theme, Trace, XAxis,
};
use batchlab_trainer::outcome::fmt_loss;
use batchlab_trainer::schedule::Schedule;
use batchlab_trainer::RunConfig;

use super::{AppState, ChartOptions};
use crate::lab::{Lab, Run};
use crate::view_state::fmt_lr;

/// Sizes the canvas to its laid-out size at the screen's pixel ratio, then draws; returns the plot's
/// frame in CSS pixels' device-pixel units, for hovering.
pub fn paint(canvas: &HtmlCanvasElement, chart: impl FnOnce(f64) -> LineChart) -> Option<Frame> {
    let _timed = DrawTiming::start();
    let ratio = fit(canvas);
    draw_on(canvas, |area| draw(area, &chart(ratio)))
}

/// A chart's base (see [`Part`]) as last drawn, kept off screen while its key holds.
pub struct OffscreenBase {
    key: u64,
    canvas: HtmlCanvasElement,
    frame: Frame,
}

/// Where a chart keeps its base between redraws.
pub type BaseCache = StoredValue<Option<OffscreenBase>, LocalStorage>;

/// [`paint`] for a chart redrawn while runs train: the base (axes, and the lines of runs that no
/// longer change) is drawn off screen only when it changes, and each redraw copies it and draws the
/// live lines over it. Eight long runs of which two train cost the browser a quarter of the strokes.
pub fn paint_layered(
    canvas: &HtmlCanvasElement,
    cache: BaseCache,
    chart: impl FnOnce(f64) -> LineChart,
) -> Option<Frame> {
    use std::hash::{Hash, Hasher};
    let _timed = DrawTiming::start();
    let ratio = fit(canvas);
    let chart = chart(ratio);
    let mut key = std::hash::DefaultHasher::new();
    (chart.base_key(), canvas.width(), canvas.height()).hash(&mut key);
    let key = key.finish();
    if !cache.with_value(|k| k.as_ref().is_some_and(|k| k.key == key)) {
        let base = match cache.with_value(|k| k.as_ref().map(|k| k.canvas.clone())) {
            Some(base) => base,
            None => document().create_element("canvas").ok()?.dyn_into::<HtmlCanvasElement>().ok()?,
        };
        // Setting the size also clears it.
        base.set_width(canvas.width());
        base.set_height(canvas.height());
        let frame = draw_on(&base, |area| draw_part(area, &chart, Part::Base))?;
        cache.set_value(Some(OffscreenBase { key, canvas: base, frame }));
    }
    let (base, frame) = cache.with_value(|k| k.as_ref().map(|k| (k.canvas.clone(), k.frame)))?;
    let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
    // The base is opaque: the copy covers the last redraw.
    context.draw_image_with_html_canvas_element(&base, 0.0, 0.0).ok()?;
    draw_on(canvas, |area| draw_part(area, &chart, Part::Live(frame)))
}

/// Sizes the canvas to its laid-out size at the screen's pixel ratio; returns the ratio.
fn fit(canvas: &HtmlCanvasElement) -> f64 {
    let ratio = window().device_pixel_ratio().max(1.0);
    let (w, h) = (canvas.client_width().max(1), canvas.client_height().max(1));
    let (pw, ph) = ((f64::from(w) * ratio).round() as u32, (f64::from(h) * ratio).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    ratio
}

/// Draws on the canvas with `draw`; a failure is said on the console (a chart that cannot be drawn
/// leaves the page as it was).
fn draw_on(
    canvas: &HtmlCanvasElement,
    draw: impl FnOnce(&DrawingArea<super::canvas::Canvas, Shift>) -> Result<Frame, ChartError>,
) -> Option<Frame> {
    let area = super::canvas::Canvas::on(canvas)?.into_drawing_area();
    let result = draw(&area).and_then(|frame| {
        area.present().map_err(|e| ChartError::from_debug(&e))?;
        Ok(frame)
    });
    match result {
        Ok(frame) => Some(frame),
        Err(e) => {
            web_sys::console::error_1(&e.to_string().into());
            None
        }
    }
}

/// A chart draw, reported to the page's performance timeline as a `chart-draw` measure (which a
/// `PerformanceObserver` sees: the e2e frame benchmark reads it). The entries are cleared at once,
/// so a long session does not collect them.
struct DrawTiming(Option<web_sys::Performance>);

impl DrawTiming {
    const START: &'static str = "chart-draw-start";
    const MEASURE: &'static str = "chart-draw";

    fn start() -> Self {
        let performance = window().performance();
        Self(performance.filter(|p| p.mark(Self::START).is_ok()))
    }
}

impl Drop for DrawTiming {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            // Timing is a report for the benchmark: a browser that refuses it changes nothing.
            let _ = p.measure_with_start_mark(Self::MEASURE, Self::START);
            p.clear_marks_with_mark_name(Self::START);
            p.clear_measures_with_measure_name(Self::MEASURE);
        }
    }
}

/// Redraws after a change of what `track` reads or of the window's size: at most once every
/// [`REDRAW_EVERY_MS`] however many messages arrive, and in turn with the other charts, one chart an
/// animation frame. A canvas of many long curves costs the browser more to rasterise than to
/// describe, and while runs train the workers hold the cores: charts redrawn together at every
/// message starve the page's own frames.
pub fn redraw_on_change(track: impl Fn() + 'static, redraw: impl Fn() + Copy + 'static) {
    let state = expect_context::<AppState>();
    let pending = StoredValue::new(false);
    let last_ms = StoredValue::new(f64::NEG_INFINITY);
    let enqueue = move || {
        queue_redraw(Box::new(move || {
            // A chart taken off the page before its turn has nothing to draw on.
            if pending.is_disposed() {
                return;
            }
            pending.set_value(false);
            last_ms.set_value(super::now_ms());
            redraw();
        }));
    };
    Effect::new(move |_| {
        state.resized.track();
        track();
        if pending.get_value() {
            return;
        }
        pending.set_value(true);
        let wait_ms = last_ms.get_value() + REDRAW_EVERY_MS - super::now_ms();
        if wait_ms > 0.0 {
            set_timeout(enqueue, std::time::Duration::from_secs_f64(wait_ms / 1000.0));
        } else {
            enqueue();
        }
    });
}

/// The shortest time between two redraws of one chart: ten a second keeps a curve moving.
const REDRAW_EVERY_MS: f64 = 100.0;

thread_local! {
    /// The charts waiting to be redrawn, first come first drawn.
    static REDRAWS: std::cell::RefCell<std::collections::VecDeque<Box<dyn FnOnce()>>> =
        std::cell::RefCell::default();
}

/// Queues a redraw; the first in the queue starts the frames that draw them, one a frame.
fn queue_redraw(redraw: Box<dyn FnOnce()>) {
    let first = REDRAWS.with_borrow_mut(|q| {
        q.push_back(redraw);
        q.len() == 1
    });
    if first {
        request_animation_frame(redraw_next);
    }
}

fn redraw_next() {
    if let Some(redraw) = REDRAWS.with_borrow_mut(std::collections::VecDeque::pop_front) {
        redraw();
    }
    if REDRAWS.with_borrow(|q| !q.is_empty()) {
        request_animation_frame(redraw_next);
    }
}

/// Reads what the curves are drawn from (the runs, the chart options and the form), so an effect
/// that calls it redraws them on a change.
pub fn track_curves(state: AppState) {
    state.charts.track();
    state.theme.track();
    state.config.track();
    state.lab.track();
}

/// The planned extent of a fresh run of `config` on an x-axis; `None` for time, unknown until it runs.
fn planned_extent(config: &RunConfig, axis: XAxis) -> Option<f64> {
    match axis {
        XAxis::Steps => Some(config.schedule().total_steps as f64),
        XAxis::Epochs => {
            let s = config.schedule();
            Some(s.epoch(s.total_steps))
        }
        XAxis::Examples => Some(match config.steps {
            None => (config.epochs * config.train_len()) as f64,
            Some(steps) => (steps * config.max_batch_size()) as f64,
        }),
        XAxis::Seconds => None,
    }
}

/// The extent of a run on an x-axis, planned where known (so its curve grows into a fixed frame).
fn extent(run: &Run, axis: XAxis) -> f64 {
    let last = run.view.trace.buckets().last().map_or(0.0, |b| axis.of(b));
    let planned = match (axis, &run.fork) {
        (XAxis::Steps, _) => Some(run.view.total_steps.max(run.config.schedule().total_steps) as f64),
        (_, None) => planned_extent(&run.config, axis),
        (_, Some(_)) => None,
    };
    planned.unwrap_or(last).max(last)
}

/// The curves of the visible runs: a group of two or more visible runs (seeds of one setting) as an
/// ensemble, the rest one by one. With none, the frame is the one a run of `form` would fill.
/// `legend` names each run on the chart itself, as the run list does on the page (for a file).
pub fn curves<'a>(
    lab: &'a Lab,
    schedules: &'a [(u32, Schedule)],
    form: &RunConfig,
    options: ChartOptions,
    (ratio, theme, legend): (f64, Theme, bool),
) -> Curves<'a> {
    let visible: Vec<&Run> = lab.curves().filter(|r| r.visible).collect();
    let mut runs = Vec::new();
    let mut ensembles: Vec<Ensemble> = Vec::new();
    for r in &visible {
        let members: Vec<&Run> = visible.iter().copied().filter(|m| m.group == r.group).collect();
        if members.len() > 1 {
            if members[0].id == r.id {
                let seeds = format!(" ({} seeds)", members.len());
                ensembles.push(Ensemble {
                    members: members.iter().map(|m| &m.view.trace).collect(),
                    look: theme.look(r.look),
                    live: members.iter().any(|m| m.view.status.is_active()),
                    label: if legend { run_name(lab, r) + &seeds } else { String::new() },
                });
            }
            continue;
        }
        runs.push(RunCurve {
            trace: &r.view.trace,
            look: theme.look(r.look),
            mark: r.view.mark(),
            schedule: r.fork.is_none().then(|| schedules.iter().find(|s| s.0 == r.id).map(|s| &s.1)).flatten(),
            optimizer: r.config.optimizer,
            lr: r.config.lr,
            live: r.view.status.is_active(),
            label: if legend { run_name(lab, r) } else { String::new() },
        });
    }
    let x_max = if visible.is_empty() {
        planned_extent(form, options.x_axis).unwrap_or(1.0)
    } else {
        visible.iter().map(|r| extent(r, options.x_axis)).fold(0.0, f64::max)
    };
    let classes = lab.chart_classes();
    Curves {
        runs,
        ensembles,
        x_axis: options.x_axis,
        log_y: options.log_y,
        smoothing: options.smoothing,
        x_max,
        classes,
        scale: ratio,
        theme,
    }
}

/// A run's name as the run list writes it: "#2 B 512, η 0.1".
fn run_name(lab: &Lab, r: &Run) -> String {
    format!("#{} {}", r.id, lab.label(r.id))
}

/// Every visible run's values at `x`, for the hover box: its look, name and figures.
fn values_at(lab: &Lab, axis: XAxis, x: f64) -> Vec<(usize, String, String)> {
    lab.curves()
        .filter(|r| r.visible)
        .filter_map(|r| {
            let b = r.view.trace.at(axis, x)?;
            let p = &b.last;
            Some((
                r.look,
                run_name(lab, r),
                format!(
                    "step {} · train {} · val {} · acc {:.1} % · η {}",
                    p.step,
                    fmt_loss(p.train_loss),
                    fmt_loss(p.val_loss),
                    100.0 * p.val_acc,
                    fmt_lr(p.lr)
                ),
            ))
        })
        .collect()
}

/// Where the read-out is: the pointer or the keyboard's place (CSS pixels in the canvas). Its x is
/// read off the chart's current frame, so that it follows a change of x-axis or a growing frame
/// rather than keep a value of the axis it was read on.
#[derive(Clone, Copy, PartialEq)]
struct Hover {
    left: f64,
    top: f64,
    by_keys: bool,
}

/// One chart canvas with its read-out, which the pointer moves, or the arrow keys when the chart has
/// the focus (a 50th of the plot a press, a 10th with Shift; Home and End; Escape hides it).
#[component]
fn Plot(
    node_ref: NodeRef<Canvas>,
    frame: RwSignal<Option<Frame>>,
    class: &'static str,
    testid: &'static str,
    label: &'static str,
    /// The id of the sentence that says what the chart shows.
    summary: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let hover = RwSignal::new(None::<Hover>);
    let ratio = || window().device_pixel_ratio().max(1.0);
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let (left, top) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let inside = frame.get_untracked().and_then(|f| f.x_at(left * ratio())).is_some();
        hover.set(inside.then_some(Hover { left, top, by_keys: false }));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(f) = frame.get_untracked() else { return };
        let (l, r) = (f64::from(f.left) / ratio(), f64::from(f.right) / ratio());
        let now = hover.get_untracked().map_or(r, |h| h.left);
        let stride = (r - l) / if ev.shift_key() { 10.0 } else { 50.0 };
        let to = match ev.key().as_str() {
            "ArrowRight" => now + stride,
            "ArrowLeft" => now - stride,
            "Home" => l,
            "End" => r,
            "Escape" => return hover.set(None),
            _ => return,
        };
        ev.prevent_default();
        let left = to.clamp(l, r);
        let top = f64::from(f.top) / ratio() + 8.0;
        hover.set(f.x_at(left * ratio()).map(|_| Hover { left, top, by_keys: true }));
    };
    let rows = move || {
        let h = hover.get()?;
        let x = frame.get()?.x_at(h.left * ratio())?;
        let axis = state.charts.with(|c| c.x_axis);
        let rows = state.lab.with(|l| values_at(l, axis, x));
        (!rows.is_empty()).then_some((h, x, axis, rows))
    };
    let tip = move || {
        let (h, x, axis, rows) = rows()?;
        // The box stays inside the chart: right of the point on the left half, left of it on the right.
        let width = node_ref.get_untracked().map_or(0.0, |c| f64::from(c.client_width()));
        let (left, right) = if h.left > width / 2.0 {
            (None, Some(format!("{}px", width - h.left + 12.0)))
        } else {
            (Some(format!("{}px", h.left + 12.0)), None)
        };
        Some(view! {
            <div class="hover-line" style:left=format!("{}px", h.left)></div>
            <div class="hover" data-testid="hover" style:left=left style:right=right style:top=format!("{}px", h.top + 12.0)>
                <div class="hover-x">{format!("{} {}", axis.label(), batchlab_chart::fmt_tick(x))}</div>
                {rows.into_iter().map(|(look, name, values)| view! {
                    <div><super::runs::RunKey look /> <b>{name}</b>": "{values}</div>
                }).collect_view()}
            </div>
        })
    };
    // What the keys read out is said once, politely, for a screen reader.
    let spoken = move || {
        let (_, x, axis, rows) = rows().filter(|r| r.0.by_keys)?;
        let each: Vec<String> = rows.iter().map(|(_, name, values)| format!("{name}: {values}")).collect();
        Some(format!("{} {}: {}", axis.label(), batchlab_chart::fmt_tick(x), each.join("; ")))
    };
    view! {
        <div class="plot-wrap">
            <canvas node_ref=node_ref class=class data-testid=testid tabindex="0" role="img"
                aria-label=format!("{label}; with the focus here, the arrow keys read the values at a point")
                aria-describedby=summary
                on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
            {tip}
            <p class="sr-only" aria-live="polite" data-testid=format!("{testid}-spoken")>{spoken}</p>
        </div>
    }
}

#[component]
pub fn Charts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (loss_ref, lr_ref, acc_ref) = (NodeRef::<Canvas>::new(), NodeRef::<Canvas>::new(), NodeRef::<Canvas>::new());
    let frames = [RwSignal::new(None), RwSignal::new(None), RwSignal::new(None)];
    let caches: [BaseCache; 3] = std::array::from_fn(|_| StoredValue::new_local(None));
    let redraw = move || {
        let options = state.charts.get_untracked();
        let form = state.config.get_untracked();
        state.lab.with_untracked(|lab| {
            let schedules: Vec<(u32, Schedule)> = lab.curves().map(|r| (r.id, r.config.schedule())).collect();
            let ratio = window().device_pixel_ratio().max(1.0);
            let curves = curves(lab, &schedules, &form, options, (ratio, state.theme.get_untracked(), false));
            let form_schedule = form.schedule();
            if let Some(c) = loss_ref.get_untracked() {
                frames[0].set(paint_layered(&c, caches[0], |_| curves.loss_chart()));
            }
            if let Some(c) = lr_ref.get_untracked() {
                // Before any run, the form's schedule, so its shape shows before Start.
                let chart = if curves.runs.is_empty() && curves.ensembles.is_empty() {
                    let trace = Trace::default();
                    let planned = RunCurve {
                        trace: &trace,
                        look: curves.theme.look(0),
                        mark: None,
                        schedule: Some(&form_schedule),
                        optimizer: form.optimizer,
                        lr: form.lr,
                        live: false,
                        label: String::new(),
                    };
                    // The planned η is drawn against steps or epochs.
                    let axis = if options.x_axis == XAxis::Steps { XAxis::Steps } else { XAxis::Epochs };
                    let x_max = planned_extent(&form, axis).unwrap_or(1.0);
                    Curves { scale: ratio, theme: curves.theme, ..Curves::one(planned, axis, x_max, curves.classes) }
                        .lr_chart()
                } else {
                    curves.lr_chart()
                };
                frames[1].set(paint_layered(&c, caches[1], |_| chart));
            }
            if let Some(c) = acc_ref.get_untracked() {
                frames[2].set(paint_layered(&c, caches[2], |_| curves.accuracy_chart()));
            }
        });
    };
    redraw_on_change(move || track_curves(state), redraw);

    let diverged =
        move || state.lab.with(|l| l.current().and_then(|r| r.view.divergence()).map(|d| d.step.to_string()));
    let set_axis = move |ev: leptos::ev::Event| {
        if let Some(axis) = XAxis::from_name(&event_target_value(&ev)) {
            state.charts.update(|c| c.x_axis = axis);
        }
    };
    let smoothing = move || state.charts.with(|c| c.smoothing);
    // The sentences follow the runs' figures, not every redraw.
    let lines = Memo::new(move |_| state.lab.with(crate::summary::lines));
    let classes = move || state.lab.with(Lab::chart_classes);
    view! {
        <div class="chart-tools">
            <label class="toggle">
                <input type="checkbox" data-testid="log-y" prop:checked=move || state.charts.with(|c| c.log_y)
                    on:change=move |ev| state.charts.update(|c| c.log_y = event_target_checked(&ev)) />
                " log-scale loss"
            </label>
            <label class="toggle">
                "x-axis "
                <select data-testid="x-axis" on:change=set_axis>
                    {XAxis::ALL.iter().map(|a| view! {
                        <option value=a.name() selected=move || state.charts.with(|c| c.x_axis) == *a>{a.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="toggle" title="A debiased moving average of the training loss, drawn over the raw curve (still shown, faint)">
                "smoothing "
                <input type="range" min="0" max="0.99" step="0.01" data-testid="smoothing"
                    prop:value=move || smoothing().to_string()
                    on:input=move |ev| state.charts.update(|c| c.smoothing = event_target_value(&ev).parse().unwrap_or(0.0)) />
                <output>{move || format!("{:.2}", smoothing())}</output>
            </label>
        </div>
        <figure class="chart">
            <figcaption>"Loss — solid: training, dashed: validation; each run has its colour and mark (see the list); η under it"</figcaption>
            <p class="chart-summary" id="loss-summary" data-testid="loss-summary">
                {move || lines.with(|l| crate::summary::loss(l))}
            </p>
            <Plot node_ref=loss_ref frame=frames[0] class="plot tall" testid="loss-chart" label="training and validation loss of each run" summary="loss-summary" />
            <Plot node_ref=lr_ref frame=frames[1] class="plot strip" testid="lr-chart" label="learning rate η of each run" summary="loss-summary" />
            <span hidden data-testid="diverged-step" data-value=diverged></span>
            <ChartTable />
            <ChartExport name="loss" node_ref=loss_ref
                chart=|c: &Curves| LineChart { title: LOSS_KEY.to_owned(), ..c.loss_chart() } />
        </figure>
        <figure class="chart">
            <figcaption>"Validation accuracy"</figcaption>
            <p class="chart-summary" id="accuracy-summary" data-testid="accuracy-summary">
                {move || lines.with(|l| crate::summary::accuracy(l, classes()))}
            </p>
            <Plot node_ref=acc_ref frame=frames[2] class="plot" testid="acc-chart" label="validation accuracy of each run" summary="accuracy-summary" />
            <ChartExport name="accuracy" node_ref=acc_ref
                chart=|c: &Curves| LineChart { title: "Validation accuracy".to_owned(), ..c.accuracy_chart() } />
        </figure>
    }
}

/// What an exported loss chart's lines mean, as its title: on the page the caption says it.
const LOSS_KEY: &str = "Loss (solid: training, dashed: validation)";

/// An image format for a chart.
#[derive(Clone, Copy)]
enum Image {
    /// At twice the chart's size, for slides.
    Png,
    Svg,
}

/// Draws a chart of the lab's visible runs (`build` picks which) at the size of `canvas` on screen,
/// taller by a legend that names each run with its colour and glyph, by the same code as the canvas,
/// and offers it as a file carrying the session's provenance. Files are drawn light whatever the
/// page's theme: they go on slides and paper.
fn export_chart(
    state: AppState,
    name: &str,
    canvas: &HtmlCanvasElement,
    build: fn(&Curves) -> LineChart,
    format: Image,
) {
    use wasm_bindgen::JsCast;
    let (w, h) = (canvas.client_width().max(1).unsigned_abs(), canvas.client_height().max(1).unsigned_abs());
    let (options, form) = (state.charts.get_untracked(), state.config.get_untracked());
    let link = window().location().href().unwrap_or_default();
    let saved = state.lab.with_untracked(|lab| {
        let schedules: Vec<(u32, Schedule)> = lab.curves().map(|r| (r.id, r.config.schedule())).collect();
        let runs: Vec<&Run> = lab.curves().filter(|r| r.visible).collect();
        let provenance = crate::export::chart_provenance(&link, &runs);
        match format {
            Image::Svg => {
                let chart = build(&curves(lab, &schedules, &form, options, (1.0, Theme::Light, true)));
                // Measured on a backend of its own: an SVG backend writes into its string as it goes.
                let h = h + legend_height(&super::svg::Svg::with_string(&mut String::new(), (w, h))?, &chart, w);
                let mut svg = String::new();
                {
                    let area = super::svg::Svg::with_string(&mut svg, (w, h))?.into_drawing_area();
                    draw(&area, &chart).ok()?;
                    area.present().ok()?;
                }
                let svg = crate::export::svg_with_provenance(&svg, &provenance);
                Some(super::download::save(&super::download::file_name(name, "svg"), "image/svg+xml", svg.as_bytes()))
            }
            Image::Png => {
                let chart = build(&curves(lab, &schedules, &form, options, (2.0, Theme::Light, true)));
                let offscreen = document().create_element("canvas").ok()?.dyn_into::<HtmlCanvasElement>().ok()?;
                offscreen.set_width(2 * w);
                let legend = legend_height(&super::canvas::Canvas::on(&offscreen)?, &chart, 2 * w);
                offscreen.set_height(2 * h + legend);
                let area = super::canvas::Canvas::on(&offscreen)?.into_drawing_area();
                draw(&area, &chart).ok()?;
                area.present().ok()?;
                let url = offscreen.to_data_url().ok()?;
                let binary = window().atob(url.strip_prefix("data:image/png;base64,")?).ok()?;
                let bytes: Vec<u8> = binary.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(0)).collect();
                let png = crate::export::png_with_text(&bytes, "Comment", &provenance)?;
                Some(super::download::save(&super::download::file_name(name, "png"), "image/png", &png))
            }
        }
    });
    if saved != Some(true) {
        state.notify(format!("The {name} chart could not be exported."));
    }
}

/// PNG and SVG buttons for a chart.
#[component]
fn ChartExport(name: &'static str, node_ref: NodeRef<Canvas>, chart: fn(&Curves) -> LineChart) -> impl IntoView {
    let state = expect_context::<AppState>();
    let export = move |format: Image| {
        if let Some(canvas) = node_ref.get_untracked() {
            export_chart(state, name, &canvas, chart, format);
        }
    };
    // Each button's name says which chart it saves: a page has two of each.
    let named = |format: &str| format!("{}{} chart as {format}", name[..1].to_uppercase(), &name[1..]);
    view! {
        <div class="chart-export">
            <button type="button" class="small" data-testid="export-png" data-chart=name aria-label=named("PNG")
                title="The chart at twice its size, for slides; its settings, link and fingerprints are in the file"
                on:click=move |_| export(Image::Png)>"PNG"</button>
            <button type="button" class="small" data-testid="export-svg" data-chart=name aria-label=named("SVG")
                title="The chart as a vector drawing; its settings, link and fingerprints are in the file"
                on:click=move |_| export(Image::Svg)>"SVG"</button>
        </div>
    }
}

/// The charts' text alternative: each run's latest values.
#[component]
fn ChartTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || {
        state.lab.with(|l| {
            l.curves()
                .filter(|r| r.visible)
                .map(|r| {
                    let p = r.view.latest();
                    let status = match r.view.mark() {
                        Some(m) => format!("{} at step {}", m.what, m.step),
                        None => r.view.status.word().to_owned(),
                    };
                    (
                        run_name(l, r),
                        status,
                        p.map_or_else(String::new, |p| p.step.to_string()),
                        r.view.trace.buckets().first().map_or_else(String::new, |b| fmt_loss(b.last.train_loss)),
                        p.map_or_else(String::new, |p| fmt_loss(p.train_loss)),
                        r.view.summary.as_ref().map_or_else(String::new, |s| fmt_loss(s.final_train_loss)),
                        p.map_or_else(String::new, |p| fmt_loss(p.val_loss)),
                        p.map_or_else(String::new, |p| format!("{:.1} %", 100.0 * p.val_acc)),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="sr-only"><table data-testid="chart-table">
            <caption>"The runs on the charts, at their latest point"</caption>
            <thead><tr><th>"run"</th><th>"status"</th><th>"step"</th><th>"training loss on the whole set at the start"</th><th>"minibatch loss (mean since the point before)"</th><th>"training loss on the whole set at the end"</th><th>"validation loss"</th><th>"validation accuracy"</th></tr></thead>
            <tbody>
                {move || rows().into_iter().map(|(name, status, step, start, minibatch, end, val, acc)| view! {
                    <tr><td>{name}</td><td>{status}</td><td>{step}</td><td>{start}</td><td>{minibatch}</td><td>{end}</td><td>{val}</td><td>{acc}</td></tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

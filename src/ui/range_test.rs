//! The LR range test: a ramp of η from 1e-4 to 10 at the form's batch size, drawn as loss against η
//! (log scale) with the suggested η marked, and a button to use it. Tests at other batch sizes share
//! the chart, one colour each.

use leptos::html::Canvas;
use leptos::prelude::*;

use batchlab_chart::{smooth, LineChart, LineStyle, Marker, Series, Theme};
use batchlab_trainer::RunConfig;

use super::charts::{paint, redraw_on_change};
use super::{now_ms, AppState};
use crate::lab::{Run, RunKind};
use crate::view_state::fmt_lr;

/// The range test's run: the form's settings, η ramped from 1e-4 to 10 over 300 steps, a point at
/// every step, the sharpness read once at the start.
fn range_test_config(form: &RunConfig) -> Result<RunConfig, batchlab_trainer::ConfigError> {
    let mut c = form.clone();
    let ramp = [
        ("schedule", "ramp"),
        ("lr", "1e-4"),
        ("end_lr", "10"),
        ("steps", "300"),
        ("eval_every", "1"),
        // One reading, at the start: the stability edge the suggestion is compared with.
        ("sharpness_every", "1000000"),
        ("noise_scale_every", "off"),
    ];
    match c.set_all(ramp).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(c),
    }
}

/// Loss against η for every range test, smoothed as the test smooths it, the suggestion marked.
fn chart(tests: &[&Run], ratio: f64, theme: Theme) -> LineChart {
    let mut chart = LineChart {
        x_label: "learning rate η (log scale)".to_owned(),
        y_label: "training loss".to_owned(),
        log_x: true,
        log_y: true,
        scale: ratio,
        theme,
        ..LineChart::default()
    };
    for r in tests {
        let look = theme.look(r.look);
        let color = look.color;
        let points: Vec<(f64, f64)> =
            r.view.trace.buckets().iter().skip(1).map(|b| (b.last.lr, b.last.train_loss)).collect();
        let smoothed = smooth(&points.iter().map(|p| p.1).collect::<Vec<_>>(), batchlab_trainer::lr_find::SMOOTHING);
        chart.series.push(Series { color, points: points.clone(), style: LineStyle::Faint, ..Series::default() });
        let batch = format!("B {}", r.config.batch_size);
        let smoothed = points.iter().zip(smoothed).map(|(p, s)| (p.0, s)).collect();
        chart.series.push(Series { label: batch.clone(), ..Series::of(look, smoothed) });
        if let Some(t) = r.view.summary.as_ref().and_then(|s| s.range_test) {
            let label = format!("{batch}: η {}", fmt_lr(t.suggested_lr));
            chart.markers.push(Marker { x: t.suggested_lr, label, color });
        }
    }
    chart.x_range = Some((1e-4, 10.0));
    chart
}

#[component]
pub fn RangeTest() -> impl IntoView {
    let state = expect_context::<AppState>();
    let batch = move || state.config.with(|c| c.batch_size.resolve(c.train_len()));
    let start = move |_| match range_test_config(&state.config.get_untracked()) {
        Ok(config) => {
            state.add(|l| l.add_run(config, RunKind::RangeTest, now_ms()));
        }
        Err(e) => state.notify(format!("The range test cannot run with these settings: {e}.")),
    };
    let latest = move || {
        state.lab.with(|l| {
            l.range_tests().last().map(|r| {
                (
                    r.view.step,
                    r.view.total_steps,
                    r.view.summary.as_ref().and_then(|s| s.range_test).map(|t| t.suggested_lr),
                    r.config.batch_size.to_string(),
                )
            })
        })
    };
    let suggestion = move || latest().and_then(|l| l.2);
    let chart_ref = NodeRef::<Canvas>::new();
    let redraw = move || {
        let ratio = window().device_pixel_ratio().max(1.0);
        state.lab.with_untracked(|l| {
            let tests: Vec<&Run> = l.range_tests().collect();
            if let Some(c) = chart_ref.get_untracked() {
                paint(&c, |_| chart(&tests, ratio, state.theme.get_untracked()));
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
    let has_tests = move || state.lab.with(|l| l.range_tests().next().is_some());
    view! {
        <section class="panel range-test" aria-label="LR range test">
            <h2>"LR range test"</h2>
            <p class="hint">
                "Raises η exponentially from 0.0001 to 10 over 300 steps at the form's batch size and suggests the η where the \
                 loss fell fastest (Smith 2015). "{batchlab_trainer::lr_find::WHAT_IT_TRACKS}
            </p>
            <div class="buttons-row">
                <button type="button" class="primary" data-testid="lr-find-start" on:click=start>
                    {move || format!("Find η at B = {}", batch())}
                </button>
                <button type="button" hidden=move || !has_tests() aria-label="clear the range tests"
                    on:click=move |_| state.act(|l| {
                        let ids: Vec<u32> = l.range_tests().map(|r| r.id).collect();
                        ids.into_iter().flat_map(|id| l.delete(id)).collect()
                    })>"Clear"</button>
                <span class="hint" data-testid="lr-find-progress">
                    {move || latest().map(|(step, total, done, b)| match done {
                        Some(_) => format!("done at B = {b}"),
                        None if total > 0 => format!("B = {b}: step {step} / {total}"),
                        None => format!("B = {b}: waiting for a worker"),
                    })}
                </span>
            </div>
            <p hidden=move || suggestion().is_none()>
                "Suggested η: "
                <output data-testid="lr-find-suggestion" data-value=move || suggestion().map(|s| s.to_string())>
                    {move || suggestion().map(fmt_lr)}
                </output>
                " "
                <button type="button" data-testid="lr-find-use"
                    on:click=move |_| if let Some(s) = suggestion() { state.set("lr", &fmt_lr(s)) }>"Use this η"</button>
            </p>
            <canvas node_ref=chart_ref class="plot" data-testid="lr-find-chart" hidden=move || !has_tests()
                aria-label="training loss against η for each range test, the suggested η marked"></canvas>
        </section>
    }
}

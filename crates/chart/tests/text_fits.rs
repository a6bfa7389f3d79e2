//! No chart text overlaps another or runs off its canvas, at the sizes the page's canvases have at
//! viewports 320, 390 and 1280 px wide (`page_canvases.json`, which the browser test measures), at
//! pixel ratios 1 to 3: the loss, η and accuracy charts of eight runs, four of them marked where
//! they diverged, those charts as exported with their legend, and a 4 × 12 sweep's heatmap.

#[path = "support/recorder.rs"]
mod recorder;

use batchlab_chart::{draw, draw_heatmap, legend_height, Curves, Heatmap, LineChart, RunCurve, Theme, Trace, XAxis};
use batchlab_trainer::outcome::Mark;
use batchlab_trainer::sweep::{CellSummary, Measure, SweepTable};
use batchlab_trainer::{BatchSize, Point, RunConfig};
use plotters::prelude::IntoDrawingArea;
use recorder::{Recorder, TextBox};

/// The canvases' CSS sizes per viewport width, as the browser test measures them on the page.
fn page_canvases() -> Vec<(String, String, (u32, u32))> {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("page_canvases.json")).expect("page_canvases.json is JSON");
    let mut out = Vec::new();
    for (viewport, canvases) in json["viewports"].as_object().expect("viewports") {
        for (name, size) in canvases.as_object().expect("canvases") {
            let px = |i: usize| size[i].as_u64().expect("a size in pixels") as u32;
            out.push((viewport.clone(), name.clone(), (px(0), px(1))));
        }
    }
    out
}

/// Eight runs of 3,000 steps; runs 1, 3, 5 and 8 diverge at steps 9, 140, 1,500 and 2,990 (the last
/// at the right edge, where its label must turn back).
fn traces() -> Vec<(Trace, Option<Mark>)> {
    let diverged = [Some(9), None, Some(140), None, Some(1500), None, None, Some(2990)];
    diverged
        .iter()
        .enumerate()
        .map(|(k, at)| {
            let end = at.unwrap_or(3000);
            let mut trace = Trace::default();
            trace.extend((0..=end).step_by(10).map(|step| {
                let t = step as f64 / 3000.0;
                let loss = if Some(step) == *at { f64::INFINITY } else { 2.3 * (-(3.0 + k as f64) * t).exp() };
                let point = Point {
                    step,
                    epoch: t * 10.0,
                    examples: step as u64 * 32,
                    batch_size: 32,
                    lr: 0.01 * (k + 1) as f64,
                    train_loss: loss,
                    val_loss: loss * 1.1,
                    val_acc: 0.1 + 0.85 * (1.0 - (-4.0 * t).exp()),
                    sharpness: None,
                    noise_scale: None,
                    grad_norm: None,
                };
                (point, 0.0)
            }));
            let mark = at.map(|step| Mark { step, epoch: step as f64 / 300.0, what: "diverged" });
            (trace, mark)
        })
        .collect()
}

/// The curves of the eight runs at `scale`, labelled (as exported) or not (as on the page).
fn curves<'a>(traces: &'a [(Trace, Option<Mark>)], config: &RunConfig, scale: f64, labelled: bool) -> Curves<'a> {
    let runs = traces
        .iter()
        .enumerate()
        .map(|(k, (trace, mark))| RunCurve {
            trace,
            look: Theme::Light.look(k),
            mark: *mark,
            schedule: None,
            optimizer: config.optimizer,
            lr: 0.01 * (k + 1) as f64,
            live: false,
            label: if labelled {
                format!("#{} B {}, η {}", k + 1, 32 << (k % 4), 0.01 * (k + 1) as f64)
            } else {
                String::new()
            },
        })
        .collect();
    Curves {
        runs,
        ensembles: Vec::new(),
        x_axis: XAxis::Steps,
        log_y: true,
        smoothing: 0.0,
        x_max: 3000.0,
        classes: 10,
        scale,
        theme: Theme::Light,
    }
}

/// A 4 × 12 sweep (the page's default grid) with figures, divergences, stalls and a pending cell.
fn heatmap(scale: f64) -> Heatmap {
    let lrs: Vec<f64> = (0..12).map(|i| 0.02 * 1.6f64.powi(i)).collect();
    let cells = (0..4)
        .map(|r| {
            (0..12)
                .map(|c| match (r, c) {
                    (_, 0) => CellSummary::Stalled,
                    (3, 11) => CellSummary::Pending,
                    (_, c) if c >= 9 - r => CellSummary::Diverged,
                    (r, c) => CellSummary::Mean(0.0123 * (1.0 + f64::from(r * 12 + c))),
                })
                .collect()
        })
        .collect();
    let table = SweepTable {
        batch_sizes: [8, 32, 128, 512].map(BatchSize::Examples).to_vec(),
        lrs,
        measure: Measure::FinalTrainLoss,
        cells,
    };
    Heatmap { scale, ..Heatmap::of(&table, Measure::FinalTrainLoss.label(), 1437) }
}

/// What is wrong with the texts drawn on a `size` drawing: each pair that overlaps, each text outside.
fn faults(what: &str, size: (u32, u32), texts: &[TextBox]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in texts.iter().enumerate() {
        if !a.inside(size) {
            out.push(format!("{what}: {:?} runs off the {}×{} canvas: {a:?}", a.text, size.0, size.1));
        }
        for b in &texts[i + 1..] {
            if a.overlaps(b) {
                out.push(format!("{what}: {:?} overlaps {:?}: {a:?} {b:?}", a.text, b.text));
            }
        }
    }
    out
}

/// Draws `chart` on a recorder of `size` and returns its texts.
fn texts_of(size: (u32, u32), chart: &LineChart) -> Vec<TextBox> {
    let recorder = Recorder::new(size);
    let texts = recorder.texts();
    draw(&recorder.into_drawing_area(), chart).expect("drawn");
    texts.take()
}

#[test]
fn no_chart_text_overlaps_or_is_clipped_at_the_pages_sizes() {
    let config = RunConfig::default();
    let traces = traces();
    let (mut checked, mut cases, mut problems) = (0, 0, Vec::new());
    for (viewport, canvas, (w, h)) in page_canvases() {
        for scale in [1.0, 2.0, 3.0] {
            let size = ((f64::from(w) * scale).round() as u32, (f64::from(h) * scale).round() as u32);
            let what = format!("{canvas} at {viewport} px, ×{scale}");
            let mut check = |what: &str, size: (u32, u32), texts: Vec<TextBox>| {
                assert!(!texts.is_empty(), "{what}: no text drawn");
                checked += texts.len();
                cases += 1;
                problems.extend(faults(what, size, &texts));
            };
            match canvas.as_str() {
                "heatmap" => {
                    let recorder = Recorder::new(size);
                    let texts = recorder.texts();
                    draw_heatmap(&recorder.into_drawing_area(), &heatmap(scale)).expect("drawn");
                    check(&what, size, texts.take());
                }
                "loss" | "accuracy" | "lr" => {
                    let build = |c: &Curves| match canvas.as_str() {
                        "loss" => c.loss_chart(),
                        "accuracy" => c.accuracy_chart(),
                        _ => c.lr_chart(),
                    };
                    check(&what, size, texts_of(size, &build(&curves(&traces, &config, scale, false))));
                    if canvas != "lr" {
                        // Exported: titled, at the canvas's size, taller by the legend.
                        let title = "Loss (solid: training, dashed: validation)".to_owned();
                        let chart = LineChart { title, ..build(&curves(&traces, &config, scale, true)) };
                        let tall = (size.0, size.1 + legend_height(&Recorder::new(size), &chart, size.0));
                        check(&format!("{what}, exported"), tall, texts_of(tall, &chart));
                    }
                }
                other => panic!("page_canvases.json names a canvas no test draws: {other}"),
            }
        }
    }
    eprintln!("{checked} text boxes checked in {cases} drawings");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

//! E4 — increase the batch size instead of decaying η (Smith, Kindermans, Ying, Le 2017): (a) B = 16
//! with η divided by 3 at epochs 10 and 20 of 30; (b) η fixed, B multiplied by 3 at the same epochs.
//! The final accuracies agree within the seed spread, and (b) takes fewer parameter updates. Arm (b)
//! draws its epoch orders from its own stream (`order = 1`), not the permutations of arm (a).

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{BatchSize, Point, RunConfig};
use plotters::style::RGBColor;

use crate::Report;

const SEEDS: [u32; 5] = [1, 2, 3, 4, 5];
/// The reference workload's learning rate (science.md names none for E4).
const LR: f64 = 0.1;

fn config(seed: u32, grow_batch: bool) -> RunConfig {
    let mut c = RunConfig { batch_size: BatchSize::Examples(16), lr: LR, epochs: 30, seed, ..RunConfig::default() };
    let errors = if grow_batch {
        c.set_all([("bs_growth", "10x3"), ("order", "1")])
    } else {
        c.set_all([("schedule", "step"), ("step_every", "10"), ("gamma", "0.3333333333333333")])
    };
    assert_eq!(errors, []);
    c
}

/// Final validation accuracies, updates of the first seed's run, and its curve.
fn arm(grow_batch: bool) -> (Vec<f64>, usize, Vec<Point>) {
    let mut accs = Vec::new();
    let (mut steps, mut curve) = (0, Vec::new());
    for seed in SEEDS {
        let mut rec = Recorder::default();
        config(seed, grow_batch).init().expect("a valid config").run(&mut rec);
        let s = rec.summary.expect("the run ended");
        accs.push(s.final_val_acc);
        if seed == SEEDS[0] {
            steps = s.steps;
            curve = rec.points;
        }
    }
    (accs, steps, curve)
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (m, (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt())
}

pub fn run() -> Report {
    let (decay, decay_steps, decay_curve) = arm(false);
    let (grow, grow_steps, grow_curve) = arm(true);
    let ((ma, sa), (mb, sb)) = (mean_std(&decay), mean_std(&grow));
    let ratio = grow_steps as f64 / decay_steps as f64;
    let passed = (ma - mb).abs() <= sa.max(sb) && ratio < 0.5;
    let curve = |label: &str, color, points: &[Point]| Series {
        label: label.to_owned(),
        color,
        points: points.iter().map(|p| (p.epoch, p.val_acc)).collect(),
        ..Series::default()
    };
    Report {
        id: "E4",
        title: "Grow the batch instead of decaying η",
        passed: Some(passed),
        measured: format!(
            "final validation accuracy over 5 seeds: (a) η ÷3 at epochs 10, 20 (B = 16, η = {LR}): {:.1} ± {:.1} %; \
             (b) B ×3 at epochs 10, 20 (16 → 48 → 144, η = {LR}, its own data order): {:.1} ± {:.1} %; difference \
             {:.1} points (E4: within the seed spread); (b) takes {grow_steps} updates to (a)'s {decay_steps} ({ratio:.2}).",
            100.0 * ma,
            100.0 * sa,
            100.0 * mb,
            100.0 * sb,
            100.0 * (ma - mb).abs()
        ),
        figure: LineChart {
            title: "Validation accuracy, seed 1: decaying η vs growing B".to_owned(),
            x_label: "epoch".to_owned(),
            y_label: "validation accuracy".to_owned(),
            y_range: Some((0.5, 1.0)),
            series: vec![
                curve("(a) η ÷3 every 10 epochs", RGBColor(37, 99, 235), &decay_curve),
                curve("(b) B ×3 every 10 epochs", RGBColor(234, 88, 12), &grow_curve),
            ],
            ..LineChart::default()
        },
    }
}

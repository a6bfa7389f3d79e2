//! E8 — the noisy quadratic model (Zhang et al. 2019): d = 1000, hᵢ = 1/i, target 1 % of the initial
//! loss. The best η grows linearly with B for small batches and saturates near 2/h_max; momentum
//! only helps at large batches.

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::nqm::Nqm;
use plotters::style::RGBColor;

use crate::{log_log_slope, Report};

const MOMENTA: [f64; 5] = [0.5, 0.8, 0.9, 0.95, 0.99];

/// Learning rates from just below `top` down by 2^(1/16) per step.
fn grid(top: f64) -> Vec<f64> {
    (1..=220).map(|k| top * 2f64.powf(-f64::from(k) / 16.0)).collect()
}

pub struct Row {
    pub batch_size: f64,
    pub sgd: (f64, usize),
    pub momentum: (f64, f64, usize),
}

/// Best SGD and best momentum (over β) per batch size.
pub fn table(batch_sizes: &[f64]) -> Vec<Row> {
    let nqm = Nqm::harmonic(1000);
    let target = 0.01 * nqm.initial_loss();
    let max_steps = 2_000_000;
    batch_sizes
        .iter()
        .map(|&b| {
            let sgd = nqm.best_lr(target, &grid(2.0), 0.0, b, max_steps).expect("SGD reaches the target");
            let momentum = MOMENTA
                .iter()
                .filter_map(|&beta| {
                    nqm.best_lr(target, &grid(2.0 * (1.0 + beta)), beta, b, sgd.1).map(|(lr, s)| (lr, beta, s))
                })
                .min_by_key(|m| m.2)
                .unwrap_or((sgd.0, 0.0, sgd.1));
            Row { batch_size: b, sgd, momentum }
        })
        .collect()
}

pub fn run() -> Report {
    let batch_sizes: Vec<f64> = (0..=12).map(|k| f64::from(1u32 << k)).collect();
    let rows = table(&batch_sizes);
    let small: Vec<&Row> = rows.iter().filter(|r| r.batch_size <= 16.0).collect();
    let slope = log_log_slope(
        &small.iter().map(|r| r.batch_size).collect::<Vec<_>>(),
        &small.iter().map(|r| r.sgd.0).collect::<Vec<_>>(),
    );
    let gain = |r: &Row| r.sgd.1 as f64 / r.momentum.2 as f64;
    let large_lr_ok = rows.iter().filter(|r| r.batch_size >= 1024.0).all(|r| (1.7..=2.0).contains(&r.sgd.0));
    let small_gain_ok = rows.iter().filter(|r| r.batch_size <= 8.0).all(|r| gain(r) <= 1.05);
    let large_gain_ok = rows.iter().filter(|r| r.batch_size >= 1024.0).all(|r| gain(r) >= 3.0);
    let passed = (0.9..=1.1).contains(&slope) && large_lr_ok && small_gain_ok && large_gain_ok;
    let table: Vec<String> = rows
        .iter()
        .map(|r| format!("B={}: η*={:.3} ({} steps), momentum ×{:.2}", r.batch_size, r.sgd.0, r.sgd.1, gain(r)))
        .collect();
    let line = |label: &str, color, y: &dyn Fn(&Row) -> f64| Series {
        label: label.to_owned(),
        color,
        points: rows.iter().map(|r| (r.batch_size.log2(), y(r))).collect(),
        ..Series::default()
    };
    Report {
        id: "E8",
        title: "Noisy quadratic model: best η grows with B, then saturates at ~2/h_max",
        passed: Some(passed),
        measured: format!(
            "log-log slope of the best η over B = 1–16: {slope:.3}; best η at B ≥ 1024: {}; momentum's gain in steps \
             at B ≤ 8: {}, at B ≥ 1024: {}. Per B: {}.",
            rows.iter()
                .filter(|r| r.batch_size >= 1024.0)
                .map(|r| format!("{:.3}", r.sgd.0))
                .collect::<Vec<_>>()
                .join(", "),
            rows.iter()
                .filter(|r| r.batch_size <= 8.0)
                .map(|r| format!("{:.2}×", gain(r)))
                .collect::<Vec<_>>()
                .join(", "),
            rows.iter()
                .filter(|r| r.batch_size >= 1024.0)
                .map(|r| format!("{:.2}×", gain(r)))
                .collect::<Vec<_>>()
                .join(", "),
            table.join("; ")
        ),
        figure: LineChart {
            title: "NQM (d = 1000, hᵢ = 1/i): best learning rate per batch size".to_owned(),
            x_label: "log2 batch size".to_owned(),
            y_label: "best (effective) η to 1 % of the initial loss".to_owned(),
            log_y: true,
            series: vec![
                line("SGD", RGBColor(37, 99, 235), &|r| r.sgd.0),
                line("momentum (best β), as η/(1 − β)", RGBColor(234, 88, 12), &|r| {
                    r.momentum.0 / (1.0 - r.momentum.1)
                }),
            ],
            ..LineChart::default()
        },
    }
}

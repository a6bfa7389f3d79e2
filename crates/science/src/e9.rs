//! E9 — the square-root rule for Adam (Malladi et al. 2022; Granziol et al.): with an adaptive
//! optimiser the best η grows like √B while gradient noise dominates, against linearly for SGD (E7).
//! science.md gives no pass criterion: the slope is measured and reported.

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::RunConfig;
use plotters::style::RGBColor;

use crate::{e7, log_log_slope, Report};

pub fn run() -> Report {
    let mut adam = RunConfig::default();
    adam.set("optimizer", "adam").expect("a valid setting");
    let batch_sizes: Vec<usize> = (0..=6).map(|k| 1 << k).collect();
    let lrs: Vec<f64> = (-26..=-4).map(|k| 2f64.powf(f64::from(k) / 2.0)).collect();
    let rows = e7::table(&adam, &batch_sizes, &lrs);
    let reached: Vec<&(usize, f64, f64)> = rows.iter().filter(|r| r.2.is_finite()).collect();
    let small: Vec<&&(usize, f64, f64)> = reached.iter().filter(|r| r.0 <= 8).collect();
    let slope = log_log_slope(
        &small.iter().map(|r| r.0 as f64).collect::<Vec<_>>(),
        &small.iter().map(|r| r.1).collect::<Vec<_>>(),
    );
    Report {
        id: "E9",
        title: "Adam: the best η grows more slowly with B than SGD's",
        passed: None,
        measured: format!(
            "Adam (β₁ 0.9, β₂ 0.999), steps to training loss ≤ 0.1, best η on a √2 grid, median of 3 seeds: {}. Log-log \
             slope of the best η over B = 1–8: {slope:.2} (√ rule: 0.5; SGD's measured slope in E7: about 1).",
            rows.iter()
                .map(|r| format!("B={}: η={:.4} ({} steps)", r.0, r.1, if r.2.is_finite() { format!("{:.0}", r.2) } else { "–".into() }))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        figure: LineChart {
            title: "Digits MLP with Adam: best η per batch size".to_owned(),
            x_label: "log2 batch size".to_owned(),
            y_label: "best η".to_owned(),
            log_y: true,
            series: vec![Series {
                label: String::new(),
                color: RGBColor(234, 88, 12),
                points: reached.iter().map(|r| ((r.0 as f64).log2(), r.1)).collect(),
                ..Series::default()
            }],
            ..LineChart::default()
        },
    }
}

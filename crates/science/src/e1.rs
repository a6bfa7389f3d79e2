//! E1 — the linear scaling rule with warm-up (Goyal et al. 2017): B = 16k, η = kη₀ keeps the final
//! accuracy while kη₀ stays well below the stability limit; at B = 256, η = 1.28 the full training
//! loss rises above its initial value early in training in more seeds without warm-up than with a
//! linear warm-up over the first quarter of training. Digits MLP, SGD + momentum 0.9.

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{BatchSize, RunConfig};
use plotters::style::RGBColor;

use crate::Report;

const BASE_LR: f64 = 0.02;
/// Seeds of the accuracy comparison.
const SEEDS: [u32; 3] = [1, 2, 3];
/// Seeds of the warm-up comparison: the early rise is real but not certain per seed (science.md).
const WARMUP_SEEDS: std::ops::RangeInclusive<u32> = 1..=10;
const EPOCHS: usize = 20;
/// Warm-up over the first quarter of training, and "early" means within it.
const WARMUP_EPOCHS: usize = 5;

fn config(batch_size: usize, lr: f64, seed: u32, warmup_epochs: f64) -> RunConfig {
    let mut c =
        RunConfig { batch_size: BatchSize::Examples(batch_size), lr, seed, epochs: EPOCHS, ..RunConfig::default() };
    assert_eq!(c.set_all([("optimizer", "momentum"), ("momentum", "0.9")]), []);
    c.schedule.warmup_epochs = warmup_epochs;
    c
}

/// The largest loss on the whole training set over the first `WARMUP_EPOCHS` epochs, evaluated after
/// every step (6 a epoch at B = 256, so at least 10 times an epoch is every step), as a multiple of
/// the initial one; ∞ if it stopped being finite.
fn early_peak(config: &RunConfig) -> f64 {
    let mut trainer = config.init().expect("a valid config");
    let until = WARMUP_EPOCHS * config.schedule().steps_per_epoch;
    let mut ws = trainer.model().workspace(512);
    let full_loss = |t: &batchlab_trainer::Trainer, ws: &mut _| {
        let d = t.data();
        t.model().evaluate(d.x_train.view(), &d.y_train, config.model.loss, ws).mean_loss()
    };
    let initial = full_loss(&trainer, &mut ws);
    let mut peak: f64 = 1.0;
    while trainer.steps_done() < until && trainer.step(&mut ()) {
        let ratio = full_loss(&trainer, &mut ws) / initial;
        peak = if ratio.is_finite() { peak.max(ratio) } else { f64::INFINITY };
    }
    peak
}

pub fn run() -> Report {
    let ks = [1usize, 2, 4, 8, 16];
    let accs: Vec<f64> = ks
        .iter()
        .map(|&k| {
            SEEDS
                .iter()
                .map(|&seed| {
                    let mut rec = Recorder::default();
                    config(16 * k, k as f64 * BASE_LR, seed, 0.0).init().expect("a valid config").run(&mut rec);
                    rec.summary.map_or(0.0, |s| s.final_val_acc)
                })
                .sum::<f64>()
                / SEEDS.len() as f64
        })
        .collect();
    let worst_gap = accs.iter().map(|a| (a - accs[0]).abs()).fold(0.0, f64::max);
    let peaks =
        |warmup: f64| -> Vec<f64> { WARMUP_SEEDS.map(|seed| early_peak(&config(256, 1.28, seed, warmup))).collect() };
    let (without, with) = (peaks(0.0), peaks(WARMUP_EPOCHS as f64));
    let rises = |p: &[f64]| p.iter().filter(|&&x| x > 1.0).count();
    let (rises_without, rises_with) = (rises(&without), rises(&with));
    let passed = worst_gap <= 0.01 && rises_without >= 1 && rises_without >= 2 * rises_with;
    let fmt = |p: &[f64]| p.iter().map(|x| format!("×{x:.2}")).collect::<Vec<_>>().join(", ");
    Report {
        id: "E1",
        title: "Linear scaling rule (B = 16k, η = 0.02k) with warm-up",
        passed: Some(passed),
        measured: format!(
            "mean final validation accuracy over 3 seeds for k = 1, 2, 4, 8, 16: {} (largest gap to k = 1: {:.1} points; \
             E1: ≤ 1). At B = 256, η = 1.28, the peak loss on the whole training set over the first {WARMUP_EPOCHS} \
             epochs, as a multiple of the initial loss, over seeds 1–10: without warm-up {}; with a {WARMUP_EPOCHS}-epoch \
             linear warm-up {}. The loss rose above its initial value in {rises_without} of 10 seeds without warm-up \
             and {rises_with} of 10 with (E1: at least twice as many without).",
            accs.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(", "),
            100.0 * worst_gap,
            fmt(&without),
            fmt(&with)
        ),
        figure: LineChart {
            title: "Warm-up at B = 256, η = 1.28: peak early training loss / initial, per seed".to_owned(),
            x_label: "seed".to_owned(),
            y_label: "peak loss in the first 5 epochs / initial loss".to_owned(),
            log_y: true,
            series: vec![
                Series {
                    label: "no warm-up".to_owned(),
                    color: RGBColor(220, 38, 38),
                    points: WARMUP_SEEDS.zip(&without).map(|(s, &p)| (f64::from(s), p.min(1e6))).collect(),
                    ..Series::default()
                },
                Series {
                    label: "5-epoch warm-up".to_owned(),
                    color: RGBColor(37, 99, 235),
                    points: WARMUP_SEEDS.zip(&with).map(|(s, &p)| (f64::from(s), p.min(1e6))).collect(),
                    ..Series::default()
                },
            ],
            ..LineChart::default()
        },
    }
}

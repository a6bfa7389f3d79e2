//! E3 — sharp minima (Keskar et al. 2016; contested by Dinh et al. 2017): are large-batch solutions
//! sharper? Full batch against B = 16 at the same η = 0.03, each trained to 100 % training accuracy;
//! λ_max of the training loss at the solution from exact Hessian-vector products, and the median
//! ratio over 3 seeds. Reported, never asserted in either direction: the claim is contested, and
//! the app shows this measurement rather than repeating it.

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::diagnostics::Sharpness;
use batchlab_trainer::{BatchSize, RunConfig};
use plotters::style::RGBColor;

use crate::Report;

const LR: f64 = 0.03;
const SEEDS: [u32; 3] = [1, 2, 3];
/// Give up on reaching 100 % training accuracy after this many updates.
const MAX_STEPS: usize = 60_000;

/// A solution: λ_max on the whole training set, validation accuracy, updates taken, and whether
/// training accuracy reached 100 %.
pub struct Solution {
    pub sharpness: f64,
    pub val_acc: f64,
    pub steps: usize,
    pub interpolated: bool,
}

pub fn solve(batch_size: BatchSize, seed: u32) -> Solution {
    let config = RunConfig {
        batch_size,
        lr: LR,
        seed,
        steps: Some(MAX_STEPS),
        eval_every: Some(1_000_000),
        ..RunConfig::default()
    };
    let mut trainer = config.init().expect("a valid config");
    let check_every = trainer.schedule().steps_per_epoch.max(50);
    let mut ws = trainer.model().workspace(512);
    let loss = config.model.loss;
    let mut interpolated = false;
    while trainer.step(&mut ()) {
        if trainer.steps_done() % check_every == 0 {
            let d = trainer.data();
            if trainer.model().evaluate(d.x_train.view(), &d.y_train, loss, &mut ws).correct == d.train_len() {
                interpolated = true;
                break;
            }
        }
    }
    let (model, d) = (trainer.model(), trainer.data());
    let mut power = Sharpness::new(model, d.train_len(), seed);
    let reading = power.estimate(model, &model.params, d.train(), loss);
    let sharpness = if reading.converged { reading.lambda } else { f64::NAN };
    let val = model.evaluate(d.x_val.view(), &d.y_val, loss, &mut ws);
    Solution { sharpness, val_acc: val.accuracy(), steps: trainer.steps_done(), interpolated }
}

pub fn run() -> Report {
    let pairs: Vec<(Solution, Solution)> =
        SEEDS.iter().map(|&s| (solve(BatchSize::Full, s), solve(BatchSize::Examples(16), s))).collect();
    let mut ratios: Vec<f64> = pairs.iter().map(|(full, small)| full.sharpness / small.sharpness).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let all_interpolated = pairs.iter().all(|(a, b)| a.interpolated && b.interpolated);
    let gaps: Vec<f64> = pairs.iter().map(|(full, small)| 100.0 * (small.val_acc - full.val_acc)).collect();
    let mean_gap = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let spread = gaps.iter().map(|g| (g - mean_gap).abs()).fold(0.0, f64::max);
    let describe = |s: &Solution| {
        format!(
            "λ_max {:.2} after {} steps{}",
            s.sharpness,
            s.steps,
            if s.interpolated { "" } else { " (not at 100 % training accuracy)" }
        )
    };
    Report {
        id: "E3",
        title: "Sharp minima (contested): is the full-batch solution sharper than B = 16's?",
        passed: None,
        measured: format!(
            "η = {LR}, exact Hessian-vector products on the whole training set; median λ_max(full) / λ_max(B = 16) \
             over 3 seeds = {median:.2} (ratios {}){}; per seed: {}. Validation accuracy of B = 16 minus full batch: \
             {mean_gap:+.1} ± {spread:.1} points. Reported, not asserted: Keskar et al. found large-batch solutions \
             sharper, Dinh et al. showed sharpness can be changed without changing the function.",
            ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", "),
            if all_interpolated { "" } else { " (not every run reached 100 % training accuracy)" },
            pairs
                .iter()
                .zip(SEEDS)
                .map(|((f, s), seed)| format!("seed {seed}: full {}, B = 16 {}", describe(f), describe(s)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        figure: LineChart {
            title: "λ_max at 100 % training accuracy, per seed".to_owned(),
            x_label: "seed".to_owned(),
            y_label: "λ_max".to_owned(),
            log_y: true,
            x_range: Some((0.5, 3.5)),
            series: vec![
                Series {
                    label: "full batch".to_owned(),
                    color: RGBColor(220, 38, 38),
                    points: pairs.iter().zip(SEEDS).map(|((f, _), s)| (f64::from(s), f.sharpness)).collect(),
                    ..Series::default()
                },
                Series {
                    label: "B = 16".to_owned(),
                    color: RGBColor(37, 99, 235),
                    points: pairs.iter().zip(SEEDS).map(|((_, b), s)| (f64::from(s), b.sharpness)).collect(),
                    ..Series::default()
                },
            ],
            ..LineChart::default()
        },
    }
}

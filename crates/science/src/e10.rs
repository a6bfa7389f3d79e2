//! E10 — edge of stability (Cohen et al. 2021): under full-batch GD the sharpness λ_max settles at
//! about 2/η while the loss keeps falling, non-monotonically. Tanh MLP 64-128-10, MSE, 3000 steps.

use batchlab_chart::{LineChart, Marker, Series};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;
use plotters::style::RGBColor;

use crate::Report;

/// Factors of 2/λ₀ used as learning rates: the ends and the middle of science.md's range 1.1–2.2.
const LR_FACTORS: [f64; 3] = [1.1, 1.5, 2.2];
const STEPS: usize = 3000;

fn config() -> RunConfig {
    let mut c = RunConfig::default();
    for (k, v) in
        [("activation", "tanh"), ("loss", "mse"), ("bs", "full"), ("sharpness_every", "10"), ("eval_every", "10")]
    {
        c.set(k, v).expect("a valid setting");
    }
    c.diagnostics.sharpness_batch = usize::MAX;
    c
}

/// One run at η = factor·2/λ₀.
struct Run {
    passed: bool,
    text: String,
    /// (step, λ_max·η/2)
    sharpness: Vec<(f64, f64)>,
    /// (step, loss / initial loss)
    loss: Vec<(f64, f64)>,
}

fn one(lambda0: f64, factor: f64) -> Run {
    let mut c = config();
    c.steps = STEPS;
    c.lr = factor * 2.0 / lambda0;
    let mut losses = Vec::with_capacity(STEPS);
    let mut rec = Recorder::default();
    {
        struct Both<'a>(&'a mut Recorder, &'a mut Vec<f64>);
        impl batchlab_trainer::Observer for Both<'_> {
            fn on_step(&mut self, _: usize, _: f64, loss: f64) {
                self.1.push(loss);
            }
            fn on_point(&mut self, p: &batchlab_trainer::Point) {
                self.0.on_point(p);
            }
            fn on_finish(&mut self, s: &batchlab_trainer::Summary) {
                self.0.on_finish(s);
            }
        }
        c.init().expect("a valid config").run(&mut Both(&mut rec, &mut losses));
    }
    let summary = rec.summary.clone().expect("the run ended");
    let second_half: Vec<f64> =
        rec.points.iter().filter(|p| p.step >= STEPS / 2).filter_map(|p| p.sharpness).map(|s| s * c.lr / 2.0).collect();
    let (lo, hi) = second_half.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let rises = losses.windows(2).filter(|w| w[1] > w[0]).count();
    let final_ratio = summary.final_train_loss / summary.initial_train_loss;
    let passed = summary.outcome.status() == "finished"
        && (0.9..=1.1).contains(&lo)
        && (0.9..=1.1).contains(&hi)
        && final_ratio < 0.05
        && rises >= 1;
    let text = format!(
        "η = {factor}·2/λ₀ = {:.4}: over steps {}–{STEPS} λ_max·η/2 ∈ [{lo:.3}, {hi:.3}], final loss {:.1} % of the \
         initial, the loss rose on {rises} steps, outcome {} — {}",
        c.lr,
        STEPS / 2,
        100.0 * final_ratio,
        summary.outcome.status(),
        if passed { "pass" } else { "FAIL" }
    );
    let scale = 2.0 / c.lr;
    let sharpness = rec.points.iter().filter_map(|p| p.sharpness.map(|s| (p.step as f64, s / scale))).collect();
    let loss = losses.iter().enumerate().map(|(t, l)| ((t + 1) as f64, l / summary.initial_train_loss)).collect();
    Run { passed, text, sharpness, loss }
}

/// `c` blended 60 % towards white.
fn lighter(c: RGBColor) -> RGBColor {
    let l = |x: u8| (f64::from(x) + (255.0 - f64::from(x)) * 0.6) as u8;
    RGBColor(l(c.0), l(c.1), l(c.2))
}

pub fn run() -> Report {
    let mut probe = config();
    probe.steps = 1;
    let mut rec = Recorder::default();
    probe.init().expect("a valid config").run(&mut rec);
    let lambda0 = rec.points[0].sharpness.expect("sharpness at step 0");
    let runs: Vec<_> = LR_FACTORS.iter().map(|&f| one(lambda0, f)).collect();
    let colours = [RGBColor(124, 58, 237), RGBColor(37, 99, 235), RGBColor(22, 163, 74)];
    let mut series = Vec::new();
    for ((factor, run), colour) in LR_FACTORS.iter().zip(&runs).zip(colours) {
        series.push(Series {
            label: format!("λ_max·η/2, η = {factor}·2/λ₀"),
            color: colour,
            points: run.sharpness.clone(),
            fill: false,
        });
        series.push(Series { label: String::new(), color: lighter(colour), points: run.loss.clone(), fill: false });
    }
    Report {
        id: "E10",
        title: "Edge of stability: full-batch sharpness settles at 2/η",
        passed: Some(runs.iter().all(|r| r.passed)),
        measured: format!(
            "λ₀ = {lambda0:.2} (science.md's setup measured about 45; this initialisation gives less). {}",
            runs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join("; ")
        ),
        figure: LineChart {
            title: "Tanh MLP, MSE, full batch: λ_max·η/2 (bold) and loss / initial loss (faint)".to_owned(),
            x_label: "step".to_owned(),
            y_label: "λ_max · η/2   and   loss / initial loss".to_owned(),
            log_y: true,
            series,
            markers: vec![Marker {
                x: (STEPS / 2) as f64,
                label: "checked from here".to_owned(),
                color: RGBColor(100, 116, 139),
            }],
            ..LineChart::default()
        },
    }
}

//! The LR range test (Smith 2015; fastai's `lr_find`): ramp η exponentially over a fixed number of
//! steps, record the loss, stop when it exceeds 4 × its best, and suggest an η.

use serde::{Deserialize, Serialize};

use crate::config::{RunConfig, ScheduleConfig, ScheduleKind};
use crate::train::{InitError, Observer, Point};

/// Stop once the smoothed loss exceeds this multiple of its best.
pub const STOP_FACTOR: f64 = 4.0;
/// Smoothing of the loss curve (exponential moving average, bias-corrected).
const SMOOTHING: f64 = 0.98;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrFindPoint {
    pub lr: f64,
    pub loss: f64,
    pub smoothed: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrFindResult {
    pub points: Vec<LrFindPoint>,
    /// η where the smoothed loss falls fastest per unit of log η.
    pub steepest_lr: f64,
    /// η at the smoothed loss's minimum, divided by 10.
    pub min_over_10_lr: f64,
}

#[derive(Default)]
struct Collector {
    points: Vec<LrFindPoint>,
    avg: f64,
    weight: f64,
    best: f64,
    stop: bool,
}

impl Observer for Collector {
    fn on_step(&mut self, _step: usize, lr: f64, loss: f64) {
        self.avg = SMOOTHING * self.avg + (1.0 - SMOOTHING) * loss;
        self.weight = SMOOTHING * self.weight + (1.0 - SMOOTHING);
        let smoothed = self.avg / self.weight;
        if self.points.is_empty() || smoothed < self.best {
            self.best = smoothed;
        }
        self.stop |= !smoothed.is_finite() || smoothed > STOP_FACTOR * self.best;
        self.points.push(LrFindPoint { lr, loss, smoothed });
    }
    fn on_point(&mut self, _point: &Point) {}
}

/// Runs the range test from `min_lr` to `max_lr` over `steps` updates of `base` (its batch size,
/// model, optimiser and seed; its learning rate and schedule are replaced).
pub fn lr_range_test(base: &RunConfig, min_lr: f64, max_lr: f64, steps: usize) -> Result<LrFindResult, InitError> {
    let config = RunConfig {
        lr: min_lr,
        schedule: ScheduleConfig { kind: ScheduleKind::Ramp { end_lr: max_lr }, warmup_epochs: 0.0 },
        steps: steps.max(2),
        eval_every: 1_000_000,
        ..base.clone()
    };
    let mut trainer = config.init()?;
    let mut c = Collector::default();
    while !c.stop && trainer.step(&mut c) {}
    Ok(suggest(c.points))
}

fn suggest(points: Vec<LrFindPoint>) -> LrFindResult {
    let min_at = points.iter().enumerate().min_by(|a, b| a.1.smoothed.total_cmp(&b.1.smoothed)).map_or(0, |m| m.0);
    // Skip the first tenth, where the moving average has not settled.
    let skip = points.len() / 10;
    let steepest = (skip.max(1)..=min_at)
        .filter(|&i| i < points.len())
        .map(|i| {
            let (a, b) = (&points[i - 1], &points[i]);
            (i, (b.smoothed - a.smoothed) / (b.lr.ln() - a.lr.ln()))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(min_at, |m| m.0);
    LrFindResult {
        steepest_lr: points.get(steepest).map_or(f64::NAN, |p| p.lr),
        min_over_10_lr: points.get(min_at).map_or(f64::NAN, |p| p.lr / 10.0),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_range_test_stops_on_the_blow_up_and_suggests_a_sane_rate() {
        let r = lr_range_test(&RunConfig::default(), 1e-4, 100.0, 300).unwrap();
        let last = r.points.last().unwrap();
        assert!(r.points.len() < 300, "ran {} steps, to η = {}", r.points.len(), last.lr);
        assert!(r.points.windows(2).all(|w| w[1].lr > w[0].lr));
        // The reference MLP trains well at η = 0.1 and diverges near 1.7–10 at B = 32 (science.md).
        for s in [r.steepest_lr, r.min_over_10_lr] {
            assert!((0.003..=1.5).contains(&s), "suggested η = {s}");
        }
    }
}

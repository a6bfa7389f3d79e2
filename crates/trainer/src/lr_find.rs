//! The LR range test (Smith 2015; fastai's `lr_find`): a run whose η rises exponentially (the `ramp`
//! schedule) records the loss at every η, and the η where the smoothed loss fell fastest is the
//! suggestion. The trainer keeps a [`RangeTest`] for every ramp run and ends the run once the loss has
//! broken away, so the CLI's `lr-find` and a ramp run in the page read the same numbers.

use serde::{Deserialize, Serialize};

use crate::outcome::fmt_lr;

/// The test is over once the smoothed loss exceeds this multiple of its best.
pub const STOP_FACTOR: f64 = 4.0;
/// Smoothing of the loss curve (exponential moving average, bias-corrected).
pub const SMOOTHING: f64 = 0.98;

/// What the suggestion tracks, measured (`tests/trainer/lr_find.rs`): on digits at B 8–512 it stays within a
/// factor of two of the stability edge 2/λ₀, while the best η of a 10-epoch sweep rises with B. So the
/// page and the CLI present it as that edge's neighbourhood, never as the best η for a budget.
pub const WHAT_IT_TRACKS: &str = "The suggestion is where the loss fell fastest as η rose, so it depends on the \
     ramp's length; with the range-test panel's 300-step ramp on digits it stays within a factor of two of the stability edge set by the \
     start's curvature at every batch size from 8 to 512, and barely moves with B. It is not the best η for a longer \
     run's budget, which a sweep finds (on digits that rises with B).";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrFindPoint {
    pub lr: f64,
    pub loss: f64,
    pub smoothed: f64,
}

/// What the test read off the curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangeTestResult {
    /// η where the smoothed loss fell fastest per unit of log η, before its minimum.
    pub suggested_lr: f64,
    /// η at the smoothed loss's minimum.
    pub min_loss_lr: f64,
    /// η at which the smoothed loss first exceeded [`STOP_FACTOR`] × its best, if it did.
    pub broke_at_lr: Option<f64>,
}

/// The record of a range test: every step's η and minibatch loss, smoothed.
#[derive(Clone, Debug, Default)]
pub struct RangeTest {
    points: Vec<LrFindPoint>,
    avg: f64,
    weight: f64,
    best: f64,
    broke_at: Option<f64>,
}

impl RangeTestResult {
    /// The reading in words: the ramp from `from_lr` to `reached_lr`, where the loss fell fastest and
    /// was lowest, and (when the start's curvature was measured) the suggestion against the stability
    /// edge `edge_lr` = c/λ₀.
    pub fn explain(&self, from_lr: f64, reached_lr: f64, edge_lr: Option<f64>) -> String {
        let broke = self.broke_at_lr.map(|b| format!(" and broke away at η ≈ {}", fmt_lr(b))).unwrap_or_default();
        let edge = edge_lr
            .map(|e| {
                format!(
                    " The suggestion is {}× the stability edge at the start (c/λ₀ = {}).",
                    fmt_lr(self.suggested_lr / e),
                    fmt_lr(e)
                )
            })
            .unwrap_or_default();
        format!(
            "LR range test: η rose from {} to {}. The smoothed loss fell fastest at η ≈ {}, was lowest at η ≈ {}{broke}.{edge} \
             {WHAT_IT_TRACKS}",
            fmt_lr(from_lr),
            fmt_lr(reached_lr),
            fmt_lr(self.suggested_lr),
            fmt_lr(self.min_loss_lr),
        )
    }
}

impl RangeTest {
    /// Records one step.
    pub fn record(&mut self, lr: f64, loss: f64) {
        self.avg = SMOOTHING * self.avg + (1.0 - SMOOTHING) * loss;
        self.weight = SMOOTHING * self.weight + (1.0 - SMOOTHING);
        let smoothed = self.avg / self.weight;
        if self.points.is_empty() || smoothed < self.best {
            self.best = smoothed;
        }
        if self.broke_at.is_none() && (!smoothed.is_finite() || smoothed > STOP_FACTOR * self.best) {
            self.broke_at = Some(lr);
        }
        self.points.push(LrFindPoint { lr, loss, smoothed });
    }

    pub fn points(&self) -> &[LrFindPoint] {
        &self.points
    }

    /// True once the loss has broken away: the rest of the ramp teaches nothing.
    pub fn is_over(&self) -> bool {
        self.broke_at.is_some()
    }

    pub fn result(&self) -> RangeTestResult {
        let points = &self.points;
        let min_at = points.iter().enumerate().min_by(|a, b| a.1.smoothed.total_cmp(&b.1.smoothed)).map_or(0, |m| m.0);
        // Skip the first tenth, where the moving average has not settled.
        let skip = (points.len() / 10).max(1);
        let steepest = (skip..=min_at)
            .filter(|&i| i < points.len())
            .map(|i| {
                let (a, b) = (&points[i - 1], &points[i]);
                (i, (b.smoothed - a.smoothed) / (b.lr.ln() - a.lr.ln()))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(min_at, |m| m.0);
        RangeTestResult {
            suggested_lr: points.get(steepest).map_or(f64::NAN, |p| p.lr),
            min_loss_lr: points.get(min_at).map_or(f64::NAN, |p| p.lr),
            broke_at_lr: self.broke_at,
        }
    }
}

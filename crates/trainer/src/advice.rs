//! What to try after a run that went wrong: one learning rate, chosen from what the run measured, so
//! the page and the CLI give the same advice — and a test can check that following it works.

use serde::{Deserialize, Serialize};

use crate::outcome::Outcome;
use crate::train::{StabilityLimit, Summary};
use crate::RunConfig;

/// A learning rate to try next, and why.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    pub lr: f64,
    pub reason: AdviceReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdviceReason {
    /// A ramp run: the η where the loss fell fastest.
    RangeTest,
    /// The largest round η whose effective rate η/(1 − β) is below 1/λ₀ ([`safe_lr`]).
    StabilityLimit,
    /// About three times smaller than the η that failed (no limit to go by, or it is higher).
    Smaller,
    /// The run barely moved: η far below the stability limit (or Adam's usual default).
    Larger,
    /// Adam or AdamW, whose steps no single curvature bounds: their customary default, 0.001.
    AdaptiveDefault,
    /// The run learned nothing though η is within 10× of the limit: not η but the budget is short;
    /// `lr` is the run's own.
    Longer,
}

/// The customary learning rate of Adam and AdamW (Kingma & Ba 2015).
pub const ADAPTIVE_DEFAULT_LR: f64 = 1e-3;

/// The advice after `summary` of a run of `config`, with the stability limit measured for it
/// (`None` for an adaptive optimiser). `None` for a run that finished well.
pub fn advise(config: &RunConfig, summary: &Summary, limit: Option<StabilityLimit>) -> Option<Advice> {
    if let Some(r) = summary.range_test {
        return r.suggested_lr.is_finite().then_some(Advice { lr: r.suggested_lr, reason: AdviceReason::RangeTest });
    }
    let adaptive = config.optimizer.kind.is_adaptive();
    // The ceiling: the largest round η below the measured limit, or Adam's default.
    let ceiling = match limit.and_then(|l| safe_lr(config, l)) {
        Some(lr) => Some((round_down(lr), AdviceReason::StabilityLimit)),
        None if adaptive => Some((ADAPTIVE_DEFAULT_LR, AdviceReason::AdaptiveDefault)),
        None => None,
    };
    let smaller = |failed_lr: f64| {
        let third = smaller_lr(failed_lr);
        match ceiling {
            Some((c, reason)) if c < third => Advice { lr: c, reason },
            _ => Advice { lr: third, reason: AdviceReason::Smaller },
        }
    };
    match &summary.outcome {
        Outcome::Finished => None,
        Outcome::Diverged(d) => Some(smaller(d.lr)),
        // It trained, but blew up on the way or ended above its start: calmer with less.
        Outcome::Unstable(_) => Some(smaller(config.lr)),
        Outcome::Stalled(_) => match ceiling {
            Some((c, _)) if config.lr < c / 10.0 => Some(Advice { lr: c, reason: AdviceReason::Larger }),
            Some((c, _)) if config.lr <= c => Some(Advice { lr: config.lr, reason: AdviceReason::Longer }),
            _ => Some(smaller(config.lr)),
        },
    }
}

/// The rate the advice stays below, from the limit measured at the start: 1/λ₀ for the effective rate
/// η·s, where s is the optimiser's [`OptimizerKind::effective_step`] (1/(1 − β) with momentum). That
/// is half the edge 2/λ₀ — the step fastest along the sharpest direction of the start's quadratic —
/// a margin measured by following the advice over the settings space (`tests/advice.rs`): at the edge
/// itself small batches diverged (tanh, B 4, η = 1 < 2/λ₀), and the full-batch edge of heavy-ball
/// momentum, 2(1 + β)/λ₀, diverged at 99 % in 3 of 3 seeds (tanh, β 0.9, B 32).
///
/// [`OptimizerKind::effective_step`]: crate::optim::OptimizerKind::effective_step
pub fn safe_lr(config: &RunConfig, limit: StabilityLimit) -> Option<f64> {
    let o = config.optimizer;
    let s = o.kind.effective_step(o.momentum)?;
    Some(1.0 / (limit.lambda_max * s))
}

/// The next smaller "round" learning rate, about 3× smaller: 10 → 3, 3 → 1, 0.5 → 0.1.
pub fn smaller_lr(lr: f64) -> f64 {
    let decade = 10f64.powf((lr / 3.0).log10().floor());
    let m = lr / 3.0 / decade;
    decade * if m >= 3.0 { 3.0 } else { 1.0 }
}

/// The largest of 1, 2 and 5 times a power of ten that is at most `x`.
pub fn round_down(x: f64) -> f64 {
    let decade = 10f64.powf(x.log10().floor());
    let m = x / decade;
    decade
        * if m >= 5.0 {
            5.0
        } else if m >= 2.0 {
            2.0
        } else {
            1.0
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_rates() {
        let near = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-12;
        for (lr, want) in [(10.0, 3.0), (3.0, 1.0), (1.0, 0.3), (0.5, 0.1), (0.1, 0.03)] {
            assert!(near(smaller_lr(lr), want), "{lr} → {}", smaller_lr(lr));
        }
        for (x, want) in [(0.276, 0.2), (1.7, 1.0), (5.0, 5.0), (0.0099, 0.005)] {
            assert!(near(round_down(x), want), "{x} → {}", round_down(x));
        }
    }

    #[test]
    fn smaller_is_monotonic() {
        let grid: Vec<f64> = (0..200).map(|k| 10f64.powf(-4.0 + f64::from(k) * 0.03)).collect();
        assert!(grid.windows(2).all(|w| smaller_lr(w[0]) <= smaller_lr(w[1]) && smaller_lr(w[1]) < w[1]));
    }
}

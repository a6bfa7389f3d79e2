//! What to try after a run that went wrong: one learning rate, chosen from what the run measured, so
//! the page and the CLI give the same advice — and a test can check that following it works.

use serde::{Deserialize, Serialize};

use crate::edge::MaxLr;
use crate::outcome::{fmt_lr, Outcome};
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
    /// Half of η_max(B), measured by runs of the same settings ([`MaxLr::advised_lr`]).
    MaxLr,
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

/// The advice after `summary` of a run of `config`, with the stability edge measured for it (`None`
/// for an adaptive optimiser) and η_max(B) when measured. `None` for a run that finished well.
pub fn advise(
    config: &RunConfig,
    summary: &Summary,
    limit: Option<StabilityLimit>,
    max_lr: Option<&MaxLr>,
) -> Option<Advice> {
    if let Some(r) = summary.range_test {
        return r.suggested_lr.is_finite().then_some(Advice { lr: r.suggested_lr, reason: AdviceReason::RangeTest });
    }
    // The ceiling: half the measured η_max; else the largest round η below the edge's half, or Adam's
    // default.
    let ceiling = match (max_lr.and_then(MaxLr::advised_lr), limit.and_then(|l| safe_lr(config, l))) {
        (Some(lr), _) => Some((lr, AdviceReason::MaxLr)),
        (None, Some(lr)) => Some((round_down(lr), AdviceReason::StabilityLimit)),
        (None, None) if config.optimizer.kind.is_adaptive() => {
            Some((ADAPTIVE_DEFAULT_LR, AdviceReason::AdaptiveDefault))
        }
        (None, None) => None,
    };
    let smaller = |failed_lr: f64| match ceiling {
        Some((c, reason)) if c < failed_lr && (reason == AdviceReason::MaxLr || c < smaller_lr(failed_lr)) => {
            Advice { lr: c, reason }
        }
        _ => Advice { lr: smaller_lr(failed_lr), reason: AdviceReason::Smaller },
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

impl Advice {
    /// The advice in words, as the page's banner and the CLI's summary say it; `max_lr` is the
    /// measurement a [`AdviceReason::MaxLr`] advice halves.
    pub fn sentence(&self, config: &RunConfig, max_lr: Option<&MaxLr>) -> String {
        let lr = fmt_lr(self.lr);
        let o = config.optimizer;
        let measured = max_lr.and_then(|m| m.lr_max).is_some();
        match self.reason {
            AdviceReason::RangeTest => format!("η = {lr} is a safe start for a short run."),
            AdviceReason::MaxLr => format!(
                "Try η = {lr}, about half of η_max, where a run of these settings trained: a measured margin, not \
                 the best η for this budget (a sweep finds that)."
            ),
            AdviceReason::StabilityLimit if o.kind.effective_step(o.momentum) == Some(1.0) => format!(
                "Try η = {lr}, the largest round rate below 1/λ₀, half the edge: a safe start, not the best η for \
                 this budget (a sweep finds that)."
            ),
            AdviceReason::StabilityLimit => format!(
                "Try η = {lr}, the largest round rate whose effective step η/(1 − β) stays below 1/λ₀: a safe start, \
                 not the best η for this budget (a sweep finds that)."
            ),
            AdviceReason::Smaller => format!("Try η = {lr}, about three times smaller."),
            AdviceReason::Larger if measured => {
                format!("η = {} is far below η_max: try η = {lr}.", fmt_lr(config.lr))
            }
            AdviceReason::Larger if !o.kind.is_adaptive() => {
                format!("η = {} is far below the edge: try η = {lr}.", fmt_lr(config.lr))
            }
            AdviceReason::Larger => {
                format!("η = {} is far below {}'s usual {lr}: try η = {lr}.", fmt_lr(config.lr), o.kind.label())
            }
            AdviceReason::Longer => format!(
                "η = {lr} is already within 10× of the rate advised here, so a smaller η would not help: train for \
                 more steps."
            ),
            AdviceReason::AdaptiveDefault => format!("Try η = {lr}, {}'s usual default.", o.kind.label()),
        }
    }
}

/// The rate the advice stays below, from the limit measured at the start: 1/λ₀ for the effective rate
/// η·s, where s is the optimiser's [`OptimizerKind::effective_step`] (1/(1 − β) with momentum). That
/// is half the edge 2/λ₀ — the step fastest along the sharpest direction of the start's quadratic —
/// a margin measured by following the advice over the settings space (`tests/trainer/advice.rs`): at the edge
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

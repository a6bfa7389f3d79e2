//! How a run ended, by the rules of science.md: diverged, stalled or finished.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Steps in the moving average of the "smoothed loss above 2×" rule.
pub const SMOOTHING_STEPS: usize = 20;
/// A training loss above this multiple of the initial loss is divergence.
pub const BLOWUP_FACTOR: f64 = 1e3;
/// A smoothed training loss above this multiple of the initial loss is divergence.
pub const SMOOTHED_FACTOR: f64 = 2.0;

/// The end of a run. A divergence is a result to show, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Finished,
    /// Finished, but no better than chance: shown as a warning with the reason.
    Stalled {
        reason: String,
    },
    /// Stopped at `step` (1-based: the step whose loss broke a rule).
    Diverged {
        step: usize,
        reason: String,
    },
}

impl Outcome {
    /// The status word the UI and the CLI show.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::Stalled { .. } => "stalled",
            Outcome::Diverged { .. } => "diverged",
        }
    }
}

/// Watches the per-step training loss for divergence.
#[derive(Clone, Debug)]
pub struct DivergenceMonitor {
    initial_loss: f64,
    window: VecDeque<f64>,
    window_sum: f64,
}

impl DivergenceMonitor {
    /// `initial_loss`: the training loss of the initial model.
    pub fn new(initial_loss: f64) -> Self {
        Self { initial_loss, window: VecDeque::with_capacity(SMOOTHING_STEPS), window_sum: 0.0 }
    }

    /// Feeds the loss of step `step`; returns why the run diverged, if it did.
    pub fn observe(&mut self, step: usize, loss: f64) -> Option<Outcome> {
        let diverged = |reason: String| Some(Outcome::Diverged { step, reason });
        if !loss.is_finite() {
            return diverged("the training loss became infinite or NaN".to_owned());
        }
        if loss > BLOWUP_FACTOR * self.initial_loss {
            return diverged(format!(
                "the training loss {loss:.3e} exceeded {BLOWUP_FACTOR:.0e} × its initial value {:.3}",
                self.initial_loss
            ));
        }
        if self.window.len() == SMOOTHING_STEPS {
            self.window_sum -= self.window.pop_front().unwrap_or(0.0);
        }
        self.window.push_back(loss);
        self.window_sum += loss;
        let smoothed = self.window_sum / self.window.len() as f64;
        if self.window.len() == SMOOTHING_STEPS && smoothed > SMOOTHED_FACTOR * self.initial_loss {
            return diverged(format!(
                "the training loss averaged over {SMOOTHING_STEPS} steps ({smoothed:.3}) rose above \
                 {SMOOTHED_FACTOR} × its initial value {:.3}",
                self.initial_loss
            ));
        }
        None
    }
}

/// A finished run is stalled when it is at chance accuracy and its loss is back near where it began
/// (typically dead ReLUs after a too-high learning rate).
pub fn judge_finished(initial_loss: f64, final_train_loss: f64, val_acc: f64, classes: usize) -> Outcome {
    let chance = 1.0 / classes as f64;
    if val_acc < 1.5 * chance && final_train_loss > 0.8 * initial_loss {
        Outcome::Stalled {
            reason: format!(
                "validation accuracy {:.1} % is at chance ({:.1} %) and the training loss {final_train_loss:.3} \
                 is back near its start {initial_loss:.3}: the learning rate was probably high enough to \
                 kill the network's units",
                100.0 * val_acc,
                100.0 * chance
            ),
        }
    } else {
        Outcome::Finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_fires_and_a_calm_run_does_not() {
        let mut m = DivergenceMonitor::new(2.3);
        assert!((1..200).all(|s| m.observe(s, 2.3 / (1.0 + s as f64 * 0.01)).is_none()));
        assert!(matches!(DivergenceMonitor::new(2.3).observe(5, f64::NAN), Some(Outcome::Diverged { step: 5, .. })));
        assert!(DivergenceMonitor::new(2.3).observe(1, 2301.0).is_some());
        // Swinging between 5 and 150 never reaches 1e3 × 2.3, but the smoothed rule catches it.
        let mut swing = DivergenceMonitor::new(2.3);
        let hit = (1..100).find_map(|s| swing.observe(s, if s % 2 == 0 { 5.0 } else { 150.0 }));
        assert_eq!(hit.map(|o| o.status()), Some("diverged"));
        // One spike above 2× in a calm window is not divergence.
        let mut spike = DivergenceMonitor::new(2.3);
        assert!((1..60).all(|s| spike.observe(s, if s == 30 { 9.0 } else { 1.0 }).is_none()));
    }

    #[test]
    fn stalled_needs_chance_accuracy_and_a_high_loss() {
        assert_eq!(judge_finished(2.3, 2.3, 0.1, 10).status(), "stalled");
        assert_eq!(judge_finished(2.3, 0.3, 0.1, 10).status(), "finished");
        assert_eq!(judge_finished(2.3, 2.3, 0.9, 10).status(), "finished");
    }
}

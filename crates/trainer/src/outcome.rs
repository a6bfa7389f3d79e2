//! How a run ended, by the rules of science.md: diverged, unstable, stalled or finished. The rules judge
//! every loss the run produces — each minibatch's, the validation loss at every evaluation point, and
//! the whole training set's at the end — so a run of any length, ending in any way, gets the label its
//! losses earn. A blow-up is never called "stalled": that word is kept for runs that never blew up and
//! learned nothing.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;

/// The moving average of the "smoothed loss above 2×" rule spans at least this many steps…
pub const WINDOW_STEPS: usize = 20;
/// …and at least this many examples (at B = 1 a 20-step mean of single-example losses is noise).
pub const WINDOW_EXAMPLES: usize = 256;
/// A training loss above this multiple of the initial loss is divergence.
pub const BLOWUP_FACTOR: f64 = 1e3;
/// A smoothed training loss above this multiple of the initial loss is divergence.
pub const SMOOTHED_FACTOR: f64 = 2.0;
/// A loss measured on a whole set at an evaluation point above this multiple of its value at the
/// start (or of the loss of predicting the class frequencies, when that is larger: a lucky start is no
/// baseline) is a blow-up, however short.
pub const EVAL_BLOWUP_FACTOR: f64 = 2.0;

/// The end of a run. A divergence is a result to show, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Finished,
    /// Finished without a blow-up, but learned nothing (η too small to move): shown as its own status
    /// with the reason.
    Stalled(Stall),
    /// Trained, but not calmly: the loss blew up at an evaluation point and recovered.
    Unstable(Instability),
    Diverged(Divergence),
}

/// The first evaluation point where a loss over many examples exceeded [`EVAL_BLOWUP_FACTOR`] × its
/// value at the start of the run (or × the loss of predicting the class frequencies, when larger).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlowUp {
    pub step: usize,
    pub epoch: f64,
    /// Which loss: the validation set's there, or the mean of the minibatch losses since the point
    /// before (over `steps` steps, at least two: never one minibatch's loss).
    pub measure: BlowUpLoss,
    /// That loss there, and at the start.
    pub loss: f64,
    pub initial_loss: f64,
}

/// The loss a blow-up was seen in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlowUpLoss {
    Validation,
    /// The mean training loss of the steps since the point before, from `from_step`.
    TrainingSince {
        from_step: usize,
    },
}

/// The blow-up a run recovered from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instability {
    pub blowup: BlowUp,
    /// The loss on the whole training set at the start and at the end.
    pub initial_loss: f64,
    pub final_loss: f64,
}

/// Where a chart marks a run's trouble: the step a divergence began or the loss blew up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub step: usize,
    pub epoch: f64,
    /// "diverged" or "blew up".
    pub what: &'static str,
}

/// Where and why a run diverged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The step (1-based) where the loss left its course: the first step of the offending stretch.
    pub step: usize,
    /// That step's epoch ([`crate::schedule::Schedule::epoch`]) and learning rate.
    pub epoch: f64,
    pub lr: f64,
    /// The training loss of the initial model, which the rules compare with.
    pub initial_loss: f64,
    pub rule: DivergenceRule,
}

/// Which rule a diverged run broke.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DivergenceRule {
    /// A minibatch loss, or the final loss on the whole training set, was infinite or NaN.
    NotFinite,
    /// A minibatch loss exceeded [`BLOWUP_FACTOR`] × the initial loss.
    BlewUp { loss: f64 },
    /// The example-weighted mean of the minibatch losses of steps `from_step..=to_step` exceeded
    /// [`SMOOTHED_FACTOR`] × the initial loss (a run shorter than the window is judged on what it has).
    RoseAndStayed { mean: f64, from_step: usize, to_step: usize },
    /// The loss on the whole training set after the last step exceeded [`SMOOTHED_FACTOR`] × (or
    /// [`BLOWUP_FACTOR`] ×) the initial loss.
    EndedHigh { loss: f64 },
    /// The validation loss blew up at an evaluation point ([`BlowUp`], where the divergence is marked)
    /// and the run never recovered: it ended no better than it started (`final_loss` on the whole
    /// training set), or at chance accuracy.
    NeverRecovered { blowup: BlowUp, final_loss: f64, at_chance: bool },
}

/// Why a finished run counts as stalled: at chance accuracy, with a loss no better than predicting
/// the class frequencies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stall {
    pub val_acc: f64,
    /// The accuracy of always answering the commonest class.
    pub chance: f64,
    /// Loss on the whole training set at the end.
    pub train_loss: f64,
    /// The loss of predicting the class frequencies for every example.
    pub prior_loss: f64,
}

crate::named_enum! {
    /// How a run ended, without the evidence: what a sweep's table records.
    pub enum Verdict {
        Finished => ("finished", "finished"),
        Stalled => ("stalled", "stalled: learned nothing"),
        Unstable => ("unstable", "unstable: blew up, then recovered"),
        Diverged => ("diverged", "diverged"),
    }
}

impl Outcome {
    pub fn verdict(&self) -> Verdict {
        match self {
            Outcome::Finished => Verdict::Finished,
            Outcome::Stalled(_) => Verdict::Stalled,
            Outcome::Unstable(_) => Verdict::Unstable,
            Outcome::Diverged(_) => Verdict::Diverged,
        }
    }

    /// Where a chart marks the run: a divergence's first step, or a recovered blow-up.
    pub fn mark(&self) -> Option<Mark> {
        match self {
            Outcome::Diverged(d) => Some(Mark { step: d.step, epoch: d.epoch, what: "diverged" }),
            Outcome::Unstable(Instability { blowup: b, .. }) => {
                Some(Mark { step: b.step, epoch: b.epoch, what: "blew up" })
            }
            _ => None,
        }
    }

    /// The status word the UI and the CLI show.
    pub fn status(&self) -> &'static str {
        self.verdict().name()
    }

    pub fn divergence(&self) -> Option<&Divergence> {
        match self {
            Outcome::Diverged(d) => Some(d),
            _ => None,
        }
    }

    /// Why the run diverged or stalled, as one sentence; `None` for a finished run.
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Finished => None,
            Outcome::Stalled(s) => Some(s.to_string()),
            Outcome::Unstable(u) => Some(u.to_string()),
            Outcome::Diverged(d) => Some(d.to_string()),
        }
    }
}

/// A loss as every message and read-out prints it (so a number in a sentence matches the card
/// that shows the same loss): four decimals, or an exponent when very large or small.
pub fn fmt_loss(x: f64) -> String {
    if !x.is_finite() {
        "∞ / NaN".to_owned()
    } else if x.abs() >= 1e4 || (x != 0.0 && x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// A learning rate (or a ratio) as every message prints it: three significant digits and no float noise: 0.1, 3.33, 0.0333, 1.00e-4.
pub fn fmt_lr(lr: f64) -> String {
    if !(1e-3..1e3).contains(&lr) {
        return format!("{lr:.2e}");
    }
    let decimals = (2 - lr.log10().floor() as i32).max(0) as usize;
    let s = format!("{lr:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let initial = fmt_loss(self.initial_loss);
        match self.rule {
            DivergenceRule::NotFinite => write!(f, "the training loss became infinite or NaN"),
            DivergenceRule::BlewUp { loss } => write!(
                f,
                "the minibatch loss of step {} was {}, more than {BLOWUP_FACTOR:.0} × its initial value {initial}",
                self.step,
                fmt_loss(loss)
            ),
            DivergenceRule::RoseAndStayed { mean, from_step, to_step } => write!(
                f,
                "the training loss averaged over steps {from_step}–{to_step} was {}, more than {SMOOTHED_FACTOR} × \
                 its initial value {initial}",
                fmt_loss(mean)
            ),
            DivergenceRule::EndedHigh { loss } => write!(
                f,
                "the loss on the whole training set ended at {}, more than {SMOOTHED_FACTOR} × its initial value {initial}",
                fmt_loss(loss)
            ),
            DivergenceRule::NeverRecovered { blowup, final_loss, at_chance } => {
                write!(f, "{blowup}, and the run never recovered: ")?;
                if at_chance {
                    write!(f, "it ended at chance accuracy")
                } else {
                    write!(
                        f,
                        "the loss on the whole training set ended at {}, no better than its initial {initial}",
                        fmt_loss(final_loss)
                    )
                }
            }
        }
    }
}

impl fmt::Display for BlowUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.measure {
            BlowUpLoss::Validation => write!(f, "the validation loss at step {}", self.step)?,
            BlowUpLoss::TrainingSince { from_step } => {
                write!(f, "the training loss averaged over steps {from_step}–{}", self.step)?;
            }
        }
        write!(
            f,
            " was {}, more than {EVAL_BLOWUP_FACTOR} × its initial value {}",
            fmt_loss(self.loss),
            fmt_loss(self.initial_loss)
        )
    }
}

impl fmt::Display for Instability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = (fmt_loss(self.initial_loss), fmt_loss(self.final_loss));
        write!(
            f,
            "{}; it recovered, ending with a loss on the whole training set of {end} (it started at {start})",
            self.blowup
        )
    }
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "validation accuracy {:.1} % is at chance ({:.1} % for always answering the commonest class), and the \
             loss on the whole training set, {}, is no better than predicting the class frequencies ({})",
            100.0 * self.val_acc,
            100.0 * self.chance,
            fmt_loss(self.train_loss),
            fmt_loss(self.prior_loss)
        )
    }
}

/// One step as the monitor sees it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    step: usize,
    loss: f64,
    rows: usize,
}

/// Watches the per-step training loss and the evaluation points' validation loss for divergence.
#[derive(Clone, Debug)]
pub struct DivergenceMonitor {
    initial_loss: f64,
    /// The validation loss at the first evaluation point, and the first blow-up above twice it (or
    /// twice `prior_loss`, when larger).
    initial_eval_loss: Option<f64>,
    prior_loss: f64,
    blowup: Option<BlowUp>,
    window: VecDeque<Entry>,
    /// Σ loss × rows and Σ rows over the window.
    weighted_sum: f64,
    rows: usize,
}

/// A broken rule, before the trainer adds the step's epoch and learning rate.
pub type Breach = (usize, DivergenceRule);

impl DivergenceMonitor {
    /// `initial_loss`: the training loss of the initial model.
    pub fn new(initial_loss: f64) -> Self {
        Self {
            initial_loss,
            initial_eval_loss: None,
            prior_loss: 0.0,
            blowup: None,
            window: VecDeque::new(),
            weighted_sum: 0.0,
            rows: 0,
        }
    }

    /// The loss of predicting the class frequencies: a blow-up must also exceed twice it.
    pub fn with_prior_loss(self, prior_loss: f64) -> Self {
        Self { prior_loss, ..self }
    }

    /// Feeds an evaluation point (the first one is the start's): its validation loss, and the mean
    /// training loss of the `steps` steps since the point before. Records the first blow-up of either
    /// above [`EVAL_BLOWUP_FACTOR`] × its start (or × the prior's loss, when larger); a mean over fewer
    /// than two steps is one minibatch's loss, which is noise, not a blow-up.
    pub fn observe_eval(&mut self, step: usize, epoch: f64, val_loss: f64, train_mean: f64, steps: usize) {
        let Some(initial) = self.initial_eval_loss else {
            self.initial_eval_loss = Some(val_loss);
            return;
        };
        if self.blowup.is_some() {
            return;
        }
        let high = |loss: f64, start: f64| !loss.is_finite() || loss > EVAL_BLOWUP_FACTOR * start.max(self.prior_loss);
        let blowup = |measure, loss, initial_loss| BlowUp { step, epoch, measure, loss, initial_loss };
        if high(val_loss, initial) {
            self.blowup = Some(blowup(BlowUpLoss::Validation, val_loss, initial));
        } else if steps >= 2 && high(train_mean, self.initial_loss) {
            let from_step = step + 1 - steps;
            self.blowup = Some(blowup(BlowUpLoss::TrainingSince { from_step }, train_mean, self.initial_loss));
        }
    }

    /// The verdict on a run that broke none of the divergence rules as it trained: a blow-up it never
    /// recovered from (it ended no better than it started, or at chance) is a divergence marked where it
    /// blew up; a recovered one is unstable; a run that never blew up and learned nothing is stalled. (A
    /// finished run that ended above its start says so: [`crate::Summary::note`].)
    pub fn judge_end(
        &self,
        final_loss: f64,
        val_acc: f64,
        class_frequencies: &[f64],
        prior_loss: f64,
    ) -> Result<Outcome, Breach> {
        let chance = chance_accuracy(class_frequencies);
        let at_chance = val_acc < chance + (1.0 - chance) / 10.0;
        let worse = final_loss >= self.initial_loss;
        match self.blowup {
            Some(blowup) if worse || at_chance => {
                Err((blowup.step, DivergenceRule::NeverRecovered { blowup, final_loss, at_chance }))
            }
            Some(blowup) => Ok(Outcome::Unstable(Instability { blowup, initial_loss: self.initial_loss, final_loss })),
            None => Ok(judge_finished(final_loss, val_acc, class_frequencies, prior_loss)),
        }
    }

    pub fn initial_loss(&self) -> f64 {
        self.initial_loss
    }

    /// Feeds the loss of step `step` (1-based), a mean over `rows` examples; returns the rule it
    /// breaks, if any, with the step where the loss left its course.
    pub fn observe(&mut self, step: usize, loss: f64, rows: usize) -> Option<Breach> {
        if !loss.is_finite() {
            return Some((step, DivergenceRule::NotFinite));
        }
        if loss > BLOWUP_FACTOR * self.initial_loss {
            return Some((step, DivergenceRule::BlewUp { loss }));
        }
        self.window.push_back(Entry { step, loss, rows });
        self.weighted_sum += loss * rows as f64;
        self.rows += rows;
        while self.window.len() > WINDOW_STEPS
            && self.window.front().is_some_and(|e| self.rows - e.rows >= WINDOW_EXAMPLES)
        {
            if let Some(e) = self.window.pop_front() {
                self.weighted_sum -= e.loss * e.rows as f64;
                self.rows -= e.rows;
            }
        }
        let full = self.window.len() >= WINDOW_STEPS && self.rows >= WINDOW_EXAMPLES;
        if full {
            self.judge_window()
        } else {
            None
        }
    }

    /// The smoothed rule on whatever the window holds: at the end of a run shorter than the window.
    pub fn judge_partial(&self) -> Option<Breach> {
        self.judge_window()
    }

    fn judge_window(&self) -> Option<Breach> {
        let threshold = SMOOTHED_FACTOR * self.initial_loss;
        let mean = self.weighted_sum / self.rows.max(1) as f64;
        if mean.partial_cmp(&threshold) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        // The mean is above the threshold, so some step in the window is: the first one is where the
        // loss left its course.
        let first = self.window.iter().find(|e| e.loss > threshold).or(self.window.front())?;
        let to_step = self.window.back().map_or(first.step, |e| e.step);
        let from_step = self.window.front().map_or(first.step, |e| e.step);
        Some((first.step, DivergenceRule::RoseAndStayed { mean, from_step, to_step }))
    }

    /// The rules applied to the final loss on the whole training set, after step `last_step`.
    pub fn judge_final(&self, last_step: usize, final_loss: f64) -> Option<Breach> {
        if !final_loss.is_finite() {
            Some((last_step, DivergenceRule::NotFinite))
        } else if final_loss > SMOOTHED_FACTOR * self.initial_loss {
            Some((last_step, DivergenceRule::EndedHigh { loss: final_loss }))
        } else {
            None
        }
    }
}

/// The accuracy of always answering the commonest class.
pub fn chance_accuracy(class_frequencies: &[f64]) -> f64 {
    class_frequencies.iter().copied().fold(0.0, f64::max)
}

/// A finished run is stalled when its validation accuracy is at chance — within a tenth of the way
/// from always answering the commonest class to perfect — and its training loss is no better than
/// 0.8 × the loss of predicting the class frequencies (dead ReLUs after a too-high η, or a rate too
/// small to move). Comparing with the prior's loss, not the initial loss, makes the rule hold for
/// MSE too, whose collapsed networks sit well below their initial loss.
pub fn judge_finished(final_train_loss: f64, val_acc: f64, class_frequencies: &[f64], prior_loss: f64) -> Outcome {
    let chance = chance_accuracy(class_frequencies);
    if val_acc < chance + (1.0 - chance) / 10.0 && final_train_loss > 0.8 * prior_loss {
        Outcome::Stalled(Stall { val_acc, chance, train_loss: final_train_loss, prior_loss })
    } else {
        Outcome::Finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(m: &mut DivergenceMonitor, losses: impl IntoIterator<Item = f64>, rows: usize) -> Option<Breach> {
        losses.into_iter().enumerate().find_map(|(i, l)| m.observe(i + 1, l, rows))
    }

    #[test]
    fn each_rule_fires_and_a_calm_run_does_not() {
        let mut m = DivergenceMonitor::new(2.3);
        assert!(feed(&mut m, (1..200).map(|s| 2.3 / (1.0 + f64::from(s) * 0.01)), 32).is_none());
        assert_eq!(DivergenceMonitor::new(2.3).observe(5, f64::NAN, 32), Some((5, DivergenceRule::NotFinite)));
        assert!(matches!(DivergenceMonitor::new(2.3).observe(1, 2301.0, 32), Some((1, DivergenceRule::BlewUp { .. }))));
        // Swinging between 5 and 150 never reaches 1e3 × 2.3, but the smoothed rule catches it.
        let hit = feed(&mut DivergenceMonitor::new(2.3), (1..100).map(|s| if s % 2 == 0 { 5.0 } else { 150.0 }), 32);
        assert!(matches!(hit, Some((1, DivergenceRule::RoseAndStayed { .. }))), "{hit:?}");
        // One spike above 2× in a calm window is not divergence.
        assert!(feed(&mut DivergenceMonitor::new(2.3), (1..60).map(|s| if s == 30 { 9.0 } else { 1.0 }), 32).is_none());
    }

    #[test]
    fn the_window_spans_256_examples_at_small_batches() {
        // At B = 1, 40 noisy single-example losses averaging just above 2× would trip a 20-step
        // window; the 256-example window sees the calm steps around them.
        let losses = (1..=600).map(|s| if (200..240).contains(&s) { 5.0 } else { 1.0 });
        assert!(feed(&mut DivergenceMonitor::new(2.3), losses.clone(), 1).is_none());
        assert!(feed(&mut DivergenceMonitor::new(2.3), losses, 16).is_some(), "at B = 16, 20 steps are 320 examples");
    }

    #[test]
    fn the_marker_goes_where_the_loss_left_its_course() {
        // Calm for 30 steps, then high: the window first averages above 2× at step 41, but the loss
        // left its course at step 31.
        let hit = feed(&mut DivergenceMonitor::new(2.0), (1..=60).map(|s| if s <= 30 { 1.5 } else { 6.0 }), 64);
        let Some((step, DivergenceRule::RoseAndStayed { from_step, to_step, .. })) = hit else { panic!("{hit:?}") };
        assert_eq!(step, 31);
        assert!(from_step <= 31 && to_step > 31, "{from_step}–{to_step}");
    }

    #[test]
    fn short_runs_and_final_losses_are_judged_too() {
        let mut m = DivergenceMonitor::new(2.6);
        assert!(feed(&mut m, [3.0, 8.0, 30.0, 90.0, 120.0], 1437).is_none(), "the window never fills");
        assert!(matches!(m.judge_partial(), Some((2, DivergenceRule::RoseAndStayed { .. }))));
        assert!(matches!(m.judge_final(10, 2600.0), Some((10, DivergenceRule::EndedHigh { .. }))));
        assert_eq!(m.judge_final(10, f64::NAN), Some((10, DivergenceRule::NotFinite)));
        assert_eq!(m.judge_final(10, 1.0), None);
    }

    #[test]
    fn an_evaluation_blowup_is_never_stalled() {
        let digits = [0.1; 10];
        let prior = 10f64.ln();
        let monitor = |vals: &[f64]| {
            let mut m = DivergenceMonitor::new(2.5);
            for (i, &v) in vals.iter().enumerate() {
                m.observe_eval(i * 5, i as f64, v, 1.0, 5);
            }
            m
        };
        // Blew up to 4× and collapsed to the prior: diverged, marked at the blow-up.
        let m = monitor(&[2.5, 1.0, 10.0, 2.3]);
        let Err((10, DivergenceRule::NeverRecovered { at_chance: true, .. })) = m.judge_end(2.3, 0.1, &digits, prior)
        else {
            panic!("{:?}", m.judge_end(2.3, 0.1, &digits, prior))
        };
        // Blew up and recovered: unstable, with its mark.
        let o = monitor(&[2.5, 1.0, 6.0, 0.4]).judge_end(0.3, 0.9, &digits, prior).unwrap();
        assert_eq!(o.status(), "unstable");
        assert_eq!(o.mark().map(|m| m.step), Some(10));
        // Blew up and ended above the start though above chance: diverged.
        assert!(monitor(&[2.5, 6.0, 2.0]).judge_end(2.6, 0.5, &digits, prior).is_err());
        // Never blew up, learned nothing: stalled.
        assert_eq!(monitor(&[2.5, 2.45]).judge_end(2.3, 0.1, &digits, prior).unwrap().status(), "stalled");
        // Calm: finished.
        assert_eq!(monitor(&[2.5, 1.0, 0.5]).judge_end(0.4, 0.9, &digits, prior).unwrap().status(), "finished");
    }

    #[test]
    fn stalled_needs_chance_accuracy_and_a_prior_sized_loss_for_either_loss() {
        let digits = [0.1; 10];
        let (xent_prior, mse_prior) = (10f64.ln(), 0.45);
        assert_eq!(judge_finished(2.30, 0.1, &digits, xent_prior).status(), "stalled");
        assert_eq!(judge_finished(0.3, 0.1, &digits, xent_prior).status(), "finished");
        assert_eq!(judge_finished(2.3, 0.9, &digits, xent_prior).status(), "finished");
        // MSE collapsed to the prior: 0.45, far below a typical initial MSE, is still stalled.
        assert_eq!(judge_finished(0.45, 0.1, &digits, mse_prior).status(), "stalled");
        assert_eq!(judge_finished(0.1, 0.85, &digits, mse_prior).status(), "finished");
    }
}

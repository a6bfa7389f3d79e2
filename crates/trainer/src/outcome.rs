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
/// A blow-up (or an early rise) is judged on a short moving average of the minibatch losses, over at
/// least this many consecutive steps…
pub const SPIKE_WINDOW_STEPS: usize = 4;
/// …and at least this many examples: fixed in steps and examples, never in evaluation points, so a
/// run's label does not depend on how often it is evaluated.
pub const SPIKE_WINDOW_EXAMPLES: usize = 128;
/// That short average above this multiple of the loss at the start (or of the loss of predicting the
/// class frequencies, when that is larger: a lucky start is no baseline) is a blow-up, however short.
pub const SPIKE_FACTOR: f64 = 2.0;
/// A run has learned once its short average fell below this multiple of the class-frequency loss; a
/// run that learned and ends at chance collapsed, which is a divergence, never a stall.
pub const LEARNED_FACTOR: f64 = 0.5;
/// A finished run at chance accuracy stalled when its loss is above this multiple of the
/// class-frequency loss…
pub const STALL_FACTOR: f64 = 0.8;
/// …and its weights moved less than this multiple of their initial size: a run at chance whose weights
/// moved further was not too small to move, it collapsed.
pub const MOVED_FACTOR: f64 = 0.5;

/// How a run ended, as the end's rules read it: its last step, the loss on the whole training set,
/// the validation accuracy and how far the weights moved from the start (relative to their size).
#[derive(Clone, Copy, Debug)]
pub struct End {
    pub step: usize,
    pub final_loss: f64,
    pub val_acc: f64,
    pub weights_moved: f64,
}

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

/// The first stretch of steps whose short moving average of minibatch losses ([`SPIKE_WINDOW_STEPS`],
/// [`SPIKE_WINDOW_EXAMPLES`]) exceeded [`SPIKE_FACTOR`] × the loss at the start (or × the loss of
/// predicting the class frequencies, when larger).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlowUp {
    /// The first step of the stretch whose own loss was above the threshold: where the loss left its
    /// course.
    pub step: usize,
    pub epoch: f64,
    /// The steps the average spans (absent from files written before blow-ups were judged on steps).
    #[serde(default)]
    pub from_step: usize,
    #[serde(default)]
    pub to_step: usize,
    /// That average, and the baseline it was compared with.
    #[serde(with = "crate::json_float")]
    pub loss: f64,
    pub initial_loss: f64,
}

/// How the early training loss went above its start before it came down: the evidence that a run
/// above the stability edge caught itself. Judged on the same short moving average as a blow-up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rise {
    /// The highest short average above the initial training loss, and the step it ended at.
    #[serde(with = "crate::json_float")]
    pub peak_loss: f64,
    pub peak_step: usize,
    /// The first step after that peak whose short average was below the initial loss again.
    pub back_step: Option<usize>,
}

/// A run that trained, but not calmly: it blew up and recovered, or ended above where it started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instability {
    /// The blow-up it recovered from; `None` when it never blew up but ended above its start.
    pub blowup: Option<BlowUp>,
    /// The loss on the whole training set at the start and at the end.
    pub initial_loss: f64,
    #[serde(with = "crate::json_float")]
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
    BlewUp {
        #[serde(with = "crate::json_float")]
        loss: f64,
    },
    /// The example-weighted mean of the minibatch losses of steps `from_step..=to_step` exceeded
    /// [`SMOOTHED_FACTOR`] × the initial loss (a run shorter than the window is judged on what it has).
    RoseAndStayed {
        #[serde(with = "crate::json_float")]
        mean: f64,
        from_step: usize,
        to_step: usize,
    },
    /// The loss on the whole training set after the last step exceeded [`SMOOTHED_FACTOR`] × (or
    /// [`BLOWUP_FACTOR`] ×) the initial loss.
    EndedHigh {
        #[serde(with = "crate::json_float")]
        loss: f64,
    },
    /// The loss blew up ([`BlowUp`], where the divergence is marked) and the run never recovered: it
    /// ended no better than it started (`final_loss` on the whole training set), or at chance accuracy.
    NeverRecovered {
        blowup: BlowUp,
        #[serde(with = "crate::json_float")]
        final_loss: f64,
        at_chance: bool,
    },
    /// The run ended at chance accuracy with a loss no better than guessing the class frequencies
    /// (`final_loss`), though it had learned (its short average reached `learned` = (loss, step), below
    /// [`LEARNED_FACTOR`] × the class-frequency loss) or its weights moved far (`weights_moved` ×
    /// their initial size): η too large to settle, not too small to move.
    Collapsed {
        learned: Option<(f64, usize)>,
        weights_moved: f64,
        #[serde(with = "crate::json_float")]
        final_loss: f64,
    },
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
        Unstable => ("unstable", "unstable: blew up and recovered, or ended above its start"),
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
            Outcome::Unstable(Instability { blowup: Some(b), .. }) => {
                Some(Mark { step: b.step, epoch: b.epoch, what: "blew up" })
            }
            _ => None,
        }
    }

    /// The status word the UI and the CLI show.
    pub fn status(&self) -> &'static str {
        self.verdict().name()
    }

    /// Whether the run trained: it ended below where it started and above chance, calmly or after a
    /// blow-up it recovered from. Not a run that diverged, stalled or ended above its start.
    pub fn trained(&self) -> bool {
        matches!(self, Outcome::Finished | Outcome::Unstable(Instability { blowup: Some(_), .. }))
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
            DivergenceRule::Collapsed { learned, weights_moved, final_loss } => {
                match learned {
                    Some((loss, step)) => write!(
                        f,
                        "the run learned (its training loss was down to {} by step {step}) and then collapsed: it",
                        fmt_loss(loss)
                    )?,
                    None => write!(f, "the run")?,
                }
                write!(
                    f,
                    " ended at chance accuracy, with a loss on the whole training set of {}, no better than guessing \
                     the class frequencies, though its weights moved {weights_moved:.2} × their initial size: η was too \
                     large to settle, not too small to move",
                    fmt_loss(final_loss)
                )
            }
        }
    }
}

impl fmt::Display for BlowUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the training loss averaged over steps {}–{} was {}, more than {SPIKE_FACTOR} × its initial value {}",
            self.from_step,
            self.to_step,
            fmt_loss(self.loss),
            fmt_loss(self.initial_loss)
        )
    }
}

impl fmt::Display for Instability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = (fmt_loss(self.initial_loss), fmt_loss(self.final_loss));
        match self.blowup {
            Some(b) => write!(
                f,
                "{b}; it recovered, ending with a loss on the whole training set of {end} (it started at {start})"
            ),
            None => write!(
                f,
                "it never blew up, but the loss on the whole training set ended at {end}, {:.2} × where it started \
                 ({start}): the run made it worse",
                self.final_loss / self.initial_loss
            ),
        }
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

/// An example-weighted moving average of the minibatch losses over at least `min_steps` consecutive
/// steps and at least `min_rows` examples.
#[derive(Clone, Debug)]
struct Window {
    min_steps: usize,
    min_rows: usize,
    entries: VecDeque<Entry>,
    /// Σ loss × rows and Σ rows over the window.
    weighted_sum: f64,
    rows: usize,
}

impl Window {
    fn new(min_steps: usize, min_rows: usize) -> Self {
        Self { min_steps, min_rows, entries: VecDeque::new(), weighted_sum: 0.0, rows: 0 }
    }

    /// Adds a step, dropping the oldest ones the window no longer needs.
    fn push(&mut self, e: Entry) {
        self.entries.push_back(e);
        self.weighted_sum += e.loss * e.rows as f64;
        self.rows += e.rows;
        while self.entries.len() > self.min_steps
            && self.entries.front().is_some_and(|f| self.rows - f.rows >= self.min_rows)
        {
            if let Some(f) = self.entries.pop_front() {
                self.weighted_sum -= f.loss * f.rows as f64;
                self.rows -= f.rows;
            }
        }
    }

    fn is_full(&self) -> bool {
        self.entries.len() >= self.min_steps && self.rows >= self.min_rows
    }

    fn mean(&self) -> f64 {
        self.weighted_sum / self.rows.max(1) as f64
    }

    /// The first and last steps it spans.
    fn span(&self) -> (usize, usize) {
        (self.entries.front().map_or(0, |e| e.step), self.entries.back().map_or(0, |e| e.step))
    }

    /// The first step in the window whose own loss is above `threshold` (else the window's first):
    /// where the loss left its course.
    fn first_above(&self, threshold: f64) -> usize {
        self.entries.iter().find(|e| e.loss > threshold).or(self.entries.front()).map_or(0, |e| e.step)
    }
}

/// Watches every step's minibatch loss for divergence, blow-ups, an early rise and a collapse. It
/// never sees an evaluation point: a run's label is the same however often it is evaluated.
#[derive(Clone, Debug)]
pub struct DivergenceMonitor {
    initial_loss: f64,
    prior_loss: f64,
    /// The "rose and stayed" window, and the short one blow-ups, rises and learning are judged on.
    long: Window,
    short: Window,
    blowup: Option<BlowUp>,
    rise: Option<Rise>,
    /// The short average's first value below [`LEARNED_FACTOR`] × the prior's loss, and its step.
    learned: Option<(f64, usize)>,
    /// After learning, the first step whose short average was back above [`STALL_FACTOR`] × the
    /// prior's loss: where a collapse is marked.
    relapse_step: Option<usize>,
}

/// A broken rule, before the trainer adds the step's epoch and learning rate.
pub type Breach = (usize, DivergenceRule);

impl DivergenceMonitor {
    /// `initial_loss`: the training loss of the initial model.
    pub fn new(initial_loss: f64) -> Self {
        Self {
            initial_loss,
            prior_loss: 0.0,
            long: Window::new(WINDOW_STEPS, WINDOW_EXAMPLES),
            short: Window::new(SPIKE_WINDOW_STEPS, SPIKE_WINDOW_EXAMPLES),
            blowup: None,
            rise: None,
            learned: None,
            relapse_step: None,
        }
    }

    /// The loss of predicting the class frequencies: a blow-up must also exceed twice it.
    pub fn with_prior_loss(self, prior_loss: f64) -> Self {
        Self { prior_loss, ..self }
    }

    pub fn initial_loss(&self) -> f64 {
        self.initial_loss
    }

    /// How the loss rose above its start, if it did.
    pub fn rise(&self) -> Option<Rise> {
        self.rise
    }

    /// Feeds the loss of step `step` (1-based, at `epoch`), a mean over `rows` examples; returns the
    /// rule it breaks, if any, with the step where the loss left its course.
    pub fn observe(&mut self, step: usize, epoch: f64, loss: f64, rows: usize) -> Option<Breach> {
        if !loss.is_finite() {
            return Some((step, DivergenceRule::NotFinite));
        }
        if loss > BLOWUP_FACTOR * self.initial_loss {
            return Some((step, DivergenceRule::BlewUp { loss }));
        }
        let e = Entry { step, loss, rows };
        self.long.push(e);
        self.short.push(e);
        if self.short.is_full() {
            self.watch_short(epoch);
        }
        if self.long.is_full() {
            self.judge_window()
        } else {
            None
        }
    }

    /// Blow-up, rise and learning on the short average after a step.
    fn watch_short(&mut self, epoch: f64) {
        let mean = self.short.mean();
        let (from_step, to_step) = self.short.span();
        let baseline = self.initial_loss.max(self.prior_loss);
        if self.blowup.is_none() && mean > SPIKE_FACTOR * baseline {
            let step = self.short.first_above(SPIKE_FACTOR * baseline);
            self.blowup = Some(BlowUp { step, epoch, from_step, to_step, loss: mean, initial_loss: baseline });
        }
        match &mut self.rise {
            Some(r) if mean > r.peak_loss => *r = Rise { peak_loss: mean, peak_step: to_step, back_step: None },
            Some(r) if r.back_step.is_none() && mean < self.initial_loss => r.back_step = Some(to_step),
            None if mean > self.initial_loss => {
                self.rise = Some(Rise { peak_loss: mean, peak_step: to_step, back_step: None });
            }
            _ => {}
        }
        if self.learned.is_none() && mean < LEARNED_FACTOR * self.prior_loss {
            self.learned = Some((mean, to_step));
        }
        if self.learned.is_some() && self.relapse_step.is_none() && mean > STALL_FACTOR * self.prior_loss {
            self.relapse_step = Some(self.short.first_above(STALL_FACTOR * self.prior_loss));
        }
    }

    /// The verdict on a run that broke none of the divergence rules as it trained: a blow-up it never
    /// recovered from (it ended no better than it started, or at chance) is a divergence marked where it
    /// blew up; a recovered one is unstable. A run at chance that never blew up stalled only if it
    /// neither learned nor moved its weights far (η too small to move); one that did collapsed, which
    /// is a divergence. One that ended above its start is unstable.
    pub fn judge_end(&self, end: End, class_frequencies: &[f64], prior_loss: f64) -> Result<Outcome, Breach> {
        let End { step: last_step, final_loss, val_acc, weights_moved } = end;
        let chance = chance_accuracy(class_frequencies);
        let at_chance = val_acc < chance + (1.0 - chance) / 10.0;
        let worse = final_loss >= self.initial_loss;
        let unstable = |blowup| Instability { blowup, initial_loss: self.initial_loss, final_loss };
        match (self.blowup, judge_finished(final_loss, val_acc, class_frequencies, prior_loss)) {
            (Some(blowup), _) if worse || at_chance => {
                Err((blowup.step, DivergenceRule::NeverRecovered { blowup, final_loss, at_chance }))
            }
            (Some(blowup), _) => Ok(Outcome::Unstable(unstable(Some(blowup)))),
            (None, Outcome::Stalled(_)) if self.learned.is_some() || weights_moved > MOVED_FACTOR => {
                let step = self.relapse_step.or(self.rise.map(|r| r.peak_step)).unwrap_or(last_step);
                Err((step, DivergenceRule::Collapsed { learned: self.learned, weights_moved, final_loss }))
            }
            (None, Outcome::Finished) if final_loss > self.initial_loss => Ok(Outcome::Unstable(unstable(None))),
            (None, outcome) => Ok(outcome),
        }
    }

    /// The smoothed rule on whatever the window holds: at the end of a run shorter than the window.
    pub fn judge_partial(&self) -> Option<Breach> {
        self.judge_window()
    }

    fn judge_window(&self) -> Option<Breach> {
        let threshold = SMOOTHED_FACTOR * self.initial_loss;
        let mean = self.long.mean();
        if self.long.entries.is_empty() || mean.partial_cmp(&threshold) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let (from_step, to_step) = self.long.span();
        Some((self.long.first_above(threshold), DivergenceRule::RoseAndStayed { mean, from_step, to_step }))
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
    if val_acc < chance + (1.0 - chance) / 10.0 && final_train_loss > STALL_FACTOR * prior_loss {
        Outcome::Stalled(Stall { val_acc, chance, train_loss: final_train_loss, prior_loss })
    } else {
        Outcome::Finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(m: &mut DivergenceMonitor, losses: impl IntoIterator<Item = f64>, rows: usize) -> Option<Breach> {
        losses.into_iter().enumerate().find_map(|(i, l)| m.observe(i + 1, 0.0, l, rows))
    }

    #[test]
    fn each_rule_fires_and_a_calm_run_does_not() {
        let mut m = DivergenceMonitor::new(2.3);
        assert!(feed(&mut m, (1..200).map(|s| 2.3 / (1.0 + f64::from(s) * 0.01)), 32).is_none());
        assert_eq!(DivergenceMonitor::new(2.3).observe(5, 0.0, f64::NAN, 32), Some((5, DivergenceRule::NotFinite)));
        assert!(matches!(
            DivergenceMonitor::new(2.3).observe(1, 0.0, 2301.0, 32),
            Some((1, DivergenceRule::BlewUp { .. }))
        ));
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

    fn end(step: usize, final_loss: f64, val_acc: f64, weights_moved: f64) -> End {
        End { step, final_loss, val_acc, weights_moved }
    }

    /// The steps of a run as `(loss, steps)` stretches, at B 32.
    fn monitor(stretches: &[(f64, usize)]) -> DivergenceMonitor {
        let mut m = DivergenceMonitor::new(2.5).with_prior_loss(10f64.ln());
        let losses = stretches.iter().flat_map(|&(l, n)| std::iter::repeat_n(l, n));
        assert!(feed(&mut m, losses, 32).is_none(), "no divergence rule fires while training");
        m
    }

    #[test]
    fn a_blowup_is_judged_on_a_short_window_of_steps_and_never_called_stalled() {
        let digits = [0.1; 10];
        let prior = 10f64.ln();
        // A six-step spike to 4× amid calm steps: the 20-step window stays below 2×, the short one
        // does not. It collapsed to the prior: diverged, marked at the spike.
        let spiky = monitor(&[(1.0, 30), (10.0, 6), (2.3, 60)]);
        let Err((31, DivergenceRule::NeverRecovered { at_chance: true, .. })) =
            spiky.judge_end(end(96, 2.3, 0.1, 0.1), &digits, prior)
        else {
            panic!("{:?}", spiky.judge_end(end(96, 2.3, 0.1, 0.1), &digits, prior))
        };
        // The same spike, recovered: unstable, with its mark.
        let o = monitor(&[(1.0, 30), (10.0, 6), (0.4, 60)]).judge_end(end(96, 0.3, 0.9, 0.1), &digits, prior).unwrap();
        assert_eq!(o.status(), "unstable");
        assert_eq!(o.mark().map(|m| m.step), Some(31));
        // Two spiking steps in four: still a blow-up (the short window is four steps).
        assert!(monitor(&[(1.0, 30), (12.0, 2), (1.0, 30)]).blowup.is_some());
        // One spiking step is noise.
        assert!(monitor(&[(1.0, 30), (12.0, 1), (1.0, 30)]).blowup.is_none());
        // Never blew up, learned nothing: stalled.
        assert_eq!(
            monitor(&[(2.45, 60)]).judge_end(end(60, 2.3, 0.1, 0.1), &digits, prior).unwrap().status(),
            "stalled"
        );
        // Learned, then collapsed to chance without a blow-up: diverged where it relapsed, never stalled.
        let collapsed = monitor(&[(2.3, 10), (0.5, 40), (2.3, 40)]).judge_end(end(90, 2.3, 0.1, 0.1), &digits, prior);
        let Err((51, DivergenceRule::Collapsed { learned: Some((_, 13)), .. })) = collapsed else {
            panic!("{collapsed:?}")
        };
        // At chance without learning or a blow-up, but with weights moved far: collapsed, not stalled.
        let wandered = monitor(&[(2.45, 60)]).judge_end(end(60, 2.3, 0.1, 3.0), &digits, prior);
        let Err((_, DivergenceRule::Collapsed { learned: None, .. })) = wandered else { panic!("{wandered:?}") };
        // Calm: finished.
        assert_eq!(
            monitor(&[(1.0, 30), (0.5, 30)]).judge_end(end(60, 0.4, 0.9, 0.1), &digits, prior).unwrap().status(),
            "finished"
        );
        // Ended above its start without a blow-up: unstable, and it says the run made it worse.
        let worse = monitor(&[(2.6, 30)]).judge_end(end(30, 3.6, 0.5, 0.1), &digits, prior).unwrap();
        assert_eq!(worse.status(), "unstable");
        assert!(worse.reason().is_some_and(|r| r.contains("1.44 × where it started")), "{:?}", worse.reason());
    }

    #[test]
    fn an_early_rise_is_recorded_with_its_peak_and_return() {
        let m = monitor(&[(2.0, 8), (4.0, 8), (3.0, 8), (1.0, 30)]);
        let r = m.rise().unwrap();
        assert_eq!((r.peak_loss, r.peak_step), (4.0, 12), "the first four-step average at the peak");
        assert_eq!(r.back_step, Some(26), "the first four-step average below 2.5 ends at step 26");
        assert!(monitor(&[(2.0, 30), (1.0, 30)]).rise().is_none());
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

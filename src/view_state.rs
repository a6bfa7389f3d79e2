//! What the page knows about the current run, updated only by [`FromWorker`] messages. The UI renders
//! it and never computes training state of its own.

use batchlab_trainer::{Outcome, Point, RunConfig, Summary};

use crate::protocol::FromWorker;

/// The status word shown to people and tests (`data-testid="status"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    #[default]
    Idle,
    /// Start was pressed; the worker has not answered yet.
    Starting,
    Training,
    Paused,
    Finished,
    Diverged,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Starting | Status::Training => "training",
            Status::Paused => "paused",
            Status::Finished => "finished",
            Status::Diverged => "diverged",
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, Status::Starting | Status::Training | Status::Paused)
    }
}

/// One run as the page shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunView {
    pub status: Status,
    /// The config the run was started with (the form may have changed since).
    pub config: Option<RunConfig>,
    pub points: Vec<Point>,
    pub step: usize,
    pub total_steps: usize,
    pub steps_per_epoch: usize,
    pub batch_size: usize,
    pub steps_per_sec: f64,
    pub summary: Option<Summary>,
    /// Milliseconds from Start to the first curve point, for the speed read-out.
    pub first_point_ms: Option<f64>,
    pub started_at_ms: f64,
}

impl RunView {
    /// A run that was just requested.
    pub fn starting(config: RunConfig, now_ms: f64) -> Self {
        Self { status: Status::Starting, config: Some(config), started_at_ms: now_ms, ..Self::default() }
    }

    /// Applies one worker message. Returns a message for the person when the worker refused something.
    pub fn apply(&mut self, msg: FromWorker, now_ms: f64) -> Option<String> {
        match msg {
            FromWorker::Ready { .. } | FromWorker::BenchReport { .. } => {}
            FromWorker::Started { total_steps, steps_per_epoch, batch_size, .. } => {
                self.status = Status::Training;
                self.total_steps = total_steps;
                self.steps_per_epoch = steps_per_epoch;
                self.batch_size = batch_size;
            }
            FromWorker::Progress { points, step, steps_per_sec } => {
                if self.first_point_ms.is_none() && !points.is_empty() {
                    self.first_point_ms = Some(now_ms - self.started_at_ms);
                }
                self.points.extend(points);
                self.step = step;
                self.steps_per_sec = steps_per_sec;
            }
            FromWorker::Paused { step } => {
                self.status = Status::Paused;
                self.step = step;
            }
            FromWorker::Finished { summary } => {
                self.status = match summary.outcome {
                    Outcome::Diverged { .. } => Status::Diverged,
                    Outcome::Finished | Outcome::Stalled { .. } => Status::Finished,
                };
                self.step = summary.steps;
                self.summary = Some(summary);
            }
            FromWorker::Failed { message } => {
                if self.status == Status::Starting {
                    self.status = Status::Idle;
                }
                return Some(message);
            }
        }
        None
    }

    pub fn latest(&self) -> Option<&Point> {
        self.points.last()
    }

    /// The step at which the run diverged.
    pub fn diverged_at(&self) -> Option<usize> {
        match self.summary.as_ref()?.outcome {
            Outcome::Diverged { step, .. } => Some(step),
            _ => None,
        }
    }

    /// Plain-language explanation of a divergence or a stall, with what to try.
    pub fn banner(&self) -> Option<(BannerKind, String)> {
        let summary = self.summary.as_ref()?;
        let config = self.config.as_ref()?;
        match &summary.outcome {
            Outcome::Finished => None,
            Outcome::Diverged { step, reason } => Some((
                BannerKind::Diverged,
                format!(
                    "The loss blew up at step {step} (epoch {:.2}): the learning rate η = {} is too high for batch \
                     size {}. Try η = {}, a larger batch, or a warm-up. Why it was stopped: {reason}.",
                    *step as f64 / self.steps_per_epoch.max(1) as f64,
                    fmt_lr(config.lr),
                    self.batch_size,
                    fmt_lr(smaller_lr(config.lr)),
                ),
            )),
            Outcome::Stalled { reason } => Some((
                BannerKind::Stalled,
                format!("Training finished but learned nothing: {reason}. Try η = {}.", fmt_lr(smaller_lr(config.lr))),
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerKind {
    Diverged,
    Stalled,
}

/// The next smaller "round" learning rate, about 3× smaller: 10 → 3, 3 → 1, 0.5 → 0.1.
pub fn smaller_lr(lr: f64) -> f64 {
    let decade = 10f64.powf((lr / 3.0).log10().floor());
    let m = lr / 3.0 / decade;
    decade * if m >= 3.0 { 3.0 } else { 1.0 }
}

/// Batch sizes the slider offers: powers of two below the training-set size, then the full set
/// (`usize::MAX`, which the trainer caps at the set's size).
pub fn batch_choices(train_len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..usize::BITS).map(|k| 1usize << k).take_while(|&b| b < train_len).collect();
    v.push(usize::MAX);
    v
}

/// A learning rate with three significant digits and no float noise: 0.1, 3.33, 0.0333, 1.00e-4.
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

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::Summary;

    fn summary(outcome: Outcome) -> Summary {
        Summary {
            outcome,
            steps: 12,
            examples: 384,
            initial_train_loss: 2.3,
            final_train_loss: f64::NAN,
            final_val_loss: f64::NAN,
            final_val_acc: 0.1,
            digest: String::new(),
        }
    }

    #[test]
    fn a_divergence_sets_status_marker_and_banner() {
        let mut v = RunView::starting(RunConfig { lr: 10.0, ..RunConfig::default() }, 0.0);
        v.apply(FromWorker::Started { total_steps: 450, steps_per_epoch: 45, batch_size: 32, train_len: 1437 }, 1.0);
        assert_eq!(v.status.word(), "training");
        v.apply(FromWorker::Finished { summary: summary(Outcome::Diverged { step: 12, reason: "x".into() }) }, 2.0);
        assert_eq!(v.status.word(), "diverged");
        assert_eq!(v.diverged_at(), Some(12));
        let (kind, text) = v.banner().unwrap();
        assert_eq!(kind, BannerKind::Diverged);
        assert!(
            text.contains("step 12 (epoch 0.27)") && text.contains("η = 10 is") && text.contains("batch size 32"),
            "{text}"
        );
        assert!(text.contains("Try η = 3,"), "{text}");
    }

    #[test]
    fn a_refused_start_goes_back_to_idle_with_a_message() {
        let mut v = RunView::starting(RunConfig::default(), 0.0);
        assert_eq!(v.apply(FromWorker::Failed { message: "bad".into() }, 1.0).as_deref(), Some("bad"));
        assert_eq!(v.status, Status::Idle);
    }

    #[test]
    fn batch_sizes_double_up_to_the_full_set() {
        assert_eq!(batch_choices(1437), [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, usize::MAX]);
        assert_eq!(batch_choices(1), [usize::MAX]);
    }

    #[test]
    fn suggestions_are_round_and_about_three_times_smaller() {
        let got: Vec<f64> = [10.0, 3.0, 1.0, 0.5, 0.1].map(smaller_lr).to_vec();
        for (g, want) in got.iter().zip([3.0, 1.0, 0.3, 0.1, 0.03]) {
            assert!((g / want - 1.0).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn learning_rates_print_cleanly() {
        assert_eq!(fmt_lr(0.1), "0.1");
        assert_eq!(fmt_lr(10.0 / 3.0), "3.33");
        assert_eq!(fmt_lr(0.1 / 3.0), "0.0333");
        assert_eq!(fmt_lr(1e-4), "1.00e-4");
    }
}

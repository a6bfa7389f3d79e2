//! What the page knows about the current run, updated only by [`FromWorker`] messages (and the
//! worker's death). The UI renders it and never computes training state of its own; the sentences
//! about a run are written from it in [`crate::explain`].

use batchlab_trainer::edge::MaxLr;
use batchlab_trainer::model::ModelWeights;
pub use batchlab_trainer::outcome::fmt_lr;
use batchlab_trainer::outcome::{Divergence, Mark, Verdict};
use batchlab_trainer::regime::Limits;
use batchlab_trainer::train::{Diagnostic, WeightsFile};
use batchlab_trainer::{Point, RunConfig, StabilityLimit, Summary};

use batchlab_chart::trace::Measured;
use batchlab_chart::Trace;

use crate::protocol::{FromWorker, Stamped};

/// The status word shown to people and tests (`data-testid="status"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    #[default]
    Idle,
    /// Waiting for a free worker.
    Queued,
    /// Sent to a worker, which has not answered yet.
    Starting,
    Training,
    Paused,
    /// Ended by itself: finished, stalled, unstable or diverged, in the trainer's own words.
    Ended(Verdict),
    /// The worker died (a bug, or a file of the site that could not load).
    Failed,
    /// Stopped by the person before it ended.
    Stopped,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Queued => "queued",
            Status::Starting | Status::Training => "training",
            Status::Paused => "paused",
            Status::Ended(verdict) => verdict.name(),
            Status::Failed => "failed",
            Status::Stopped => "stopped",
        }
    }

    /// Waiting for, or holding, a worker.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Queued | Status::Starting | Status::Training | Status::Paused)
    }
}

/// One run as the page shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunView {
    pub status: Status,
    pub trace: Trace,
    pub step: usize,
    pub total_steps: usize,
    pub steps_per_sec: f64,
    pub summary: Option<Summary>,
    /// Measured by the worker once a run on screen ended: its edge c/λ₀, its final sharpness above it
    /// and η_max(B).
    pub limits: Option<Limits>,
    /// Why the worker stopped, for a failed run.
    pub failure: Option<String>,
    /// The training points of a run on 2-D data (x, y, class), for its decision boundary.
    pub plane: Option<Vec<(f32, f32, u8)>>,
    /// The model as of the last message, for a run on 2-D data (see `protocol::MAX_LIVE_WEIGHTS`).
    pub live_model: Option<Box<ModelWeights>>,
    /// The final weights, when the worker sent them (see `protocol::MAX_SENT_WEIGHTS`).
    pub weights: Option<Box<WeightsFile>>,
    /// Milliseconds from Start to the first curve point, for the speed read-out.
    pub first_point_ms: Option<f64>,
    pub started_at_ms: f64,
    /// The worker said it is in one long piece of work, and has sent no point since.
    pub working: bool,
}

impl RunView {
    /// A run read from a file: ended, with its points and summary as they were.
    pub fn imported(summary: Summary, points: Vec<(Point, f64)>) -> Self {
        Self {
            status: Status::Ended(summary.outcome.verdict()),
            step: summary.steps,
            total_steps: summary.steps,
            trace: trace_of(points),
            summary: Some(summary),
            ..Self::default()
        }
    }

    /// A run that was training when its page closed: stopped at its last point.
    pub fn stopped_at(points: Vec<(Point, f64)>) -> Self {
        let step = points.last().map_or(0, |(p, _)| p.step);
        Self { status: Status::Stopped, step, trace: trace_of(points), ..Self::default() }
    }

    /// The model its decision boundary is drawn from: the live one while it trains, its final weights
    /// once it has ended (for a run that had a live model).
    pub fn model(&self) -> Option<&ModelWeights> {
        let live = self.live_model.as_deref()?;
        Some(self.weights.as_ref().map_or(live, |w| &w.model))
    }

    /// Its curves' points with their training seconds, one per bucket (every point, below the
    /// trace's capacity): what a file or a kept session holds.
    pub fn points(&self) -> Vec<(Point, f64)> {
        self.trace.buckets().iter().map(|b| (b.last.clone(), b.secs)).collect()
    }

    /// A run that was just requested: queued until a worker takes it.
    pub fn queued(now_ms: f64) -> Self {
        Self { status: Status::Queued, started_at_ms: now_ms, ..Self::default() }
    }

    /// Applies one worker message. Returns a message for the person when the worker refused something.
    pub fn apply(&mut self, msg: FromWorker, now_ms: f64) -> Option<String> {
        match msg {
            FromWorker::Working => self.working = true,
            FromWorker::Ready | FromWorker::TableRead(_) | FromWorker::BenchReport { .. } => {}
            FromWorker::Started { total_steps, plane, .. } => {
                self.plane = plane;
                self.status = Status::Training;
                self.total_steps = total_steps;
            }
            FromWorker::Progress { points, step, steps_per_sec, model, .. } => {
                self.working = false;
                if model.is_some() {
                    self.live_model = model;
                }
                if self.first_point_ms.is_none() && !points.is_empty() {
                    self.first_point_ms = Some(now_ms - self.started_at_ms);
                }
                self.trace.extend(points.into_iter().map(|Stamped { point, secs }| (point, secs)));
                self.step = step;
                self.steps_per_sec = steps_per_sec;
            }
            FromWorker::Paused { step, .. } => {
                self.status = Status::Paused;
                self.step = step;
            }
            FromWorker::Finished { summary, limits, weights, .. } => {
                self.weights = weights;
                self.status = Status::Ended(summary.outcome.verdict());
                self.step = summary.steps;
                self.summary = Some(*summary);
                self.limits = limits.map(|l| *l);
            }
            FromWorker::Failed { message, .. } => {
                if matches!(self.status, Status::Queued | Status::Starting) {
                    self.status = Status::Idle;
                }
                return Some(message);
            }
            FromWorker::Crashed { message } => self.fail(message),
        }
        None
    }

    /// A worker took the run: it is starting.
    pub fn sent(&mut self) {
        self.status = Status::Starting;
    }

    /// The person resumed a paused run.
    pub fn resumed(&mut self) {
        if self.status == Status::Paused {
            self.status = Status::Training;
        }
    }

    /// The person stopped a queued or training run; it stays on the page.
    pub fn stopped(&mut self) {
        if self.status.is_active() {
            self.status = Status::Stopped;
        }
    }

    /// The worker stopped (it crashed, or could not load): an active run becomes a failed one.
    pub fn fail(&mut self, message: String) {
        if self.status.is_active() || self.status == Status::Idle {
            self.status = Status::Failed;
        }
        self.failure.get_or_insert(message);
    }

    /// The latest value of `diagnostic` measured, with the step it was measured at.
    pub fn measured(&self, diagnostic: Diagnostic) -> Option<Measured> {
        self.trace.latest(diagnostic)
    }

    pub fn latest(&self) -> Option<&Point> {
        self.trace.last()
    }

    pub fn divergence(&self) -> Option<&Divergence> {
        self.summary.as_ref()?.outcome.divergence()
    }

    /// The run's one stability edge: c/λ₀ at the weights it started from, as the worker measured it
    /// once the run ended, or from the first point's sharpness reading while it trains.
    pub fn start_limit(&self, config: &RunConfig) -> Option<StabilityLimit> {
        self.limits.as_ref().and_then(|l| l.edge).or_else(|| {
            StabilityLimit::at(config.optimizer, self.trace.buckets().first()?.measured(Diagnostic::Sharpness)?)
        })
    }

    /// η_max(B) for the run's settings, once measured.
    pub fn max_lr(&self) -> Option<&MaxLr> {
        self.limits.as_ref()?.max_lr.as_ref()
    }

    /// Where the charts mark the run: where it diverged or blew up.
    pub fn mark(&self) -> Option<Mark> {
        self.summary.as_ref()?.outcome.mark()
    }

    /// The training-loss figure: during the run the last point's (the mean minibatch loss since the
    /// point before), after it the loss on the whole training set — the one the banner speaks of.
    pub fn train_loss(&self) -> Option<(f64, &'static str)> {
        match &self.summary {
            Some(s) => Some((s.final_train_loss, "Training loss (whole set)")),
            None => self.latest().map(|p| (p.train_loss, "Minibatch loss (mean since the point before)")),
        }
    }
}

/// A trace of kept points.
fn trace_of(points: Vec<(Point, f64)>) -> Trace {
    let mut trace = Trace::default();
    trace.extend(points);
    trace
}

/// Batch sizes the slider offers: powers of two below the training-set size, then the full set.
pub fn batch_choices(train_len: usize) -> Vec<batchlab_trainer::BatchSize> {
    use batchlab_trainer::BatchSize;
    let mut v: Vec<BatchSize> =
        (0..usize::BITS).map(|k| 1usize << k).take_while(|&b| b < train_len).map(BatchSize::Examples).collect();
    v.push(BatchSize::Full);
    v
}

/// Runs a link through the worker's session in tests, as the page would.
#[cfg(test)]
pub(crate) mod testing {
    use super::RunView;
    use crate::protocol::{Mode, ToWorker};
    use crate::session::Session;
    use batchlab_trainer::RunConfig;

    /// Runs `link` through the worker's session as the page would, and folds the replies into a view.
    pub fn run(link: &[(&str, &str)]) -> (RunView, RunConfig) {
        let mut config = RunConfig::default();
        assert_eq!(config.set_all(link.iter().copied()), []);
        let mut view = RunView::queued(0.0);
        let mut s = Session::default();
        let mut t = 0.0;
        let start =
            ToWorker::Start { job: 1, config: Box::new(config.clone()), fork: None, mode: Mode::Curves, table: None };
        for m in s.handle(start, t) {
            view.apply(m, t);
        }
        while s.wants_slice() {
            for m in s.slice(|| {
                t += 1.0;
                t
            }) {
                view.apply(m, t);
            }
        }
        (view, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::BatchSize;

    #[test]
    fn a_refused_start_goes_back_to_idle_with_a_message() {
        let mut v = RunView::queued(0.0);
        assert_eq!(v.apply(FromWorker::Failed { job: Some(1), message: "bad".into() }, 1.0).as_deref(), Some("bad"));
        assert_eq!(v.status, Status::Idle);
    }

    #[test]
    fn batch_sizes_double_up_to_the_full_set() {
        let e = BatchSize::Examples;
        assert_eq!(
            batch_choices(1437),
            [e(1), e(2), e(4), e(8), e(16), e(32), e(64), e(128), e(256), e(512), e(1024), BatchSize::Full]
        );
        assert_eq!(batch_choices(1), [BatchSize::Full]);
    }

    #[test]
    fn learning_rates_print_cleanly() {
        assert_eq!(fmt_lr(0.1), "0.1");
        assert_eq!(fmt_lr(10.0 / 3.0), "3.33");
        assert_eq!(fmt_lr(0.1 / 3.0), "0.0333");
        assert_eq!(fmt_lr(1e-4), "1.00e-4");
    }
}

//! What the page knows about the current run, updated only by [`FromWorker`] messages (and the
//! worker's death). The UI renders it and never computes training state of its own; every sentence
//! it shows about a run is built here, where native tests check it.

use batchlab_trainer::advice::{advise, AdviceReason};
pub use batchlab_trainer::outcome::fmt_lr;
use batchlab_trainer::outcome::{Divergence, Mark, Outcome};
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
    Finished,
    Stalled,
    Unstable,
    Diverged,
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
            Status::Finished => "finished",
            Status::Stalled => "stalled",
            Status::Unstable => "unstable",
            Status::Diverged => "diverged",
            Status::Failed => "failed",
            Status::Stopped => "stopped",
        }
    }

    /// Waiting for, or holding, a worker.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Queued | Status::Starting | Status::Training | Status::Paused)
    }

    fn of(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Finished => Status::Finished,
            Outcome::Stalled(_) => Status::Stalled,
            Outcome::Unstable(_) => Status::Unstable,
            Outcome::Diverged(_) => Status::Diverged,
        }
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
    /// Measured for a run that diverged or stalled.
    pub stability: Option<StabilityLimit>,
    /// Why the worker stopped, for a failed run.
    pub failure: Option<String>,
    /// Milliseconds from Start to the first curve point, for the speed read-out.
    pub first_point_ms: Option<f64>,
    pub started_at_ms: f64,
}

/// What kind of explanation the banner gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerKind {
    Diverged,
    Stalled,
    Unstable,
    /// The LR range test's reading (a ramp run ends by breaking away on purpose).
    RangeTest,
    Failed,
}

impl RunView {
    /// A run that was just requested: queued until a worker takes it.
    pub fn queued(now_ms: f64) -> Self {
        Self { status: Status::Queued, started_at_ms: now_ms, ..Self::default() }
    }

    /// Applies one worker message. Returns a message for the person when the worker refused something.
    pub fn apply(&mut self, msg: FromWorker, now_ms: f64) -> Option<String> {
        match msg {
            FromWorker::Ready | FromWorker::BenchReport { .. } => {}
            FromWorker::Started { total_steps, .. } => {
                self.status = Status::Training;
                self.total_steps = total_steps;
            }
            FromWorker::Progress { points, step, steps_per_sec, .. } => {
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
            FromWorker::Finished { summary, stability, .. } => {
                self.status = Status::of(&summary.outcome);
                self.step = summary.steps;
                self.summary = Some(*summary);
                self.stability = stability;
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

    /// The worker stopped (it crashed, or could not load): an active run becomes a failed one.
    pub fn fail(&mut self, message: String) {
        if self.status.is_active() || self.status == Status::Idle {
            self.status = Status::Failed;
        }
        self.failure.get_or_insert(message);
    }

    /// The latest sharpness and noise scale measured, with the step they were measured at.
    pub fn diagnostics(&self) -> (Option<Measured>, Option<Measured>) {
        self.trace.latest_diagnostics()
    }

    /// The last update's gradient norm.
    pub fn grad_norm(&self) -> Option<f64> {
        self.latest().and_then(|p| p.grad_norm)
    }

    pub fn latest(&self) -> Option<&Point> {
        self.trace.last()
    }

    pub fn divergence(&self) -> Option<&Divergence> {
        self.summary.as_ref()?.outcome.divergence()
    }

    /// The run's one stability limit: c/λ₀ at the weights it started from, as the worker measured it
    /// for a run that went wrong, or from the first point's sharpness reading.
    pub fn start_limit(&self, config: &RunConfig) -> Option<StabilityLimit> {
        self.stability.or_else(|| StabilityLimit::at(config.optimizer, self.trace.buckets().first()?.sharpness?))
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
            None => self.latest().map(|p| (p.train_loss, "Training loss")),
        }
    }

    /// Plain-language explanation of how the run of `config` ended, with what to try: every figure in
    /// it is one the run measured.
    pub fn banner(&self, config: &RunConfig) -> Option<(BannerKind, String)> {
        if self.status == Status::Failed {
            let why = self.failure.as_deref().unwrap_or("it stopped").trim_end_matches('.');
            return Some((
                BannerKind::Failed,
                format!("The training worker stopped: {why}. Press Start to try again with a fresh worker."),
            ));
        }
        let summary = self.summary.as_ref()?;
        let limit = self.start_limit(config);
        let advice = advise(config, summary, limit);
        let try_lr = advice.map(|a| {
            let lr = fmt_lr(a.lr);
            match a.reason {
                AdviceReason::RangeTest => format!(" η = {lr} is a safe start for a short run."),
                AdviceReason::StabilityLimit if config.optimizer.kind.effective_step(config.optimizer.momentum) == Some(1.0) => {
                    format!(" Try η = {lr}, the largest round rate below 1/λ₀, half that limit: a safe start, not the best η for this budget (a sweep finds that).")
                }
                AdviceReason::StabilityLimit => format!(
                    " Try η = {lr}, the largest round rate whose effective step η/(1 − β) stays below 1/λ₀: a safe start, not \
                     the best η for this budget (a sweep finds that)."
                ),
                AdviceReason::Smaller => format!(" Try η = {lr}, about three times smaller."),
                AdviceReason::Larger if limit.is_some() => {
                    format!(" η = {} is far below that limit: try η = {lr}.", fmt_lr(config.lr))
                }
                AdviceReason::Larger => format!(
                    " η = {} is far below {}'s usual {lr}: try η = {lr}.",
                    fmt_lr(config.lr),
                    config.optimizer.kind.label()
                ),
                AdviceReason::Longer => format!(
                    " η = {lr} is already within 10× of that limit, so a smaller η would not help: train for more steps."
                ),
                AdviceReason::AdaptiveDefault => {
                    format!(" Try η = {lr}, {}'s usual default.", config.optimizer.kind.label())
                }
            }
        });
        let try_lr = try_lr.unwrap_or_default();
        if let Some(r) = summary.range_test {
            let reached = self.latest().map_or(config.schedule.end_lr, |p| p.lr);
            let edge = limit.map(|l| l.lr);
            return Some((BannerKind::RangeTest, format!("{}{try_lr}", r.explain(config.lr, reached, edge))));
        }
        let limit = limit.map(|l| stability_sentence(config, l)).unwrap_or_default();
        match &summary.outcome {
            Outcome::Finished => summary.note().map(|n| (BannerKind::Unstable, format!("Finished, but {n}.{try_lr}"))),
            Outcome::Diverged(d) => Some((
                BannerKind::Diverged,
                format!(
                    "Diverged at step {} (epoch {:.2}), with η = {}: {}.{limit}{try_lr}",
                    d.step,
                    d.epoch,
                    fmt_lr(d.lr),
                    d,
                ),
            )),
            Outcome::Stalled(s) => {
                Some((BannerKind::Stalled, format!("Finished, but learned nothing: {s}.{limit}{try_lr}")))
            }
            Outcome::Unstable(u) => {
                Some((BannerKind::Unstable, format!("Unstable with η = {}: {u}.{limit}{try_lr}", fmt_lr(config.lr))))
            }
        }
    }
}

/// What the measured stability limit says, in a sentence or two.
fn stability_sentence(config: &RunConfig, l: StabilityLimit) -> String {
    let o = config.optimizer;
    let (Some(method), Some(bound)) = (o.kind.edge_method(o.momentum), o.kind.edge_formula("λ₀")) else {
        // An adaptive optimiser has no such limit, and the worker measures none for it.
        return String::new();
    };
    format!(
        " At the start the sharpness (the loss's largest curvature) was λ₀ = {:.3}, so {method} is stable there only \
         for η < {bound} = {}. A network can still train above that once it reaches flatter ground, after an early \
         jump in the loss.",
        l.lambda_max,
        fmt_lr(l.lr)
    )
}

/// What the gradient-noise scale B_simple says about the run's batch size B: a batch's gradient
/// differs from the full one by E‖g_B − G‖² = tr(Σ)/B, so its noise-to-signal ratio (in squared size)
/// is B_simple/B (McCandlish et al. 2018), and doubling B halves it.
pub fn noise_sentence(batch: usize, b_simple: f64, rows: usize, train_len: usize) -> String {
    let ratio = b_simple / batch as f64;
    let source = if rows >= train_len {
        format!("exact, from all {rows} training examples' gradients")
    } else {
        format!("estimated from {rows} of the {train_len} training examples' gradients")
    };
    let side = if ratio >= 2.0 {
        format!(
            "B = {batch} is {} below B_simple ≈ {b_simple:.0}: a batch's gradient is mostly noise ({ratio:.1}× its signal, in \
             squared size), so a larger batch gives a much better gradient",
            times(ratio)
        )
    } else if ratio <= 0.5 {
        format!(
            "B = {batch} is {} B_simple ≈ {b_simple:.0}: a batch's gradient is already mostly signal (its noise is {ratio:.2}× \
             the signal, in squared size), so a larger batch barely improves it",
            times(1.0 / ratio) + " above"
        )
    } else {
        format!(
            "B = {batch} is close to B_simple ≈ {b_simple:.0}: a batch's noise and signal are about equal ({ratio:.2}×, in \
             squared size); doubling B halves the noise"
        )
    };
    format!("{side}. B_simple is {source}.")
}

/// "3.2×" or "12×".
fn times(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.0}×")
    }
}

/// Batch sizes the slider offers: powers of two below the training-set size, then the full set.
pub fn batch_choices(train_len: usize) -> Vec<batchlab_trainer::BatchSize> {
    use batchlab_trainer::BatchSize;
    let mut v: Vec<BatchSize> =
        (0..usize::BITS).map(|k| 1usize << k).take_while(|&b| b < train_len).map(BatchSize::Examples).collect();
    v.push(BatchSize::Full);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Mode, ToWorker};
    use crate::session::Session;
    use batchlab_trainer::outcome::fmt_loss;
    use batchlab_trainer::BatchSize;

    /// Runs `link` through the worker's session as the page would, and folds the replies into a view.
    fn run(link: &[(&str, &str)]) -> (RunView, RunConfig) {
        let mut config = RunConfig::default();
        assert_eq!(config.set_all(link.iter().copied()), []);
        let mut view = RunView::queued(0.0);
        let mut s = Session::default();
        let mut t = 0.0;
        let start = ToWorker::Start { job: 1, config: Box::new(config.clone()), fork: None, mode: Mode::Curves };
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

    /// The numbers quoted in a sentence.
    fn numbers(text: &str) -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(|w| w.trim_end_matches('.').to_owned())
            .collect()
    }

    /// B_simple/B is the noise-to-signal ratio of a batch's gradient: the sentence puts B on the side
    /// of B_simple the figures say, over the whole range of both.
    #[test]
    fn the_noise_sentence_puts_b_on_the_side_the_figures_say() {
        for b in [1usize, 8, 32, 128, 512, 1437] {
            for k in -30..=30 {
                let b_simple = 50.0 * 10f64.powf(f64::from(k) / 10.0);
                let s = noise_sentence(b, b_simple, 1437, 1437);
                let ratio = b_simple / b as f64;
                assert!(s.contains(&format!("B_simple ≈ {b_simple:.0}")) && s.contains("exact, from all 1437"), "{s}");
                let (noise, signal, equal) =
                    (s.contains("mostly noise"), s.contains("mostly signal"), s.contains("about equal"));
                assert_eq!(
                    (noise, signal, equal),
                    (ratio >= 2.0, ratio <= 0.5, ratio > 0.5 && ratio < 2.0),
                    "B {b}: {s}"
                );
            }
        }
        assert!(noise_sentence(32, 100.0, 4096, 80_000).contains("estimated from 4096 of the 80000"));
    }

    /// One stability limit per run: the banner, the η slider's tick and the first sharpness reading
    /// state the same c/λ₀.
    #[test]
    fn the_banner_and_the_slider_state_one_limit() {
        // Ten epochs: the run affords its reading at the start.
        let (view, config) = run(&[("lr", "10"), ("epochs", "10")]);
        let first = view.trace.buckets().first().and_then(|b| b.sharpness).unwrap();
        let limit = view.stability.unwrap();
        assert_eq!(limit.lambda_max, first, "the worker's limit is the first reading");
        assert_eq!(view.start_limit(&config), Some(limit), "the slider's tick");
        let (_, text) = view.banner(&config).unwrap();
        assert!(text.contains(&format!("λ₀ = {first:.3}")) && text.contains(&fmt_lr(2.0 / first)), "{text}");
    }

    #[test]
    fn a_divergence_names_its_step_its_rate_the_limit_and_advice_that_works() {
        let (view, config) = run(&[("lr", "10"), ("epochs", "2")]);
        assert_eq!(view.status.word(), "diverged");
        let d = view.divergence().unwrap();
        let (kind, text) = view.banner(&config).unwrap();
        assert_eq!(kind, BannerKind::Diverged);
        assert!(
            text.starts_with(&format!("Diverged at step {} (epoch {:.2}), with η = 10:", d.step, d.epoch)),
            "{text}"
        );
        let limit = view.stability.unwrap();
        assert!(text.contains(&format!("λ₀ = {:.3}", limit.lambda_max)) && text.contains(&fmt_lr(limit.lr)), "{text}");
        assert!(text.contains("Try η = 0.1,"), "{text}");
        assert!(!text.contains("larger batch"), "the app's own runs contradict that advice: {text}");
    }

    #[test]
    fn a_short_run_that_climbs_is_diverged_and_its_loss_matches_the_card() {
        // 10 full-batch steps at η = 5: the smoothing window never fills.
        let (view, config) = run(&[("bs", "1437"), ("lr", "5"), ("epochs", "10")]);
        assert_eq!(view.status, Status::Diverged);
        let (_, text) = view.banner(&config).unwrap();
        let (card, label) = view.train_loss().unwrap();
        assert_eq!(label, "Training loss (whole set)");
        let card = fmt_loss(card);
        // Any whole-set loss the banner quotes is the card's figure, digit for digit.
        if text.contains("whole training set ended at") {
            assert!(numbers(&text).contains(&card), "card {card}: {text}");
        }
        assert!(view.divergence().unwrap().step <= 10);
    }

    #[test]
    fn a_ramp_run_reads_the_range_test_instead_of_blaming_its_first_rate() {
        let (view, config) = run(&[("bs", "32"), ("lr", "0.0001"), ("schedule", "ramp"), ("epochs", "10")]);
        let (kind, text) = view.banner(&config).unwrap();
        assert_eq!(kind, BannerKind::RangeTest, "{text}");
        let suggested = view.summary.as_ref().unwrap().range_test.unwrap().suggested_lr;
        assert!((0.03..=1.5).contains(&suggested), "{text}");
        assert!(text.contains(&format!("η = {} is a safe start", fmt_lr(suggested))), "{text}");
    }

    #[test]
    fn a_stall_is_its_own_status_with_its_reason() {
        let (view, config) = run(&[("lr", "1e-5"), ("epochs", "1")]);
        assert_eq!(view.status.word(), "stalled");
        let (kind, text) = view.banner(&config).unwrap();
        assert_eq!(kind, BannerKind::Stalled);
        assert!(text.contains("at chance") && text.contains("try η = 0.1"), "{text}");
    }

    #[test]
    fn a_crash_fails_the_run_with_the_message() {
        let mut v = RunView::queued(0.0);
        v.apply(FromWorker::Crashed { message: "panicked at src/x.rs".into() }, 1.0);
        assert_eq!(v.status.word(), "failed");
        let (kind, text) = v.banner(&RunConfig::default()).unwrap();
        assert_eq!(kind, BannerKind::Failed);
        assert!(text.contains("panicked at src/x.rs") && text.contains("Press Start"));
    }

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

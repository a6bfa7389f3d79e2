//! What the worker does, without the browser: a state machine from [`ToWorker`] messages and time
//! slices to [`FromWorker`] messages. The worker binary only moves messages and schedules slices.

use batchlab_trainer::data::Table;
use batchlab_trainer::edge::MaxLrSearch;
use batchlab_trainer::regime::Limits;
use batchlab_trainer::sweep::TargetWatch;
use batchlab_trainer::{bench, Observer, Point, Summary, Trainer};

use crate::protocol::{
    ForkFrom, FromWorker, JobId, Mode, Stamped, ToWorker, MAX_LIVE_WEIGHTS, MAX_PLANE_POINTS, MAX_SENT_WEIGHTS,
};

/// Length of one training slice of a run on screen: short enough that Pause and Stop are answered
/// promptly.
pub const SLICE_MS: f64 = 25.0;
/// A sweep's cell trains in longer slices: nothing to draw, only Stop to listen for.
pub const CELL_SLICE_MS: f64 = 100.0;
/// At most one progress message per this many milliseconds (about 30 a second).
pub const PROGRESS_INTERVAL_MS: f64 = 33.0;
/// At least one progress message per this many milliseconds while training, new points or not: the
/// page takes a long silence for a dead worker.
pub const HEARTBEAT_MS: f64 = 1000.0;

/// The worker's state: at most one job, or a benchmark to run.
#[derive(Default)]
pub struct Session {
    job: Option<Job>,
    /// A benchmark asked for, run in the next slice: (min_secs, repeats).
    bench: Option<(f64, usize)>,
}

/// The job in progress.
struct Job {
    id: JobId,
    trainer: Trainer,
    mode: Mode,
    paused: bool,
    outbox: Outbox,
    last_post_ms: f64,
    /// Training time and steps since the job started (for steps per second and time stamps).
    busy_ms: f64,
    busy_steps: usize,
    /// A run on screen that has ended: its limits, once measured, and the η_max search under way.
    limits: Option<Limits>,
    search: Option<MaxLrSearch>,
}

/// What a slice produced, until it is posted.
#[derive(Default)]
struct Outbox {
    keep_points: bool,
    points: Vec<Stamped>,
    /// Points whose time stamp is still to be set (at the end of their slice).
    unstamped: usize,
    target: TargetWatch,
    finished: Option<Summary>,
}

impl Observer for Outbox {
    fn on_point(&mut self, point: &Point) {
        self.target.on_point(point);
        if self.keep_points {
            self.points.push(Stamped { point: point.clone(), secs: f64::NAN });
            self.unstamped += 1;
        }
    }
    fn on_finish(&mut self, summary: &Summary) {
        self.finished = Some(summary.clone());
    }
}

impl Outbox {
    /// Stamps the slice's points, spreading the slice's time over them by step.
    fn stamp(&mut self, (step0, secs0): (usize, f64), (step1, secs1): (usize, f64)) {
        let span = (step1 - step0).max(1) as f64;
        let first = self.points.len() - self.unstamped;
        for s in &mut self.points[first..] {
            s.secs = secs0 + (secs1 - secs0) * (s.point.step.saturating_sub(step0) as f64 / span).min(1.0);
        }
        self.unstamped = 0;
    }
}

/// The trainer a Start asks for: a fresh run, or a fork replayed to its step and continued.
fn trainer_for(
    config: &batchlab_trainer::RunConfig,
    fork: Option<&ForkFrom>,
    table: Option<&Table>,
) -> Result<Trainer, String> {
    match fork {
        None => config.init_on(table).map_err(|e| e.to_string()),
        Some(f) => {
            let mut parent = f.parent.init_on(table).map_err(|e| e.to_string())?;
            while parent.steps_done() < f.at_step && parent.step(&mut ()) {}
            parent.fork(config.clone()).map_err(|e| e.to_string())
        }
    }
}

impl Session {
    /// True while there is work: the host should schedule [`Session::slice`].
    pub fn wants_slice(&self) -> bool {
        self.bench.is_some() || self.job.as_ref().is_some_and(|j| !j.paused && !j.is_over())
    }

    /// Acts on one message; returns the replies.
    pub fn handle(&mut self, msg: ToWorker, now_ms: f64) -> Vec<FromWorker> {
        match msg {
            ToWorker::Start { job, config, fork, mode, table } => {
                self.job = None;
                match trainer_for(&config, fork.as_deref(), table.as_deref()) {
                    Ok(trainer) => {
                        let started = FromWorker::Started {
                            job,
                            total_steps: trainer.total_steps(),
                            plane: plane(&trainer, mode),
                        };
                        let target = match mode {
                            Mode::Cell { target } => Some(target),
                            Mode::Curves => None,
                        };
                        let outbox = Outbox {
                            keep_points: mode == Mode::Curves,
                            target: TargetWatch::new(target),
                            ..Outbox::default()
                        };
                        self.job = Some(Job {
                            id: job,
                            trainer,
                            mode,
                            paused: false,
                            outbox,
                            last_post_ms: now_ms,
                            busy_ms: 0.0,
                            busy_steps: 0,
                            limits: None,
                            search: None,
                        });
                        vec![started]
                    }
                    Err(message) => vec![FromWorker::Failed { job: Some(job), message }],
                }
            }
            ToWorker::Pause if self.wants_slice() => match self.job.as_mut() {
                Some(j) => {
                    j.paused = true;
                    let mut out = j.flush(now_ms);
                    out.push(FromWorker::Paused { job: j.id, step: j.trainer.steps_done() });
                    out
                }
                None => Vec::new(),
            },
            ToWorker::Resume => {
                if let Some(j) = self.job.as_mut() {
                    j.paused = false;
                }
                Vec::new()
            }
            ToWorker::Step => match self.job.as_mut().filter(|j| j.paused) {
                Some(j) => {
                    let before = (j.trainer.steps_done(), j.busy_ms / 1000.0);
                    j.trainer.step(&mut j.outbox);
                    // The last step ends the run: its limits are measured in the slices that follow.
                    j.paused = !j.trainer.is_done();
                    j.outbox.stamp(before, (j.trainer.steps_done(), j.busy_ms / 1000.0));
                    // Every step is answered, with or without a new curve point, so the counter moves.
                    let mut out = j.flush(now_ms);
                    if !out.iter().any(|m| matches!(m, FromWorker::Progress { .. })) {
                        out.insert(0, j.progress(Vec::new()));
                    }
                    out
                }
                None => Vec::new(),
            },
            ToWorker::Stop => {
                self.job = None;
                Vec::new()
            }
            ToWorker::ReadTable { name, text, label, left_out } => {
                vec![FromWorker::TableRead(Box::new(crate::protocol::TableRead::of(&name, &text, label, left_out)))]
            }
            ToWorker::Bench { min_secs, repeats } => {
                *self = Session { bench: Some((min_secs.clamp(0.01, 60.0), repeats.clamp(1, 9))), job: None };
                Vec::new()
            }
            ToWorker::Pause => Vec::new(),
        }
    }

    /// Trains until `clock()` passes the slice's length from its first reading or the job ends;
    /// returns the messages due (progress at most every `PROGRESS_INTERVAL_MS` and at least every
    /// `HEARTBEAT_MS`, and the result).
    pub fn slice(&mut self, mut clock: impl FnMut() -> f64) -> Vec<FromWorker> {
        if let Some((min_secs, repeats)) = self.bench.take() {
            // The benchmark owns the worker until it is done: the bench page does nothing else.
            return match batchlab_trainer::data::digits() {
                Ok(data) => {
                    let mut secs = || clock() / 1000.0;
                    vec![FromWorker::BenchReport { report: bench::reference(&data, min_secs, repeats, &mut secs) }]
                }
                Err(e) => vec![FromWorker::Failed { job: None, message: e.to_string() }],
            };
        }
        let Some(j) = self.job.as_mut().filter(|j| !j.paused) else {
            return Vec::new();
        };
        let start = clock();
        let before = (j.trainer.steps_done(), j.busy_ms / 1000.0);
        let slice_ms = match j.mode {
            Mode::Curves => SLICE_MS,
            Mode::Cell { .. } => CELL_SLICE_MS,
        };
        j.trainer.run_until(&mut j.outbox, || clock() - start >= slice_ms);
        if j.trainer.is_done() && j.mode == Mode::Curves {
            j.measure(|| clock() - start >= slice_ms);
        }
        let now = clock();
        j.busy_ms += now - start;
        j.busy_steps += j.trainer.steps_done() - before.0;
        j.outbox.stamp(before, (j.trainer.steps_done(), j.busy_ms / 1000.0));
        let since = now - j.last_post_ms;
        let due = (j.outbox.finished.is_some() && j.is_over())
            || (since >= PROGRESS_INTERVAL_MS && !j.outbox.points.is_empty())
            || since >= HEARTBEAT_MS;
        if !due {
            return Vec::new();
        }
        let mut out = j.flush(now);
        if out.is_empty() {
            out.push(j.progress(Vec::new()));
        }
        out
    }
}

impl Job {
    /// Trained to the end, and for a run on screen its limits measured: the result can be sent.
    fn is_over(&self) -> bool {
        self.trainer.is_done() && (self.mode != Mode::Curves || self.limits.is_some())
    }

    /// After a run on screen ended: its edge and final sharpness at once, then η_max(B) a probe step
    /// at a time until `should_yield` says to hand back control.
    fn measure(&mut self, mut should_yield: impl FnMut() -> bool) {
        if self.limits.is_some() {
            return;
        }
        if self.search.is_none() {
            if !self.trainer.max_lr_applies() {
                self.limits = Some(self.trainer.limits(false));
                return;
            }
            self.search = Some(self.trainer.max_lr_search());
        }
        let Some(search) = self.search.as_mut() else { return };
        while search.step() {
            if should_yield() {
                return;
            }
        }
        let max_lr = self.search.take().map(|s| s.result());
        self.limits = Some(Limits { max_lr, ..self.trainer.limits(false) });
    }

    fn progress(&self, points: Vec<Stamped>) -> FromWorker {
        let steps_per_sec = if self.busy_ms > 0.0 { 1000.0 * self.busy_steps as f64 / self.busy_ms } else { 0.0 };
        let live = self.mode == Mode::Curves
            && self.trainer.data().features() == 2
            && self.trainer.model().param_count() <= MAX_LIVE_WEIGHTS;
        let model = live.then(|| Box::new(self.trainer.model().to_weights()));
        FromWorker::Progress { job: self.id, points, step: self.trainer.steps_done(), steps_per_sec, model }
    }

    fn flush(&mut self, now_ms: f64) -> Vec<FromWorker> {
        self.last_post_ms = now_ms;
        let mut out = Vec::new();
        if !self.outbox.points.is_empty() {
            let points = std::mem::take(&mut self.outbox.points);
            out.push(self.progress(points));
        }
        let over = self.is_over();
        if let Some(summary) = self.outbox.finished.take_if(|_| over) {
            let limits = self.limits.clone().map(Box::new);
            let steps_to_target = self.outbox.target.hit();
            let weights = match self.mode {
                Mode::Curves if self.trainer.model().param_count() <= MAX_SENT_WEIGHTS => {
                    self.trainer.weights_file().map(Box::new)
                }
                _ => None,
            };
            out.push(FromWorker::Finished {
                job: self.id,
                summary: Box::new(summary),
                limits,
                steps_to_target,
                weights,
            });
        }
        out
    }
}

/// The training points of a run on screen on 2-D data, for its decision boundary (every k-th past
/// [`MAX_PLANE_POINTS`]); `None` otherwise.
fn plane(trainer: &Trainer, mode: Mode) -> Option<Vec<(f32, f32, u8)>> {
    let d = trainer.data();
    if mode != Mode::Curves || d.features() != 2 {
        return None;
    }
    let every = d.y_train.len().div_ceil(MAX_PLANE_POINTS).max(1);
    let rows = d.x_train.rows().into_iter().zip(&d.y_train).step_by(every);
    Some(rows.map(|(r, &k)| (r[0], r[1], u8::try_from(k).unwrap_or(u8::MAX))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::RunConfig;

    /// A fake clock that advances by `tick` ms per reading.
    fn clock(t: &mut f64, tick: f64) -> impl FnMut() -> f64 + '_ {
        move || {
            *t += tick;
            *t
        }
    }

    fn start(config: RunConfig, mode: Mode) -> ToWorker {
        ToWorker::Start { job: 7, config: Box::new(config), fork: None, mode, table: None }
    }

    fn run_all(s: &mut Session) -> Vec<FromWorker> {
        let (mut t, mut msgs) = (0.0, Vec::new());
        while s.wants_slice() {
            msgs.extend(s.slice(clock(&mut t, 1.0)));
        }
        msgs
    }

    #[test]
    fn runs_to_the_end_in_slices_with_throttled_stamped_progress() {
        let mut s = Session::default();
        let mut config = RunConfig { epochs: 2, ..RunConfig::default() };
        config.set("sharpness_every", "off").unwrap();
        let started = s.handle(start(config, Mode::Curves), 0.0);
        assert!(matches!(started[..], [FromWorker::Started { job: 7, total_steps: 90, plane: None }]));
        let msgs = run_all(&mut s);
        let progress: Vec<&Vec<Stamped>> = msgs
            .iter()
            .filter_map(|m| if let FromWorker::Progress { points, .. } = m { Some(points) } else { None })
            .collect();
        assert!(progress.len() >= 2, "{} progress messages", progress.len());
        let points: Vec<&Stamped> = progress.into_iter().flatten().collect();
        assert_eq!(points.len(), 1 + 2 * 9, "initial point + 9 per epoch (every 5 steps of 45)");
        assert!(points.windows(2).all(|w| w[0].secs <= w[1].secs && w[1].secs.is_finite()), "time stamps grow");
        assert!(
            matches!(msgs.last(), Some(FromWorker::Finished { job: 7, summary, limits: Some(_), .. }) if summary.steps == 90)
        );
    }

    #[test]
    fn a_cell_reports_only_its_result_and_when_it_reached_the_target() {
        let mut s = Session::default();
        s.handle(start(RunConfig { epochs: 3, ..RunConfig::default() }, Mode::Cell { target: 0.5 }), 0.0);
        let msgs = run_all(&mut s);
        assert!(msgs.iter().all(|m| !matches!(m, FromWorker::Progress { points, .. } if !points.is_empty())));
        let Some(FromWorker::Finished { steps_to_target: Some(step), .. }) = msgs.last() else { panic!("{msgs:?}") };
        assert!(*step > 0 && *step < 135);
    }

    #[test]
    fn a_fork_replays_its_parent_and_continues() {
        let parent = RunConfig { epochs: 2, ..RunConfig::default() };
        let fork = ForkFrom { parent: parent.clone(), at_step: 30 };
        let mut s = Session::default();
        let config = RunConfig { lr: 0.3, ..parent };
        let out = s.handle(
            ToWorker::Start {
                job: 1,
                config: Box::new(config),
                fork: Some(Box::new(fork)),
                mode: Mode::Curves,
                table: None,
            },
            0.0,
        );
        assert!(matches!(out[..], [FromWorker::Started { total_steps: 120, .. }]), "{out:?}");
        let msgs = run_all(&mut s);
        let Some(FromWorker::Progress { points, .. }) = msgs.first() else { panic!("{msgs:?}") };
        assert_eq!(points[0].point.step, 30, "the fork's first point is the parent's step");
    }

    #[test]
    fn pause_step_resume_stop() {
        let mut s = Session::default();
        // B = 1: validation points are hundreds of steps apart, and every Step must still be answered.
        let mut config = RunConfig::default();
        config.set("bs", "1").unwrap();
        s.handle(start(config, Mode::Curves), 0.0);
        let mut t = 0.0;
        s.slice(clock(&mut t, 1.0));
        let out = s.handle(ToWorker::Pause, t);
        let Some(FromWorker::Paused { step, .. }) = out.last().cloned() else { panic!("{out:?}") };
        assert!(!s.wants_slice());
        assert!(s.slice(clock(&mut t, 1.0)).is_empty(), "paused: no training");
        for k in 1..=5 {
            let out = s.handle(ToWorker::Step, t);
            assert!(
                matches!(out[..], [FromWorker::Progress { step: reported, .. }] if reported == step + k),
                "click {k}: {out:?}"
            );
        }
        s.handle(ToWorker::Resume, t);
        assert!(s.wants_slice());
        s.handle(ToWorker::Stop, t);
        assert!(!s.wants_slice());
    }

    #[test]
    fn a_csv_file_is_read_in_the_worker_with_the_columns_asked_for() {
        let mut s = Session::default();
        let text = crate::testing::csv_table().to_csv();
        let read = |s: &mut Session, text: &str, label, left_out| {
            let msg = ToWorker::ReadTable { name: "mine.csv".to_owned(), text: text.to_owned(), label, left_out };
            match &s.handle(msg, 0.0)[..] {
                [FromWorker::TableRead(r)] => (**r).clone(),
                other => panic!("{other:?}"),
            }
        };
        let r = read(&mut s, &text, None, None);
        assert_eq!((r.columns.len(), r.choice.label), (4, 3), "the column of words");
        assert_eq!(r.table.as_ref().map(|t| t.shape), Ok(crate::testing::csv_table().shape));
        assert_eq!(r.reading, "Read as `,`-separated values with decimal points and a header row.");
        assert!(!s.wants_slice(), "a read is answered at once");
        let r = read(&mut s, &text, Some(0), None);
        assert_eq!((r.choice.left_out.as_slice(), r.reading.ends_with("left out: column 4.")), (&[3][..], true));
        assert_eq!(r.table.map(|t| t.shape.features), Ok(2), "another label: the words are left out");
        let r = read(&mut s, &text, Some(0), Some(Vec::new()));
        assert!(r.table.is_err_and(|e| e.contains("not a number")), "the words kept would be a feature");
        let r = read(&mut s, "a,b\n1\n", None, None);
        let ragged = "line 2: 1 cell, but line 1 has 2 (the file is read as `,`-separated)";
        assert_eq!((r.columns.len(), r.table), (0, Err(ragged.to_owned())));
    }

    #[test]
    fn a_bench_request_runs_in_the_next_slice() {
        let mut s = Session::default();
        assert!(s.handle(ToWorker::Bench { min_secs: 0.01, repeats: 1 }, 0.0).is_empty());
        assert!(s.wants_slice());
        let mut t = 0.0;
        let out = s.slice(clock(&mut t, 1.0));
        assert!(matches!(&out[..], [FromWorker::BenchReport { report }] if report.results.len() == 3));
        assert!(!s.wants_slice());
    }

    #[test]
    fn a_run_on_screen_comes_with_its_limits_and_a_cell_without() {
        let mut s = Session::default();
        s.handle(start(RunConfig { lr: 10.0, ..RunConfig::default() }, Mode::Curves), 0.0);
        let msgs = run_all(&mut s);
        let Some(FromWorker::Finished { summary, limits: Some(limits), .. }) = msgs.last() else { panic!("{msgs:?}") };
        assert_eq!(summary.outcome.status(), "diverged");
        let edge = limits.edge.unwrap();
        assert!(edge.lr > 0.0 && edge.lr < 10.0, "{edge:?}");
        let max_lr = limits.max_lr.as_ref().unwrap();
        assert!(max_lr.lr_max.is_some_and(|lr| lr > edge.lr && lr < 10.0), "{max_lr:?}");
        assert!(
            msgs.iter().filter(|m| matches!(m, FromWorker::Finished { .. })).count() == 1,
            "the result is sent once, after the measurement"
        );
        s.handle(start(RunConfig { lr: 10.0, ..RunConfig::default() }, Mode::Cell { target: 0.5 }), 0.0);
        let msgs = run_all(&mut s);
        assert!(matches!(msgs.last(), Some(FromWorker::Finished { limits: None, .. })), "{msgs:?}");
    }

    #[test]
    fn an_invalid_config_fails_and_changes_nothing() {
        let mut s = Session::default();
        let out = s.handle(start(RunConfig { lr: f64::NAN, ..RunConfig::default() }, Mode::Curves), 0.0);
        assert!(matches!(&out[..], [FromWorker::Failed { job: Some(7), message }] if message.contains("lr")));
        assert!(!s.wants_slice());
    }
}

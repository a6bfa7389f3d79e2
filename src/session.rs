//! What the worker does, without the browser: a state machine from [`ToWorker`] messages and time
//! slices to [`FromWorker`] messages. The worker binary only moves messages and schedules slices.

use batchlab_trainer::{bench, Observer, Outcome, Point, Summary, Trainer};

use crate::protocol::{FromWorker, ToWorker};

/// Length of one training slice: short enough that Pause and Stop are answered promptly.
pub const SLICE_MS: f64 = 25.0;
/// At most one progress message per this many milliseconds (about 30 a second).
pub const PROGRESS_INTERVAL_MS: f64 = 33.0;
/// At least one progress message per this many milliseconds while training, new points or not: the
/// page takes a long silence for a dead worker.
pub const HEARTBEAT_MS: f64 = 1000.0;

/// The worker's state: at most one run, and the points not yet posted.
#[derive(Default)]
pub struct Session {
    trainer: Option<Trainer>,
    paused: bool,
    outbox: Outbox,
    last_post_ms: f64,
    /// Training time and steps since the run started (for steps per second).
    busy_ms: f64,
    busy_steps: usize,
    /// A benchmark asked for, run in the next slice: (min_secs, repeats).
    bench: Option<(f64, usize)>,
}

#[derive(Default)]
struct Outbox {
    points: Vec<Point>,
    finished: Option<Summary>,
}

impl Observer for Outbox {
    fn on_point(&mut self, point: &Point) {
        self.points.push(point.clone());
    }
    fn on_finish(&mut self, summary: &Summary) {
        self.finished = Some(summary.clone());
    }
}

impl Session {
    /// True while there is a run to advance: the host should schedule [`Session::slice`].
    pub fn wants_slice(&self) -> bool {
        self.bench.is_some() || (!self.paused && self.trainer.as_ref().is_some_and(|t| !t.is_done()))
    }

    /// Acts on one message; returns the replies.
    pub fn handle(&mut self, msg: ToWorker, now_ms: f64) -> Vec<FromWorker> {
        match msg {
            ToWorker::Start { config } => match config.init() {
                Ok(trainer) => {
                    let started = FromWorker::Started { total_steps: trainer.total_steps() };
                    *self = Session { trainer: Some(trainer), last_post_ms: now_ms, ..Session::default() };
                    vec![started]
                }
                Err(e) => vec![FromWorker::Failed { message: e.to_string() }],
            },
            ToWorker::Pause if self.wants_slice() => {
                self.paused = true;
                let mut out = self.flush(now_ms);
                out.push(FromWorker::Paused { step: self.step() });
                out
            }
            ToWorker::Resume => {
                self.paused = false;
                Vec::new()
            }
            ToWorker::Step if self.paused => {
                if let Some(t) = self.trainer.as_mut() {
                    t.step(&mut self.outbox);
                }
                // Every step is answered, with or without a new curve point, so the counter moves.
                let mut out = self.flush(now_ms);
                if !out.iter().any(|m| matches!(m, FromWorker::Progress { .. })) {
                    out.insert(0, self.progress(Vec::new()));
                }
                out
            }
            ToWorker::Stop => {
                *self = Session::default();
                Vec::new()
            }
            ToWorker::Bench { min_secs, repeats } => {
                *self =
                    Session { bench: Some((min_secs.clamp(0.01, 60.0), repeats.clamp(1, 9))), ..Session::default() };
                Vec::new()
            }
            ToWorker::Pause | ToWorker::Step => Vec::new(),
        }
    }

    /// Trains until `clock()` passes `SLICE_MS` from its first reading or the run ends; returns the
    /// messages due (progress at most every `PROGRESS_INTERVAL_MS`, and the result).
    pub fn slice(&mut self, mut clock: impl FnMut() -> f64) -> Vec<FromWorker> {
        if let Some((min_secs, repeats)) = self.bench.take() {
            // The benchmark owns the worker until it is done: the bench page does nothing else.
            return match batchlab_trainer::data::digits() {
                Ok(data) => {
                    let mut secs = || clock() / 1000.0;
                    vec![FromWorker::BenchReport { report: bench::reference(&data, min_secs, repeats, &mut secs) }]
                }
                Err(e) => vec![FromWorker::Failed { message: e.to_string() }],
            };
        }
        let start = clock();
        let Some(trainer) = self.trainer.as_mut().filter(|_| !self.paused) else {
            return Vec::new();
        };
        let before = trainer.steps_done();
        trainer.advance(&mut self.outbox, &mut clock, start + SLICE_MS);
        let now = clock();
        self.busy_ms += now - start;
        self.busy_steps += trainer.steps_done() - before;
        let since = now - self.last_post_ms;
        let due = self.outbox.finished.is_some()
            || (since >= PROGRESS_INTERVAL_MS && !self.outbox.points.is_empty())
            || since >= HEARTBEAT_MS;
        if !due {
            return Vec::new();
        }
        let mut out = self.flush(now);
        if out.is_empty() {
            out.push(self.progress(Vec::new()));
        }
        out
    }

    fn step(&self) -> usize {
        self.trainer.as_ref().map_or(0, Trainer::steps_done)
    }

    fn progress(&self, points: Vec<Point>) -> FromWorker {
        let steps_per_sec = if self.busy_ms > 0.0 { 1000.0 * self.busy_steps as f64 / self.busy_ms } else { 0.0 };
        FromWorker::Progress { points, step: self.step(), steps_per_sec }
    }

    fn flush(&mut self, now_ms: f64) -> Vec<FromWorker> {
        self.last_post_ms = now_ms;
        let mut out = Vec::new();
        if !self.outbox.points.is_empty() {
            let points = std::mem::take(&mut self.outbox.points);
            out.push(self.progress(points));
        }
        if let Some(summary) = self.outbox.finished.take() {
            // A run that went wrong gets its measured stability limit, for the explanation.
            let stability = match summary.outcome {
                Outcome::Finished => None,
                _ => self.trainer.as_ref().and_then(Trainer::stability_limit),
            };
            out.push(FromWorker::Finished { summary, stability });
        }
        out
    }
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

    #[test]
    fn runs_to_the_end_in_slices_with_throttled_progress() {
        let mut s = Session::default();
        let config = RunConfig { epochs: 2, ..RunConfig::default() };
        let started = s.handle(ToWorker::Start { config: Box::new(config) }, 0.0);
        assert!(matches!(started[..], [FromWorker::Started { total_steps: 90 }]));
        let (mut t, mut msgs, mut slices) = (0.0, Vec::new(), 0);
        while s.wants_slice() {
            msgs.extend(s.slice(clock(&mut t, 1.0)));
            slices += 1;
        }
        assert!(slices > 2, "a 2-epoch run at 1 ms per step takes several 25 ms slices");
        let progress = msgs.iter().filter(|m| matches!(m, FromWorker::Progress { .. })).count();
        assert!(progress >= 2 && progress <= slices, "{progress} progress messages for {slices} slices");
        let points: usize =
            msgs.iter().map(|m| if let FromWorker::Progress { points, .. } = m { points.len() } else { 0 }).sum();
        assert_eq!(points, 1 + 2 * 9, "initial point + 9 per epoch (every 5 steps of 45)");
        assert!(matches!(msgs.last(), Some(FromWorker::Finished { summary, stability: None }) if summary.steps == 90));
    }

    #[test]
    fn pause_step_resume_stop() {
        let mut s = Session::default();
        // B = 1: validation points are hundreds of steps apart, and every Step must still be answered.
        let mut config = RunConfig::default();
        config.set("bs", "1").unwrap();
        s.handle(ToWorker::Start { config: Box::new(config) }, 0.0);
        let mut t = 0.0;
        s.slice(clock(&mut t, 1.0));
        let out = s.handle(ToWorker::Pause, t);
        let FromWorker::Paused { step } = out.last().unwrap().clone() else { panic!("{out:?}") };
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
    fn a_run_that_goes_wrong_comes_with_its_stability_limit() {
        let mut s = Session::default();
        let config = RunConfig { lr: 10.0, ..RunConfig::default() };
        s.handle(ToWorker::Start { config: Box::new(config) }, 0.0);
        let mut t = 0.0;
        let mut msgs = Vec::new();
        while s.wants_slice() {
            msgs.extend(s.slice(clock(&mut t, 1.0)));
        }
        let Some(FromWorker::Finished { summary, stability: Some(limit) }) = msgs.last() else { panic!("{msgs:?}") };
        assert_eq!(summary.outcome.status(), "diverged");
        assert!(limit.lr > 0.0 && limit.lr < 10.0, "{limit:?}");
    }

    #[test]
    fn an_invalid_config_fails_and_changes_nothing() {
        let mut s = Session::default();
        let out =
            s.handle(ToWorker::Start { config: Box::new(RunConfig { lr: f64::NAN, ..RunConfig::default() }) }, 0.0);
        assert!(matches!(&out[..], [FromWorker::Failed { message }] if message.contains("lr")));
        assert!(!s.wants_slice());
    }
}

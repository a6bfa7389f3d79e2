//! The messages across the worker boundary: one enum each way, serde-encoded.

use batchlab_trainer::bench::BenchReport;
use batchlab_trainer::{Point, RunConfig, StabilityLimit, Summary};
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Start a new run (ending any current one).
    Start {
        config: Box<RunConfig>,
    },
    Pause,
    Resume,
    /// While paused: one update, then stay paused (answered with `Progress` for that step).
    Step,
    /// End the current run; the worker goes idle.
    Stop,
    /// Run the reference-workload benchmark (the bench page): `min_secs` per measurement,
    /// median of `repeats`.
    Bench {
        min_secs: f64,
        repeats: usize,
    },
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm has loaded: messages sent from now on are received.
    Ready,
    /// A run began; its length, for the charts' frame.
    Started {
        total_steps: usize,
    },
    /// New curve points since the last message, and how fast training goes.
    Progress {
        points: Vec<Point>,
        step: usize,
        steps_per_sec: f64,
    },
    Paused {
        step: usize,
    },
    /// The run ended: finished, stalled or diverged (a divergence is a result, not a failure).
    /// `stability` is measured for a run that diverged or stalled.
    Finished {
        summary: Summary,
        stability: Option<StabilityLimit>,
    },
    /// The benchmark's result, in the reference workload's JSON shape.
    BenchReport {
        report: BenchReport,
    },
    /// A message could not be acted on (for example an invalid config). Nothing else changed.
    Failed {
        message: String,
    },
    /// The worker panicked; it is about to stop and must be replaced.
    Crashed {
        message: String,
    },
}

//! The messages across the worker boundary: one enum each way, serde-encoded. A worker runs one job
//! at a time (a run on screen, or a sweep's cell); every message about a job carries its id, so a
//! late message of a job the page has moved on from is recognised and dropped.

use std::sync::Arc;

use batchlab_trainer::bench::BenchReport;
use batchlab_trainer::data::{Choice, CsvFile, Table};
use batchlab_trainer::model::ModelWeights;
use batchlab_trainer::regime::Limits;
use batchlab_trainer::train::WeightsFile;
use batchlab_trainer::{Point, RunConfig, Summary};
use serde::{Deserialize, Serialize};

/// The page's number for a job, unique for the page's lifetime.
pub type JobId = u64;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Start a job (ending any current one).
    Start {
        job: JobId,
        config: Box<RunConfig>,
        /// Continue another run from one of its steps instead of starting afresh.
        fork: Option<Box<ForkFrom>>,
        mode: Mode,
        /// The CSV file's table the config names (`dataset=csv:…`), which travels with each job.
        table: Option<Arc<Table>>,
    },
    Pause,
    Resume,
    /// While paused: one update, then stay paused (answered with `Progress` for that step).
    Step,
    /// End the current job; the worker goes idle.
    Stop,
    /// Read a person's CSV file (its text, already checked to be UTF-8) into a table with column
    /// `label` and without the columns `left_out` (or the likeliest ones), answered with
    /// `TableRead`: a large file takes the worker a second, not the page.
    ReadTable {
        name: String,
        text: String,
        label: Option<usize>,
        left_out: Option<Vec<usize>>,
    },
    /// Run the reference-workload benchmark (the bench page): `min_secs` per measurement,
    /// median of `repeats`.
    Bench {
        min_secs: f64,
        repeats: usize,
    },
}

/// Where a fork starts: `parent` replayed to `at_step` (bit for bit, as it ran), then continued with
/// the job's config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForkFrom {
    pub parent: RunConfig,
    pub at_step: usize,
}

/// What the page wants to see of a job.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Mode {
    /// A run on screen: its curve points as they come, automatic diagnostics, and once it ends its
    /// limits (the edge c/λ₀, its final sharpness above it, η_max(B)).
    Curves,
    /// A sweep's cell: only the result, as fast as possible, with the first step at which the
    /// validation accuracy reached `target`.
    Cell { target: f64 },
}

/// A curve point and the worker's training time, in seconds, when it was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    pub point: Point,
    pub secs: f64,
}

/// A run on screen sends its final weights with its result when it has at most this many (4 MB);
/// a larger model's are written by the CLI's `--save-weights`.
pub const MAX_SENT_WEIGHTS: usize = 1_000_000;

/// At most this many training points are sent for a decision boundary (every k-th beyond it).
pub const MAX_PLANE_POINTS: usize = 4000;

/// A run on screen on 2-D data sends its weights with each progress message when it has at most
/// this many (80 kB), so its decision boundary moves as it trains.
pub const MAX_LIVE_WEIGHTS: usize = 20_000;

/// A CSV file as a worker read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRead {
    pub name: String,
    /// The file's columns (none when the file itself was refused).
    pub columns: Vec<String>,
    pub choice: Choice,
    /// How the file was read (its separator, decimal mark, header, the columns left out), in a
    /// sentence; empty when the file itself was refused.
    pub reading: String,
    pub table: Result<Table, String>,
}

impl TableRead {
    /// Reads `text` with column `label` and without the columns `left_out`, or the likeliest ones
    /// (`CsvFile::choice`).
    pub fn of(name: &str, text: &str, label: Option<usize>, left_out: Option<Vec<usize>>) -> Self {
        match CsvFile::parse(name, text) {
            Ok(file) => {
                let mut choice = file.choice(label);
                if let Some(left_out) = left_out {
                    choice.left_out = left_out;
                }
                let table = file.table(&choice).map_err(|e| e.to_string());
                TableRead {
                    name: name.to_owned(),
                    reading: file.reading(&choice),
                    columns: file.columns,
                    choice,
                    table,
                }
            }
            Err(e) => TableRead {
                name: name.to_owned(),
                columns: Vec::new(),
                choice: Choice::default(),
                reading: String::new(),
                table: Err(e.to_string()),
            },
        }
    }
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm has loaded: messages sent from now on are received.
    Ready,
    /// A job began; the step its run ends at, for the charts' frame.
    Started {
        job: JobId,
        total_steps: usize,
        /// A run on screen on 2-D data: its training points (x, y, class), at most
        /// [`MAX_PLANE_POINTS`], for the decision boundary.
        plane: Option<Vec<(f32, f32, u8)>>,
    },
    /// New curve points since the last message, and how fast training goes.
    Progress {
        job: JobId,
        points: Vec<Stamped>,
        step: usize,
        steps_per_sec: f64,
        /// The model as it is now, for a run on screen on 2-D data with at most
        /// [`MAX_LIVE_WEIGHTS`] parameters: the decision boundary is drawn from it.
        model: Option<Box<ModelWeights>>,
    },
    Paused {
        job: JobId,
        step: usize,
    },
    /// The job ended: finished, stalled or diverged (a divergence is a result, not a failure).
    /// `limits` are measured for a run on screen, after it ended.
    Finished {
        job: JobId,
        summary: Box<Summary>,
        limits: Option<Box<Limits>>,
        steps_to_target: Option<usize>,
        /// The final weights of a run on screen, for export, when at most [`MAX_SENT_WEIGHTS`].
        weights: Option<Box<WeightsFile>>,
    },
    /// A CSV file read: its columns and the label column used, and its table or why not.
    TableRead(Box<TableRead>),
    /// The worker is in the middle of one long piece of work (an evaluation of a large set, a
    /// sharpness reading, a fork's replay): said at most once a heartbeat, so that the page does not
    /// take its silence for death.
    Working,
    /// The benchmark's result, in the reference workload's JSON shape.
    BenchReport {
        report: BenchReport,
    },
    /// A message could not be acted on (for example an invalid config). Nothing else changed.
    Failed {
        job: Option<JobId>,
        message: String,
    },
    /// The worker panicked; it is about to stop and must be replaced.
    Crashed {
        message: String,
    },
}

impl FromWorker {
    /// The job a message is about, if any.
    pub fn job(&self) -> Option<JobId> {
        match self {
            FromWorker::Started { job, .. }
            | FromWorker::Progress { job, .. }
            | FromWorker::Paused { job, .. }
            | FromWorker::Finished { job, .. } => Some(*job),
            FromWorker::Failed { job, .. } => *job,
            FromWorker::Ready
            | FromWorker::Working
            | FromWorker::TableRead(_)
            | FromWorker::BenchReport { .. }
            | FromWorker::Crashed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TableRead;
    use batchlab_trainer::data::{decode, CsvFile};

    /// The page reads each of the trainer's test files as the CLI does: its bytes checked to be
    /// UTF-8 on the page, its text read in a worker.
    #[test]
    fn the_page_reads_each_test_file_as_the_cli_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../trainer/tests/data");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let (name, bytes) = (path.file_name().unwrap().to_str().unwrap(), std::fs::read(&path).unwrap());
            let page = TableRead::of(name, decode(&bytes).unwrap(), None, None);
            let file = CsvFile::read(name, &bytes).unwrap();
            let choice = file.choice(None);
            assert_eq!(page.table, file.table(&choice).map_err(|e| e.to_string()), "{name}");
            assert_eq!((page.choice, page.reading), (choice.clone(), file.reading(&choice)), "{name}");
        }
        let utf16: Vec<u8> = "a,b\n1,2\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(decode(&utf16).unwrap_err().to_string().contains("not UTF-8 (it looks UTF-16)"));
    }
}

//! [`RunConfig`]: the one description of a run, shared by the UI, the worker, the CLI and the tests,
//! and what follows from it before any data is loaded (its schedule, batch sizes, memory).
//!
//! Each part's type lives beside the code it configures (data, model, loss, optimiser, schedule,
//! diagnostics); the `key=value` words that set them are the table in [`crate::settings`].

use serde::{Deserialize, Serialize};

use crate::data::{DataSource, DatasetConfig, DatasetKind};
use crate::diagnostics::{sharpness_vectors, Cadence, DiagnosticsConfig, CHUNK};
use crate::loss::LossKind;
use crate::model::{Activation, ModelConfig};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::schedule::{BatchGrowth, Growth, Schedule, ScheduleConfig, ScheduleKind};

/// Everything that determines a run. Same config, same numbers, bit for bit. Its defaults are the
/// settings table's ([`crate::settings::SETTINGS`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub dataset: DatasetConfig,
    pub model: ModelConfig,
    pub optimizer: OptimizerConfig,
    /// Peak learning rate η (before the schedule scales it).
    pub lr: f64,
    pub batch_size: BatchSize,
    pub schedule: ScheduleConfig,
    /// Grow the batch size during the run instead of decaying η (Smith et al. 2017).
    pub batch_growth: Option<BatchGrowth>,
    pub epochs: usize,
    /// Train exactly this many steps instead of `epochs` epochs.
    pub steps: Option<usize>,
    /// Seeds the data of a toy set, the initial weights and the data order.
    pub seed: u32,
    /// Picks another data order from the same seed (the initial weights stay).
    pub order: u32,
    /// Validate every this many steps; `None`: about ten times an epoch, at most ~300 points a run.
    pub eval_every: Option<usize>,
    pub diagnostics: DiagnosticsConfig,
}

/// How many examples a step takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchSize {
    /// The whole training set: full-batch gradient descent.
    Full,
    /// Up to this many examples (the whole set if it is smaller).
    Examples(usize),
}

impl BatchSize {
    /// Examples per step on a training set of `train_len` rows.
    pub fn resolve(self, train_len: usize) -> usize {
        match self {
            BatchSize::Full => train_len.max(1),
            BatchSize::Examples(b) => b.clamp(1, train_len.max(1)),
        }
    }
}

impl std::fmt::Display for BatchSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchSize::Full => f.write_str("full"),
            BatchSize::Examples(b) => write!(f, "{b}"),
        }
    }
}

/// The most memory one run may need: a tab holds several runs (one per worker), and a setting must
/// not be able to exhaust it.
pub const MAX_MEMORY_BYTES: u64 = 256 << 20;
/// Rows per chunk when a whole split is evaluated.
pub const EVAL_CHUNK: usize = 512;

impl RunConfig {
    /// Every field zero or its first variant: the base the settings table's defaults are applied to.
    pub(crate) const BLANK: RunConfig = RunConfig {
        dataset: DatasetConfig { source: DataSource::Named(DatasetKind::Digits), points: 0, noise: 0.0 },
        model: ModelConfig { hidden: Vec::new(), activation: Activation::Relu, loss: LossKind::CrossEntropy },
        optimizer: OptimizerConfig {
            kind: OptimizerKind::Sgd,
            momentum: 0.0,
            beta2: 0.0,
            weight_decay: 0.0,
            clip_norm: None,
        },
        lr: 0.0,
        batch_size: BatchSize::Full,
        schedule: ScheduleConfig {
            kind: ScheduleKind::Constant,
            step_every: 0,
            gamma: 0.0,
            end_lr: 0.0,
            warmup_epochs: 0.0,
        },
        batch_growth: None,
        epochs: 0,
        steps: None,
        seed: 0,
        order: 0,
        eval_every: None,
        diagnostics: DiagnosticsConfig { sharpness: Cadence::Off, noise_scale: Cadence::Off, sharpness_rows: 0 },
    };

    /// Training examples the data set will have, without generating it.
    pub fn train_len(&self) -> usize {
        self.dataset.train_len()
    }

    /// The learning-rate schedule of this run, known before any data is loaded (the UI draws it).
    pub fn schedule(&self) -> Schedule {
        let n = self.train_len();
        let steps_per_epoch = n.div_ceil(self.batch_size.resolve(n));
        let total_steps =
            self.steps.unwrap_or_else(|| (0..self.epochs).map(|e| n.div_ceil(self.batch_size_at_epoch(e))).sum());
        let growth = self.batch_growth.map(|g| Growth {
            every_epochs: g.every_epochs,
            factor: g.factor,
            base_batch_size: self.batch_size.resolve(n),
            train_len: n,
        });
        Schedule { config: self.schedule, base_lr: self.lr, steps_per_epoch, total_steps, growth }
    }

    /// The batch size of epoch `epoch` (0-based): the config's, grown by `batch_growth`, at most
    /// the training-set size.
    pub fn batch_size_at_epoch(&self, epoch: usize) -> usize {
        let n = self.train_len();
        let mut b = self.batch_size.resolve(n);
        if let Some(g) = self.batch_growth {
            for _ in 0..epoch / g.every_epochs.max(1) {
                if b >= n {
                    break;
                }
                b = b.saturating_mul(g.factor);
            }
        }
        b.min(n)
    }

    /// The largest batch the run reaches: that of the epoch its last step falls in (a step budget
    /// can run past `epochs`).
    pub fn max_batch_size(&self) -> usize {
        let schedule = self.schedule();
        let last_epoch = schedule.epoch(schedule.total_steps.saturating_sub(1)).floor() as usize;
        self.batch_size_at_epoch(last_epoch).max(self.batch_size_at_epoch(0))
    }

    /// Bytes the run's buffers take, estimated from its shape: parameter-sized vectors (weights,
    /// gradient, the initial weights, optimiser state, diagnostics), activation buffers for the largest
    /// batch and the evaluation chunks, and the data.
    pub fn memory_bytes(&self) -> u64 {
        let (features, classes) = (self.dataset.features(), self.dataset.classes());
        let params = self.model.param_count(features, classes) as u64;
        let units: u64 = self.model.widths(features, classes)[1..].iter().map(|&w| w as u64).sum();
        let d = self.diagnostics;
        let vectors = 3
            + self.optimizer.kind.facts().state_slots as u64
            + if d.sharpness.is_on() { sharpness_vectors(params as usize) as u64 } else { 0 }
            + if d.noise_scale.is_on() { 3 } else { 0 };
        let batch = self.max_batch_size() as u64;
        let mut rows = 2 * batch + 2 * EVAL_CHUNK as u64 + 5 * EVAL_CHUNK as u64;
        if d.noise_scale.is_on() {
            rows += 2 * CHUNK as u64;
        }
        let points = self.dataset.rows() as u64;
        4 * (vectors * params + rows * units + batch * features as u64) + points * (4 * features as u64 + 8)
    }
}

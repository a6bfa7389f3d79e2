//! The training loop: minibatch SGD over shuffled epochs, periodic validation, divergence watch.
//!
//! [`Trainer::step`] does one update and nothing else, so that any host — the worker's time slices,
//! the CLI's loop, a test — decides when to stop and when to yield. Everything the run reports goes
//! through an [`Observer`].

use ndarray::{s, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::{RunConfig, EVAL_CHUNK};
use crate::data::{DataError, Dataset, Table};
use crate::diagnostics::{Cadence, DiagnosticsConfig, LiveDiagnostics, Sharpness};
use crate::edge::MaxLrSearch;
use crate::lr_find::{RangeTest, RangeTestResult};
use crate::model::{Mlp, ModelWeights, Pass, Workspace};
use crate::optim::{norm, Optimizer, OptimizerConfig};
use crate::outcome::{Breach, Divergence, DivergenceMonitor, Outcome, Rise};
use crate::regime::{Limits, Regime};
use crate::schedule::{Schedule, ScheduleKind};
use crate::settings::ConfigError;

/// RNG streams, so that changing one use of randomness never shifts another.
const INIT_STREAM: u64 = 1;
/// The data order's stream; `RunConfig::order` picks one of the streams above it.
const SHUFFLE_STREAM: u64 = 2;
/// Distance between the data-order streams of successive `order` values (the other uses of
/// randomness have streams 1 to 5).
const ORDER_STRIDE: u64 = 16;
/// Validation points per epoch (and one at each epoch's end)...
const POINTS_PER_EPOCH: usize = 10;
/// ...but about this many per run at most, beyond the epoch ends: validating costs time, and
/// a chart has only so many pixels.
const POINTS_PER_RUN: usize = 300;

/// One point of the curves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Updates done so far (0 for the initial model).
    pub step: usize,
    /// Epochs done, fractional.
    pub epoch: f64,
    /// Training examples seen so far.
    pub examples: u64,
    /// Examples in the last update's minibatch (the batch size then in effect).
    pub batch_size: usize,
    /// Learning rate of the last update.
    pub lr: f64,
    /// Mean minibatch loss over the updates since the previous point (every update counts, so a
    /// spike is never smoothed away); at step 0 the loss of the initial model on the training set.
    #[serde(with = "crate::json_float")]
    pub train_loss: f64,
    #[serde(with = "crate::json_float")]
    pub val_loss: f64,
    pub val_acc: f64,
    /// λ_max of the loss Hessian on the sharpness rows at this step's weights, when measured here
    /// (converged: see `diagnostics::TOLERANCE`).
    pub sharpness: Option<f64>,
    /// The gradient noise scale B_simple at this step's weights, when measured here and resolved.
    pub noise_scale: Option<f64>,
    /// Norm of the last update's minibatch gradient (before clipping).
    pub grad_norm: Option<f64>,
}

crate::named_enum! {
    /// The live diagnostics a [`Point`] may carry, each read by [`Diagnostic::of`]: the CSV's columns,
    /// the chart trace's latest values and the page's cards iterate over these, so a new one is its
    /// estimator, its `Point` field and an entry here (the compiler finds the rest).
    pub enum Diagnostic {
        Sharpness => ("sharpness", "Sharpness λ_max"),
        NoiseScale => ("noise_scale", "Noise scale B_simple"),
        GradNorm => ("grad_norm", "Gradient norm ‖g‖"),
    }
}

impl Diagnostic {
    /// How many there are (the length of per-diagnostic arrays).
    pub const COUNT: usize = Self::ALL.len();

    /// Its value at `point`, where it was measured there.
    pub fn of(self, point: &Point) -> Option<f64> {
        match self {
            Diagnostic::Sharpness => point.sharpness,
            Diagnostic::NoiseScale => point.noise_scale,
            Diagnostic::GradNorm => point.grad_norm,
        }
    }

    /// How often it is read under `config`; `None` for one read at every point (the gradient norm).
    pub fn cadence(self, config: &DiagnosticsConfig) -> Option<Cadence> {
        match self {
            Diagnostic::Sharpness => Some(config.sharpness),
            Diagnostic::NoiseScale => Some(config.noise_scale),
            Diagnostic::GradNorm => None,
        }
    }
}

/// A finished run's weights as a file, with the version, settings, seed and fingerprint they came
/// from (the CLI's `--save-weights`, the page's export).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    pub batchlab: String,
    /// The settings that differ from the defaults.
    pub settings: std::collections::BTreeMap<String, String>,
    pub seed: u32,
    pub fingerprint: String,
    pub model: ModelWeights,
}

/// The CSV header of [`points_csv`], a column per [`Diagnostic`] at its end: the mean of the minibatch losses since the point before, and the
/// loss on the whole training set where the run measured it (at its start and at its end) — two
/// quantities, named apart.
pub fn points_csv_header() -> String {
    let mut header =
        "step,epoch,examples,lr,batch_size,minibatch_loss,train_loss_whole_set,val_loss,val_acc".to_owned();
    for name in Diagnostic::NAMES {
        header.push(',');
        header.push_str(name);
    }
    header
}

/// Points as CSV, a row each (an empty cell where a value was not measured): the CLI's `metrics.csv`
/// and the page's export. The whole-set training loss is the first point's (the start's loss) and,
/// once the run has ended, its summary's at the last step.
pub fn points_csv<'a>(points: impl IntoIterator<Item = &'a Point>, summary: Option<&Summary>) -> String {
    let cell = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut csv = points_csv_header();
    csv.push('\n');
    for (i, p) in points.into_iter().enumerate() {
        let whole = match summary {
            Some(s) if p.step == s.steps => Some(s.final_train_loss),
            _ if i == 0 => Some(p.train_loss),
            _ => None,
        };
        let minibatch = if i == 0 { String::new() } else { p.train_loss.to_string() };
        let fixed = [
            p.step.to_string(),
            p.epoch.to_string(),
            p.examples.to_string(),
            p.lr.to_string(),
            p.batch_size.to_string(),
            minibatch,
            cell(whole),
            p.val_loss.to_string(),
            p.val_acc.to_string(),
        ];
        let diagnostics = Diagnostic::ALL.iter().map(|d| cell(d.of(p)));
        csv.push_str(&fixed.into_iter().chain(diagnostics).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv
}

/// How a run ended and where it got to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub outcome: Outcome,
    pub steps: usize,
    pub examples: u64,
    /// Loss of the initial model on the whole training set.
    pub initial_train_loss: f64,
    /// Loss of the final model on the whole training set.
    #[serde(with = "crate::json_float")]
    pub final_train_loss: f64,
    #[serde(with = "crate::json_float")]
    pub final_val_loss: f64,
    pub final_val_acc: f64,
    /// The LR range test's reading, for a run with the ramp schedule.
    pub range_test: Option<RangeTestResult>,
    /// FNV-1a hash of every minibatch loss and the final parameters, as hex: equal digests mean
    /// bit-identical runs (used to check the browser against native).
    pub digest: String,
    /// Every diagnostic the run read, in step order (thinned to at most [`MAX_READINGS`]): the
    /// lessons judge a run's curvature and noise by them.
    #[serde(default)]
    pub readings: Vec<Reading>,
    /// How the training loss rose above its start before it came down, if it did (judged on every
    /// step's loss, like the outcome).
    #[serde(default)]
    pub rise: Option<Rise>,
    /// How far the weights moved from where the run started, relative to their size there.
    #[serde(default)]
    pub weights_moved: f64,
}

/// The most an η_max(B) search may cost, in multiply-adds: a few seconds of a browser's worker.
pub const MAX_SEARCH_MACS: f64 = 2e10;

/// At most this many readings are kept for a summary; past it every other one is dropped (the first
/// stays), so an absurd cadence cannot grow a summary without bound.
pub const MAX_READINGS: usize = 4096;

/// The diagnostics read at one evaluation point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub step: usize,
    /// η of the update that led here (η at the start for step 0).
    pub lr: f64,
    pub sharpness: Option<f64>,
    pub noise_scale: Option<f64>,
}

/// The curvature limit on the learning rate, measured at the run's initial weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StabilityLimit {
    /// λ_max of the training loss at the initial weights (exact Hessian-vector products).
    pub lambda_max: f64,
    /// c/λ_max with the optimiser's constant c (2 for SGD, 2(1 + β) with momentum): gradient descent
    /// on the loss's quadratic approximation there is stable only below this η.
    pub lr: f64,
}

impl StabilityLimit {
    /// c/λ_max for `optimizer` at a measured λ_max; `None` for an adaptive optimiser, or a λ_max that is
    /// not a positive number.
    pub fn at(optimizer: OptimizerConfig, lambda_max: f64) -> Option<Self> {
        let c = optimizer.kind.stability_constant(optimizer.momentum)?;
        (lambda_max.is_finite() && lambda_max > 0.0).then(|| Self { lambda_max, lr: c / lambda_max })
    }
}

/// Receives what a run reports. The worker implements it by posting messages; the CLI by writing CSV.
pub trait Observer {
    /// Every update's learning rate and minibatch loss (most observers need only the points).
    fn on_step(&mut self, _step: usize, _lr: f64, _loss: f64) {}
    fn on_point(&mut self, point: &Point);
    fn on_finish(&mut self, _summary: &Summary) {}
}

/// Ignores everything: for hosts that only want the trainer's own summary.
impl Observer for () {
    fn on_point(&mut self, _point: &Point) {}
}

/// Collects points and the summary in memory.
#[derive(Debug, Default)]
pub struct Recorder {
    pub points: Vec<Point>,
    pub summary: Option<Summary>,
}

impl Observer for Recorder {
    fn on_point(&mut self, point: &Point) {
        self.points.push(point.clone());
    }
    fn on_finish(&mut self, summary: &Summary) {
        self.summary = Some(summary.clone());
    }
}

#[derive(Debug, Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// A run in progress. Build it with [`RunConfig::init`].
pub struct Trainer {
    config: RunConfig,
    data: Dataset,
    model: Mlp<f32>,
    /// The weights the run started from (for the stability limit of a run that goes wrong).
    initial_params: Vec<f32>,
    optimizer: Optimizer<f32>,
    schedule: Schedule,
    batch_size: usize,
    train_ws: Workspace<f32>,
    eval_ws: Workspace<f32>,
    grad: Vec<f32>,
    batch_x: Array2<f32>,
    batch_y: Vec<usize>,
    order: Vec<usize>,
    shuffle_rng: ChaCha8Rng,
    step: usize,
    /// Position in `order` within the current epoch.
    cursor: usize,
    examples: u64,
    eval_every: usize,
    initial_train_loss: f64,
    monitor: DivergenceMonitor,
    /// Rows in the last update's minibatch.
    last_rows: usize,
    pending_loss_sum: f64,
    pending_steps: usize,
    last_lr: f64,
    /// The last update's gradient norm before clipping, when clipping measured it (otherwise it is
    /// the norm of `grad`, taken when a point needs it).
    clipped_grad_norm: Option<f64>,
    diagnostics: LiveDiagnostics,
    /// Multiply-adds of one example's gradient and of one example's forward pass (the diagnostics'
    /// budget counts the run's work in them).
    grad_macs: f64,
    forward_macs: f64,
    /// λ_max at the weights the run started from, when the first point measured it: the run's one
    /// stability limit.
    initial_sharpness: Option<f64>,
    readings: Vec<Reading>,
    range_test: Option<RangeTest>,
    /// The initial point has been reported.
    started: bool,
    /// Where the run began: step 0 and epoch 0, or a fork's parent's position. Steps, epochs and
    /// examples count from the very start; the schedule runs from here.
    origin: Origin,
    digest: u64,
    summary: Option<Summary>,
}

/// Where a run is in its data: the shuffling stream, this epoch's order, how far into it, and the
/// step, epoch and examples counted so far.
struct Position {
    shuffle_rng: ChaCha8Rng,
    order: Vec<usize>,
    cursor: usize,
    origin: Origin,
    examples: u64,
    digest: u64,
}

/// The step, epoch and examples a run (or a fork) began at.
#[derive(Clone, Copy, Debug, Default)]
struct Origin {
    step: usize,
    epoch: f64,
    examples: u64,
}

impl RunConfig {
    /// Checks the config, loads the data and initialises the model.
    pub fn init(&self) -> Result<Trainer, InitError> {
        self.init_on(None)
    }

    /// [`RunConfig::init`] for a config that may train on a CSV file's `table` (the one it names).
    pub fn init_on(&self, table: Option<&Table>) -> Result<Trainer, InitError> {
        self.validate()?;
        let data = Dataset::load(&self.dataset, self.seed, table)?;
        Ok(Trainer::new(self.clone(), data))
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// ‖b − a‖ / ‖a‖, accumulated in f64 (0 for a zero `a`).
fn relative_change(a: &[f32], b: &[f32]) -> f64 {
    let (mut diff, mut size) = (0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        diff += (f64::from(y) - f64::from(x)).powi(2);
        size += f64::from(x).powi(2);
    }
    if size > 0.0 {
        (diff / size).sqrt()
    } else {
        0.0
    }
}

fn fnv(hash: u64, bits: u64) -> u64 {
    bits.to_le_bytes().iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

impl Trainer {
    /// A trainer for `config` on already-loaded `data` (benchmarks load once and reuse it).
    pub fn new(config: RunConfig, data: Dataset) -> Self {
        let seed = u64::from(config.seed);
        let mut init_rng = ChaCha8Rng::seed_from_u64(seed);
        init_rng.set_stream(INIT_STREAM);
        let mut shuffle_rng = ChaCha8Rng::seed_from_u64(seed);
        shuffle_rng.set_stream(SHUFFLE_STREAM + ORDER_STRIDE * u64::from(config.order));
        let model =
            Mlp::new(data.features(), &config.model.hidden, data.classes, config.model.activation, &mut init_rng);
        let optimizer = Optimizer::new(config.optimizer, model.param_count());
        let order = (0..data.train_len()).collect();
        let at = Position { shuffle_rng, order, cursor: 0, origin: Origin::default(), examples: 0, digest: FNV_OFFSET };
        Self::assemble(config, data, model, optimizer, at)
    }

    /// A new run that continues this one from where it is now with `config`'s learning rate, batch
    /// size, schedule and length: the same weights, optimiser state and data order (the epoch in
    /// progress goes on). Steps, epochs, examples and the fingerprint go on counting; the schedule
    /// and `config`'s length start at the fork, and the divergence rules compare with the loss there.
    /// The rest of `config` must be this run's (see `Setting::forkable`).
    pub fn fork(&self, config: RunConfig) -> Result<Trainer, InitError> {
        config.validate()?;
        config.check_fork_of(&self.config)?;
        let at = Position {
            shuffle_rng: self.shuffle_rng.clone(),
            order: self.order.clone(),
            cursor: self.cursor,
            origin: Origin { step: self.step, epoch: self.epoch(), examples: self.examples },
            examples: self.examples,
            digest: self.digest,
        };
        Ok(Self::assemble(config, self.data.clone(), self.model.clone(), self.optimizer.clone(), at))
    }

    fn assemble(config: RunConfig, data: Dataset, model: Mlp<f32>, optimizer: Optimizer<f32>, at: Position) -> Self {
        let n = data.train_len();
        debug_assert_eq!(n, config.train_len());
        let batch_size = config.batch_size_at_epoch(0);
        // Buffers for the largest batch of the run (batch growth only ever raises it).
        let max_batch_size = config.max_batch_size();
        let schedule = config.schedule();
        let steps_per_epoch = schedule.steps_per_epoch;
        let (grad_macs, forward_macs) = (model.macs_per_row(Pass::Gradient), model.macs_per_row(Pass::Forward));
        let eval_every = config.eval_every.unwrap_or_else(|| {
            steps_per_epoch.div_ceil(POINTS_PER_EPOCH).max(schedule.total_steps.div_ceil(POINTS_PER_RUN))
        });
        let planned_work_macs = schedule.total_steps as f64 * batch_size as f64 * grad_macs
            + (schedule.total_steps / eval_every + config.epochs) as f64 * data.y_val.len() as f64 * forward_macs;
        let mut diagnostics = LiveDiagnostics::new(config.diagnostics, &model, n, config.seed, planned_work_macs);
        diagnostics.charge(n as f64 * forward_macs);
        let mut eval_ws = model.workspace(EVAL_CHUNK);
        let initial_train_loss =
            model.evaluate(data.x_train.view(), &data.y_train, config.model.loss, &mut eval_ws).mean_loss();
        Self {
            optimizer,
            initial_params: model.params.clone(),
            last_rows: 0,
            range_test: (config.schedule.kind == ScheduleKind::Ramp).then(RangeTest::default),
            train_ws: model.workspace(max_batch_size),
            grad: vec![0.0; model.param_count()],
            batch_x: Array2::zeros((max_batch_size, data.features())),
            batch_y: Vec::with_capacity(max_batch_size),
            order: at.order,
            shuffle_rng: at.shuffle_rng,
            cursor: at.cursor,
            origin: at.origin,
            eval_every,
            monitor: DivergenceMonitor::new(initial_train_loss)
                .with_prior_loss(config.model.loss.prior_loss(&data.class_frequencies())),
            last_lr: schedule.lr(0),
            clipped_grad_norm: None,
            diagnostics,
            grad_macs,
            forward_macs,
            initial_sharpness: None,
            readings: Vec::new(),
            started: false,
            config,
            data,
            model,
            schedule,
            batch_size,
            eval_ws,
            step: at.origin.step,
            examples: at.examples,
            initial_train_loss,
            pending_loss_sum: 0.0,
            pending_steps: 0,
            digest: at.digest,
            summary: None,
        }
    }

    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The model as trained so far.
    pub fn model(&self) -> &Mlp<f32> {
        &self.model
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The batch size in effect (the config's, grown if asked, capped at the training-set size).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The step the run ends at (counted from the very start, for a fork).
    pub fn total_steps(&self) -> usize {
        self.origin.step + self.schedule.total_steps
    }

    /// Steps since the run (or the fork) began: what the schedule and the cadences count.
    fn local_step(&self) -> usize {
        self.step - self.origin.step
    }

    /// The range test's record so far, for a run with the ramp schedule.
    pub fn range_test(&self) -> Option<&RangeTest> {
        self.range_test.as_ref()
    }

    /// The run's result, once it has ended.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// The final weights as a file, once the run has ended.
    pub fn weights_file(&self) -> Option<WeightsFile> {
        let summary = self.summary.as_ref()?;
        Some(WeightsFile {
            batchlab: env!("CARGO_PKG_VERSION").to_owned(),
            settings: self.config.to_owned_params(),
            seed: self.config.seed,
            fingerprint: summary.digest.clone(),
            model: self.model.to_weights(),
        })
    }

    pub fn is_done(&self) -> bool {
        self.summary.is_some()
    }

    fn epoch(&self) -> f64 {
        self.epoch_of(self.step)
    }

    /// The epoch of step `step` (counted from the very start).
    fn epoch_of(&self, step: usize) -> f64 {
        self.origin.epoch + self.schedule.epoch(step - self.origin.step)
    }

    fn validation_point(&mut self, train_loss: f64) -> Point {
        let stats =
            self.model.evaluate(self.data.x_val.view(), &self.data.y_val, self.config.model.loss, &mut self.eval_ws);
        self.diagnostics.charge(self.data.y_val.len() as f64 * self.forward_macs);
        Point {
            step: self.step,
            epoch: self.epoch(),
            examples: self.examples,
            batch_size: self.batch_size,
            lr: self.last_lr,
            train_loss,
            val_loss: stats.mean_loss(),
            val_acc: stats.accuracy(),
            sharpness: None,
            noise_scale: None,
            grad_norm: (self.local_step() > 0).then(|| self.clipped_grad_norm.unwrap_or_else(|| norm(&self.grad))),
        }
    }

    /// A validation point, with the diagnostics that are due (`train_loss` is the mean minibatch loss
    /// since the point before). The divergence watch never sees it: a run's label must not depend on
    /// how often it is evaluated.
    fn point(&mut self, train_loss: f64) -> Point {
        let mut p = self.validation_point(train_loss);
        let step = self.local_step();
        (p.sharpness, p.noise_scale) =
            self.diagnostics.at_point(step, &self.model, self.data.train(), self.config.model.loss);
        if step == 0 {
            self.initial_sharpness = p.sharpness;
        }
        if p.sharpness.is_some() || p.noise_scale.is_some() {
            if self.readings.len() == MAX_READINGS {
                self.readings = self.readings.iter().step_by(2).copied().collect();
            }
            self.readings.push(Reading { step: p.step, lr: p.lr, sharpness: p.sharpness, noise_scale: p.noise_scale });
        }
        p
    }

    /// Does one update (reporting the initial point first). Returns `false` once the run has ended.
    /// The observer is a trait object so that the step is compiled here, at the trainer's opt-level,
    /// not in each host crate that calls it (the page's crates are optimised for size).
    pub fn step(&mut self, observer: &mut dyn Observer) -> bool {
        if self.summary.is_some() {
            return false;
        }
        crate::pulse::beat();
        if !self.started {
            self.started = true;
            let p = self.point(self.initial_train_loss);
            observer.on_point(&p);
        }
        let (lr, loss) = self.update();
        observer.on_step(self.step, lr, loss);
        if let Some(r) = self.range_test.as_mut() {
            r.record(lr, loss);
        }
        self.report(observer, loss);
        self.summary.is_none()
    }

    /// One update on the next minibatch, nothing else (the benchmarks time exactly this); returns
    /// the learning rate used and the minibatch loss.
    pub fn update(&mut self) -> (f64, f64) {
        let n = self.data.train_len();
        if self.cursor == 0 {
            self.order.shuffle(&mut self.shuffle_rng);
            let epochs_done = (self.examples - self.origin.examples) as usize / n;
            self.batch_size = self.config.batch_size_at_epoch(epochs_done);
        }
        let end = (self.cursor + self.batch_size).min(n);
        let rows = end - self.cursor;
        self.batch_y.clear();
        for (r, &i) in self.order[self.cursor..end].iter().enumerate() {
            self.batch_x.row_mut(r).assign(&self.data.x_train.row(i));
            self.batch_y.push(self.data.y_train[i]);
        }
        let lr = self.schedule.lr(self.local_step());
        let stats = self.model.loss_grad(
            self.batch_x.slice(s![..rows, ..]),
            &self.batch_y,
            self.config.model.loss,
            &mut self.train_ws,
            &mut self.grad,
        );
        let loss = stats.mean_loss();
        self.clipped_grad_norm = self.optimizer.step(&mut self.model.params, &mut self.grad, lr);
        self.diagnostics.charge(rows as f64 * self.grad_macs);
        self.step += 1;
        self.examples += rows as u64;
        self.cursor = if end == n { 0 } else { end };
        self.last_lr = lr;
        self.last_rows = rows;
        self.digest = fnv(self.digest, loss.to_bits());
        (lr, loss)
    }

    /// Divergence watch, validation points, diagnostics and the summary after an update.
    fn report(&mut self, observer: &mut dyn Observer, loss: f64) {
        self.pending_loss_sum += loss;
        self.pending_steps += 1;
        let diverged = self.monitor.observe(self.step, self.epoch(), loss, self.last_rows);
        // A range test is over once its loss has broken away: the rest of the ramp teaches nothing.
        let done = diverged.is_some()
            || self.local_step() >= self.schedule.total_steps
            || self.range_test.as_ref().is_some_and(RangeTest::is_over);
        let local = self.local_step();
        if done || self.cursor == 0 || local % self.eval_every == 0 || self.diagnostics.due(local) {
            let train_loss = self.pending_loss_sum / self.pending_steps as f64;
            self.pending_loss_sum = 0.0;
            self.pending_steps = 0;
            let p = self.point(train_loss);
            observer.on_point(&p);
            if done {
                let summary = self.finish(diverged, &p);
                observer.on_finish(&summary);
                self.summary = Some(summary);
            }
        }
    }

    fn finish(&mut self, breach: Option<Breach>, last: &Point) -> Summary {
        let train = self.model.evaluate(
            self.data.x_train.view(),
            &self.data.y_train,
            self.config.model.loss,
            &mut self.eval_ws,
        );
        let final_train_loss = train.mean_loss();
        let weights_moved = relative_change(&self.initial_params, &self.model.params);
        // The rules judge every loss the run produced: a short run's partial window, and the final
        // loss on the whole training set.
        let breach = breach
            .or_else(|| self.monitor.judge_partial())
            .or_else(|| self.monitor.judge_final(self.step, final_train_loss));
        let judged = breach.map_or_else(
            || {
                let prior = self.data.class_frequencies();
                let prior_loss = self.config.model.loss.prior_loss(&prior);
                let end = crate::outcome::End {
                    step: self.step,
                    final_loss: final_train_loss,
                    val_acc: last.val_acc,
                    weights_moved,
                };
                self.monitor.judge_end(end, &prior, prior_loss)
            },
            Err,
        );
        let outcome = match judged {
            Ok(outcome) => outcome,
            Err((step, rule)) => Outcome::Diverged(Divergence {
                step,
                epoch: self.epoch_of(step),
                lr: self.schedule.lr((step - self.origin.step).saturating_sub(1)),
                initial_loss: self.initial_train_loss,
                rule,
            }),
        };
        let digest = self.model.params.iter().fold(self.digest, |h, p| fnv(h, u64::from(p.to_bits())));
        Summary {
            outcome,
            steps: self.step,
            examples: self.examples,
            initial_train_loss: self.initial_train_loss,
            final_train_loss,
            final_val_loss: last.val_loss,
            final_val_acc: last.val_acc,
            range_test: self.range_test.as_ref().map(RangeTest::result),
            digest: format!("{digest:016x}"),
            readings: std::mem::take(&mut self.readings),
            rise: self.monitor.rise(),
            weights_moved,
        }
    }

    /// The run's one stability limit: c/λ_max at the weights it started from (see [`StabilityLimit`]);
    /// `None` for adaptive optimisers, whose steps no single curvature bounds. The λ_max is the first
    /// point's sharpness reading when it has one; otherwise it is measured now, by the same converged
    /// reading from the same start (a few dozen Hessian-vector products on the sharpness rows), so
    /// hosts ask for it when a run went wrong.
    pub fn stability_limit(&self) -> Option<StabilityLimit> {
        self.config.optimizer.kind.stability_constant(self.config.optimizer.momentum)?;
        let lambda_max = self.initial_sharpness.or_else(|| self.sharpness_at(&self.initial_params))?;
        StabilityLimit::at(self.config.optimizer, lambda_max)
    }

    /// λ_max at the current weights, by a fresh converged reading (the same start vector whatever the
    /// run read before, so it does not depend on the run's cadence); `None` if it did not converge.
    pub fn final_sharpness(&self) -> Option<f64> {
        self.sharpness_at(&self.model.params)
    }

    fn sharpness_at(&self, params: &[f32]) -> Option<f64> {
        let rows = self.config.diagnostics.sharpness_rows.min(self.data.train_len());
        let mut power = Sharpness::new(&self.model, rows, self.config.seed);
        let r = power.estimate(&self.model, params, self.data.train(), self.config.model.loss);
        r.converged.then_some(r.lambda)
    }

    /// What a host measures of a finished run's limits ([`Limits`]): the edge c/λ₀, the final
    /// sharpness of a run that trained above it, and — when `search` — η_max(B) by
    /// [`MaxLrSearch`] in one go (the worker slices that search itself). `None` fields where they do
    /// not apply: forks and range tests measure no η_max.
    pub fn limits(&self, search: bool) -> Limits {
        let edge = self.stability_limit();
        let summary = self.summary.as_ref();
        let above = summary.and_then(|s| crate::regime::regime(&self.config, s, edge)) == Some(Regime::CaughtItself);
        Limits {
            edge,
            final_sharpness: if above { self.final_sharpness() } else { None },
            max_lr: (search && self.max_lr_applies()).then(|| self.max_lr_search().run()),
        }
    }

    /// Whether η_max(B) is measured for this run: not for a fork (it starts from another run's
    /// weights) nor a range test (its η is a ramp), nor where its probes would cost more than
    /// [`MAX_SEARCH_MACS`] in multiply-adds (a large model on a large table).
    pub fn max_lr_applies(&self) -> bool {
        self.origin.step == 0 && self.range_test.is_none() && self.max_lr_search().planned_macs() <= MAX_SEARCH_MACS
    }

    /// The η_max(B) search for this run's settings, on its data.
    pub fn max_lr_search(&self) -> MaxLrSearch {
        MaxLrSearch::new(&self.config, self.data.clone())
    }

    /// What the run's diagnostics have cost so far, as shares of its own work in multiply-adds:
    /// (after the start, in all).
    pub fn diagnostics_cost_share(&self) -> (f64, f64) {
        self.diagnostics.cost_share()
    }

    /// Steps until the run ends or `should_yield` (asked after every step) says to hand back control.
    pub fn run_until(&mut self, observer: &mut dyn Observer, mut should_yield: impl FnMut() -> bool) {
        while self.step(observer) && !should_yield() {}
    }

    /// Runs to the end.
    pub fn run(&mut self, observer: &mut dyn Observer) {
        self.run_until(observer, || false);
    }
}

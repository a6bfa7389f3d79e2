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

use crate::config::{ConfigError, RunConfig};
use crate::data::{DataError, Dataset};
use crate::diagnostics::{NoiseScale, Sharpness};
use crate::model::{Mlp, Workspace};
use crate::optim::Optimizer;
use crate::outcome::{judge_finished, DivergenceMonitor, Outcome};
use crate::schedule::Schedule;

/// RNG streams, so that changing one use of randomness never shifts another.
const INIT_STREAM: u64 = 1;
const SHUFFLE_STREAM: u64 = 2;
/// Validation points per epoch (and one at each epoch's end)...
const POINTS_PER_EPOCH: usize = 10;
/// ...but about this many per run at most, beyond the epoch ends: validating costs time, and
/// a chart has only so many pixels.
const POINTS_PER_RUN: usize = 300;
/// Rows per chunk when evaluating a whole split.
const EVAL_CHUNK: usize = 512;

/// One point of the curves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Updates done so far (0 for the initial model).
    pub step: usize,
    /// Epochs done, fractional.
    pub epoch: f64,
    /// Training examples seen so far.
    pub examples: u64,
    /// Learning rate of the last update.
    pub lr: f64,
    /// Mean minibatch loss over the updates since the previous point (every update counts, so a
    /// spike is never smoothed away); at step 0 the loss of the initial model on the training set.
    pub train_loss: f64,
    pub val_loss: f64,
    pub val_acc: f64,
    /// λ_max of the loss Hessian on the fixed evaluation batch, when computed at this step.
    pub sharpness: Option<f64>,
    /// Smoothed gradient noise scale B_simple, when computed at this step.
    pub noise_scale: Option<f64>,
    /// Norm of the last update's minibatch gradient (before clipping).
    pub grad_norm: Option<f64>,
}

/// How a run ended and where it got to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub outcome: Outcome,
    pub steps: usize,
    pub examples: u64,
    pub initial_train_loss: f64,
    /// Loss of the final model on the whole training set.
    pub final_train_loss: f64,
    pub final_val_loss: f64,
    pub final_val_acc: f64,
    /// FNV-1a hash of every minibatch loss and the final parameters, as hex: equal digests mean
    /// bit-identical runs (used to check the browser against native).
    pub digest: String,
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
    pending_loss_sum: f64,
    pending_steps: usize,
    last_lr: f64,
    last_grad_norm: f64,
    sharpness: Option<Sharpness<f32>>,
    noise_scale: Option<NoiseScale<f32>>,
    digest: u64,
    summary: Option<Summary>,
}

impl RunConfig {
    /// Checks the config, loads the data and initialises the model.
    pub fn init(&self) -> Result<Trainer, InitError> {
        self.validate()?;
        let data = Dataset::load(&self.dataset, self.seed)?;
        Ok(Trainer::new(self.clone(), data))
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

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
        shuffle_rng.set_stream(SHUFFLE_STREAM);
        let model =
            Mlp::new(data.features(), &config.model.hidden, data.classes, config.model.activation, &mut init_rng);
        let n = data.train_len();
        debug_assert_eq!(n, config.train_len());
        let batch_size = config.batch_size_at_epoch(0);
        // Buffers for the largest batch of the run (batch growth only ever raises it).
        let max_batch_size = config.batch_size_at_epoch(config.epochs.saturating_sub(1)).max(batch_size);
        let schedule = config.schedule();
        let steps_per_epoch = schedule.steps_per_epoch;
        let d = config.diagnostics;
        let sharpness = (d.sharpness_every > 0).then(|| {
            let rows = d.sharpness_batch.clamp(1, n);
            let x = data.x_train.slice(s![..rows, ..]);
            Sharpness::new(&model, x, &data.y_train[..rows], config.seed)
        });
        let noise_scale = (d.noise_scale_every > 0)
            .then(|| NoiseScale::new(&model, data.features(), d.noise_small, d.noise_big, config.seed));
        let mut eval_ws = model.workspace(EVAL_CHUNK);
        let initial_train_loss =
            model.evaluate(data.x_train.view(), &data.y_train, config.model.loss, &mut eval_ws).mean_loss();
        Self {
            optimizer: Optimizer::new(config.optimizer, model.param_count()),
            train_ws: model.workspace(max_batch_size),
            grad: vec![0.0; model.param_count()],
            batch_x: Array2::zeros((max_batch_size, data.features())),
            batch_y: Vec::with_capacity(max_batch_size),
            order: (0..n).collect(),
            eval_every: if config.eval_every > 0 {
                config.eval_every
            } else {
                steps_per_epoch.div_ceil(POINTS_PER_EPOCH).max(schedule.total_steps.div_ceil(POINTS_PER_RUN))
            },
            monitor: DivergenceMonitor::new(initial_train_loss),
            last_lr: schedule.lr(0),
            last_grad_norm: f64::NAN,
            sharpness,
            noise_scale,
            config,
            data,
            model,
            schedule,
            batch_size,
            eval_ws,
            shuffle_rng,
            step: 0,
            cursor: 0,
            examples: 0,
            initial_train_loss,
            pending_loss_sum: 0.0,
            pending_steps: 0,
            digest: FNV_OFFSET,
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

    pub fn total_steps(&self) -> usize {
        self.schedule.total_steps
    }

    /// The run's result, once it has ended.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    pub fn is_done(&self) -> bool {
        self.summary.is_some()
    }

    fn epoch(&self) -> f64 {
        self.schedule.epoch(self.step)
    }

    fn validation_point(&mut self, train_loss: f64) -> Point {
        let stats =
            self.model.evaluate(self.data.x_val.view(), &self.data.y_val, self.config.model.loss, &mut self.eval_ws);
        Point {
            step: self.step,
            epoch: self.epoch(),
            examples: self.examples,
            lr: self.last_lr,
            train_loss,
            val_loss: stats.mean_loss(),
            val_acc: stats.accuracy(),
            sharpness: None,
            noise_scale: None,
            grad_norm: (self.step > 0).then_some(self.last_grad_norm),
        }
    }

    /// A validation point, with the diagnostics that are enabled and asked for.
    fn point(&mut self, train_loss: f64, sharpness_due: bool, noise_due: bool) -> Point {
        let mut p = self.validation_point(train_loss);
        let (loss, iters) = (self.config.model.loss, self.config.diagnostics.power_iters);
        if let Some(sh) = self.sharpness.as_mut().filter(|_| sharpness_due) {
            p.sharpness = Some(sh.estimate(&self.model, loss, iters));
        }
        if let Some(ns) = self.noise_scale.as_mut().filter(|_| noise_due) {
            p.noise_scale = ns.update(&self.model, self.data.x_train.view(), &self.data.y_train, loss);
        }
        p
    }

    /// True when `every` > 0 divides the current step.
    fn due(&self, every: usize) -> bool {
        every > 0 && self.step % every == 0
    }

    /// Does one update (reporting the initial point first). Returns `false` once the run has ended.
    pub fn step(&mut self, observer: &mut impl Observer) -> bool {
        if self.summary.is_some() {
            return false;
        }
        if self.step == 0 && self.cursor == 0 && self.pending_steps == 0 {
            let p = self.point(self.initial_train_loss, true, true);
            observer.on_point(&p);
        }
        let (lr, loss) = self.update();
        observer.on_step(self.step, lr, loss);
        self.report(observer, loss);
        self.summary.is_none()
    }

    /// One update on the next minibatch, nothing else (the benchmarks time exactly this); returns
    /// the learning rate used and the minibatch loss.
    pub fn update(&mut self) -> (f64, f64) {
        let n = self.data.train_len();
        if self.cursor == 0 {
            self.order.shuffle(&mut self.shuffle_rng);
            self.batch_size = self.config.batch_size_at_epoch(self.examples as usize / n);
        }
        let end = (self.cursor + self.batch_size).min(n);
        let rows = end - self.cursor;
        self.batch_y.clear();
        for (r, &i) in self.order[self.cursor..end].iter().enumerate() {
            self.batch_x.row_mut(r).assign(&self.data.x_train.row(i));
            self.batch_y.push(self.data.y_train[i]);
        }
        let lr = self.schedule.lr(self.step);
        let stats = self.model.loss_grad(
            self.batch_x.slice(s![..rows, ..]),
            &self.batch_y,
            self.config.model.loss,
            &mut self.train_ws,
            &mut self.grad,
        );
        let loss = stats.mean_loss();
        self.last_grad_norm = self.optimizer.step(&mut self.model.params, &mut self.grad, lr);
        self.step += 1;
        self.examples += rows as u64;
        self.cursor = if end == n { 0 } else { end };
        self.last_lr = lr;
        self.digest = fnv(self.digest, loss.to_bits());
        (lr, loss)
    }

    /// Divergence watch, validation points, diagnostics and the summary after an update.
    fn report(&mut self, observer: &mut impl Observer, loss: f64) {
        self.pending_loss_sum += loss;
        self.pending_steps += 1;
        let diverged = self.monitor.observe(self.step, loss);
        let done = diverged.is_some() || self.step >= self.schedule.total_steps;
        let d = self.config.diagnostics;
        let (sharpness_due, noise_due) = (self.due(d.sharpness_every), self.due(d.noise_scale_every));
        if done || self.cursor == 0 || self.step % self.eval_every == 0 || sharpness_due || noise_due {
            let train_loss = self.pending_loss_sum / self.pending_steps as f64;
            self.pending_loss_sum = 0.0;
            self.pending_steps = 0;
            let p = self.point(train_loss, sharpness_due, noise_due);
            observer.on_point(&p);
            if done {
                let summary = self.finish(diverged, &p);
                observer.on_finish(&summary);
                self.summary = Some(summary);
            }
        }
    }

    fn finish(&mut self, diverged: Option<Outcome>, last: &Point) -> Summary {
        let train = self.model.evaluate(
            self.data.x_train.view(),
            &self.data.y_train,
            self.config.model.loss,
            &mut self.eval_ws,
        );
        let final_train_loss = train.mean_loss();
        let outcome = diverged.unwrap_or_else(|| {
            judge_finished(self.initial_train_loss, final_train_loss, last.val_acc, self.data.classes)
        });
        let digest = self.model.params.iter().fold(self.digest, |h, p| fnv(h, u64::from(p.to_bits())));
        Summary {
            outcome,
            steps: self.step,
            examples: self.examples,
            initial_train_loss: self.initial_train_loss,
            final_train_loss,
            final_val_loss: last.val_loss,
            final_val_acc: last.val_acc,
            digest: format!("{digest:016x}"),
        }
    }

    /// Steps until the run ends or `should_yield` (asked after every step) says to hand back control.
    pub fn run_until(&mut self, observer: &mut impl Observer, mut should_yield: impl FnMut() -> bool) {
        while self.step(observer) && !should_yield() {}
    }

    /// Runs to the end.
    pub fn run(&mut self, observer: &mut impl Observer) {
        self.run_until(observer, || false);
    }
}

//! [`RunConfig`]: the one description of a run, shared by the UI, the worker, the CLI and the tests.
//!
//! It travels across the worker boundary as serde data, and reads and writes the flat `key=value`
//! form that both URL query strings and CLI flags use ([`RunConfig::set`], [`RunConfig::to_params`]),
//! so that a link, a command line and a form describe a run with the same words.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::diagnostics::DiagnosticsConfig;
use crate::schedule::{Growth, Schedule};

/// Everything that determines a run. Same config, same numbers, bit for bit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub dataset: DatasetConfig,
    pub model: ModelConfig,
    pub optimizer: OptimizerConfig,
    /// Peak learning rate η (before the schedule scales it).
    pub lr: f64,
    /// Examples per step; values at or above the training-set size mean full batch.
    pub batch_size: usize,
    pub schedule: ScheduleConfig,
    pub epochs: usize,
    pub seed: u32,
    /// Train exactly this many steps instead of `epochs` epochs (0: use epochs).
    #[serde(default)]
    pub steps: usize,
    /// Grow the batch size during the run instead of decaying η (Smith et al. 2017).
    #[serde(default)]
    pub batch_growth: Option<BatchGrowth>,
    /// Validate every this many steps (0: about ten times an epoch, at most ~300 points a run).
    #[serde(default)]
    pub eval_every: usize,
    #[serde(default)]
    pub diagnostics: DiagnosticsConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DatasetConfig {
    /// The UCI 8x8 handwritten digits, reference split (1437 train, 360 validation).
    Digits,
    /// A 2-D toy problem generated from the run's seed.
    Toy {
        kind: ToyKind,
        /// Total points (train + validation).
        n: usize,
        /// Standard deviation of the Gaussian noise added to each point.
        noise: f64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToyKind {
    Moons,
    Circles,
    Spiral,
    Xor,
    Blobs,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Hidden layer widths; empty means a linear model (softmax regression with cross-entropy).
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: LossKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    Relu,
    Tanh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossKind {
    /// Softmax cross-entropy, mean over the batch.
    CrossEntropy,
    /// ½‖ŷ − y‖² on one-hot targets, mean over the batch.
    Mse,
}

/// The optimiser and its hyper-parameters (those of other kinds are kept but unused, so that switching
/// kinds back and forth in the UI loses nothing).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    /// β of momentum and Nesterov; β₁ of Adam and AdamW.
    pub momentum: f64,
    /// β₂ of Adam and AdamW.
    pub beta2: f64,
    /// ε of Adam and AdamW.
    pub eps: f64,
    /// L2 penalty added to the gradient (SGD, momentum, Nesterov, Adam), or decoupled decay (AdamW).
    pub weight_decay: f64,
    /// Rescale the minibatch gradient to at most this norm.
    pub clip_norm: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimizerKind {
    Sgd,
    /// Heavy ball: v ← βv + g, θ ← θ − ηv.
    Momentum,
    /// v ← βv + g, θ ← θ − η(g + βv).
    Nesterov,
    /// Bias-corrected Adam with L2 penalty in the gradient.
    Adam,
    /// Adam with decoupled weight decay: θ ← θ − ηλθ.
    AdamW,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 5] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
        }
    }

    pub fn is_adaptive(self) -> bool {
        matches!(self, OptimizerKind::Adam | OptimizerKind::AdamW)
    }
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self { kind: OptimizerKind::Sgd, momentum: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, clip_norm: None }
    }
}

/// Multiply the batch size by `factor` every `every_epochs` epochs, up to the whole training set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchGrowth {
    pub every_epochs: usize,
    pub factor: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleConfig {
    pub kind: ScheduleKind,
    /// Linear warm-up from η/steps to η over this many epochs, before `kind` takes over.
    pub warmup_epochs: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ScheduleKind {
    Constant,
    /// Multiply η by `gamma` every `every_epochs` epochs.
    Step {
        every_epochs: usize,
        gamma: f64,
    },
    /// Multiply η by `gamma` per epoch, continuously.
    Exponential {
        gamma: f64,
    },
    /// Half a cosine from η down to zero over the run (after warm-up).
    Cosine,
    /// Exponential ramp from η up to `end_lr` over the run: the LR range test.
    Ramp {
        end_lr: f64,
    },
}

/// Why a config or a `key=value` setting was refused. The message is shown to the user as it is.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("unknown setting \"{0}\"")]
    UnknownKey(String),
    #[error("{key} = \"{value}\": {problem}")]
    BadValue { key: String, value: String, problem: String },
}

impl Default for RunConfig {
    /// The reference workload: digits, MLP 64-128-10 (ReLU), cross-entropy, SGD, η = 0.1, B = 32.
    fn default() -> Self {
        Self {
            dataset: DatasetConfig::Digits,
            model: ModelConfig { hidden: vec![128], activation: Activation::Relu, loss: LossKind::CrossEntropy },
            optimizer: OptimizerConfig::default(),
            lr: 0.1,
            batch_size: 32,
            schedule: ScheduleConfig { kind: ScheduleKind::Constant, warmup_epochs: 0.0 },
            epochs: 10,
            seed: 1,
            steps: 0,
            batch_growth: None,
            eval_every: 0,
            diagnostics: DiagnosticsConfig::default(),
        }
    }
}

/// Limits that keep an absurd setting from freezing a tab or exhausting memory.
pub mod limits {
    pub const MAX_EPOCHS: usize = 10_000;
    pub const MAX_WIDTH: usize = 4096;
    pub const MAX_LAYERS: usize = 8;
    pub const MIN_TOY_POINTS: usize = 20;
    pub const MAX_TOY_POINTS: usize = 100_000;
    pub const MAX_NOISE: f64 = 2.0;
    pub const MIN_LR: f64 = 1e-8;
    pub const MAX_LR: f64 = 1e4;
}

/// The keys [`RunConfig::set`] understands, in the order [`RunConfig::to_params`] writes them.
pub const PARAM_KEYS: &[&str] = &[
    "dataset",
    "n",
    "noise",
    "model",
    "hidden",
    "activation",
    "loss",
    "optimizer",
    "momentum",
    "beta2",
    "weight_decay",
    "clip",
    "lr",
    "bs",
    "schedule",
    "step_every",
    "gamma",
    "end_lr",
    "warmup",
    "epochs",
    "seed",
    "bs_growth",
    "steps",
    "eval_every",
    "sharpness_every",
    "noise_scale_every",
];

fn bad(key: &str, value: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError::BadValue { key: key.to_owned(), value: value.to_owned(), problem: problem.into() }
}

fn parse_num<T: std::str::FromStr>(key: &str, value: &str, what: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| bad(key, value, format!("expected {what}")))
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    key: &str,
    value: &str,
    x: T,
    lo: T,
    hi: T,
) -> Result<T, ConfigError> {
    if x >= lo && x <= hi {
        Ok(x)
    } else {
        Err(bad(key, value, format!("must be between {lo} and {hi}")))
    }
}

impl RunConfig {
    /// Applies one `key=value` setting (a URL query pair or a CLI flag). On error nothing changes.
    #[allow(clippy::too_many_lines)] // one arm per key: a table reads best in one place
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        use limits::{MAX_EPOCHS, MAX_LAYERS, MAX_LR, MAX_NOISE, MAX_TOY_POINTS, MAX_WIDTH, MIN_LR, MIN_TOY_POINTS};
        let v = value.trim();
        match key {
            "dataset" => {
                self.dataset = match v {
                    "digits" => DatasetConfig::Digits,
                    other => {
                        let kind = ToyKind::from_name(other)
                            .ok_or_else(|| bad(key, value, "expected digits, moons, circles, spiral, xor or blobs"))?;
                        let (n, noise) = match self.dataset {
                            DatasetConfig::Toy { n, noise, .. } => (n, noise),
                            DatasetConfig::Digits => (kind.default_points(), kind.default_noise()),
                        };
                        DatasetConfig::Toy { kind, n, noise }
                    }
                }
            }
            "n" | "noise" => {
                let DatasetConfig::Toy { n, noise, .. } = &mut self.dataset else {
                    return Err(bad(key, value, "only the toy data sets have a size and a noise level"));
                };
                if key == "n" {
                    let x = parse_num(key, value, "a whole number")?;
                    *n = in_range(key, value, x, MIN_TOY_POINTS, MAX_TOY_POINTS)?;
                } else {
                    let x = parse_num(key, value, "a number")?;
                    *noise = in_range(key, value, x, 0.0, MAX_NOISE)?;
                }
            }
            "model" => match v {
                "linear" => self.model.hidden.clear(),
                "mlp" if self.model.hidden.is_empty() => self.model.hidden = vec![128],
                "mlp" => {}
                _ => return Err(bad(key, value, "expected linear or mlp")),
            },
            "hidden" => {
                let widths = if v.is_empty() || v == "none" {
                    Vec::new()
                } else {
                    v.split(',')
                        .map(|w| {
                            let width =
                                w.trim().parse().map_err(|_| bad(key, value, "expected widths like 128 or 64,32"))?;
                            in_range(key, value, width, 1, MAX_WIDTH)
                        })
                        .collect::<Result<Vec<_>, _>>()?
                };
                if widths.len() > MAX_LAYERS {
                    return Err(bad(key, value, format!("at most {MAX_LAYERS} hidden layers")));
                }
                self.model.hidden = widths;
            }
            "activation" => {
                self.model.activation = match v {
                    "relu" => Activation::Relu,
                    "tanh" => Activation::Tanh,
                    _ => return Err(bad(key, value, "expected relu or tanh")),
                }
            }
            "loss" => {
                self.model.loss = match v {
                    "xent" => LossKind::CrossEntropy,
                    "mse" => LossKind::Mse,
                    _ => return Err(bad(key, value, "expected xent or mse")),
                }
            }
            "optimizer" => {
                self.optimizer.kind = OptimizerKind::ALL
                    .into_iter()
                    .find(|k| k.name() == v)
                    .ok_or_else(|| bad(key, value, "expected sgd, momentum, nesterov, adam or adamw"))?;
            }
            "momentum" => {
                let beta = parse_num(key, value, "a number")?;
                let beta = in_range(key, value, beta, 0.0, 0.999)?;
                let o = &mut self.optimizer;
                o.kind = match o.kind {
                    OptimizerKind::Sgd if beta > 0.0 => OptimizerKind::Momentum,
                    OptimizerKind::Momentum if beta == 0.0 => OptimizerKind::Sgd,
                    kind => kind,
                };
                o.momentum = beta;
            }
            "beta2" => {
                let b = parse_num(key, value, "a number")?;
                self.optimizer.beta2 = in_range(key, value, b, 0.0, 0.999_999)?;
            }
            "weight_decay" => {
                let wd = parse_num(key, value, "a number")?;
                self.optimizer.weight_decay = in_range(key, value, wd, 0.0, 1.0)?;
            }
            "clip" => {
                self.optimizer.clip_norm = if v == "none" {
                    None
                } else {
                    let c = parse_num(key, value, "a gradient norm or 'none'")?;
                    Some(in_range(key, value, c, 1e-6, 1e6)?)
                };
            }
            "lr" => {
                let lr: f64 = parse_num(key, value, "a number such as 0.1 or 3e-3")?;
                self.lr = in_range(key, value, lr, MIN_LR, MAX_LR)?;
            }
            "bs" => {
                self.batch_size = if v == "full" {
                    usize::MAX
                } else {
                    let b = parse_num(key, value, "a whole number or 'full'")?;
                    in_range(key, value, b, 1, usize::MAX)?
                };
            }
            "schedule" => {
                let (every, gamma) = self.step_params();
                self.schedule.kind = match v {
                    "constant" => ScheduleKind::Constant,
                    "step" => ScheduleKind::Step { every_epochs: every, gamma },
                    "exp" => ScheduleKind::Exponential { gamma: self.gamma_or(0.9) },
                    "cosine" => ScheduleKind::Cosine,
                    "ramp" => ScheduleKind::Ramp { end_lr: 10.0 },
                    _ => return Err(bad(key, value, "expected constant, step, exp, cosine or ramp")),
                };
            }
            "step_every" => {
                let k = parse_num(key, value, "a whole number of epochs")?;
                let k = in_range(key, value, k, 1, MAX_EPOCHS)?;
                match &mut self.schedule.kind {
                    ScheduleKind::Step { every_epochs, .. } => *every_epochs = k,
                    _ => return Err(bad(key, value, "only the step schedule has 'step_every'")),
                }
            }
            "gamma" => {
                let g = parse_num(key, value, "a number")?;
                let g = in_range(key, value, g, 1e-6, 1.0)?;
                match &mut self.schedule.kind {
                    ScheduleKind::Step { gamma, .. } | ScheduleKind::Exponential { gamma } => *gamma = g,
                    _ => return Err(bad(key, value, "only the step and exp schedules have 'gamma'")),
                }
            }
            "end_lr" => {
                let lr: f64 = parse_num(key, value, "a learning rate")?;
                let lr = in_range(key, value, lr, limits::MIN_LR, limits::MAX_LR)?;
                match &mut self.schedule.kind {
                    ScheduleKind::Ramp { end_lr } => *end_lr = lr,
                    _ => return Err(bad(key, value, "only the ramp schedule has 'end_lr'")),
                }
            }
            "warmup" => {
                let w = parse_num(key, value, "a number of epochs")?;
                self.schedule.warmup_epochs = in_range(key, value, w, 0.0, MAX_EPOCHS as f64)?;
            }
            "epochs" => {
                let e = parse_num(key, value, "a whole number")?;
                self.epochs = in_range(key, value, e, 1, MAX_EPOCHS)?;
            }
            "seed" => self.seed = parse_num(key, value, "a whole number from 0 to 4294967295")?,
            "bs_growth" => {
                self.batch_growth = if v == "none" {
                    None
                } else {
                    let problem = "expected EPOCHSxFACTOR, e.g. 10x3 (×3 every 10 epochs), or none";
                    let (every, factor) = v.split_once('x').ok_or_else(|| bad(key, value, problem))?;
                    let every: usize = every.trim().parse().map_err(|_| bad(key, value, problem))?;
                    let factor: usize = factor.trim().parse().map_err(|_| bad(key, value, problem))?;
                    Some(BatchGrowth {
                        every_epochs: in_range(key, value, every, 1, limits::MAX_EPOCHS)?,
                        factor: in_range(key, value, factor, 1, 1000)?,
                    })
                };
            }
            "steps" => {
                let n = parse_num(key, value, "a whole number of steps (0: use epochs)")?;
                self.steps = in_range(key, value, n, 0, 100_000_000)?;
            }
            "eval_every" | "sharpness_every" | "noise_scale_every" => {
                let k = parse_num(key, value, "a whole number of steps (0: never/auto)")?;
                let k = in_range(key, value, k, 0, 1_000_000)?;
                match key {
                    "eval_every" => self.eval_every = k,
                    "sharpness_every" => self.diagnostics.sharpness_every = k,
                    _ => self.diagnostics.noise_scale_every = k,
                }
            }
            _ => return Err(ConfigError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }

    /// Applies settings in order: order matters (`schedule=step` before `gamma=0.5`), so callers pass
    /// them in [`PARAM_KEYS`] order. Returns the refused ones; the accepted ones are kept.
    pub fn set_all<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<ConfigError> {
        let mut pairs: Vec<_> = pairs.into_iter().collect();
        pairs.sort_by_key(|(k, _)| PARAM_KEYS.iter().position(|p| p == k).unwrap_or(usize::MAX));
        pairs.into_iter().filter_map(|(k, v)| self.set(k, v).err()).collect()
    }

    /// The settings that differ from [`RunConfig::default`], as `key=value` pairs that
    /// [`RunConfig::set_all`] reads back into an equal config.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self.dataset {
            DatasetConfig::Digits => {}
            DatasetConfig::Toy { kind, n, noise } => {
                out.push(("dataset", kind.name().to_owned()));
                out.push(("n", n.to_string()));
                out.push(("noise", noise.to_string()));
            }
        }
        let d = Self::default();
        if self.model.hidden != d.model.hidden {
            let h: Vec<String> = self.model.hidden.iter().map(ToString::to_string).collect();
            out.push(("hidden", if h.is_empty() { "none".to_owned() } else { h.join(",") }));
        }
        if self.model.activation == Activation::Tanh {
            out.push(("activation", "tanh".to_owned()));
        }
        if self.model.loss == LossKind::Mse {
            out.push(("loss", "mse".to_owned()));
        }
        let (o, d) = (self.optimizer, OptimizerConfig::default());
        if o.kind != OptimizerKind::Sgd {
            out.push(("optimizer", o.kind.name().to_owned()));
            out.push(("momentum", o.momentum.to_string()));
        }
        if o.kind.is_adaptive() && o.beta2 != d.beta2 {
            out.push(("beta2", o.beta2.to_string()));
        }
        if o.weight_decay > 0.0 {
            out.push(("weight_decay", o.weight_decay.to_string()));
        }
        if let Some(c) = o.clip_norm {
            out.push(("clip", c.to_string()));
        }
        out.push(("lr", self.lr.to_string()));
        out.push(("bs", if self.batch_size == usize::MAX { "full".to_owned() } else { self.batch_size.to_string() }));
        match self.schedule.kind {
            ScheduleKind::Constant => {}
            ScheduleKind::Step { every_epochs, gamma } => {
                out.push(("schedule", "step".to_owned()));
                out.push(("step_every", every_epochs.to_string()));
                out.push(("gamma", gamma.to_string()));
            }
            ScheduleKind::Exponential { gamma } => {
                out.push(("schedule", "exp".to_owned()));
                out.push(("gamma", gamma.to_string()));
            }
            ScheduleKind::Cosine => out.push(("schedule", "cosine".to_owned())),
            ScheduleKind::Ramp { end_lr } => {
                out.push(("schedule", "ramp".to_owned()));
                out.push(("end_lr", end_lr.to_string()));
            }
        }
        if self.schedule.warmup_epochs > 0.0 {
            out.push(("warmup", self.schedule.warmup_epochs.to_string()));
        }
        out.push(("epochs", self.epochs.to_string()));
        out.push(("seed", self.seed.to_string()));
        if let Some(g) = self.batch_growth {
            out.push(("bs_growth", format!("{}x{}", g.every_epochs, g.factor)));
        }
        for (key, k) in [
            ("steps", self.steps),
            ("eval_every", self.eval_every),
            ("sharpness_every", self.diagnostics.sharpness_every),
            ("noise_scale_every", self.diagnostics.noise_scale_every),
        ] {
            if k > 0 {
                out.push((key, k.to_string()));
            }
        }
        out
    }

    /// Checks the whole config (a deserialised one may not have gone through [`RunConfig::set`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (k, v) in self.to_params() {
            self.clone().set(k, &v)?;
        }
        if self.batch_size == 0 {
            return Err(bad("bs", "0", "must be at least 1"));
        }
        Ok(())
    }

    /// Training examples the data set will have, without generating it.
    pub fn train_len(&self) -> usize {
        match self.dataset {
            DatasetConfig::Digits => crate::data::DIGITS_TRAIN_ROWS,
            DatasetConfig::Toy { n, .. } => crate::data::toy_train_len(n),
        }
    }

    /// The learning-rate schedule of this run, known before any data is loaded (the UI draws it).
    pub fn schedule(&self) -> Schedule {
        let n = self.train_len();
        let steps_per_epoch = n.div_ceil(self.batch_size.clamp(1, n));
        let total_steps = if self.steps > 0 {
            self.steps
        } else {
            (0..self.epochs).map(|e| n.div_ceil(self.batch_size_at_epoch(e))).sum()
        };
        let growth = self.batch_growth.map(|g| Growth {
            every_epochs: g.every_epochs,
            factor: g.factor,
            base_batch_size: self.batch_size.clamp(1, n),
            train_len: n,
        });
        Schedule { config: self.schedule, base_lr: self.lr, steps_per_epoch, total_steps, growth }
    }

    /// The batch size of epoch `epoch` (0-based): the config's, grown by `batch_growth`, at most
    /// the training-set size.
    pub fn batch_size_at_epoch(&self, epoch: usize) -> usize {
        let n = self.train_len();
        let mut b = self.batch_size.clamp(1, n);
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

    fn gamma_or(&self, default: f64) -> f64 {
        match self.schedule.kind {
            ScheduleKind::Step { gamma, .. } | ScheduleKind::Exponential { gamma } => gamma,
            _ => default,
        }
    }

    fn step_params(&self) -> (usize, f64) {
        match self.schedule.kind {
            ScheduleKind::Step { every_epochs, gamma } => (every_epochs, gamma),
            _ => ((self.epochs / 3).max(1), self.gamma_or(0.1)),
        }
    }
}

impl ToyKind {
    pub const ALL: [ToyKind; 5] = [ToyKind::Moons, ToyKind::Circles, ToyKind::Spiral, ToyKind::Xor, ToyKind::Blobs];

    pub fn name(self) -> &'static str {
        match self {
            ToyKind::Moons => "moons",
            ToyKind::Circles => "circles",
            ToyKind::Spiral => "spiral",
            ToyKind::Xor => "xor",
            ToyKind::Blobs => "blobs",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn default_points(self) -> usize {
        match self {
            ToyKind::Spiral => 600,
            _ => 400,
        }
    }

    pub fn default_noise(self) -> f64 {
        match self {
            ToyKind::Moons | ToyKind::Blobs | ToyKind::Xor => 0.2,
            ToyKind::Circles => 0.1,
            ToyKind::Spiral => 0.05,
        }
    }
}

impl DatasetConfig {
    /// Number of classes, known without generating the data.
    pub fn classes(&self) -> usize {
        match self {
            DatasetConfig::Digits => 10,
            DatasetConfig::Toy { kind: ToyKind::Spiral | ToyKind::Blobs, .. } => 3,
            DatasetConfig::Toy { .. } => 2,
        }
    }

    /// The name used in URLs and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            DatasetConfig::Digits => "digits",
            DatasetConfig::Toy { kind, .. } => kind.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip() {
        let mut c = RunConfig::default();
        for (k, v) in [
            ("dataset", "spiral"),
            ("noise", "0.3"),
            ("hidden", "64,32"),
            ("activation", "tanh"),
            ("loss", "mse"),
            ("momentum", "0.8"),
            ("lr", "0.03"),
            ("bs", "full"),
            ("schedule", "step"),
            ("step_every", "4"),
            ("gamma", "0.5"),
            ("warmup", "2"),
            ("epochs", "12"),
            ("seed", "7"),
        ] {
            c.set(k, v).unwrap();
        }
        let params = c.to_params();
        let mut back = RunConfig::default();
        let errors = back.set_all(params.iter().map(|(k, v)| (*k, v.as_str())));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, c);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn bad_values_change_nothing_and_say_why() {
        let mut c = RunConfig::default();
        let before = c.clone();
        for (k, v) in [
            ("lr", "banana"),
            ("lr", "-1"),
            ("lr", "NaN"),
            ("lr", "inf"),
            ("bs", "0"),
            ("bs", "-3"),
            ("epochs", "1e9"),
            ("hidden", "64,,2"),
            ("hidden", "999999"),
            ("dataset", "mnist"),
            ("seed", "-1"),
            ("gamma", "0.5"),
            ("noise", "0.1"),
            ("colour", "red"),
        ] {
            let err = c.set(k, v).unwrap_err();
            assert!(!err.to_string().is_empty());
            assert_eq!(c, before, "{k}={v} changed the config");
        }
    }

    #[test]
    fn every_key_is_known_and_every_written_key_is_listed() {
        let mut c = RunConfig::default();
        for k in PARAM_KEYS {
            assert!(!matches!(c.set(k, "?"), Err(ConfigError::UnknownKey(_))), "{k} is listed but not understood");
        }
        c.set("schedule", "ramp").unwrap();
        c.set("optimizer", "adam").unwrap();
        c.set("clip", "1").unwrap();
        c.set("steps", "5").unwrap();
        for (k, _) in c.to_params() {
            assert!(PARAM_KEYS.contains(&k), "{k} is written but not listed");
        }
    }

    #[test]
    fn set_all_orders_dependent_keys() {
        let mut c = RunConfig::default();
        let errors = c.set_all([("gamma", "0.5"), ("schedule", "exp")]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.schedule.kind, ScheduleKind::Exponential { gamma: 0.5 });
    }
}

//! The settings table: every `key=value` a link, a command line or the form can set, one entry each —
//! its word, label, unit, values and limits, default, one line of help, and how it reads and writes a
//! [`RunConfig`]. The URL parser, the CLI's flags, the form's fields and hints and the README's key
//! list all come from [`SETTINGS`], so a change to a setting is one entry.
//!
//! A CLI flag is the key with `_` written as `-` (`bs_growth` ↔ `--bs-growth`). Limits are whole
//! numbers that fit in 32 bits, so a value means the same on every target.

use std::fmt::{self, Write as _};

use thiserror::Error;

use crate::config::{BatchSize, RunConfig, MAX_MEMORY_BYTES};
use crate::data::{DataSource, DatasetKind, TableShape};
use crate::diagnostics::Cadence;
use crate::loss::LossKind;
use crate::model::Activation;
use crate::optim::OptimizerKind;
use crate::schedule::{BatchGrowth, ScheduleKind};

/// Widest hidden layer.
pub const MAX_WIDTH: usize = 4096;
/// Most hidden layers.
pub const MAX_LAYERS: usize = 8;
/// Longest run, in epochs.
pub const MAX_EPOCHS: u64 = 10_000;

/// One setting.
pub struct Setting {
    /// The word in links (`?key=value`); the CLI flag is [`Setting::flag`].
    pub key: &'static str,
    /// What the form calls it.
    pub label: &'static str,
    /// The unit of its number, if it has one ("epochs", "steps", …).
    pub unit: &'static str,
    pub domain: Domain,
    pub default: &'static str,
    /// One line for people: the form's hint, the CLI's help, the README's description.
    pub help: &'static str,
    /// Whether a fork (a run continued from another's step) may change it; the rest it keeps.
    pub forkable: bool,
    /// Writes a value of `domain` into the config; refuses a value of another kind (see [`WrongKind`]).
    apply: fn(&mut RunConfig, &Value) -> Result<(), WrongKind>,
    /// The setting's value in a config, or why it has no effect there.
    read: fn(&RunConfig) -> Result<Value, String>,
}

/// The values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// One of these words (`names`), shown to people as `labels`.
    Choice { names: &'static [&'static str], labels: &'static [&'static str] },
    /// A named data set (one of [`DatasetKind`]'s words), or a CSV file's table by its
    /// shape and digest: `csv:150x4x3:9d1c…`.
    Data,
    /// A whole number in `min..=max`, or one of `words`.
    Whole { min: u64, max: u64, words: &'static [&'static str] },
    /// A finite number in `min..=max`, or one of `words`.
    Real { min: f64, max: f64, words: &'static [&'static str] },
    /// Hidden-layer widths: `128`, `64,32`, or `none`.
    Widths,
    /// Batch growth: `EPOCHSxFACTOR` such as `10x3`, or `off`.
    Growth,
}

/// A parsed setting value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A choice, or a domain's word (`full`, `off`, `auto`, `none`).
    Word(&'static str),
    Whole(u64),
    Real(f64),
    Widths(Vec<usize>),
    Growth(BatchGrowth),
    Table(TableShape),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Word(w) => f.write_str(w),
            Value::Whole(n) => write!(f, "{n}"),
            Value::Real(x) => write!(f, "{x}"),
            Value::Widths(w) if w.is_empty() => f.write_str("none"),
            Value::Widths(w) => f.write_str(&w.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")),
            Value::Growth(g) => write!(f, "{}x{}", g.every_epochs, g.factor),
            Value::Table(t) => write!(f, "csv:{t}"),
        }
    }
}

/// Why a setting was refused. The message is shown to people as it is; quoted values are shortened.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("unknown setting \"{}\"", short(.0))]
    UnknownKey(String),
    #[error("{key} = \"{}\": {problem}", short(.value))]
    BadValue { key: String, value: String, problem: String },
    #[error("{key} = \"{}\" has no effect here: {reason}", short(.value))]
    NoEffect { key: String, value: String, reason: String },
    #[error("{key} = \"{}\" contradicts {other_key} = \"{}\"", short(.value), short(.other_value))]
    Conflict { key: String, value: String, other_key: String, other_value: String },
    #[error("{key} is given twice")]
    Repeated { key: String },
    #[error("a fork keeps the run's {key} (\"{}\"); only η, B, the schedule and the run's length may change", short(.value))]
    NotForkable { key: String, value: String },
    #[error(
        "the run would need about {needed_mb} MB of memory, more than the {limit_mb} MB one run may use: use \
         fewer or narrower hidden layers, a smaller batch or fewer points"
    )]
    TooLarge { needed_mb: u64, limit_mb: u64 },
}

impl ConfigError {
    /// The setting the error is about (the first, for a conflict).
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey(_) | ConfigError::TooLarge { .. } => None,
            ConfigError::BadValue { key, .. }
            | ConfigError::NoEffect { key, .. }
            | ConfigError::Conflict { key, .. }
            | ConfigError::Repeated { key }
            | ConfigError::NotForkable { key, .. } => Some(key),
        }
    }
}

/// A limit as people read it: 0.001, 10000, 1e-8.
fn fmt_limit(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A value as quoted in a message: at most 40 characters.
fn short(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}

impl Domain {
    /// Reads a value; the error says what was expected.
    pub fn parse(&self, raw: &str) -> Result<Value, String> {
        let v = raw.trim();
        let value = match *self {
            Domain::Choice { names, .. } => {
                names.iter().find(|w| **w == v).map(|w| Value::Word(w)).ok_or_else(|| self.expected())?
            }
            Domain::Whole { words, .. } | Domain::Real { words, .. } if words.contains(&v) => {
                Value::Word(words.iter().find(|w| **w == v).copied().unwrap_or_default())
            }
            Domain::Whole { .. } => Value::Whole(v.parse().map_err(|_| self.expected())?),
            Domain::Real { .. } => Value::Real(v.parse().map_err(|_| self.expected())?),
            Domain::Widths if v == "none" => Value::Widths(Vec::new()),
            Domain::Widths => Value::Widths(
                v.split(',').map(|w| w.trim().parse()).collect::<Result<_, _>>().map_err(|_| self.expected())?,
            ),
            Domain::Data => match v.strip_prefix("csv:") {
                Some(shape) => Value::Table(shape.parse().map_err(|e| format!("{e}; {}", self.expected()))?),
                None => DatasetKind::from_name(v).map(|k| Value::Word(k.name())).ok_or_else(|| self.expected())?,
            },
            Domain::Growth if v == "off" => Value::Word("off"),
            Domain::Growth => {
                let (every, factor) = v.split_once('x').ok_or_else(|| self.expected())?;
                let whole = |s: &str| s.trim().parse::<usize>().map_err(|_| self.expected());
                Value::Growth(BatchGrowth { every_epochs: whole(every)?, factor: whole(factor)? })
            }
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Checks a value's limits (a config that did not come through [`Domain::parse`] is checked too).
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let ok = match (*self, value) {
            (Domain::Choice { names, .. }, Value::Word(w)) => names.contains(w),
            (Domain::Whole { words, .. } | Domain::Real { words, .. }, Value::Word(w)) => words.contains(w),
            (Domain::Whole { min, max, .. }, Value::Whole(n)) => (min..=max).contains(n),
            (Domain::Real { min, max, .. }, Value::Real(x)) => x.is_finite() && (min..=max).contains(x),
            (Domain::Widths, Value::Widths(w)) => {
                w.len() <= MAX_LAYERS && w.iter().all(|w| (1..=MAX_WIDTH).contains(w))
            }
            (Domain::Data, Value::Word(w)) => DatasetKind::NAMES.contains(w),
            (Domain::Data, Value::Table(t)) => t.check().is_ok(),
            (Domain::Growth, Value::Word("off")) => true,
            (Domain::Growth, Value::Growth(g)) => {
                (1..=MAX_EPOCHS as usize).contains(&g.every_epochs) && (2..=1000).contains(&g.factor)
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.expected())
        }
    }

    /// What the domain accepts, as a phrase ("a whole number from 1 to 10000, or full").
    pub fn describe(&self) -> String {
        let or_word =
            |words: &[&str]| if words.is_empty() { String::new() } else { format!(", or {}", words.join(" or ")) };
        match *self {
            Domain::Choice { names, .. } => match names {
                [one] => (*one).to_owned(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
                [] => String::new(),
            },
            Domain::Whole { min, max, words } => format!("a whole number from {min} to {max}{}", or_word(words)),
            Domain::Real { min, max, words } => {
                format!("a number from {} to {}{}", fmt_limit(min), fmt_limit(max), or_word(words))
            }
            Domain::Data => {
                format!(
                    "{}, or csv:ROWSxFEATURESxCLASSES:DIGEST (your CSV file, as Load CSV or --dataset FILE.csv names it)",
                    DatasetKind::NAMES.join(", ")
                )
            }
            Domain::Widths => {
                format!("up to {MAX_LAYERS} widths from 1 to {MAX_WIDTH}, comma-separated (e.g. 128 or 64,32), or none")
            }
            Domain::Growth => {
                "EPOCHSxFACTOR (×FACTOR every EPOCHS epochs, FACTOR from 2 to 1000, e.g. 10x3), or off".to_owned()
            }
        }
    }

    fn expected(&self) -> String {
        format!("expected {}", self.describe())
    }
}

impl Setting {
    /// The CLI flag: the key with `_` written as `-`.
    pub fn flag(&self) -> String {
        self.key.replace('_', "-")
    }

    /// The setting's value in `config`, or why it has no effect there.
    pub fn read(&self, config: &RunConfig) -> Result<Value, String> {
        (self.read)(config)
    }

    /// The default, parsed.
    ///
    /// # Panics
    /// On a default outside its own domain: a bug of the table, which
    /// `every_default_parses_applies_and_reads_back` rules out for every entry.
    pub fn default_value(&self) -> Value {
        match self.domain.parse(self.default) {
            Ok(v) => v,
            Err(problem) => panic!("setting {}: the default {:?} is refused: {problem}", self.key, self.default),
        }
    }

    /// Writes `value` into `config`; a value of the wrong kind for the domain is refused, and
    /// changes nothing.
    fn apply(&self, config: &mut RunConfig, value: &Value) -> Result<(), ConfigError> {
        let mut next = config.clone();
        (self.apply)(&mut next, value).map_err(|WrongKind| ConfigError::BadValue {
            key: self.key.to_owned(),
            value: value.to_string(),
            problem: self.domain.expected(),
        })?;
        *config = next;
        Ok(())
    }
}

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// A value of another kind than the one its setting's domain parses to (a word for a number, say):
/// a bug of the table, as every value comes through [`Domain::parse`] first, but refused like a bad
/// value rather than written as a stand-in.
#[derive(Clone, Copy, Debug)]
struct WrongKind;

fn word(v: &Value) -> Result<&'static str, WrongKind> {
    match v {
        Value::Word(w) => Ok(w),
        _ => Err(WrongKind),
    }
}

/// Writes a value of the right kind into `slot`.
fn set<T>(slot: &mut T, value: Result<T, WrongKind>) -> Result<(), WrongKind> {
    *slot = value?;
    Ok(())
}

/// One of a named enum's variants, by its word.
fn named<T>(v: &Value, from_name: fn(&str) -> Option<T>) -> Result<T, WrongKind> {
    from_name(word(v)?).ok_or(WrongKind)
}

fn whole(v: &Value) -> Result<usize, WrongKind> {
    match v {
        Value::Whole(n) => usize::try_from(*n).map_err(|_| WrongKind),
        _ => Err(WrongKind),
    }
}

fn whole_u32(v: &Value) -> Result<u32, WrongKind> {
    u32::try_from(whole(v)?).map_err(|_| WrongKind)
}

fn real(v: &Value) -> Result<f64, WrongKind> {
    match v {
        Value::Real(x) => Ok(*x),
        _ => Err(WrongKind),
    }
}

/// `Some(n)` for a number, `None` for the domain's one word (`off`, `auto`, `full`).
fn whole_or(v: &Value, none: &str) -> Result<Option<usize>, WrongKind> {
    match v {
        Value::Word(w) if *w == none => Ok(None),
        _ => whole(v).map(Some),
    }
}

/// `Some(x)` for a number, `None` for the domain's one word (`off`).
fn real_or(v: &Value, none: &str) -> Result<Option<f64>, WrongKind> {
    match v {
        Value::Word(w) if *w == none => Ok(None),
        _ => real(v).map(Some),
    }
}

fn count_or(word: &'static str, n: Option<usize>) -> Value {
    n.map_or(Value::Word(word), |n| Value::Whole(n as u64))
}

fn cadence(v: &Value) -> Result<Cadence, WrongKind> {
    match v {
        Value::Word("auto") => Ok(Cadence::Auto),
        Value::Word("off") => Ok(Cadence::Off),
        _ => whole(v).map(Cadence::Every),
    }
}

fn cadence_value(c: Cadence) -> Value {
    match c {
        Cadence::Off => Value::Word("off"),
        Cadence::Auto => Value::Word("auto"),
        Cadence::Every(k) => Value::Whole(k as u64),
    }
}

fn toy_only(c: &RunConfig) -> Result<(), String> {
    if matches!(c.dataset.source, DataSource::Named(DatasetKind::Digits) | DataSource::Csv(_)) {
        Err(format!(
            "only the toy data sets (moons, circles, spiral, xor, blobs) have it; dataset is {}",
            c.dataset.source.name()
        ))
    } else {
        Ok(())
    }
}

fn schedule_is(c: &RunConfig, kinds: &[ScheduleKind], what: &str) -> Result<(), String> {
    if kinds.contains(&c.schedule.kind) {
        Ok(())
    } else {
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        Err(format!("only schedule = {} {what}; schedule is {}", names.join(" or "), c.schedule.kind))
    }
}

/// Every setting, in the order they are applied (a key that another depends on comes first).
pub static SETTINGS: &[Setting] = &[
    Setting {
        key: "dataset",
        label: "Data set",
        unit: "",
        domain: Domain::Data,
        default: "digits",
        help: "The data: the UCI handwritten digits, a 2-D toy set generated from the seed, or your CSV file.",
        forkable: false,
        apply: |c, v| {
            c.dataset.source = match v {
                Value::Table(t) => DataSource::Csv(*t),
                // A CSV data set is only ever its table (`Value::Table`), never the bare word.
                _ => DataSource::Named(named(v, DatasetKind::from_name)?),
            };
            Ok(())
        },
        read: |c| {
            Ok(match c.dataset.source {
                DataSource::Named(kind) => Value::Word(kind.name()),
                DataSource::Csv(table) => Value::Table(table),
            })
        },
    },
    Setting {
        key: "n",
        label: "Points",
        unit: "points",
        domain: Domain::Whole { min: 20, max: 100_000, words: &[] },
        default: "500",
        help: "Points in a toy set, training and validation together (split 80/20).",
        forkable: false,
        apply: |c, v| set(&mut c.dataset.points, whole(v)),
        read: |c| toy_only(c).map(|()| Value::Whole(c.dataset.points as u64)),
    },
    Setting {
        key: "noise",
        label: "Noise",
        unit: "",
        domain: Domain::Real { min: 0.0, max: 2.0, words: &[] },
        default: "0.1",
        help: "Standard deviation of the Gaussian noise added to each toy point.",
        forkable: false,
        apply: |c, v| set(&mut c.dataset.noise, real(v)),
        read: |c| toy_only(c).map(|()| Value::Real(c.dataset.noise)),
    },
    Setting {
        key: "model",
        label: "Model",
        unit: "",
        domain: Domain::Choice { names: &["linear", "mlp"], labels: &["linear (softmax regression)", "MLP"] },
        default: "mlp",
        help: "linear (softmax regression) or mlp (hidden layers as set by hidden).",
        forkable: false,
        apply: |c, v| {
            match word(v)? {
                "linear" => c.model.hidden.clear(),
                "mlp" if c.model.hidden.is_empty() => c.model.hidden = vec![128],
                "mlp" => {}
                _ => return Err(WrongKind),
            }
            Ok(())
        },
        read: |c| Ok(Value::Word(if c.model.hidden.is_empty() { "linear" } else { "mlp" })),
    },
    Setting {
        key: "hidden",
        label: "Hidden layers",
        unit: "units",
        domain: Domain::Widths,
        default: "128",
        help: "Widths of the hidden layers, e.g. 128 or 64,32; none for a linear model.",
        forkable: false,
        apply: |c, v| match v {
            Value::Widths(w) => {
                c.model.hidden.clone_from(w);
                Ok(())
            }
            _ => Err(WrongKind),
        },
        read: |c| Ok(Value::Widths(c.model.hidden.clone())),
    },
    Setting {
        key: "activation",
        label: "Activation",
        unit: "",
        domain: Domain::Choice { names: Activation::NAMES, labels: Activation::LABELS },
        default: "relu",
        help: "The hidden layers' non-linearity.",
        forkable: false,
        apply: |c, v| set(&mut c.model.activation, named(v, Activation::from_name)),
        read: |c| {
            if c.model.hidden.is_empty() {
                Err("a linear model has no hidden layers to activate".to_owned())
            } else {
                Ok(Value::Word(c.model.activation.name()))
            }
        },
    },
    Setting {
        key: "loss",
        label: "Loss",
        unit: "",
        domain: Domain::Choice { names: LossKind::NAMES, labels: LossKind::LABELS },
        default: "xent",
        help: "Softmax cross-entropy, or mean squared error on one-hot targets.",
        forkable: false,
        apply: |c, v| set(&mut c.model.loss, named(v, LossKind::from_name)),
        read: |c| Ok(Value::Word(c.model.loss.name())),
    },
    Setting {
        key: "optimizer",
        label: "Optimiser",
        unit: "",
        domain: Domain::Choice { names: OptimizerKind::NAMES, labels: OptimizerKind::LABELS },
        default: "sgd",
        help: "Plain SGD, SGD with heavy-ball or Nesterov momentum, Adam, or AdamW.",
        forkable: false,
        apply: |c, v| set(&mut c.optimizer.kind, named(v, OptimizerKind::from_name)),
        read: |c| Ok(Value::Word(c.optimizer.kind.name())),
    },
    Setting {
        key: "momentum",
        label: "Momentum β",
        unit: "",
        domain: Domain::Real { min: 0.0, max: 0.999, words: &[] },
        default: "0.9",
        help: "β of momentum and Nesterov; β₁ of Adam and AdamW.",
        forkable: false,
        apply: |c, v| set(&mut c.optimizer.momentum, real(v)),
        read: |c| {
            if c.optimizer.kind.uses_momentum() {
                Ok(Value::Real(c.optimizer.momentum))
            } else {
                Err(format!(
                    "optimizer is {}, which has no momentum ({} do)",
                    c.optimizer.kind,
                    OptimizerKind::those_with(|f| f.momentum)
                ))
            }
        },
    },
    Setting {
        key: "beta2",
        label: "β₂",
        unit: "",
        domain: Domain::Real { min: 0.0, max: 0.999_999, words: &[] },
        default: "0.999",
        help: "Adam's and AdamW's average of squared gradients.",
        forkable: false,
        apply: |c, v| set(&mut c.optimizer.beta2, real(v)),
        read: |c| {
            if c.optimizer.kind.is_adaptive() {
                Ok(Value::Real(c.optimizer.beta2))
            } else {
                Err(format!(
                    "optimizer is {}; only {} have β₂",
                    c.optimizer.kind,
                    OptimizerKind::those_with(|f| f.adaptive)
                ))
            }
        },
    },
    Setting {
        key: "weight_decay",
        label: "Weight decay",
        unit: "",
        domain: Domain::Real { min: 0.0, max: 1.0, words: &[] },
        default: "0",
        help: "L2 penalty in the gradient (decoupled from it for adamw).",
        forkable: false,
        apply: |c, v| set(&mut c.optimizer.weight_decay, real(v)),
        read: |c| Ok(Value::Real(c.optimizer.weight_decay)),
    },
    Setting {
        key: "clip",
        label: "Gradient clipping",
        unit: "",
        domain: Domain::Real { min: 1e-6, max: 1e6, words: &["off"] },
        default: "off",
        help: "Rescale each minibatch gradient to at most this norm; off to never clip.",
        forkable: false,
        apply: |c, v| set(&mut c.optimizer.clip_norm, real_or(v, "off")),
        read: |c| Ok(c.optimizer.clip_norm.map_or(Value::Word("off"), Value::Real)),
    },
    Setting {
        key: "lr",
        label: "Learning rate η",
        unit: "",
        domain: Domain::Real { min: 1e-8, max: 1e4, words: &[] },
        default: "0.1",
        help: "The peak learning rate, before the schedule scales it.",
        forkable: true,
        apply: |c, v| set(&mut c.lr, real(v)),
        read: |c| Ok(Value::Real(c.lr)),
    },
    Setting {
        key: "bs",
        label: "Batch size B",
        unit: "examples",
        domain: Domain::Whole { min: 1, max: 100_000, words: &["full"] },
        default: "32",
        help: "Examples per step; full (or more than the training set has) for full-batch gradient descent.",
        forkable: true,
        apply: |c, v| {
            set(&mut c.batch_size, whole_or(v, "full").map(|n| n.map_or(BatchSize::Full, BatchSize::Examples)))
        },
        read: |c| {
            Ok(match c.batch_size {
                BatchSize::Full => Value::Word("full"),
                BatchSize::Examples(b) => Value::Whole(b as u64),
            })
        },
    },
    Setting {
        key: "schedule",
        label: "Schedule",
        unit: "",
        domain: Domain::Choice { names: ScheduleKind::NAMES, labels: ScheduleKind::LABELS },
        default: "constant",
        help: "How η changes during the run; ramp is the LR range test.",
        forkable: true,
        apply: |c, v| set(&mut c.schedule.kind, named(v, ScheduleKind::from_name)),
        read: |c| Ok(Value::Word(c.schedule.kind.name())),
    },
    Setting {
        key: "step_every",
        label: "Decay every",
        unit: "epochs",
        domain: Domain::Whole { min: 1, max: MAX_EPOCHS, words: &[] },
        default: "3",
        help: "Step decay: multiply η by gamma every this many epochs.",
        forkable: true,
        apply: |c, v| set(&mut c.schedule.step_every, whole(v)),
        read: |c| schedule_is(c, &[ScheduleKind::Step], "has it").map(|()| Value::Whole(c.schedule.step_every as u64)),
    },
    Setting {
        key: "gamma",
        label: "Decay factor γ",
        unit: "",
        domain: Domain::Real { min: 1e-6, max: 1.0, words: &[] },
        default: "0.7",
        help: "Step decay: η's factor at each decay; exponential decay: η's factor per epoch.",
        forkable: true,
        apply: |c, v| set(&mut c.schedule.gamma, real(v)),
        read: |c| {
            schedule_is(c, &[ScheduleKind::Step, ScheduleKind::Exponential], "have it")
                .map(|()| Value::Real(c.schedule.gamma))
        },
    },
    Setting {
        key: "end_lr",
        label: "Ramp to η",
        unit: "",
        domain: Domain::Real { min: 1e-8, max: 1e4, words: &[] },
        default: "10",
        help: "LR range test: η rises exponentially from lr to this over the run.",
        forkable: true,
        apply: |c, v| set(&mut c.schedule.end_lr, real(v)),
        read: |c| schedule_is(c, &[ScheduleKind::Ramp], "has it").map(|()| Value::Real(c.schedule.end_lr)),
    },
    Setting {
        key: "warmup",
        label: "Warm-up",
        unit: "epochs",
        domain: Domain::Real { min: 0.0, max: MAX_EPOCHS as f64, words: &[] },
        default: "0",
        help: "Raise η linearly from η/steps to η over this many epochs first.",
        forkable: true,
        apply: |c, v| set(&mut c.schedule.warmup_epochs, real(v)),
        read: |c| Ok(Value::Real(c.schedule.warmup_epochs)),
    },
    Setting {
        key: "bs_growth",
        label: "Batch growth",
        unit: "",
        domain: Domain::Growth,
        default: "off",
        help: "Grow the batch instead of decaying η: 10x3 multiplies B by 3 every 10 epochs.",
        forkable: true,
        apply: |c, v| {
            c.batch_growth = match v {
                Value::Growth(g) => Some(*g),
                Value::Word("off") => None,
                _ => return Err(WrongKind),
            };
            Ok(())
        },
        read: |c| Ok(c.batch_growth.map_or(Value::Word("off"), Value::Growth)),
    },
    Setting {
        key: "epochs",
        label: "Epochs",
        unit: "epochs",
        domain: Domain::Whole { min: 1, max: MAX_EPOCHS, words: &[] },
        default: "10",
        help: "Passes over the training set.",
        forkable: true,
        apply: |c, v| set(&mut c.epochs, whole(v)),
        read: |c| Ok(Value::Whole(c.epochs as u64)),
    },
    Setting {
        key: "steps",
        label: "Steps",
        unit: "steps",
        domain: Domain::Whole { min: 1, max: 100_000_000, words: &["off"] },
        default: "off",
        help: "Train exactly this many steps instead of whole epochs; off to train epochs.",
        forkable: true,
        apply: |c, v| set(&mut c.steps, whole_or(v, "off")),
        read: |c| Ok(count_or("off", c.steps)),
    },
    Setting {
        key: "seed",
        label: "Seed",
        unit: "",
        domain: Domain::Whole { min: 0, max: u32::MAX as u64, words: &[] },
        default: "1",
        help: "Seeds the initial weights, the data order and the toy data.",
        forkable: false,
        apply: |c, v| set(&mut c.seed, whole_u32(v)),
        read: |c| Ok(Value::Whole(u64::from(c.seed))),
    },
    Setting {
        key: "order",
        label: "Data order",
        unit: "",
        domain: Domain::Whole { min: 0, max: u32::MAX as u64, words: &[] },
        default: "0",
        help: "Another number draws another data order from the same seed, keeping the initial weights.",
        forkable: false,
        apply: |c, v| set(&mut c.order, whole_u32(v)),
        read: |c| Ok(Value::Whole(u64::from(c.order))),
    },
    Setting {
        key: "eval_every",
        label: "Validate every",
        unit: "steps",
        domain: Domain::Whole { min: 1, max: 1_000_000, words: &["auto"] },
        default: "auto",
        help: "Validate every this many steps; auto is about ten times an epoch and 300 times a run.",
        forkable: true,
        apply: |c, v| set(&mut c.eval_every, whole_or(v, "auto")),
        read: |c| Ok(count_or("auto", c.eval_every)),
    },
    Setting {
        key: "sharpness_every",
        label: "Sharpness every",
        unit: "steps",
        domain: Domain::Whole { min: 1, max: 1_000_000, words: &["auto", "off"] },
        default: "auto",
        help: "Measure the sharpness λ_max (exact Hessian-vector products, converged) every this many steps; \
               auto: at the start, then as often as a fifth of the run's work (counted in operations) allows.",
        forkable: true,
        apply: |c, v| set(&mut c.diagnostics.sharpness, cadence(v)),
        read: |c| Ok(cadence_value(c.diagnostics.sharpness)),
    },
    Setting {
        key: "sharpness_rows",
        label: "Sharpness rows",
        unit: "examples",
        domain: Domain::Whole { min: 1, max: 100_000, words: &[] },
        default: "4096",
        help: "λ_max is the curvature of the loss on the first this-many training rows (all of a smaller set).",
        forkable: true,
        apply: |c, v| set(&mut c.diagnostics.sharpness_rows, whole(v)),
        read: |c| Ok(Value::Whole(c.diagnostics.sharpness_rows as u64)),
    },
    Setting {
        key: "noise_scale_every",
        label: "Noise scale every",
        unit: "steps",
        domain: Domain::Whole { min: 1, max: 1_000_000, words: &["auto", "off"] },
        default: "auto",
        help: "Measure the gradient noise scale B_simple (from every training example's gradient) every this \
               many steps; auto: at the start, then as often as a fifth of the run's work allows.",
        forkable: true,
        apply: |c, v| set(&mut c.diagnostics.noise_scale, cadence(v)),
        read: |c| Ok(cadence_value(c.diagnostics.noise_scale)),
    },
];

impl Default for RunConfig {
    /// The table's defaults: the reference workload (digits, MLP 64-128-10, ReLU, cross-entropy,
    /// SGD, η = 0.1, B = 32), for 10 epochs.
    fn default() -> Self {
        let mut c = RunConfig::BLANK;
        for s in SETTINGS {
            if let Err(e) = s.apply(&mut c, &s.default_value()) {
                panic!("setting {}: its default does not apply: {e}", s.key);
            }
        }
        c
    }
}

/// The settings whether a ramp rises depends on.
const RAMP_KEYS: [&str; 3] = ["schedule", "lr", "end_lr"];

/// A setting as given: which one, its parsed value, and the raw text (for messages).
struct Given<'a> {
    setting: &'static Setting,
    value: Value,
    raw: &'a str,
}

impl Given<'_> {
    fn holds_in(&self, config: &RunConfig) -> bool {
        self.setting.read(config).as_ref() == Ok(&self.value)
    }
}

impl RunConfig {
    /// Applies one `key=value` setting (a form field). On error nothing changes.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match self.set_all([(key, value)]).into_iter().next() {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Applies settings (a link's query or a command line) in the table's order, so that a key
    /// another depends on comes first. Each must parse, be within its limits, have an effect in the
    /// resulting config and not undo an earlier one; a refused setting changes nothing, and two that
    /// contradict each other are both refused; a ramp that would not rise (end_lr at or below lr) is
    /// refused once all are in, with the ones of lr, end_lr and schedule given. Returns the refusals.
    pub fn set_all<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let mut given: Vec<Given<'a>> = Vec::new();
        for (key, raw) in pairs {
            let Some(setting) = setting(key) else {
                errors.push(ConfigError::UnknownKey(key.to_owned()));
                continue;
            };
            if given.iter().any(|g| g.setting.key == key) {
                errors.push(ConfigError::Repeated { key: key.to_owned() });
                given.retain(|g| g.setting.key != key);
                continue;
            }
            match setting.domain.parse(raw) {
                Ok(value) => given.push(Given { setting, value, raw }),
                Err(problem) => {
                    errors.push(ConfigError::BadValue { key: key.to_owned(), value: raw.to_owned(), problem });
                }
            }
        }
        given.sort_by_key(|g| SETTINGS.iter().position(|s| std::ptr::eq(s, g.setting)));
        let start = self.clone();
        let mut accepted: Vec<Given<'a>> = Vec::new();
        for g in given {
            let mut next = self.clone();
            if let Err(e) = g.setting.apply(&mut next, &g.value) {
                errors.push(e);
                continue;
            }
            let refusal = match g.setting.read(&next) {
                Err(reason) => {
                    Some(ConfigError::NoEffect { key: g.setting.key.to_owned(), value: g.raw.to_owned(), reason })
                }
                Ok(_) => {
                    if let Some(i) = accepted.iter().position(|a| !a.holds_in(&next)) {
                        let undone = accepted.remove(i);
                        *self = start.clone();
                        for a in &accepted {
                            if let Err(e) = a.setting.apply(self, &a.value) {
                                errors.push(e);
                            }
                        }
                        Some(ConfigError::Conflict {
                            key: undone.setting.key.to_owned(),
                            value: undone.raw.to_owned(),
                            other_key: g.setting.key.to_owned(),
                            other_value: g.raw.to_owned(),
                        })
                    } else {
                        next.check_limits().err().map(|e| ConfigError::BadValue {
                            key: g.setting.key.to_owned(),
                            value: g.raw.to_owned(),
                            problem: e.to_string(),
                        })
                    }
                }
            };
            if let Some(e) = refusal {
                errors.push(e);
            } else {
                *self = next;
                accepted.push(g);
            }
        }
        // Whether the ramp rises is a fact of the settings together, whatever order they came in: checked
        // once they are all in, and the ones of them given here are refused together.
        if let Some(problem) = self.ramp_problem() {
            let (refused, kept): (Vec<Given>, Vec<Given>) =
                accepted.into_iter().partition(|a| RAMP_KEYS.contains(&a.setting.key));
            if let Some(last) = refused.last() {
                *self = start;
                for a in &kept {
                    if let Err(e) = a.setting.apply(self, &a.value) {
                        errors.push(e);
                    }
                }
                errors.push(ConfigError::BadValue {
                    key: last.setting.key.to_owned(),
                    value: last.raw.to_owned(),
                    problem,
                });
            }
        }
        errors
    }

    /// The settings that differ from the defaults, as `key=value` pairs in the table's order, which
    /// [`RunConfig::set_all`] reads back into a config that trains the same run.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        SETTINGS
            .iter()
            .filter_map(|s| {
                let v = s.read(self).ok()?;
                (v != s.default_value()).then(|| (s.key, v.to_string()))
            })
            .collect()
    }

    /// [`RunConfig::to_params`] as owned pairs, for a file (a run's, its weights', a sweep's grid).
    pub fn to_owned_params<C: FromIterator<(String, String)>>(&self) -> C {
        self.to_params().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The defaults with `pairs` set, as a file wrote them ([`RunConfig::to_owned_params`]); the
    /// first refused pair is the error.
    ///
    /// # Errors
    /// The first pair [`RunConfig::set_all`] refuses.
    pub fn from_params<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        match config.set_all(pairs.into_iter().map(|(k, v)| (k.as_str(), v.as_str()))).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(config),
        }
    }

    /// Checks every setting that has an effect against its limits (a deserialised config may not
    /// have come through [`RunConfig::set`]), the memory the run would need, and that a ramp rises.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check_limits()?;
        match self.ramp_problem() {
            Some(problem) => Err(ConfigError::BadValue {
                key: "end_lr".to_owned(),
                value: self.schedule.end_lr.to_string(),
                problem,
            }),
            None => Ok(()),
        }
    }

    /// Why the ramp of this config does not rise, if it has one that does not: the LR range test reads
    /// the loss as η rises from lr to end_lr.
    fn ramp_problem(&self) -> Option<String> {
        let (from, to) = (self.lr, self.schedule.end_lr);
        (self.schedule.kind == ScheduleKind::Ramp && to <= from)
            .then(|| format!("the ramp raises η from lr ({from}) to end_lr ({to}), so end_lr must be above lr"))
    }

    /// [`RunConfig::validate`] but for the ramp, which only the settings together decide.
    fn check_limits(&self) -> Result<(), ConfigError> {
        for s in SETTINGS {
            if let Ok(v) = s.read(self) {
                s.domain.check(&v).map_err(|problem| ConfigError::BadValue {
                    key: s.key.to_owned(),
                    value: v.to_string(),
                    problem,
                })?;
            }
        }
        let needed = self.memory_bytes();
        if needed > MAX_MEMORY_BYTES {
            return Err(ConfigError::TooLarge { needed_mb: needed >> 20, limit_mb: MAX_MEMORY_BYTES >> 20 });
        }
        Ok(())
    }
}

impl RunConfig {
    /// The config of a fork of `parent` that takes this config's learning rate, batch size, schedule
    /// and length (the forkable settings), and everything else from `parent`.
    pub fn forked_from(&self, parent: &RunConfig) -> Result<RunConfig, ConfigError> {
        let mut c = self.clone();
        for s in SETTINGS.iter().filter(|s| !s.forkable) {
            if let Ok(v) = s.read(parent) {
                s.apply(&mut c, &v)?;
            }
        }
        c.check_fork_of(parent)?;
        c.validate()?;
        Ok(c)
    }

    /// Refuses this config as a fork of `parent` if it changes a setting a fork keeps.
    pub fn check_fork_of(&self, parent: &RunConfig) -> Result<(), ConfigError> {
        for s in SETTINGS.iter().filter(|s| !s.forkable) {
            let (mine, theirs) = (s.read(self), s.read(parent));
            if mine != theirs {
                let value = mine.map_or_else(|_| "(none)".to_owned(), |v| v.to_string());
                return Err(ConfigError::NotForkable { key: s.key.to_owned(), value });
            }
        }
        Ok(())
    }
}

/// The settings as a Markdown table (the README's key list is this, checked by a test).
pub fn markdown_table() -> String {
    let mut out =
        String::from("| key (link) / flag (CLI) | values | default | what it does |\n| --- | --- | --- | --- |\n");
    for s in SETTINGS {
        let unit = if s.unit.is_empty() { String::new() } else { format!(" ({})", s.unit) };
        let _ = writeln!(
            out,
            "| `{}` / `--{}` | {}{unit} | `{}` | {} |",
            s.key,
            s.flag(),
            s.domain.describe(),
            s.default,
            s.help
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_parses_applies_and_reads_back() {
        let c = RunConfig::default();
        assert!(c.validate().is_ok(), "{:?}", c.validate());
        for s in SETTINGS {
            let d = s.domain.parse(s.default).unwrap_or_else(|e| panic!("{}: default {}: {e}", s.key, s.default));
            if let Ok(v) = s.read(&c) {
                assert_eq!(v, d, "{}", s.key);
            }
        }
        assert!(c.to_params().is_empty(), "{:?}", c.to_params());
        let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "a key is listed twice");
    }

    /// A value of a kind its domain never parses to is refused by name and changes nothing; none is
    /// written as a stand-in (an empty word, zero, NaN or the old value).
    #[test]
    fn a_value_of_the_wrong_kind_is_refused_and_changes_nothing() {
        let growth = Value::Growth(BatchGrowth { every_epochs: 2, factor: 2 });
        for s in SETTINGS {
            for wrong in [&growth, &Value::Word("nonsense"), &Value::Word("csv"), &Value::Widths(vec![3])] {
                if s.domain.check(wrong).is_ok() || matches!((s.key, wrong), ("hidden", Value::Widths(_))) {
                    continue;
                }
                let mut c = RunConfig::default();
                let refused = s.apply(&mut c, wrong);
                assert!(
                    matches!(&refused, Err(ConfigError::BadValue { key, .. }) if key == s.key),
                    "{} took {wrong:?}: {refused:?}",
                    s.key
                );
                assert_eq!(c, RunConfig::default(), "{} changed the config", s.key);
            }
        }
    }

    #[test]
    fn params_round_trip() {
        let mut c = RunConfig::default();
        let link = [
            ("dataset", "spiral"),
            ("noise", "0.3"),
            ("hidden", "64,32"),
            ("activation", "tanh"),
            ("loss", "mse"),
            ("optimizer", "momentum"),
            ("momentum", "0.8"),
            ("lr", "0.03"),
            ("bs", "full"),
            ("schedule", "step"),
            ("step_every", "4"),
            ("gamma", "0.5"),
            ("warmup", "2"),
            ("epochs", "12"),
            ("seed", "7"),
            ("order", "3"),
            ("bs_growth", "5x2"),
            ("clip", "2.5"),
            ("eval_every", "9"),
            ("sharpness_every", "50"),
        ];
        assert_eq!(c.set_all(link), []);
        let params = c.to_params();
        let mut back = RunConfig::default();
        let errors = back.set_all(params.iter().map(|(k, v)| (*k, v.as_str())));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, c);
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
            ("bs", "4294967296"),
            ("epochs", "1e9"),
            ("hidden", "64,,2"),
            ("hidden", "999999"),
            ("dataset", "mnist"),
            ("seed", "-1"),
            ("gamma", "0.5"),
            ("noise", "0.1"),
            ("momentum", "0.5"),
            ("beta2", "0.9"),
            ("bs_growth", "10x1"),
            ("colour", "red"),
        ] {
            let err = c.set(k, v).unwrap_err();
            assert!(!err.to_string().is_empty());
            assert_eq!(c, before, "{k}={v} changed the config");
        }
    }

    #[test]
    fn contradictions_are_refused_with_a_reason_never_reinterpreted() {
        let mut c = RunConfig::default();
        let errors = c.set_all([("model", "linear"), ("hidden", "64")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].to_string(), "model = \"linear\" contradicts hidden = \"64\"");
        assert_eq!(c, RunConfig::default(), "both refused");

        let errors = c.set_all([("optimizer", "sgd"), ("momentum", "0.5")]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().starts_with("momentum = \"0.5\" has no effect here: optimizer is sgd"),
            "{}",
            errors[0]
        );
        assert_eq!(c.optimizer.momentum, 0.9, "the refused β is not kept for later");

        let errors = c.set_all([("gamma", "0.5"), ("schedule", "exp")]);
        assert!(errors.is_empty(), "order in the link does not matter: {errors:?}");
        assert_eq!((c.schedule.kind, c.schedule.gamma), (ScheduleKind::Exponential, 0.5));

        assert_eq!(RunConfig::default().set_all([("bs", "8"), ("bs", "16")]).len(), 1);
    }

    /// A ramp is the LR range test: η rises from lr to end_lr. One that falls, or stays, is refused
    /// naming both, whatever order the settings come in; the settings together decide.
    #[test]
    fn a_ramp_that_does_not_rise_is_refused() {
        let ramp = [("schedule", "ramp"), ("lr", "1e-4"), ("end_lr", "10")];
        let mut c = RunConfig::default();
        assert_eq!(c.set_all(ramp), []);
        let before = c.clone();
        for pairs in [&[("lr", "10"), ("end_lr", "1e-4")][..], &[("end_lr", "1e-4"), ("lr", "10")], &[("lr", "20")]] {
            let errors = c.set_all(pairs.iter().copied());
            assert_eq!(errors.len(), 1, "{pairs:?}: {errors:?}");
            let e = errors[0].to_string();
            assert!(e.contains("the ramp raises η from lr") && e.contains("end_lr must be above lr"), "{e}");
            assert_eq!(c, before, "{pairs:?} changed nothing");
        }
        // Raising both at once is fine, in either order: only the final settings count.
        assert_eq!(c.clone().set_all([("lr", "20"), ("end_lr", "100")]), []);
        assert_eq!(c.clone().set_all([("end_lr", "100"), ("lr", "20")]), []);
        // A constant schedule at a large η, from a ramp, is no ramp at all.
        assert_eq!(c.clone().set_all([("lr", "20"), ("schedule", "constant")]), []);
        let mut falling = c;
        (falling.lr, falling.schedule.end_lr) = (10.0, 1e-4);
        assert!(falling.validate().unwrap_err().to_string().contains("end_lr must be above lr"));
    }

    #[test]
    fn quoted_values_are_shortened() {
        let long = "9".repeat(100_000);
        let msg = RunConfig::default().set("lr", &long).unwrap_err().to_string();
        assert!(msg.len() < 200, "{} characters", msg.len());
        assert!(msg.contains('…'));
    }

    #[test]
    fn limits_are_the_same_on_every_target() {
        // Whole-number limits fit in 32 bits, so wasm32 and native parse and refuse the same values.
        for s in SETTINGS {
            if let Domain::Whole { max, .. } = s.domain {
                assert!(u32::try_from(max).is_ok(), "{}", s.key);
            }
        }
    }

    #[test]
    fn a_run_too_large_for_memory_is_refused() {
        let mut c = RunConfig::default();
        let err = c.set("hidden", "4096,4096,4096,4096,4096,4096,4096,4096").unwrap_err();
        assert!(err.to_string().contains("MB of memory"), "{err}");
        assert!(c.set("hidden", "256,256").is_ok());
    }
}

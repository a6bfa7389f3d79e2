//! The run settings as flags, with the same names and values as the app's URL query
//! (`--bs 64` ⇔ `?bs=64`), applied through `RunConfig::set`.

use batchlab_trainer::config::PARAM_KEYS;
use batchlab_trainer::RunConfig;
use clap::Args;

#[derive(Args, Clone, Default)]
pub struct Settings {
    /// digits, moons, circles, spiral, xor or blobs
    #[arg(long)]
    pub dataset: Option<String>,
    /// Points in a toy data set (train + validation)
    #[arg(long)]
    pub n: Option<String>,
    /// Noise level of a toy data set
    #[arg(long)]
    pub noise: Option<String>,
    /// linear or mlp
    #[arg(long)]
    pub model: Option<String>,
    /// Hidden widths, e.g. 128 or 64,32 (none: linear)
    #[arg(long)]
    pub hidden: Option<String>,
    /// relu or tanh
    #[arg(long)]
    pub activation: Option<String>,
    /// xent or mse
    #[arg(long)]
    pub loss: Option<String>,
    /// sgd, momentum, nesterov, adam or adamw
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Momentum β, or Adam's β₁
    #[arg(long)]
    pub momentum: Option<String>,
    /// Adam's β₂
    #[arg(long)]
    pub beta2: Option<String>,
    /// L2 penalty (decoupled for adamw)
    #[arg(long = "weight-decay")]
    pub weight_decay: Option<String>,
    /// Clip the gradient norm to this value
    #[arg(long)]
    pub clip: Option<String>,
    /// Learning rate η (sweep: a comma-separated list)
    #[arg(long)]
    pub lr: Option<String>,
    /// Batch size or `full` (sweep: a comma-separated list)
    #[arg(long)]
    pub bs: Option<String>,
    /// constant, step, exp, cosine or ramp
    #[arg(long)]
    pub schedule: Option<String>,
    /// Step schedule: decay every this many epochs
    #[arg(long = "step-every")]
    pub step_every: Option<String>,
    /// Step/exp schedule: decay factor
    #[arg(long)]
    pub gamma: Option<String>,
    /// Ramp schedule: final learning rate
    #[arg(long = "end-lr")]
    pub end_lr: Option<String>,
    /// Linear warm-up, in epochs
    #[arg(long = "warmup-epochs")]
    pub warmup: Option<String>,
    #[arg(long)]
    pub epochs: Option<String>,
    #[arg(long)]
    pub seed: Option<String>,
    /// Grow the batch: EPOCHSxFACTOR, e.g. 10x3 (×3 every 10 epochs)
    #[arg(long = "bs-growth")]
    pub bs_growth: Option<String>,
    /// Train this many steps instead of whole epochs
    #[arg(long)]
    pub steps: Option<String>,
    /// Validate every N steps (default: about ten times an epoch)
    #[arg(long = "eval-every")]
    pub eval_every: Option<String>,
    /// Estimate the sharpness λ_max every N steps
    #[arg(long = "sharpness-every")]
    pub sharpness_every: Option<String>,
    /// Estimate the gradient noise scale every N steps
    #[arg(long = "noise-scale-every")]
    pub noise_scale_every: Option<String>,
}

impl Settings {
    /// The config these flags describe; the first refused flag is the error.
    pub fn config(&self) -> Result<RunConfig, String> {
        let s = self;
        let given = [
            ("dataset", &s.dataset),
            ("n", &s.n),
            ("noise", &s.noise),
            ("model", &s.model),
            ("hidden", &s.hidden),
            ("activation", &s.activation),
            ("loss", &s.loss),
            ("optimizer", &s.optimizer),
            ("momentum", &s.momentum),
            ("beta2", &s.beta2),
            ("weight_decay", &s.weight_decay),
            ("clip", &s.clip),
            ("lr", &s.lr),
            ("bs", &s.bs),
            ("schedule", &s.schedule),
            ("step_every", &s.step_every),
            ("gamma", &s.gamma),
            ("end_lr", &s.end_lr),
            ("warmup", &s.warmup),
            ("epochs", &s.epochs),
            ("seed", &s.seed),
            ("bs_growth", &s.bs_growth),
            ("steps", &s.steps),
            ("eval_every", &s.eval_every),
            ("sharpness_every", &s.sharpness_every),
            ("noise_scale_every", &s.noise_scale_every),
        ];
        debug_assert_eq!(given.len(), PARAM_KEYS.len(), "every config key has a flag");
        let mut config = RunConfig::default();
        let errors = config.set_all(given.iter().filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))));
        match errors.first() {
            None => Ok(config),
            Some(e) => Err(format!("{e}{}", flag_hint(e))),
        }
    }
}

fn flag_hint(e: &batchlab_trainer::ConfigError) -> String {
    match e {
        batchlab_trainer::ConfigError::BadValue { key, .. } => format!(" (flag --{})", key.replace('_', "-")),
        batchlab_trainer::ConfigError::UnknownKey(_) => String::new(),
    }
}

/// Splits a comma-separated flag value and applies each item to `key` of a default config, to check
/// and parse it exactly as a single value would be.
pub fn list<T>(key: &str, values: &str, read: impl Fn(&RunConfig) -> T) -> Result<Vec<T>, String> {
    values
        .split(',')
        .map(|v| {
            let mut c = RunConfig::default();
            c.set(key, v).map(|()| read(&c)).map_err(|e| e.to_string())
        })
        .collect()
}

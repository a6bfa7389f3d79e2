//! `batchlab`: train from the command line with the browser's trainer and config words.
//!
//! `batchlab run --dataset digits --bs 32 --lr 0.1 --epochs 20 --out runs/a --svg runs/a/loss.svg`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use batchlab_chart::{Curves, XAxis};
use batchlab_trainer::config::PARAM_KEYS;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{Outcome, RunConfig, Summary};
use clap::{Args, Parser, Subcommand};
use plotters::prelude::{IntoDrawingArea, SVGBackend};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "batchlab",
    version,
    about = "Train small networks and see how learning rate and batch size interact."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one run; print its summary as JSON.
    Run(RunArgs),
}

/// Run settings, with the same names and values as the app's URL query.
#[derive(Args)]
struct Settings {
    /// digits, moons, circles, spiral, xor or blobs
    #[arg(long)]
    dataset: Option<String>,
    /// Points in a toy data set (train + validation)
    #[arg(long)]
    n: Option<String>,
    /// Noise level of a toy data set
    #[arg(long)]
    noise: Option<String>,
    /// linear or mlp
    #[arg(long)]
    model: Option<String>,
    /// Hidden widths, e.g. 128 or 64,32 (none: linear)
    #[arg(long)]
    hidden: Option<String>,
    /// relu or tanh
    #[arg(long)]
    activation: Option<String>,
    /// xent or mse
    #[arg(long)]
    loss: Option<String>,
    /// sgd or momentum
    #[arg(long)]
    optimizer: Option<String>,
    /// Momentum β (0 for plain SGD)
    #[arg(long)]
    momentum: Option<String>,
    /// Learning rate η
    #[arg(long)]
    lr: Option<String>,
    /// Batch size, or `full`
    #[arg(long)]
    bs: Option<String>,
    /// constant, step, exp or cosine
    #[arg(long)]
    schedule: Option<String>,
    /// Step schedule: decay every this many epochs
    #[arg(long = "step-every")]
    step_every: Option<String>,
    /// Step/exp schedule: decay factor
    #[arg(long)]
    gamma: Option<String>,
    /// Linear warm-up, in epochs
    #[arg(long = "warmup-epochs")]
    warmup: Option<String>,
    #[arg(long)]
    epochs: Option<String>,
    #[arg(long)]
    seed: Option<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    settings: Settings,
    /// Write metrics.csv and summary.json into this folder
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the loss chart to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

impl Settings {
    fn config(&self) -> Result<RunConfig, String> {
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
            ("lr", &s.lr),
            ("bs", &s.bs),
            ("schedule", &s.schedule),
            ("step_every", &s.step_every),
            ("gamma", &s.gamma),
            ("warmup", &s.warmup),
            ("epochs", &s.epochs),
            ("seed", &s.seed),
        ];
        debug_assert_eq!(given.len(), PARAM_KEYS.len());
        let mut config = RunConfig::default();
        let errors = config.set_all(given.iter().filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))));
        match errors.first() {
            None => Ok(config),
            Some(e) => Err(e.to_string().replace('`', "'")),
        }
    }
}

/// `summary.json`.
#[derive(Serialize)]
struct SummaryJson<'a> {
    status: &'static str,
    diverged_at_step: Option<usize>,
    reason: Option<&'a str>,
    final_train_loss: f64,
    final_val_loss: f64,
    final_val_acc: f64,
    steps: usize,
    examples: u64,
    wall_secs: f64,
    digest: &'a str,
}

fn summary_json(s: &Summary, wall_secs: f64) -> String {
    let (diverged_at_step, reason) = match &s.outcome {
        Outcome::Diverged { step, reason } => (Some(*step), Some(reason.as_str())),
        Outcome::Stalled { reason } => (None, Some(reason.as_str())),
        Outcome::Finished => (None, None),
    };
    let json = SummaryJson {
        status: s.outcome.status(),
        diverged_at_step,
        reason,
        final_train_loss: s.final_train_loss,
        final_val_loss: s.final_val_loss,
        final_val_acc: s.final_val_acc,
        steps: s.steps,
        examples: s.examples,
        wall_secs,
        digest: &s.digest,
    };
    serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn metrics_csv(rec: &Recorder, batch_size: usize) -> String {
    let mut csv =
        String::from("step,epoch,examples,lr,batch_size,train_loss,val_loss,val_acc,sharpness,noise_scale,grad_norm\n");
    for p in &rec.points {
        let _ = writeln!(
            csv,
            "{},{},{},{},{batch_size},{},{},{},,,",
            p.step, p.epoch, p.examples, p.lr, p.train_loss, p.val_loss, p.val_acc
        );
    }
    csv
}

fn write_svg(path: &Path, rec: &Recorder, config: &RunConfig) -> Result<(), String> {
    let schedule = config.schedule();
    let diverged_at = rec.summary.as_ref().and_then(|s| match s.outcome {
        Outcome::Diverged { step, .. } => Some(step),
        _ => None,
    });
    let curves = Curves {
        points: &rec.points,
        diverged_at,
        x_axis: XAxis::Epochs,
        log_y: true,
        x_max: config.epochs as f64,
        steps_per_epoch: schedule.steps_per_epoch,
    };
    let area = SVGBackend::new(path, (800, 420)).into_drawing_area();
    batchlab_chart::draw(&area, &curves.loss_chart()).map_err(|e| e.to_string())?;
    area.present().map_err(|e| format!("writing {}: {e:?}", path.display()))
}

fn run(args: &RunArgs) -> Result<(), String> {
    let config = args.settings.config()?;
    let mut trainer = config.init().map_err(|e| e.to_string())?;
    let batch_size = trainer.batch_size();
    let mut rec = Recorder::default();
    let t0 = Instant::now();
    trainer.run(&mut rec);
    let wall_secs = t0.elapsed().as_secs_f64();
    let summary = rec.summary.as_ref().ok_or("the run did not finish")?;
    let json = summary_json(summary, wall_secs);
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))
        };
        write("metrics.csv", &metrics_csv(&rec, batch_size))?;
        write("summary.json", &json)?;
    }
    if let Some(path) = &args.svg {
        write_svg(path, &rec, &config)?;
    }
    println!("{json}");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("batchlab: {e}");
            ExitCode::from(2)
        }
    }
}

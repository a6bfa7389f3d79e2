//! `batchlab run`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use batchlab_chart::{Curves, RunCurve, Theme, Trace, XAxis};
use batchlab_trainer::advice::advise;
use batchlab_trainer::edge::MaxLr;
use batchlab_trainer::regime::{self, Limits, Regime};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{RunConfig, StabilityLimit, Summary};
use clap::Args;
use serde::Serialize;

use crate::settings::Settings;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    settings: Settings,
    /// Write metrics.csv and summary.json into this folder
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the loss chart to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Write the final weights (each layer's shape, weights and biases) with the run's settings, seed
    /// and fingerprint to this JSON file
    #[arg(long)]
    save_weights: Option<PathBuf>,
}

/// The files a run writes into `--out`.
const FILES: [&str; 2] = ["metrics.csv", "summary.json"];

/// `summary.json`: the outcome in words and figures.
#[derive(Serialize)]
struct SummaryJson<'a> {
    status: &'static str,
    reason: Option<String>,
    diverged_at_step: Option<usize>,
    diverged_at_epoch: Option<f64>,
    /// η of the step where the loss left its course.
    diverged_at_lr: Option<f64>,
    initial_train_loss: f64,
    final_train_loss: f64,
    final_val_loss: f64,
    final_val_acc: f64,
    steps: usize,
    examples: u64,
    /// λ_max at the initial weights and the edge c/λ₀ it sets (none for Adam).
    stability_limit: Option<StabilityLimit>,
    /// Below the edge, above it and trained anyway, or broke; and the page's sentence on it.
    regime: Option<Regime>,
    regime_sentence: Option<String>,
    /// λ_max at the final weights, for a run that trained above the edge.
    final_sharpness: Option<f64>,
    /// For a run that went wrong: η_max(B) measured by runs of the same settings, and the page's
    /// sentence on it.
    max_lr: Option<MaxLr>,
    max_lr_sentence: Option<String>,
    /// For a run that went wrong (or a ramp run): the η to try next, and the advice in the page's words.
    advised_lr: Option<f64>,
    advice: Option<String>,
    /// For a ramp (LR range test) run: the suggested η.
    suggested_lr: Option<f64>,
    wall_secs: f64,
    digest: &'a str,
}

fn summary_json(config: &RunConfig, s: &Summary, limits: &Limits, wall_secs: f64) -> Result<String, String> {
    let d = s.outcome.divergence();
    let advice = advise(config, s, limits.edge, limits.max_lr.as_ref());
    let json = SummaryJson {
        status: s.outcome.status(),
        reason: s.outcome.reason(),
        diverged_at_step: d.map(|d| d.step),
        diverged_at_epoch: d.map(|d| d.epoch),
        diverged_at_lr: d.map(|d| d.lr),
        initial_train_loss: s.initial_train_loss,
        final_train_loss: s.final_train_loss,
        final_val_loss: s.final_val_loss,
        final_val_acc: s.final_val_acc,
        steps: s.steps,
        examples: s.examples,
        stability_limit: limits.edge,
        regime: regime::regime(config, s, limits.edge),
        regime_sentence: regime::sentence(config, s, limits),
        final_sharpness: limits.final_sharpness,
        max_lr: limits.max_lr.clone(),
        max_lr_sentence: limits.max_lr.as_ref().map(MaxLr::sentence),
        advised_lr: advice.map(|a| a.lr),
        advice: advice.map(|a| a.sentence(config, limits.max_lr.as_ref())),
        suggested_lr: s.range_test.map(|r| r.suggested_lr),
        wall_secs,
        digest: &s.digest,
    };
    serde_json::to_string_pretty(&json).map_err(|e| format!("encoding summary.json: {e}"))
}

fn write_svg(path: &Path, rec: &Recorder, config: &RunConfig) -> Result<(), String> {
    let schedule = config.schedule();
    let mut trace = Trace::default();
    trace.extend(rec.points.iter().map(|p| (p.clone(), f64::NAN)));
    let run = RunCurve {
        trace: &trace,
        look: Theme::Light.look(0),
        mark: rec.summary.as_ref().and_then(|s| s.outcome.mark()),
        schedule: Some(&schedule),
        optimizer: config.optimizer,
        lr: config.lr,
        live: false,
        label: String::new(),
    };
    let curves = Curves::one(run, XAxis::Steps, schedule.total_steps as f64, config.dataset.classes());
    crate::write_svg(path, (800, 420), |area| batchlab_chart::draw(area, &curves.loss_chart()))
}

pub fn run(args: &RunArgs) -> Result<(), String> {
    let (settings, table) = args.settings.with_table()?;
    let config = settings.config()?;
    let mut trainer = config.init_on(table.as_ref()).map_err(|e| e.to_string())?;
    crate::check_outputs(
        args.out.as_deref().map(|d| (d, &FILES[..])),
        &[("--svg", args.svg.as_deref()), ("--save-weights", args.save_weights.as_deref())],
    )?;
    // An earlier run's files go now: an interrupted run leaves none of them under this run's names.
    let outputs = args.out.iter().flat_map(|d| FILES.map(|f| d.join(f)));
    crate::remove_files(outputs.chain(args.svg.clone()).chain(args.save_weights.clone()))?;
    let mut rec = Recorder::default();
    let t0 = Instant::now();
    trainer.run(&mut rec);
    let wall_secs = t0.elapsed().as_secs_f64();
    let summary = rec.summary.as_ref().ok_or("the run did not finish")?;
    // η_max(B) costs a few more runs: measured when the advice needs it.
    let limits = trainer.limits(summary.outcome != batchlab_trainer::Outcome::Finished);
    let json = summary_json(&config, summary, &limits, wall_secs)?;
    // The summary first: it is on the screen whatever happens to the files.
    crate::outln!("{json}")?;
    let files = args.out.as_deref().map(|dir| {
        crate::all_written([
            crate::write(dir, FILES[0], &batchlab_trainer::train::points_csv(&rec.points, rec.summary.as_ref())),
            crate::write(dir, FILES[1], &json),
        ])
    });
    let svg = args.svg.as_deref().map(|path| write_svg(path, &rec, &config));
    let weights = args.save_weights.as_deref().map(|path| {
        let file = trainer.weights_file().ok_or("the run did not finish")?;
        let text = serde_json::to_string(&file).map_err(|e| format!("encoding the weights: {e}"))?;
        crate::write_file(path, &text)
    });
    crate::all_written(files.into_iter().chain(svg).chain(weights))
}

//! `batchlab run`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use batchlab_chart::{Curves, XAxis};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{Outcome, RunConfig, Summary};
use clap::Args;
use plotters::prelude::{IntoDrawingArea, SVGBackend};
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

fn cell(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn metrics_csv(rec: &Recorder, batch_size: usize) -> String {
    let mut csv =
        String::from("step,epoch,examples,lr,batch_size,train_loss,val_loss,val_acc,sharpness,noise_scale,grad_norm\n");
    for p in &rec.points {
        let _ = writeln!(
            csv,
            "{},{},{},{},{batch_size},{},{},{},{},{},{}",
            p.step,
            p.epoch,
            p.examples,
            p.lr,
            p.train_loss,
            p.val_loss,
            p.val_acc,
            cell(p.sharpness),
            cell(p.noise_scale),
            cell(p.grad_norm)
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
        x_axis: XAxis::Steps,
        log_y: true,
        x_max: schedule.total_steps as f64,
        steps_per_epoch: schedule.steps_per_epoch,
        classes: config.dataset.classes(),
    };
    let area = SVGBackend::new(path, (800, 420)).into_drawing_area();
    batchlab_chart::draw(&area, &curves.loss_chart()).map_err(|e| e.to_string())?;
    area.present().map_err(|e| format!("writing {}: {e:?}", path.display()))
}

pub fn run(args: &RunArgs) -> Result<(), String> {
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
        crate::write(dir, "metrics.csv", &metrics_csv(&rec, batch_size))?;
        crate::write(dir, "summary.json", &json)?;
    }
    if let Some(path) = &args.svg {
        write_svg(path, &rec, &config)?;
    }
    println!("{json}");
    Ok(())
}

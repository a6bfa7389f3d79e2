//! `batchlab sweep`: the grid in parallel over the cores, one run per cell.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use batchlab_chart::{draw_heatmap, Heatmap};
use batchlab_trainer::sweep::{best_lr_per_batch, grid, run_cell, CellResult};
use clap::Args;
use plotters::prelude::{IntoDrawingArea, SVGBackend};

use crate::settings::{list, Settings};

#[derive(Args)]
pub struct SweepArgs {
    #[command(flatten)]
    settings: Settings,
    /// Seeds, comma-separated
    #[arg(long, default_value = "1")]
    seeds: String,
    /// Validation accuracy whose first crossing is reported as steps_to_target
    #[arg(long, default_value_t = 0.9)]
    target: f64,
    /// Runs at once (default: the number of cores)
    #[arg(long)]
    jobs: Option<usize>,
    /// Write sweep.csv into this folder
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the heatmap of final training loss to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

pub fn sweep(args: &SweepArgs) -> Result<(), String> {
    let batch_sizes = list("bs", args.settings.bs.as_deref().unwrap_or("32"), |c| c.batch_size)?;
    let lrs = list("lr", args.settings.lr.as_deref().unwrap_or("0.1"), |c| c.lr)?;
    let seeds = list("seed", &args.seeds, |c| c.seed)?;
    let base = crate::settings::Settings { bs: None, lr: None, ..args.settings.clone() }.config()?;
    base.validate().map_err(|e| e.to_string())?;
    let cells = grid(&batch_sizes, &lrs, &seeds);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CellResult>>> = Mutex::new(vec![None; cells.len()]);
    let error: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(cells.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&cell) = cells.get(i) else { break };
                match run_cell(&base, cell, Some(args.target)) {
                    Ok(r) => {
                        eprintln!(
                            "B = {:>5}  η = {:<8} seed {:<3} {:<9} train loss {:.4}  val acc {:.3}",
                            cell.batch_size,
                            cell.lr,
                            cell.seed,
                            r.summary.outcome.status(),
                            r.summary.final_train_loss,
                            r.summary.final_val_acc
                        );
                        results.lock().expect("no thread panics holding it")[i] = Some(r);
                    }
                    Err(e) => *error.lock().expect("no thread panics holding it") = Some(e.to_string()),
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("threads are done") {
        return Err(e);
    }
    let results: Vec<CellResult> = results.into_inner().expect("threads are done").into_iter().flatten().collect();
    let mut csv = String::from("bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target\n");
    for r in &results {
        let s = &r.summary;
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            r.cell.batch_size,
            r.cell.lr,
            r.cell.seed,
            s.outcome.status(),
            s.final_train_loss,
            s.final_val_loss,
            s.final_val_acc,
            r.steps_to_target.map(|v| v.to_string()).unwrap_or_default()
        );
    }
    if let Some(dir) = &args.out {
        crate::write(dir, "sweep.csv", &csv)?;
    }
    if let Some(path) = &args.svg {
        let map = heatmap(&results, &batch_sizes, &lrs);
        let area = SVGBackend::new(path, (120 + 90 * lrs.len() as u32, 110 + 50 * batch_sizes.len() as u32))
            .into_drawing_area();
        draw_heatmap(&area, &map).map_err(|e| e.to_string())?;
        area.present().map_err(|e| format!("writing {}: {e:?}", path.display()))?;
    }
    println!("batch_size,best_lr,mean_final_train_loss");
    for (b, lr, loss) in best_lr_per_batch(&results) {
        println!("{b},{lr},{loss}");
    }
    Ok(())
}

/// Mean final training loss over seeds per (B, η); a cell with any diverged seed is shown diverged.
fn heatmap(results: &[CellResult], batch_sizes: &[usize], lrs: &[f64]) -> Heatmap {
    let cells = batch_sizes
        .iter()
        .map(|&b| {
            lrs.iter()
                .map(|&lr| {
                    let runs: Vec<&CellResult> =
                        results.iter().filter(|r| r.cell.batch_size == b && r.cell.lr == lr).collect();
                    let diverged = runs.iter().any(|r| r.summary.outcome.status() == "diverged");
                    let mean = runs.iter().map(|r| r.summary.final_train_loss).sum::<f64>() / runs.len() as f64;
                    (!diverged && mean.is_finite()).then_some(mean)
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "final training loss (mean over seeds; outlined: best η per B)".to_owned(),
        columns: lrs.to_vec(),
        column_label: "learning rate η".to_owned(),
        rows: batch_sizes.iter().map(|&b| b as f64).collect(),
        row_label: "batch size B".to_owned(),
        cells,
    }
}

//! `batchlab sweep`: the grid in parallel over the cores, one run per cell — or one shard of it
//! (`--shard i/n`), so that a Slurm job array, GNU parallel or a Kubernetes indexed Job can spread a
//! sweep over machines; `batchlab merge` joins the shards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use batchlab_trainer::sweep::{run_cell, to_csv_unfinished, CellRow, Grid, Shard, Unfinished, DEFAULT_TARGET};
use clap::Args;

use crate::settings::{list, Settings};

#[derive(Args)]
pub struct SweepArgs {
    #[command(flatten)]
    settings: Settings,
    /// Seeds, comma-separated
    #[arg(long, default_value = "1")]
    seeds: String,
    /// Validation accuracy whose first crossing is reported as steps_to_target
    #[arg(long, default_value_t = DEFAULT_TARGET)]
    target: f64,
    /// Run only part i of n of the grid (every n-th cell), e.g. 2/3
    #[arg(long, default_value = "1/1")]
    shard: Shard,
    /// Runs at once (default: the number of cores)
    #[arg(long)]
    jobs: Option<usize>,
    /// Write sweep.csv and sweep.json (the grid and the shard) into this folder
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the heatmap of final training loss to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

/// `sweep.json`: the grid a `sweep.csv` belongs to, and which shard of it the rows are.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    pub grid: Grid,
    pub shard: Shard,
}

/// The files a sweep writes into `--out`.
pub const FILES: [&str; 2] = ["sweep.csv", "sweep.json"];

/// Writes `sweep.json` and the rows done so far, in cell order, under a `# partial: K of N cells`
/// line. An interrupted sweep leaves this, never an earlier sweep's
/// files, and `merge` refuses it by that line; the finished sweep's files replace it.
fn write_partial(
    dir: &std::path::Path,
    grid: &Grid,
    shard: Shard,
    done: &[Option<Result<CellRow, String>>],
) -> Result<(), String> {
    let rows: Vec<CellRow> = done.iter().filter_map(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned()).collect();
    let unfinished = Unfinished { done: done.iter().filter(|r| r.is_some()).count(), cells: done.len() };
    let csv = to_csv_unfinished(unfinished, &rows).map_err(|e| e.to_string())?;
    let file = SweepFile { grid: grid.clone(), shard };
    let json = serde_json::to_string_pretty(&file).map_err(|e| format!("encoding sweep.json: {e}"))?;
    crate::write(dir, FILES[1], &json)?;
    crate::write(dir, FILES[0], &csv)
}

pub fn sweep(args: &SweepArgs) -> Result<(), String> {
    if !(0.0..=1.0).contains(&args.target) {
        return Err(format!("--target is a validation accuracy from 0 to 1 (got {})", args.target));
    }
    let (settings, table) = args.settings.with_table()?;
    let base = settings.without(&["bs", "lr"]).config()?;
    let batch_sizes = list(&base, "bs", settings.get("bs"), |c| c.batch_size)?;
    let lrs = list(&base, "lr", settings.get("lr"), |c| c.lr)?;
    let seeds = list(&base, "seed", Some(&args.seeds), |c| c.seed)?;
    let grid = Grid::new(&base, &batch_sizes, &lrs, &seeds, args.target);
    grid.check_size()?;
    crate::check_outputs(args.out.as_deref().map(|d| (d, &FILES[..])), &[("--svg", args.svg.as_deref())])?;
    let cells = grid.shard(args.shard);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<CellRow, String>>>> = Mutex::new(vec![None; cells.len()]);
    crate::remove_files(args.svg.clone())?;
    if let Some(dir) = &args.out {
        write_partial(dir, &grid, args.shard, &vec![None; cells.len()])?;
    }
    std::thread::scope(|s| {
        for _ in 0..jobs.min(cells.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&cell) = cells.get(i) else { break };
                let row = run_cell(&base, cell, Some(args.target), table.as_ref()).map_err(|e| e.to_string());
                let mut done = results.lock().expect("no thread panics holding it");
                done[i] = Some(row);
                // The row is in sweep.csv before the terminal hears of it.
                if let Some(dir) = &args.out {
                    if let Err(e) = write_partial(dir, &grid, args.shard, &done) {
                        eprintln!("{e}");
                    }
                }
                if let Some(Ok(r)) = &done[i] {
                    eprintln!(
                        "B = {:>5}  η = {:<8} seed {:<3} {:<9} train loss {:.4}  val acc {:.3}",
                        r.bs.to_string(),
                        r.lr,
                        r.seed,
                        r.status.name(),
                        r.final_train_loss,
                        r.final_val_acc
                    );
                }
            });
        }
    });
    let rows: Vec<CellRow> = results
        .into_inner()
        .expect("threads are done")
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("a cell did not run".to_owned())))
        .collect::<Result<_, _>>()?;
    crate::report_sweep(&grid, args.shard, &rows, args.out.as_deref(), args.svg.as_deref())
}

//! `batchlab merge DIR…`: joins the shards of one sweep (each folder a `sweep --shard i/n --out DIR`)
//! into the whole sweep's `sweep.csv` and heatmap, refusing shards of different grids.

use std::path::{Path, PathBuf};

use batchlab_trainer::sweep::{from_csv, merge as join, Shard};
use clap::Args;

use crate::sweep::SweepFile;

#[derive(Args)]
pub struct MergeArgs {
    /// The shards' folders
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Write the merged sweep.csv and sweep.json into this folder
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the heatmap of final training loss to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

pub fn merge(args: &MergeArgs) -> Result<(), String> {
    let mut parts = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        let file: SweepFile = serde_json::from_str(&read(dir, "sweep.json")?)
            .map_err(|e| format!("{}: {e}", dir.join("sweep.json").display()))?;
        file.grid.check().map_err(|e| format!("{}: {e}", dir.join("sweep.json").display()))?;
        let text = read(dir, "sweep.csv")?;
        if let Some(line) = text.lines().next().filter(|l| l.starts_with(crate::sweep::PARTIAL)) {
            return Err(format!("{}: this shard's sweep did not finish ({line})", dir.join("sweep.csv").display()));
        }
        let rows = from_csv(&text).map_err(|e| format!("{}: {e}", dir.display()))?;
        parts.push((file.grid, file.shard, rows));
    }
    let (grid, rows) = join(&parts).map_err(|e| e.to_string())?;
    crate::report_sweep(&grid, Shard::WHOLE, &rows, args.out.as_deref(), args.svg.as_deref())
}

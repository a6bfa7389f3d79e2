//! `batchlab merge DIR…`: joins the shards of one sweep (each folder a `sweep --shard i/n --out DIR`)
//! into the whole sweep's `sweep.csv` and heatmap, refusing shards of different grids.

use std::path::PathBuf;

use batchlab_trainer::sweep::{merge as join, read_sweep_csv, Shard, MAX_FILE_BYTES};
use clap::Args;

use crate::sweep::{SweepFile, FILES};

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

/// Reads every shard's files whole and checked (each read bounded by [`MAX_FILE_BYTES`], whatever size
/// the file reports), then joins them; a refusal names the file and what is wrong in it.
pub fn merge(args: &MergeArgs) -> Result<(), String> {
    crate::check_outputs(args.out.as_deref().map(|d| (d, &FILES[..])), &[("--svg", args.svg.as_deref())])?;
    let mut parts = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        let (json, csv) = (dir.join(FILES[1]), dir.join(FILES[0]));
        let file: SweepFile = serde_json::from_str(&crate::read_bounded(&json, MAX_FILE_BYTES)?)
            .map_err(|e| format!("{}: {e}", json.display()))?;
        file.grid.check().map_err(|e| format!("{}: {e}", json.display()))?;
        let read = read_sweep_csv(&crate::read_bounded(&csv, MAX_FILE_BYTES)?)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some(u) = read.unfinished {
            return Err(format!("{}: this shard's sweep did not finish (its first line: {u})", csv.display()));
        }
        if read.part.as_ref().is_some_and(|(grid, shard)| (grid, *shard) != (&file.grid, file.shard)) {
            return Err(format!("{}: it names another grid or shard than {}", csv.display(), json.display()));
        }
        parts.push((file.grid, file.shard, read.rows));
    }
    let (grid, rows) = join(&parts).map_err(|e| e.to_string())?;
    crate::report_sweep(&grid, Shard::WHOLE, &rows, args.out.as_deref(), args.svg.as_deref())
}

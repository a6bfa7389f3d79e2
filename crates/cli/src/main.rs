//! `batchlab`: train from the command line with the browser's trainer and its config words.
//!
//! ```text
//! batchlab run --dataset digits --bs 32 --lr 0.1 --epochs 20 --out runs/a --svg runs/a/loss.svg
//! batchlab sweep --bs 16,64,256 --lr 0.01,0.1,1 --seeds 1,2,3 --out runs/sweep --svg runs/sweep/heatmap.svg
//! batchlab lr-find --bs 32 --lr 1e-4 --end-lr 10 --steps 300
//! batchlab settings   # the settings table, as Markdown
//! ```

mod lr_find;
mod merge;
mod run;
mod settings;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Train one run; write metrics.csv and summary.json; print the summary as JSON.
    Run(run::RunArgs),
    /// Train a grid of batch sizes × learning rates × seeds (or one shard of it); print the best η
    /// per batch size.
    Sweep(sweep::SweepArgs),
    /// Join the shards of one sweep (folders written by `sweep --shard i/n --out DIR`).
    Merge(merge::MergeArgs),
    /// LR range test: ramp η exponentially, print the loss curve as CSV and a suggested η.
    LrFind(lr_find::LrFindArgs),
    /// Print every run setting (key, values, default, meaning) as a Markdown table.
    Settings,
}

/// Writes a line to standard output. A closed pipe (`batchlab lr-find | head -1`) ends the output
/// quietly: the command goes on to finish its files, and exits as it would have.
fn out(line: std::fmt::Arguments) -> Result<(), String> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(line).and_then(|()| stdout.write_all(b"\n")) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing to standard output: {e}")),
        _ => Ok(()),
    }
}

/// `text` as it may reach a terminal: control characters (ESC, BEL, a line end) and the controls
/// that reorder text (U+202E, …) written as escapes (`\u{1b}`), so that a name from a file can
/// neither drive the terminal nor disguise what is printed.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
    };
    if !text.contains(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// `println!` through [`out`].
macro_rules! outln {
    ($($arg:tt)*) => { crate::out(format_args!($($arg)*)) };
}
pub(crate) use outln;

fn write(dir: &std::path::Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    write_file(&dir.join(name), text)
}

/// Writes `text` to `path` whole or not at all: into `path.part` beside it, then renamed over it, so
/// that an interrupted run (Ctrl-C, a full disk) never leaves a truncated file under the real name.
fn write_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = std::path::PathBuf::from(part);
    std::fs::write(&part, text).map_err(|e| format!("writing {}: {e}", part.display()))?;
    std::fs::rename(&part, path).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Removes the files a command is about to write, so that an earlier command's results never sit
/// under its names while it runs, or after it is interrupted.
fn remove_files(paths: impl IntoIterator<Item = std::path::PathBuf>) -> Result<(), String> {
    for path in paths {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("removing the earlier {}: {e}", path.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Writes a sweep's (or shard's) `sweep.csv` and `sweep.json`, draws its heatmap, and prints the best
/// η per batch size.
fn report_sweep(
    grid: &batchlab_trainer::sweep::Grid,
    shard: batchlab_trainer::sweep::Shard,
    rows: &[batchlab_trainer::sweep::CellRow],
    out: Option<&std::path::Path>,
    svg: Option<&std::path::Path>,
) -> Result<(), String> {
    use batchlab_trainer::sweep::{to_csv, Measure, SweepTable};
    if let Some(dir) = out {
        write(dir, "sweep.csv", &to_csv(rows).map_err(|e| e.to_string())?)?;
        let file = sweep::SweepFile { grid: grid.clone(), shard };
        write(
            dir,
            "sweep.json",
            &serde_json::to_string_pretty(&file).map_err(|e| format!("encoding sweep.json: {e}"))?,
        )?;
    }
    let table = SweepTable::new(rows, &grid.batch_sizes, &grid.lrs, grid.seeds.len(), Measure::FinalTrainLoss);
    let train_len = grid.base_config().map_err(|e| e.to_string())?.train_len();
    if let Some(path) = svg {
        let title = format!("final training loss (mean over seeds; {})", batchlab_chart::heatmap::KEY);
        let map = batchlab_chart::Heatmap::of(&table, &title, train_len);
        let size = (120 + 90 * table.lrs.len() as u32, 110 + 50 * table.batch_sizes.len() as u32);
        write_svg(path, size, |area| batchlab_chart::draw_heatmap(area, &map))?;
    }
    outln!("batch_size,best_lr,mean_final_train_loss")?;
    for (b, best) in table.best_lr() {
        match best {
            Some((lr, loss)) => outln!("{b},{lr},{loss}")?,
            None => outln!("{b},,")?,
        }
    }
    if let Some(scaling) = table.scaling(train_len) {
        eprintln!("{scaling}");
    }
    Ok(())
}

/// Draws into an SVG file of `size` pixels; a drawing or writing error is the command's error.
fn write_svg(
    path: &std::path::Path,
    size: (u32, u32),
    draw: impl FnOnce(
        &plotters::drawing::DrawingArea<plotters::prelude::SVGBackend, plotters::coord::Shift>,
    ) -> Result<batchlab_chart::Frame, batchlab_chart::ChartError>,
) -> Result<(), String> {
    use plotters::prelude::IntoDrawingArea;
    let mut svg = String::new();
    {
        let area = plotters::prelude::SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&area).map_err(|e| e.to_string())?;
        area.present().map_err(|e| format!("drawing {}: {e:?}", path.display()))?;
    }
    write_file(path, &svg)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::LrFind(args) => lr_find::lr_find(args),
        Command::Settings => outln!("{}", batchlab_trainer::settings::markdown_table().trim_end()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("batchlab: {}", printable(&e));
            ExitCode::from(2)
        }
    }
}

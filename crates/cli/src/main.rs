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

use std::ffi::OsString;
use std::path::{Path, PathBuf};
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

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("could not create the folder {}: {e}", dir.display()))?;
    write_file(&dir.join(name), text)
}

/// What a path that exists and is not a regular file is, in words.
fn what_is(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Refuses a path a command would write over that exists and is not a regular file: writing replaces
/// what is there, and a device, a named pipe, a symbolic link or a folder must not be replaced.
fn check_file(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => Err(format!(
            "{} is {}: batchlab writes only a new file or over a regular one",
            path.display(),
            what_is(m.file_type())
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Checks, before a command trains, every file it will write: the `--out` folder (a folder, or none
/// yet) and the `names` in it, and each file a flag names (`("--svg", path)`). Nothing trains for
/// output that could not be written where it was asked for.
fn check_outputs(out: Option<(&Path, &[&str])>, flags: &[(&str, Option<&Path>)]) -> Result<(), String> {
    if let Some((dir, names)) = out {
        match std::fs::metadata(dir) {
            Ok(m) if !m.is_dir() => return Err(format!("--out {}: not a folder", dir.display())),
            _ => {}
        }
        for name in names {
            check_file(&dir.join(name)).map_err(|e| format!("--out: {e}"))?;
        }
    }
    for (flag, path) in flags {
        if let Some(path) = path {
            check_file(path).map_err(|e| format!("{flag}: {e}"))?;
        }
    }
    Ok(())
}

/// Writes `text` to `path` whole or not at all: into a part file beside it, then renamed over it, so
/// that an interrupted run (Ctrl-C, a full disk) never leaves a truncated file under the real name.
/// A path that is not a regular file is never replaced ([`check_file`]); an error names `path`, the
/// file the person asked for.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    check_file(path)?;
    let failed = |e: std::io::Error| format!("could not write {}: {e}", path.display());
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    // An interrupted write's part file goes; anything else under that name is left alone.
    match std::fs::symlink_metadata(&part) {
        Ok(m) if m.file_type().is_file() => std::fs::remove_file(&part).map_err(failed)?,
        Ok(m) => {
            return Err(format!(
                "could not write {}: the name beside it that it is written under first is taken by {}",
                path.display(),
                what_is(m.file_type())
            ))
        }
        Err(_) => {}
    }
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|()| std::fs::rename(&part, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&part);
        failed(e)
    })
}

/// Every write, each tried whether or not an earlier one failed; the error names every file that could
/// not be written.
fn all_written(writes: impl IntoIterator<Item = Result<(), String>>) -> Result<(), String> {
    let failed: Vec<String> = writes.into_iter().filter_map(Result::err).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Reads a file a command was given, at most `limit` bytes of it whatever size it reports (a device
/// or a pipe reports none).
fn read_bounded(path: &Path, limit: usize) -> Result<String, String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit as u64 + 1).read_to_string(&mut text))
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    if text.len() > limit {
        return Err(format!("{}: more than {limit} bytes, more than such a file can be", path.display()));
    }
    Ok(text)
}

/// Removes the files a command is about to write, so that an earlier command's results never sit
/// under its names while it runs, or after it is interrupted. Only regular files ([`check_file`]).
fn remove_files(paths: impl IntoIterator<Item = PathBuf>) -> Result<(), String> {
    for path in paths {
        check_file(&path)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("removing the earlier {}: {e}", path.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Prints a sweep's (or shard's) best η per batch size, then writes its `sweep.csv` and `sweep.json`
/// and draws its heatmap: the results are on the screen whatever happens to the files.
fn report_sweep(
    grid: &batchlab_trainer::sweep::Grid,
    shard: batchlab_trainer::sweep::Shard,
    rows: &[batchlab_trainer::sweep::CellRow],
    out: Option<&Path>,
    svg: Option<&Path>,
) -> Result<(), String> {
    use batchlab_trainer::sweep::{to_csv, Measure, SweepTable};
    let table = SweepTable::new(rows, &grid.batch_sizes, &grid.lrs, grid.seeds.len(), Measure::FinalTrainLoss);
    let train_len = grid.base_config().map_err(|e| e.to_string())?.train_len();
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
    let files = out.map(|dir| -> Result<(), String> {
        let file = sweep::SweepFile { grid: grid.clone(), shard };
        let json = serde_json::to_string_pretty(&file).map_err(|e| format!("encoding sweep.json: {e}"))?;
        all_written([
            write(dir, "sweep.csv", &to_csv(rows).map_err(|e| e.to_string())?),
            write(dir, "sweep.json", &json),
        ])
    });
    let heatmap = svg.map(|path| {
        let title = format!("final training loss (mean over seeds; {})", batchlab_chart::heatmap::KEY);
        let map = batchlab_chart::Heatmap::of(&table, &title, train_len);
        let size = (120 + 90 * table.lrs.len() as u32, 110 + 50 * table.batch_sizes.len() as u32);
        write_svg(path, size, |area| batchlab_chart::draw_heatmap(area, &map))
    });
    all_written(files.into_iter().chain(heatmap))
}

/// Draws into an SVG file of `size` pixels; a drawing or writing error is the command's error.
fn write_svg(
    path: &Path,
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

/// The command line with `--flag -VALUE` read as `--flag=-VALUE` for every flag that takes a value: a
/// value that starts with a dash (`--lr -1`, `--lr -1e-3`, `--bs -8,16`) is a value, which the settings'
/// checks refuse naming the range, not an unknown flag `-1`. A flag where a value should be (`--lr
/// --bs 8`) is left for clap to say the value is missing; nothing after `--` is touched.
fn dashed_values(args: Vec<OsString>) -> Vec<OsString> {
    let cli = <Cli as clap::CommandFactory>::command();
    let mut command: Option<&clap::Command> = None;
    let mut out: Vec<OsString> = Vec::with_capacity(args.len());
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let text = arg.to_str().unwrap_or_default();
        if text == "--" {
            out.push(arg);
            out.extend(args);
            break;
        }
        let takes_value = text.strip_prefix("--").filter(|f| !f.contains('=')).is_some_and(|flag| {
            command
                .is_some_and(|c| c.get_arguments().any(|a| a.get_long() == Some(flag) && a.get_action().takes_values()))
        });
        let dashed = args
            .peek()
            .and_then(|v| v.to_str())
            .is_some_and(|v| v.len() > 1 && v.starts_with('-') && !v.starts_with("--"));
        if takes_value && dashed {
            let mut joined = arg;
            joined.push("=");
            joined.push(args.next().unwrap_or_default());
            out.push(joined);
            continue;
        }
        if command.is_none() && !out.is_empty() && !text.starts_with('-') {
            command = cli.find_subcommand(text);
        }
        out.push(arg);
    }
    out
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(dashed_values(std::env::args_os().collect()));
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

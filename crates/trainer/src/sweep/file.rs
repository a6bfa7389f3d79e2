//! `sweep.csv`, the file a sweep's results travel in: its rows, the `#` lines that name a grid and
//! shard or an unfinished sweep, and the checks that refuse a file no sweep could have written.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::grid::{cell_key, Cell, Grid, Shard};
use crate::config::BatchSize;
use crate::figures::{accuracy_problem, digest_problem, loss_problem};
use crate::outcome::Verdict;
use crate::train::Summary;

/// What a finished cell reports: one row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellRow {
    #[serde(with = "batch_size_text")]
    pub bs: BatchSize,
    pub lr: f64,
    pub seed: u32,
    pub status: Verdict,
    pub final_train_loss: f64,
    pub final_val_loss: f64,
    pub final_val_acc: f64,
    /// First step at which the validation accuracy reached the grid's target.
    pub steps_to_target: Option<usize>,
    /// The run's fingerprint: equal digests, bit-identical runs. Written inert: a row read from a
    /// file may hold any text here, and a spreadsheet must not run it as a formula.
    #[serde(serialize_with = "inert_text")]
    pub digest: String,
}

fn inert_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::data::table::inert(text))
}

/// `BatchSize` in a CSV cell: `full` or the number.
mod batch_size_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::config::BatchSize;

    pub fn serialize<S: Serializer>(b: &BatchSize, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(b)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BatchSize, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "full" => Ok(BatchSize::Full),
            n => {
                n.parse().map(BatchSize::Examples).map_err(|_| serde::de::Error::custom(format!("batch size \"{n}\"")))
            }
        }
    }
}

impl CellRow {
    pub fn new(cell: Cell, summary: &Summary, steps_to_target: Option<usize>) -> Self {
        Self {
            bs: cell.batch_size,
            lr: cell.lr,
            seed: cell.seed,
            status: summary.outcome.verdict(),
            final_train_loss: summary.final_train_loss,
            final_val_loss: summary.final_val_loss,
            final_val_acc: summary.final_val_acc,
            steps_to_target,
            digest: summary.digest.clone(),
        }
    }

    pub fn cell(&self) -> Cell {
        Cell { batch_size: self.bs, lr: self.lr, seed: self.seed }
    }
}

#[derive(Debug, Error)]
pub enum SweepFileError {
    #[error("sweep.csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("sweep.csv: {0}")]
    Text(#[from] std::string::FromUtf8Error),
    #[error("sweep.csv, line {line}: {problem}")]
    Row { line: usize, problem: String },
    #[error("sweep.csv: {0}")]
    TooBig(String),
    #[error("sweep.csv, its grid: {0}")]
    Grid(String),
}

/// An opened `sweep.csv` holds at most this many rows, and this many batch sizes and learning rates:
/// its table is built and drawn on the page.
pub const MAX_FILE_ROWS: usize = 20_000;
pub const MAX_FILE_AXIS: usize = 64;
/// The largest `sweep.csv` (or `sweep.json`) read, in bytes: the bound of every file a person
/// opens as data (8 MiB); [`MAX_FILE_ROWS`] rows take far less.
pub const MAX_FILE_BYTES: usize = crate::data::table::MAX_FILE_BYTES;

/// The columns of `sweep.csv`: [`CellRow`]'s fields, in the order it writes them.
pub const COLUMNS: [&str; 9] =
    ["bs", "lr", "seed", "status", "final_train_loss", "final_val_loss", "final_val_acc", "steps_to_target", "digest"];

/// What is wrong with a header, if anything: a cell that is no column (a renamed one would drop its
/// values), a column given twice or missing.
fn header_problem(header: &csv::StringRecord) -> Option<String> {
    for (i, cell) in header.iter().enumerate() {
        if !COLUMNS.contains(&cell) {
            let shown: String = cell.chars().take(40).collect();
            return Some(format!("“{shown}” is not a column of sweep.csv (they are {})", COLUMNS.join(", ")));
        }
        if header.iter().take(i).any(|c| c == cell) {
            return Some(format!("the column {cell} is given twice"));
        }
    }
    COLUMNS.iter().find(|c| !header.iter().any(|h| h == **c)).map(|c| format!("the column {c} is missing"))
}

/// What is wrong with a row, if anything: a learning rate that is no rate, a batch of no examples, or
/// a loss, accuracy or fingerprint no run could have reported ([`crate::figures`]).
fn row_problem(r: &CellRow) -> Option<String> {
    if !(r.lr.is_finite() && r.lr > 0.0) {
        return Some(format!("lr is {}, not a positive number", r.lr));
    }
    if r.bs == BatchSize::Examples(0) {
        return Some("bs is 0: a batch has at least one example".to_owned());
    }
    accuracy_problem("final_val_acc", r.final_val_acc)
        .or_else(|| loss_problem("final_train_loss", r.final_train_loss, r.status))
        .or_else(|| loss_problem("final_val_loss", r.final_val_loss, r.status))
        .or_else(|| digest_problem("digest", &r.digest))
}

/// `sweep.csv`: a header, then one row per cell.
pub fn to_csv(rows: &[CellRow]) -> Result<String, SweepFileError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8(bytes)?)
}

/// A `sweep.csv` that says which grid and shard its rows belong to, in `#` lines before the header
/// (the page writes it, so a class's shards can be joined by [`merge`](super::merge)).
pub fn to_csv_with_grid(grid: &Grid, shard: Shard, rows: &[CellRow]) -> Result<String, SweepFileError> {
    let grid_json = serde_json::to_string(grid).map_err(|e| SweepFileError::Grid(e.to_string()))?;
    Ok(format!("# grid: {grid_json}\n# shard: {shard}\n{}", to_csv(rows)?))
}

/// How far a sweep that is still running, or was interrupted, got: its `sweep.csv` says so in a
/// `# partial: DONE of CELLS cells done` line before the header ([`to_csv_unfinished`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unfinished {
    /// Cells that had ended (a cell that failed counts, though it has no row).
    pub done: usize,
    /// Cells the sweep (or its shard) was to run.
    pub cells: usize,
}

impl fmt::Display for Unfinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} cells done", self.done, self.cells)
    }
}

/// The rows of a sweep that has not finished, under the line that says so.
pub fn to_csv_unfinished(unfinished: Unfinished, rows: &[CellRow]) -> Result<String, SweepFileError> {
    Ok(format!("# partial: {unfinished} (still running, or interrupted)\n{}", to_csv(rows)?))
}

/// A `sweep.csv` as read: its rows, the grid and shard it names when it names them, and how far it got
/// when it says it did not finish.
#[derive(Debug)]
pub struct SweepCsv {
    pub part: Option<(Grid, Shard)>,
    pub unfinished: Option<Unfinished>,
    pub rows: Vec<CellRow>,
}

/// Reads a `sweep.csv`, with or without its `#` lines (the grid and shard a page writes, the `partial`
/// line of a sweep that did not finish); the grid is checked like a page's.
pub fn read_sweep_csv(text: &str) -> Result<SweepCsv, SweepFileError> {
    let (mut grid, mut shard, mut unfinished) = (None, None, None);
    let mut body = text;
    let mut skipped = 0;
    while let Some(rest) = body.strip_prefix('#') {
        skipped += 1;
        let line = skipped;
        let (text, next) = rest.split_once('\n').unwrap_or((rest, ""));
        let twice = |what: &str| SweepFileError::Row { line, problem: format!("a second # {what}: line") };
        if let Some(json) = text.trim().strip_prefix("grid:") {
            let g: Grid = serde_json::from_str(json.trim()).map_err(|e| SweepFileError::Grid(e.to_string()))?;
            g.check_page_size().map_err(SweepFileError::Grid)?;
            g.check().map_err(SweepFileError::Grid)?;
            if grid.replace(g).is_some() {
                return Err(twice("grid"));
            }
        } else if let Some(s) = text.trim().strip_prefix("shard:") {
            if shard.replace(s.trim().parse::<Shard>().map_err(SweepFileError::Grid)?).is_some() {
                return Err(twice("shard"));
            }
        } else if let Some(s) = text.trim().strip_prefix("partial:") {
            let problem = || SweepFileError::Row {
                line,
                problem: format!(
                    "“#{}” is not “# partial: DONE of CELLS cells done”",
                    text.chars().take(60).collect::<String>()
                ),
            };
            let words: Vec<&str> = s.split_whitespace().take(4).collect();
            let u = match words[..] {
                [done, "of", cells, "cells"] => Unfinished {
                    done: done.parse().map_err(|_| problem())?,
                    cells: cells.parse().map_err(|_| problem())?,
                },
                _ => return Err(problem()),
            };
            if u.done > u.cells {
                return Err(problem());
            }
            if unfinished.replace((line, u)).is_some() {
                return Err(twice("partial"));
            }
        }
        body = next;
    }
    let part = match (grid, shard) {
        (Some(g), Some(s)) => Some((g, s)),
        (None, None) => None,
        _ => {
            return Err(SweepFileError::Grid("a grid line needs its shard line, and a shard line its grid".to_owned()))
        }
    };
    let rows = from_csv(body).map_err(|e| match e {
        SweepFileError::Row { line, problem } => SweepFileError::Row { line: line + skipped, problem },
        e => e,
    })?;
    // A file that names its shard holds that shard's cells and no others.
    if let Some((grid, shard)) = &part {
        let cells: HashSet<_> = grid.shard(*shard).iter().map(|c| (cell_key(c.batch_size, c.lr), c.seed)).collect();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| !cells.contains(&(cell_key(r.bs, r.lr), r.seed))) {
            return Err(SweepFileError::Row {
                line: skipped + 2 + i,
                problem: format!("B {}, η {}, seed {} is no cell of shard {shard} of its grid", r.bs, r.lr, r.seed),
            });
        }
    }
    if let Some((line, u)) = unfinished.filter(|(_, u)| rows.len() > u.done) {
        return Err(SweepFileError::Row { line, problem: format!("it says {u}, but {} rows follow", rows.len()) });
    }
    Ok(SweepCsv { part, unfinished: unfinished.map(|(_, u)| u), rows })
}

/// Reads a `sweep.csv`'s header and rows, validated and bounded: every column known, every row a
/// cell a run could have made, no cell twice, and a table small enough to draw ([`MAX_FILE_ROWS`],
/// [`MAX_FILE_AXIS`]). A file with no header at all has no rows.
pub fn from_csv(text: &str) -> Result<Vec<CellRow>, SweepFileError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    if let Some(problem) = header_problem(reader.headers()?) {
        return Err(SweepFileError::Row { line: 1, problem });
    }
    let mut rows: Vec<CellRow> = Vec::new();
    let (mut bs, mut lrs) = (Vec::new(), Vec::new());
    let mut lines: HashMap<((Option<usize>, u64), u32), usize> = HashMap::new();
    for (i, r) in reader.deserialize::<CellRow>().enumerate() {
        let r = r?;
        // Line 1 is the header.
        let line = i + 2;
        if let Some(problem) = row_problem(&r) {
            return Err(SweepFileError::Row { line, problem });
        }
        if rows.len() == MAX_FILE_ROWS {
            return Err(SweepFileError::TooBig(format!("more than {MAX_FILE_ROWS} rows")));
        }
        if let Some(first) = lines.insert((cell_key(r.bs, r.lr), r.seed), line) {
            return Err(SweepFileError::Row {
                line,
                problem: format!("B {}, η {}, seed {} is given again (first on line {first})", r.bs, r.lr, r.seed),
            });
        }
        if !bs.contains(&r.bs) {
            bs.push(r.bs);
        }
        if !lrs.contains(&r.lr) {
            lrs.push(r.lr);
        }
        if bs.len() > MAX_FILE_AXIS || lrs.len() > MAX_FILE_AXIS {
            return Err(SweepFileError::TooBig(format!(
                "more than {MAX_FILE_AXIS} batch sizes or learning rates (line {line})"
            )));
        }
        rows.push(r);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files that once froze the page or lied on it: refused, naming the line.
    #[test]
    fn a_sweep_csv_is_validated_and_bounded() {
        let header = format!("{}\n", COLUMNS.join(","));
        let file = |rows: &[&str]| format!("{header}{}\n", rows.join("\n"));
        assert_eq!(
            from_csv(&file(&[
                "32,0.1,1,finished,0.5,0.6,0.8,,00000000000000ff",
                "64,0.1,1,diverged,inf,NaN,0.1,,0123456789abcdef"
            ]))
            .unwrap()
            .len(),
            2
        );
        for (row, what) in [
            ("32,-1,1,finished,0.5,0.6,0.8,,00000000000000ff", "lr"),
            ("32,inf,1,finished,0.5,0.6,0.8,,00000000000000ff", "lr"),
            ("32,NaN,1,finished,0.5,0.6,0.8,,00000000000000ff", "lr"),
            ("0,0.1,1,finished,0.5,0.6,0.8,,00000000000000ff", "bs"),
            ("32,0.1,1,finished,NaN,0.6,0.8,,00000000000000ff", "final_train_loss is NaN"),
            ("32,0.1,1,finished,-5,0.6,0.8,,00000000000000ff", "final_train_loss is -5"),
            ("32,0.1,1,diverged,-5,0.6,0.8,,00000000000000ff", "final_train_loss is -5"),
            ("32,0.1,1,finished,1.7e308,0.6,0.8,,00000000000000ff", "(f32's largest)"),
            ("32,0.1,1,finished,0.5,0.6,7,,00000000000000ff", "final_val_acc"),
            // A digest cut short (a file cut inside its last row), or with a byte that is no digit.
            ("32,0.1,1,finished,0.5,0.6,0.8,,00000000000000", "digest is “00000000000000”"),
            ("32,0.1,1,finished,0.5,0.6,0.8,,00000000000000fg", "digest"),
            ("32,0.1,1,finished,0.5,0.6,0.8,,", "digest"),
            // The same cell twice: one of them would vanish from the table.
            ("8,0.1,1,finished,0.5,0.6,0.8,,00000000000000aa", "seed 1 is given again (first on line 2)"),
        ] {
            let e = from_csv(&file(&["8,0.1,1,finished,0.5,0.6,0.8,,00000000000000ff", row])).unwrap_err().to_string();
            assert!(e.contains("line 3") && e.contains(what), "{row}: {e}");
        }
        // A header cell renamed (its column's values would be dropped), repeated or missing.
        let row = "8,0.1,1,finished,0.5,0.6,0.8,,00000000000000ff\n";
        for (head, what) in [
            (header.replace("steps_to_target", "steps_to_targetX"), "“steps_to_targetX” is not a column"),
            (header.replace("digest", "lr"), "the column lr is given twice"),
            (header.replace(",digest", ""), "the column digest is missing"),
        ] {
            let e = from_csv(&format!("{head}{row}")).unwrap_err().to_string();
            assert!(e.contains("line 1") && e.contains(what), "{head}: {e}");
        }
        assert_eq!(from_csv("").unwrap(), [], "no header, no rows");
        let many: Vec<String> = (1..=1000)
            .map(|k| format!("{k},{},1,finished,0.5,0.6,0.8,,00000000000000ff", 0.001 * f64::from(k)))
            .collect();
        let e = from_csv(&file(&many.iter().map(String::as_str).collect::<Vec<_>>())).unwrap_err().to_string();
        assert!(e.contains("more than 64"), "{e}");
    }

    /// An unfinished sweep's file says so, and reads back as unfinished; a line that is not what it
    /// says is refused by its line.
    #[test]
    fn an_unfinished_sweep_csv_reads_back_as_unfinished() {
        let row = CellRow {
            bs: BatchSize::Examples(8),
            lr: 0.1,
            seed: 1,
            status: Verdict::Finished,
            final_train_loss: 0.5,
            final_val_loss: 0.6,
            final_val_acc: 0.8,
            steps_to_target: Some(30),
            digest: "00000000000000ff".to_owned(),
        };
        let u = Unfinished { done: 2, cells: 24 };
        let text = to_csv_unfinished(u, std::slice::from_ref(&row)).unwrap();
        assert!(text.starts_with("# partial: 2 of 24 cells done (still running, or interrupted)\nbs,"), "{text}");
        let read = read_sweep_csv(&text).unwrap();
        assert_eq!((read.unfinished, read.rows, read.part), (Some(u), vec![row.clone()], None));
        assert_eq!(
            read_sweep_csv(&to_csv_unfinished(Unfinished { done: 0, cells: 3 }, &[]).unwrap()).unwrap().rows,
            []
        );
        assert_eq!(read_sweep_csv(&to_csv(&[row]).unwrap()).unwrap().unfinished, None);
        for (bad, what) in [
            (text.replace("2 of 24", "2 of"), "line 1"),
            (text.replace("2 of 24", "30 of 24"), "line 1"),
            (text.replace("2 of 24", "0 of 24"), "but 1 rows follow"),
            (format!("# partial: 2 of 24 cells done\n{text}"), "a second # partial: line"),
        ] {
            let e = read_sweep_csv(&bad).unwrap_err().to_string();
            assert!(e.contains(what), "{bad}: {e}");
        }
    }
}

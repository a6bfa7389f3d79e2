//! Sweeps: a grid of batch sizes × learning rates × seeds, each cell a run. The host decides how to
//! run cells (the CLI in parallel over cores, the page in its pool of workers, many machines through a
//! scheduler by shards). Results travel as `sweep.csv` rows ([`CellRow`]) with the grid beside them
//! (`sweep.json`, a [`Grid`]), and any set of rows becomes a [`SweepTable`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::{BatchSize, RunConfig};
use crate::diagnostics::Cadence;
use crate::figures::{accuracy_problem, digest_problem, loss_problem};
use crate::outcome::Verdict;
use crate::settings::ConfigError;
use crate::train::{InitError, Observer, Point, Summary};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub batch_size: BatchSize,
    pub lr: f64,
    pub seed: u32,
}

impl Cell {
    /// The cell's run: `base` with the cell's batch size, learning rate and seed.
    pub fn config(&self, base: &RunConfig) -> RunConfig {
        RunConfig { batch_size: self.batch_size, lr: self.lr, seed: self.seed, ..base.clone() }
    }

    /// The cell's run as a sweep trains it: its summary is all a sweep keeps, so no diagnostics
    /// (they never change the training, only its cost).
    pub fn sweep_config(&self, base: &RunConfig) -> RunConfig {
        let mut c = self.config(base);
        c.diagnostics.sharpness = Cadence::Off;
        c.diagnostics.noise_scale = Cadence::Off;
        c
    }
}

/// A sweep's grid: what every cell shares (the base run's settings) and its axes, batch size
/// outermost, then learning rate, then seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// The base run's settings, as `RunConfig::to_params` writes them.
    pub base: Vec<(String, String)>,
    pub batch_sizes: Vec<BatchSize>,
    pub lrs: Vec<f64>,
    pub seeds: Vec<u32>,
    /// Validation accuracy whose first crossing is a cell's `steps_to_target`.
    pub target: f64,
}

/// `count` learning rates spaced evenly in log η from `from` to `to`, each rounded to two
/// significant digits (so they read well as labels).
pub fn log_grid(from: f64, to: f64, count: usize) -> Vec<f64> {
    let round = |x: f64| {
        let decade = 10f64.powf(x.log10().floor() - 1.0);
        (x / decade).round() * decade
    };
    let n = count.max(1);
    let mut lrs: Vec<f64> =
        (0..n).map(|i| if n == 1 { from } else { round(from * (to / from).powf(i as f64 / (n - 1) as f64)) }).collect();
    lrs.dedup();
    lrs
}

/// Part `index` of `count` (1-based) of a grid: every `count`-th cell, so the parts are disjoint,
/// cover the grid, and take about as long each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A shard as a file spells it, before it is checked.
#[derive(Deserialize)]
struct ShardFields {
    index: usize,
    count: usize,
}

impl TryFrom<ShardFields> for Shard {
    type Error = String;

    fn try_from(f: ShardFields) -> Result<Self, String> {
        Shard::new(f.index, f.count)
    }
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Part `index` of `count`, when 1 ≤ index ≤ count.
    pub fn new(index: usize, count: usize) -> Result<Self, String> {
        if (1..=count).contains(&index) {
            Ok(Shard { index, count })
        } else {
            Err(format!("shard: expected index from 1 to count, got index {index} of count {count}"))
        }
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let problem = || format!("expected i/n with 1 ≤ i ≤ n, such as 2/3; got \"{s}\"");
        let (i, n) = s.split_once('/').ok_or_else(problem)?;
        let (index, count): (usize, usize) =
            (i.trim().parse().map_err(|_| problem())?, n.trim().parse().map_err(|_| problem())?);
        Shard::new(index, count).map_err(|_| problem())
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The validation accuracy whose first crossing a sweep reports as "steps to target", unless told
/// otherwise (the page's form and the CLI start from it).
pub const DEFAULT_TARGET: f64 = 0.9;

impl Grid {
    /// The grid of `base` × `batch_sizes` × `lrs` × `seeds`.
    pub fn new(base: &RunConfig, batch_sizes: &[BatchSize], lrs: &[f64], seeds: &[u32], target: f64) -> Self {
        Self {
            base: base.to_owned_params(),
            batch_sizes: batch_sizes.to_vec(),
            lrs: lrs.to_vec(),
            seeds: seeds.to_vec(),
            target,
        }
    }

    /// Cells a page trains in its pool at most: larger grids belong to the CLI, which can shard them.
    pub const PAGE_MAX_CELLS: usize = 1000;

    /// The grid's cells (saturating: a grid read from a file may name absurdly many), and its size in
    /// words.
    fn size(&self) -> (usize, String) {
        let (b, l, s) = (self.batch_sizes.len(), self.lrs.len(), self.seeds.len());
        let cells = b.saturating_mul(l).saturating_mul(s);
        (cells, format!("{b} batch sizes × {l} learning rates × {s} seeds is {cells} runs"))
    }

    /// Whether a page may train this grid ([`Grid::PAGE_MAX_CELLS`]).
    pub fn check_page_size(&self) -> Result<(), String> {
        let (cells, size) = self.size();
        if cells > Self::PAGE_MAX_CELLS {
            Err(format!(
                "{size}; a page trains at most {} (the CLI's sweep --shard splits larger grids over machines)",
                Self::PAGE_MAX_CELLS
            ))
        } else {
            Ok(())
        }
    }

    /// Whether any host may sweep this grid: its `sweep.csv` must be one a page and `merge` read back
    /// whole ([`MAX_FILE_AXIS`] batch sizes and rates, [`MAX_FILE_ROWS`] runs). Checked before
    /// anything is sized by the grid.
    pub fn check_size(&self) -> Result<(), String> {
        let (cells, size) = self.size();
        if self.batch_sizes.len() > MAX_FILE_AXIS || self.lrs.len() > MAX_FILE_AXIS || cells > MAX_FILE_ROWS {
            Err(format!(
                "{size}; a sweep has at most {MAX_FILE_AXIS} batch sizes, {MAX_FILE_AXIS} learning rates and \
                 {MAX_FILE_ROWS} runs, so that its sweep.csv can be read back whole"
            ))
        } else {
            Ok(())
        }
    }

    /// Checks a grid read from a file: its base settings are accepted, its size is one a sweep can
    /// have ([`Grid::check_size`]), every axis has values a run could take, each once, and the target
    /// is an accuracy.
    pub fn check(&self) -> Result<(), String> {
        let base = self.base_config().map_err(|e| e.to_string())?;
        if self.batch_sizes.is_empty() || self.lrs.is_empty() || self.seeds.is_empty() {
            return Err("a grid needs at least one batch size, learning rate and seed".to_owned());
        }
        self.check_size()?;
        if let Some(lr) = self.lrs.iter().find(|lr| !(lr.is_finite() && **lr > 0.0)) {
            return Err(format!("the learning rate {lr} is no rate"));
        }
        let repeated = |n: usize, same: &dyn Fn(usize, usize) -> bool| (0..n).any(|i| (0..i).any(|j| same(i, j)));
        if repeated(self.batch_sizes.len(), &|i, j| self.batch_sizes[i] == self.batch_sizes[j])
            || repeated(self.lrs.len(), &|i, j| self.lrs[i] == self.lrs[j])
            || repeated(self.seeds.len(), &|i, j| self.seeds[i] == self.seeds[j])
        {
            return Err("a grid names each batch size, learning rate and seed once".to_owned());
        }
        if !(0.0..=1.0).contains(&self.target) {
            return Err(format!("the target {} is not an accuracy from 0 to 1", self.target));
        }
        // Each batch size and each rate, on the base run, is a run the trainer accepts.
        let lr = self.lrs[0];
        for (&batch_size, lr) in self
            .batch_sizes
            .iter()
            .zip(std::iter::repeat(lr))
            .chain(self.lrs.iter().map(|&lr| (&self.batch_sizes[0], lr)))
        {
            Cell { batch_size, lr, seed: self.seeds[0] }.config(&base).validate().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The base run, read back from its settings.
    pub fn base_config(&self) -> Result<RunConfig, ConfigError> {
        RunConfig::from_params(self.base.iter().map(|(k, v)| (k, v)))
    }

    /// Every cell, batch size outermost.
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(self.batch_sizes.len() * self.lrs.len() * self.seeds.len());
        for &batch_size in &self.batch_sizes {
            for &lr in &self.lrs {
                for &seed in &self.seeds {
                    cells.push(Cell { batch_size, lr, seed });
                }
            }
        }
        cells
    }

    /// `rows` in this grid's cells, in grid order: `None` for a cell with no row, and a row of no cell
    /// of the grid left out.
    pub fn place(&self, rows: &[CellRow]) -> Vec<Option<CellRow>> {
        let cells = self.cells();
        let index: HashMap<_, usize> =
            cells.iter().enumerate().map(|(k, c)| ((cell_key(c.batch_size, c.lr), c.seed), k)).collect();
        let mut slots = vec![None; cells.len()];
        for r in rows {
            if let Some(&k) = index.get(&(cell_key(r.bs, r.lr), r.seed)) {
                slots[k] = Some(r.clone());
            }
        }
        slots
    }

    /// The cells of one shard, in grid order.
    pub fn shard(&self, shard: Shard) -> Vec<Cell> {
        self.cells()
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % shard.count == shard.index - 1)
            .map(|(_, c)| c)
            .collect()
    }
}

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
/// (the page writes it, so a class's shards can be joined by [`merge`]).
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

/// A cell's place in a table: its batch size (`None` for full) and learning rate, by value.
fn cell_key(bs: BatchSize, lr: f64) -> (Option<usize>, u64) {
    let bs = match bs {
        BatchSize::Full => None,
        BatchSize::Examples(n) => Some(n),
    };
    (bs, lr.to_bits())
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

/// Why shards could not be joined.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error(
        "part {part} was swept over a different grid than part 1 ({what} differ), so their cells do not fit together"
    )]
    OtherGrid { part: usize, what: &'static str },
    #[error("part {part} is shard {shard}, but part 1 split the grid into {count} shards")]
    OtherCount { part: usize, shard: Shard, count: usize },
    #[error("shard {shard} is given twice")]
    Repeated { shard: Shard },
    #[error("shard {index}/{count} is missing")]
    Missing { index: usize, count: usize },
    #[error("shard {shard} holds {found} rows where its cells are {expected}, or they are not its cells")]
    WrongRows { shard: Shard, found: usize, expected: usize },
    #[error("the grid is too large: {0}")]
    TooBig(String),
}

/// Joins the shards of one grid into the rows of the whole sweep, in grid order; refuses parts of
/// different grids, a shard given twice or missing, rows that are not their shard's cells, and a grid
/// larger than a sweep can be ([`Grid::check_size`]). Nothing is sized by the shard count the files
/// state: only by the grid, once checked, and the parts given.
pub fn merge(parts: &[(Grid, Shard, Vec<CellRow>)]) -> Result<(Grid, Vec<CellRow>), MergeError> {
    let (grid, first, _) = parts.first().ok_or(MergeError::Empty)?;
    grid.check_size().map_err(MergeError::TooBig)?;
    let count = first.count;
    let mut slots: Vec<Option<CellRow>> = vec![None; grid.cells().len()];
    let mut seen = BTreeSet::new();
    for (i, (g, shard, rows)) in parts.iter().enumerate() {
        let part = i + 1;
        let what = if g.base != grid.base {
            Some("the base settings")
        } else if g.batch_sizes != grid.batch_sizes {
            Some("the batch sizes")
        } else if g.lrs != grid.lrs {
            Some("the learning rates")
        } else if g.seeds != grid.seeds {
            Some("the seeds")
        } else if g.target != grid.target {
            Some("the targets")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(MergeError::OtherGrid { part, what });
        }
        if shard.count != count {
            return Err(MergeError::OtherCount { part, shard: *shard, count });
        }
        if !seen.insert(shard.index) {
            return Err(MergeError::Repeated { shard: *shard });
        }
        let cells = grid.shard(*shard);
        if rows.len() != cells.len() || rows.iter().zip(&cells).any(|(r, c)| r.cell() != *c) {
            return Err(MergeError::WrongRows { shard: *shard, found: rows.len(), expected: cells.len() });
        }
        // The shard's cells are every `count`-th of the grid's (a step never past the grid's end).
        let places = (0..slots.len()).filter(|k| k % count == shard.index - 1);
        for (k, row) in places.zip(rows) {
            slots[k] = Some(row.clone());
        }
    }
    if let Some(index) = (1..=count).find(|i| !seen.contains(i)) {
        return Err(MergeError::Missing { index, count });
    }
    Ok((grid.clone(), slots.into_iter().flatten().collect()))
}

struct TargetWatch {
    target: Option<f64>,
    hit: Option<usize>,
}

impl Observer for TargetWatch {
    fn on_point(&mut self, p: &Point) {
        if self.hit.is_none() && self.target.is_some_and(|t| p.val_acc >= t) {
            self.hit = Some(p.step);
        }
    }
}

/// Runs one cell of a sweep over `base`; `target_val_acc` is the accuracy whose first crossing is
/// reported.
///
/// # Panics
/// Never: a run that has ended always has a summary.
pub fn run_cell(
    base: &RunConfig,
    cell: Cell,
    target_val_acc: Option<f64>,
    table: Option<&crate::data::Table>,
) -> Result<CellRow, InitError> {
    let mut trainer = cell.sweep_config(base).init_on(table)?;
    let mut watch = TargetWatch { target: target_val_acc, hit: None };
    trainer.run(&mut watch);
    let summary = trainer.summary().expect("a finished run has a summary");
    Ok(CellRow::new(cell, summary, watch.hit))
}

crate::named_enum! {
    /// What a sweep's cell is coloured by.
    #[derive(Default)]
    pub enum Measure {
        /// Loss on the whole training set at the end.
        #[default]
        FinalTrainLoss => ("train", "final training loss"),
        FinalValLoss => ("val", "final validation loss"),
        /// Steps until the validation accuracy first reached the target.
        StepsToTarget => ("steps", "steps to the target accuracy"),
    }
}

/// One (B, η) cell over its seeds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum CellSummary {
    /// The measure's mean over the seeds (none diverged or stalled).
    Mean(f64),
    /// At least one seed diverged.
    Diverged,
    /// At least one seed stalled (and none diverged).
    Stalled,
    /// Some seed never reached the target (steps to target).
    Missing,
    /// Some seed has no result yet (a sweep in progress, or cancelled).
    Pending,
}

/// A sweep's results as a table: batch sizes (rows, in the order given) × learning rates (columns,
/// ascending), each cell summarised over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepTable {
    pub batch_sizes: Vec<BatchSize>,
    pub lrs: Vec<f64>,
    pub measure: Measure,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<CellSummary>>,
}

impl SweepTable {
    /// Summarises `rows` of the grid `batch_sizes` × `lrs` with `seeds` seeds per cell.
    pub fn new(rows: &[CellRow], batch_sizes: &[BatchSize], lrs: &[f64], seeds: usize, measure: Measure) -> Self {
        let mut lrs = lrs.to_vec();
        lrs.sort_by(f64::total_cmp);
        lrs.dedup();
        let mut by_cell: HashMap<(Option<usize>, u64), Vec<&CellRow>> = HashMap::new();
        for r in rows {
            by_cell.entry(cell_key(r.bs, r.lr)).or_default().push(r);
        }
        let cells = batch_sizes
            .iter()
            .map(|&b| {
                lrs.iter()
                    .map(|&lr| summarise(by_cell.get(&cell_key(b, lr)).map_or(&[][..], Vec::as_slice), seeds, measure))
                    .collect()
            })
            .collect();
        Self { batch_sizes: batch_sizes.to_vec(), lrs, measure, cells }
    }

    /// The table of rows read from a file: batch sizes in the order they appear, every seed found.
    pub fn of_rows(rows: &[CellRow], measure: Measure) -> Self {
        let (batch_sizes, lrs, seeds) = axes(rows);
        Self::new(rows, &batch_sizes, &lrs, seeds.len(), measure)
    }

    /// Per batch size, the learning rate whose cell has the lowest mean (and that mean): `None` for a
    /// row with no figure, or with a cell still to run (a cancelled sweep's best η would be a guess).
    pub fn best_lr(&self) -> Vec<(BatchSize, Option<(f64, f64)>)> {
        self.batch_sizes
            .iter()
            .zip(&self.cells)
            .map(|(&b, row)| {
                let complete = !row.contains(&CellSummary::Pending);
                let best = row
                    .iter()
                    .zip(&self.lrs)
                    .filter_map(|(c, &lr)| match *c {
                        CellSummary::Mean(v) if v.is_finite() => Some((lr, v)),
                        _ => None,
                    })
                    .min_by(|x, y| x.1.total_cmp(&y.1));
                (b, best.filter(|_| complete))
            })
            .collect()
    }

    /// What the best η per batch size shows, from the smallest B with one to the largest: how much it
    /// grew against the linear and √B rules, and where it stopped growing. `None` with fewer than two
    /// such rows. `train_len` resolves a full batch.
    pub fn scaling(&self, train_len: usize) -> Option<Scaling> {
        let mut bests: Vec<(usize, f64)> =
            self.best_lr().into_iter().filter_map(|(b, best)| best.map(|(lr, _)| (b.resolve(train_len), lr))).collect();
        bests.sort_by_key(|b| b.0);
        bests.dedup_by_key(|b| b.0);
        if bests.len() < 2 || bests[0].0 == bests[bests.len() - 1].0 {
            return None;
        }
        let step = self.lrs.windows(2).map(|w| w[1] / w[0]).fold(1.0, f64::max);
        // The first B past which the best η rose no further.
        let peak = bests.iter().map(|b| b.1).fold(0.0, f64::max);
        let stopped_at = bests.iter().position(|b| b.1 >= peak).filter(|&i| i + 1 < bests.len()).map(|i| bests[i]);
        Some(Scaling {
            from: bests[0],
            to: bests[bests.len() - 1],
            grid_step: step,
            stopped_at,
            at_top: bests.iter().any(|b| Some(&b.1) == self.lrs.last()),
        })
    }
}

/// What a sweep's best η per batch size shows ([`SweepTable::scaling`]); its `Display` is the caption
/// the page and the CLI print.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    /// (B, best η) at the smallest and the largest batch size with a best η.
    pub from: (usize, f64),
    pub to: (usize, f64),
    /// The largest ratio between neighbouring rates of the grid: each best η is known to within it.
    pub grid_step: f64,
    /// The (B, best η) past which the best η rose no further, when that is before the largest B.
    pub stopped_at: Option<(usize, f64)>,
    /// Some best η is the grid's largest rate: the true best may lie higher.
    pub at_top: bool,
}

impl Scaling {
    /// The best η's growth from the smallest B to the largest, and the batch-size ratio.
    pub fn growth(&self) -> (f64, f64) {
        (self.to.1 / self.from.1, self.to.0 as f64 / self.from.0 as f64)
    }

    /// How the growth compares with the rules, each best η being known to within one grid step:
    /// "did not grow", "too coarse" (within a step of both rules), "less than √B", "about √B",
    /// "between √B and linear", "about linear" or "more than linear".
    pub fn verdict(&self) -> &'static str {
        let (grew, ratio) = self.growth();
        let (g, step, sqrt, linear) = (grew.ln(), self.grid_step.ln() * 1.0001, 0.5 * ratio.ln(), ratio.ln());
        if g <= step {
            "did not grow"
        } else if (g - sqrt).abs() <= step && (g - linear).abs() <= step {
            "too coarse"
        } else if g < sqrt - step {
            "less than √B"
        } else if g <= sqrt + step {
            "about √B"
        } else if g < linear - step {
            "between √B and linear"
        } else if g <= linear + step {
            "about linear"
        } else {
            "more than linear"
        }
    }
}

impl std::fmt::Display for Scaling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (grew, ratio) = self.growth();
        let lr = crate::outcome::fmt_lr;
        write!(
            f,
            "From B {} to B {} (×{}), the best η went from {} to {} (×{}); the linear rule would give ×{}, the √B rule ×{}",
            self.from.0,
            self.to.0,
            lr(ratio),
            lr(self.from.1),
            lr(self.to.1),
            lr(grew),
            lr(ratio),
            lr(ratio.sqrt())
        )?;
        let within = format!("each best η is known to within one grid step, ×{}", lr(self.grid_step));
        match self.verdict() {
            "did not grow" => write!(f, ": it did not grow by more than one grid step ({within})")?,
            "less than √B" => write!(f, ": it grew less than even the √B rule ({within})")?,
            "between √B and linear" => write!(f, ": between the √B and linear rules ({within})")?,
            "more than linear" => write!(f, ": more than the linear rule ({within})")?,
            "too coarse" => write!(f, ": the grid is too coarse to tell the √B rule from the linear one ({within})")?,
            rule => write!(f, ": {rule} ({within})")?,
        }
        if let Some((b, eta)) = self.stopped_at {
            write!(f, ". It stopped growing at B {b} (η {}): larger batches did not take a larger η", lr(eta))?;
        }
        if self.at_top {
            write!(f, ". Some best η is the grid's largest rate, so the true best may lie higher")?;
        }
        write!(f, ".")
    }
}

/// The batch sizes, learning rates and seeds of `rows`, each in the order it first appears.
pub fn axes(rows: &[CellRow]) -> (Vec<BatchSize>, Vec<f64>, Vec<u32>) {
    let (mut batch_sizes, mut lrs, mut seeds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut seen_bs, mut seen_lr, mut seen_seed) = (HashSet::new(), HashSet::new(), HashSet::new());
    for r in rows {
        if seen_bs.insert(cell_key(r.bs, 0.0).0) {
            batch_sizes.push(r.bs);
        }
        if seen_lr.insert(r.lr.to_bits()) {
            lrs.push(r.lr);
        }
        if seen_seed.insert(r.seed) {
            seeds.push(r.seed);
        }
    }
    (batch_sizes, lrs, seeds)
}

fn summarise(runs: &[&CellRow], seeds: usize, measure: Measure) -> CellSummary {
    if runs.iter().any(|r| r.status == Verdict::Diverged) {
        return CellSummary::Diverged;
    }
    if runs.iter().any(|r| r.status == Verdict::Stalled) {
        return CellSummary::Stalled;
    }
    let values: Option<Vec<f64>> = runs
        .iter()
        .map(|r| match measure {
            Measure::FinalTrainLoss => Some(r.final_train_loss),
            Measure::FinalValLoss => Some(r.final_val_loss),
            Measure::StepsToTarget => r.steps_to_target.map(|s| s as f64),
        })
        .collect();
    match values {
        _ if runs.len() < seeds || seeds == 0 => CellSummary::Pending,
        Some(v) => CellSummary::Mean(v.iter().sum::<f64>() / v.len() as f64),
        None => CellSummary::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moons() -> RunConfig {
        let mut base = RunConfig::default();
        assert_eq!(base.set_all([("dataset", "moons"), ("epochs", "20")]), []);
        base
    }

    #[test]
    fn a_small_sweep_on_moons_finds_a_finite_best_and_flags_the_divergent_cell() {
        let (b8, b64) = (BatchSize::Examples(8), BatchSize::Examples(64));
        let grid = Grid::new(&moons(), &[b8, b64], &[0.1, 1000.0], &[1, 2], 0.8);
        assert_eq!(grid.cells().len(), 8);
        let base = grid.base_config().unwrap();
        let rows: Vec<CellRow> =
            grid.cells().into_iter().map(|c| run_cell(&base, c, Some(0.8), None).unwrap()).collect();
        assert!(rows.iter().filter(|r| r.lr == 1000.0).all(|r| r.status == Verdict::Diverged));
        let table = SweepTable::new(&rows, &[b8, b64], &[0.1, 1000.0], 2, Measure::FinalTrainLoss);
        assert_eq!(table.cells[0][1], CellSummary::Diverged);
        let best: Vec<_> = table.best_lr().into_iter().map(|(b, best)| (b, best.map(|x| x.0))).collect();
        assert_eq!(best, [(b8, Some(0.1)), (b64, Some(0.1))]);
        assert!(rows.iter().filter(|r| r.lr == 0.1).all(|r| r.steps_to_target.is_some()));
        // The CSV round-trips every bit, and the table of the rows read back is the same.
        let csv = to_csv(&rows).unwrap();
        assert!(csv.starts_with(&format!("{}\n", COLUMNS.join(","))), "the columns are CellRow's fields");
        let back = from_csv(&csv).unwrap();
        assert_eq!(back, rows);
        assert_eq!(SweepTable::of_rows(&back, Measure::FinalTrainLoss), table);
    }

    fn table(rows: &[(usize, &[CellSummary])], lrs: &[f64]) -> SweepTable {
        SweepTable {
            batch_sizes: rows.iter().map(|r| BatchSize::Examples(r.0)).collect(),
            lrs: lrs.to_vec(),
            measure: Measure::FinalTrainLoss,
            cells: rows.iter().map(|r| r.1.to_vec()).collect(),
        }
    }

    #[test]
    fn the_caption_says_what_the_best_rates_show() {
        use CellSummary::{Diverged, Mean, Pending};
        let lrs = [0.1, 0.2, 0.4, 0.8, 1.6];
        // Best η ×8 over B ×64: the √B rule, and it stopped at B 128.
        let t = table(
            &[
                (8, &[Mean(0.5), Mean(0.3), Mean(0.4), Mean(0.6), Diverged]),
                (32, &[Mean(0.5), Mean(0.4), Mean(0.2), Mean(0.3), Diverged]),
                (128, &[Mean(0.9), Mean(0.6), Mean(0.4), Mean(0.1), Diverged]),
                (512, &[Mean(0.9), Mean(0.7), Mean(0.5), Mean(0.2), Mean(0.3)]),
            ],
            &lrs,
        );
        let s = t.scaling(1437).unwrap();
        assert_eq!((s.from, s.to, s.grid_step), ((8, 0.2), (512, 0.8), 2.0));
        assert_eq!(s.verdict(), "about √B");
        assert_eq!(s.stopped_at, Some((128, 0.8)));
        let text = s.to_string();
        assert!(text.starts_with("From B 8 to B 512 (×64), the best η went from 0.2 to 0.8 (×4)"), "{text}");
        assert!(text.contains(": about √B (") && text.contains("stopped growing at B 128"), "{text}");
        // A row with a cell still to run has no best η, so no caption from it.
        let cancelled = table(&[(8, &[Mean(0.5), Mean(0.3)]), (512, &[Mean(0.9), Pending])], &lrs[..2]);
        assert_eq!(cancelled.best_lr()[1].1, None);
        assert_eq!(cancelled.scaling(1437), None);
        // Linear growth to the top of the grid.
        let rising = [Mean(0.2), Mean(0.5), Mean(0.6), Mean(0.7), Mean(0.9)];
        let falling = [Mean(0.9), Mean(0.7), Mean(0.6), Mean(0.5), Mean(0.1)];
        let s = table(&[(8, &rising), (128, &falling)], &lrs).scaling(1437).unwrap();
        assert_eq!((s.verdict(), s.at_top, s.stopped_at), ("about linear", true, None));
        // B ×4 on a ×2 grid: √B (×2) and linear (×4) are a grid step apart, and the caption says so.
        let three = [0.1, 0.2, 0.4];
        let s = table(&[(8, &rising[..3]), (32, &falling[2..])], &three).scaling(1437).unwrap();
        assert_eq!(s.verdict(), "too coarse");
        assert!(s.to_string().contains("too coarse to tell"), "{s}");
    }

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

    #[test]
    fn a_page_grid_is_bounded() {
        let base = RunConfig::default();
        let bs: Vec<BatchSize> = (1..=1000).map(BatchSize::Examples).collect();
        let lrs = log_grid(0.01, 1.0, 20);
        let seeds: Vec<u32> = (1..=10).collect();
        let e = Grid::new(&base, &bs, &lrs, &seeds, 0.9).check_page_size().unwrap_err();
        assert!(e.contains("200000 runs"), "{e}");
        assert!(Grid::new(&base, &bs[..4], &lrs[..12], &seeds[..1], 0.9).check_page_size().is_ok());
    }

    #[test]
    fn log_grids_are_round() {
        assert_eq!(log_grid(0.01, 1.0, 3), [0.01, 0.1, 1.0]);
        assert_eq!(log_grid(0.01, 3.0, 6), [0.01, 0.031, 0.098, 0.31, 0.96, 3.0]);
    }

    #[test]
    fn shards_split_the_grid_and_merge_back_in_order() {
        let grid = Grid::new(&moons(), &[BatchSize::Examples(8), BatchSize::Full], &[0.1, 0.3, 1.0], &[1, 2], 0.9);
        let all = grid.cells();
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        let mut covered: Vec<Cell> = shards.iter().flat_map(|&s| grid.shard(s)).collect();
        assert_eq!(covered.len(), all.len());
        covered.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        let mut want = all.clone();
        want.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        assert_eq!(covered, want, "disjoint and complete");
        // Stand-in rows: merging only moves rows, so their contents need not be real runs.
        let row = |c: Cell| CellRow {
            bs: c.batch_size,
            lr: c.lr,
            seed: c.seed,
            status: Verdict::Finished,
            final_train_loss: c.lr,
            final_val_loss: 0.0,
            final_val_acc: 0.0,
            steps_to_target: None,
            digest: String::new(),
        };
        let parts: Vec<(Grid, Shard, Vec<CellRow>)> =
            shards.iter().rev().map(|&s| (grid.clone(), s, grid.shard(s).into_iter().map(row).collect())).collect();
        let (_, merged) = merge(&parts).unwrap();
        assert_eq!(merged, all.iter().copied().map(row).collect::<Vec<_>>());
        assert_eq!(merge(&parts[..2]), Err(MergeError::Missing { index: 1, count: 3 }));
        let mut other = parts.clone();
        other[1].0.lrs[0] = 0.2;
        assert_eq!(merge(&other), Err(MergeError::OtherGrid { part: 2, what: "the learning rates" }));
        let mut twice = parts.clone();
        twice[1].1 = twice[0].1;
        assert!(matches!(merge(&twice), Err(MergeError::Repeated { .. })));
        // A shard count the files state (2^64 − 1) sizes nothing: the missing shard is named.
        let huge: Vec<(Grid, Shard, Vec<CellRow>)> = (1..=2)
            .map(|index| {
                let s = Shard::new(index, usize::MAX).unwrap();
                (grid.clone(), s, grid.shard(s).into_iter().map(row).collect())
            })
            .collect();
        assert_eq!(merge(&huge), Err(MergeError::Missing { index: 3, count: usize::MAX }));
        // Nor does a grid larger than any sweep: refused by its size before a cell is made.
        let wide = Grid {
            batch_sizes: (1..=1000).map(BatchSize::Examples).collect(),
            lrs: (1..=1000).map(f64::from).collect(),
            seeds: (1..=100).collect(),
            ..grid.clone()
        };
        let e = merge(&[(wide, Shard::WHOLE, Vec::new())]).unwrap_err().to_string();
        assert!(e.contains("100000000 runs") && e.contains("at most 64 batch sizes"), "{e}");
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert!("0/3".parse::<Shard>().is_err() && "4/3".parse::<Shard>().is_err());
    }

    #[test]
    fn a_class_sweep_of_three_shards_read_from_their_files_is_the_whole_sweep() {
        let base = RunConfig { epochs: 1, ..RunConfig::default() };
        let grid = Grid::new(&base, &[BatchSize::Examples(64), BatchSize::Full], &[0.1, 1.0], &[1], 0.5);
        let run = |cells: Vec<Cell>| -> Vec<CellRow> {
            cells.into_iter().map(|c| run_cell(&base, c, Some(0.5), None).unwrap()).collect()
        };
        let whole = run(grid.cells());
        let parts: Vec<(Grid, Shard, Vec<CellRow>)> = (1..=3)
            .map(|i| {
                let shard = Shard::new(i, 3).unwrap();
                let text = to_csv_with_grid(&grid, shard, &run(grid.shard(shard))).unwrap();
                let read = read_sweep_csv(&text).unwrap();
                let (g, s) = read.part.unwrap();
                (g, s, read.rows)
            })
            .collect();
        let (merged_grid, merged) = merge(&parts).unwrap();
        assert_eq!((merged_grid, merged), (grid.clone(), whole));
        // A plain sweep.csv reads as before; a bad row's line counts the grid's lines.
        assert!(read_sweep_csv(&to_csv(&parts[0].2).unwrap()).unwrap().part.is_none());
        let text = to_csv_with_grid(&grid, Shard::WHOLE, &parts[0].2).unwrap().replace(",0.1,", ",-0.1,");
        let e = read_sweep_csv(&text).unwrap_err().to_string();
        assert!(e.contains("line 4"), "{e}");
        assert!(read_sweep_csv("# grid: {\"nope\": 1}\n# shard: 1/1\n").unwrap_err().to_string().contains("its grid"));
        let no_rate = Grid { lrs: vec![0.1, f64::NAN], ..grid.clone() };
        assert!(no_rate.check().unwrap_err().contains("no rate"));
        let zero = Grid { batch_sizes: vec![BatchSize::Examples(0)], ..grid.clone() };
        assert!(zero.check().is_err());
        assert!(Grid { seeds: vec![], ..grid.clone() }.check().is_err());
        assert!(Grid { target: 2.0, ..grid }.check().unwrap_err().contains("accuracy"));
    }
}

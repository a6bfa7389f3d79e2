//! The grid a sweep runs and how it is cut: its cells, its size limits, and the shards that split it
//! over machines, so every host runs the same cells in the same order.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::file::{CellRow, MAX_FILE_AXIS, MAX_FILE_ROWS};
use crate::config::{BatchSize, RunConfig};
use crate::diagnostics::Cadence;
use crate::settings::ConfigError;

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

/// A cell's place in a table: its batch size (`None` for full) and learning rate, by value.
pub(super) fn cell_key(bs: BatchSize, lr: f64) -> (Option<usize>, u64) {
    let bs = match bs {
        BatchSize::Full => None,
        BatchSize::Examples(n) => Some(n),
    };
    (bs, lr.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Running one cell: the trainer on the cell's config, watched for the first crossing of the target
//! accuracy, ending in the cell's row.

use super::{Cell, CellRow};
use crate::config::RunConfig;
use crate::train::{InitError, Observer, Point};

/// When a run first reached a validation accuracy: a cell's "steps to the target", the same rule for
/// the CLI's and the page's sweeps (the worker's `Session` watches with it too).
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetWatch {
    target: Option<f64>,
    hit: Option<usize>,
}

impl TargetWatch {
    /// Watches for `target` (none: never hit).
    pub fn new(target: Option<f64>) -> Self {
        Self { target, hit: None }
    }

    /// The step of the first point at or above the target, once there is one.
    pub fn hit(&self) -> Option<usize> {
        self.hit
    }
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
    let mut watch = TargetWatch::new(target_val_acc);
    trainer.run(&mut watch);
    let summary = trainer.summary().expect("a finished run has a summary");
    Ok(CellRow::new(cell, summary, watch.hit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BatchSize;
    use crate::outcome::Verdict;
    use crate::sweep::{from_csv, moons, to_csv, CellSummary, Grid, Measure, SweepTable, COLUMNS};

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
}

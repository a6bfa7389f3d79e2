//! The sweep: batch sizes × learning rates × seeds, its cells run as jobs of the lab's pool behind the
//! runs, or its rows read back from a sweep.csv; where it stands, and its table.

use batchlab_trainer::sweep::{
    axes, to_csv, to_csv_unfinished, to_csv_with_grid, Cell, CellRow, Grid, Measure, Shard, SweepTable, Unfinished,
    DEFAULT_TARGET,
};
use batchlab_trainer::RunConfig;

use super::{Command, Lab, NotAdded, RunId, RunKind};
use crate::pool::Target;
use crate::protocol::Mode;
use crate::share::SweepLink;

/// A sweep over batch sizes × learning rates × seeds, its cells run as jobs of the pool.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub grid: Grid,
    /// Results in grid order; `None` until the cell is done.
    pub rows: Vec<Option<CellRow>>,
    pub started_ms: f64,
    pub state: SweepState,
    /// The part of the grid this page runs (a class splits one sweep among its students).
    pub shard: Shard,
}

/// Where a sweep's results come from, and where it stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SweepState {
    /// Its cells are training on this page.
    Running,
    /// Every cell of its shard trained on this page, the last by `at_ms`.
    Finished { at_ms: f64 },
    /// Stopped before its end: by the person, a worker's death, or a visit that ended (kept).
    Cancelled,
    /// Read back (joined from its shards' files, or kept), not trained on this page.
    ReadBack,
    /// Opened from a `sweep.csv`, which records no base settings: its cells cannot be reopened.
    /// `unfinished` when its file was written before its sweep ended (its `# partial:` line).
    Imported { unfinished: Option<Unfinished> },
}

impl Sweep {
    pub fn is_running(&self) -> bool {
        self.state == SweepState::Running
    }

    /// Whether it has its results: every cell trained, or read back.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, SweepState::Finished { .. } | SweepState::ReadBack | SweepState::Imported { .. })
    }

    pub fn is_cancelled(&self) -> bool {
        self.state == SweepState::Cancelled
    }

    /// Opened from a `sweep.csv` that records no base settings.
    pub fn is_imported(&self) -> bool {
        matches!(self.state, SweepState::Imported { .. })
    }

    /// What the file of an unfinished sweep said it was to run.
    pub fn unfinished(&self) -> Option<Unfinished> {
        match self.state {
            SweepState::Imported { unfinished } => unfinished,
            _ => None,
        }
    }

    pub fn done(&self) -> usize {
        self.rows.iter().filter(|r| r.is_some()).count()
    }

    /// The cells this page runs: its shard's.
    pub fn expected(&self) -> usize {
        self.grid.shard(self.shard).len()
    }

    /// The sweep as a link carries it; `None` for one opened from a file that records no grid.
    pub fn link(&self) -> Option<SweepLink> {
        (!self.is_imported()).then(|| SweepLink { grid: self.grid.clone(), shard: self.shard })
    }

    /// Its `sweep.csv`: the done cells in grid order, under the grid and shard they belong to.
    pub fn csv(&self) -> Option<String> {
        let rows: Vec<CellRow> = self.rows.iter().flatten().cloned().collect();
        if rows.is_empty() {
            return None;
        }
        match self.state {
            SweepState::Imported { unfinished: Some(u) } => to_csv_unfinished(u, &rows).ok(),
            SweepState::Imported { unfinished: None } => to_csv(&rows).ok(),
            _ => to_csv_with_grid(&self.grid, self.shard, &rows).ok(),
        }
    }

    /// Where the sweep is, in words: cells done (rows read, for one read back) and what is left.
    pub fn progress(&self, now_ms: f64) -> String {
        let (done, total) = (self.done(), self.expected());
        let part =
            if self.shard == Shard::WHOLE { String::new() } else { format!("shard {} of the grid: ", self.shard) };
        let state = match self.state {
            SweepState::Imported { unfinished: Some(u) } => format!(
                "unfinished: {done} runs read back of the {} its sweep was to run (its file says the sweep was still \
                 running, or was interrupted)",
                u.cells
            ),
            SweepState::Cancelled => format!("cancelled after {done} of {total} runs"),
            SweepState::ReadBack | SweepState::Imported { unfinished: None } => {
                format!("{done} runs done (read back, not trained on this page)")
            }
            SweepState::Finished { at_ms } => {
                format!("{total} runs done in {:.1} s", (at_ms - self.started_ms) / 1000.0)
            }
            SweepState::Running => {
                let left =
                    self.ms_left(now_ms).map(|ms| format!(" · about {:.1} s left", ms / 1000.0)).unwrap_or_default();
                format!("{done} / {total} runs{left}")
            }
        };
        part + &state
    }

    /// Milliseconds left, from the time the cells done so far took.
    pub fn ms_left(&self, now_ms: f64) -> Option<f64> {
        let done = self.done();
        (done > 0 && self.is_running())
            .then(|| (now_ms - self.started_ms) / done as f64 * self.expected().saturating_sub(done) as f64)
    }

    /// The results so far, coloured by `measure`.
    pub fn table(&self, measure: Measure) -> SweepTable {
        let rows: Vec<CellRow> = self.rows.iter().flatten().cloned().collect();
        SweepTable::new(&rows, &self.grid.batch_sizes, &self.grid.lrs, self.grid.seeds.len(), measure)
    }
}

impl Lab {
    /// Starts a sweep over `base` × `batch_sizes` × `lrs` × `seeds` (only `shard`'s cells of it),
    /// replacing (and stopping) any other; its cells wait behind the runs.
    pub fn start_sweep(&mut self, grid: Grid, shard: Shard, now_ms: f64) -> Result<Vec<Command>, String> {
        let base = grid.base_config().map_err(|e| e.to_string())?;
        for cell in grid.cells() {
            cell.config(&base).validate().map_err(|e| e.to_string())?;
        }
        if let Some(why) = self.missing_table([&base]) {
            return Err(why);
        }
        let table = base.dataset.table().and_then(|t| self.table(t));
        let mut out = self.cancel_sweep();
        let cells = grid.cells();
        for (index, cell) in cells.iter().enumerate().skip(shard.index - 1).step_by(shard.count) {
            let (config, mode) = (cell.sweep_config(&base), Mode::Cell { target: grid.target });
            self.pool.submit(Target::Cell(index), config, None, mode, table.clone());
        }
        let rows = vec![None; cells.len()];
        self.sweep = Some(Sweep { grid, rows, started_ms: now_ms, state: SweepState::Running, shard });
        out.extend(self.dispatch());
        Ok(out)
    }

    /// Shows a kept sweep's results; one kept part way through shows as cancelled there.
    pub fn show_kept(&mut self, grid: Grid, shard: Shard, rows: &[CellRow], now_ms: f64) -> Vec<Command> {
        let expected = grid.shard(shard).len();
        let out = self.show_merged(grid, rows, now_ms);
        if let Some(s) = self.sweep.as_mut() {
            s.shard = shard;
            if s.done() < expected {
                s.state = SweepState::Cancelled;
            }
        }
        out
    }

    /// Shows a whole sweep joined from its shards' files: its grid is known, so its cells open.
    pub fn show_merged(&mut self, grid: Grid, rows: &[CellRow], now_ms: f64) -> Vec<Command> {
        self.show_rows(grid, rows, SweepState::ReadBack, now_ms)
    }

    /// Shows finished rows as the sweep over `grid`, in place of any other, read back as `state` says.
    fn show_rows(&mut self, grid: Grid, rows: &[CellRow], state: SweepState, now_ms: f64) -> Vec<Command> {
        let out = self.cancel_sweep();
        self.sweep = Some(Sweep { rows: grid.place(rows), grid, started_ms: now_ms, state, shard: Shard::WHOLE });
        out
    }

    /// Stops the sweep: queued cells are dropped, running ones stopped; its results so far stay.
    pub fn cancel_sweep(&mut self) -> Vec<Command> {
        let mut out = self.pool.cancel(|t| matches!(t, Target::Cell(_)));
        if let Some(s) = self.sweep.as_mut().filter(|s| s.is_running()) {
            s.state = SweepState::Cancelled;
        }
        out.extend(self.dispatch());
        out
    }

    /// Shows the rows of a `sweep.csv` as the sweep (its grid read off the rows, on `base`), marked
    /// unfinished when its file says so; refuses, naming its size, a grid larger than a sweep can be
    /// ([`Grid::check_size`]) before anything is sized by it. Nothing changes on a refusal.
    pub fn import_sweep(
        &mut self,
        rows: Vec<CellRow>,
        unfinished: Option<Unfinished>,
        base: &RunConfig,
        now_ms: f64,
    ) -> Result<Vec<Command>, String> {
        let (batch_sizes, mut lrs, mut seeds) = axes(&rows);
        lrs.sort_by(f64::total_cmp);
        seeds.sort_unstable();
        let grid = Grid::new(base, &batch_sizes, &lrs, &seeds, DEFAULT_TARGET);
        grid.check_size().map_err(|e| format!("its rows make a grid of {e}"))?;
        Ok(self.show_rows(grid, &rows, SweepState::Imported { unfinished }, now_ms))
    }

    /// Opens the cell in row `row` (batch size) and column `column` (learning rate, ascending) as a
    /// run on screen, with the sweep's first seed: bit for bit the cell's run. `None` for a sweep opened
    /// from a file, whose base settings are unknown (the page says so).
    pub fn open_cell(
        &mut self,
        row: usize,
        column: usize,
        now_ms: f64,
    ) -> Option<Result<(RunId, Vec<Command>), NotAdded>> {
        let sweep = self.sweep.as_ref().filter(|s| !s.is_imported())?;
        let table = sweep.table(Measure::FinalTrainLoss);
        let cell = Cell {
            batch_size: *table.batch_sizes.get(row)?,
            lr: *table.lrs.get(column)?,
            seed: *sweep.grid.seeds.first()?,
        };
        let config = cell.config(&sweep.grid.base_config().ok()?);
        Some(self.add_run(config, RunKind::Curve, now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ToWorker;
    use crate::testing::{config, drive, row};
    use batchlab_trainer::sweep::read_sweep_csv;
    use batchlab_trainer::BatchSize;
    #[test]
    fn a_sweep_runs_behind_the_runs_and_can_be_cancelled() {
        let mut lab = Lab::new(2);
        let base = config(&[("dataset", "moons"), ("epochs", "2")]);
        let bs = [BatchSize::Examples(8), BatchSize::Examples(32), BatchSize::Full];
        let grid = Grid::new(&base, &bs, &[0.03, 0.1, 0.3, 1.0], &[1], 0.8);
        let mut commands = lab.start_sweep(grid.clone(), Shard::WHOLE, 0.0).unwrap();
        let (run, more) = lab.add_run(base.clone(), RunKind::Curve, 0.0).unwrap();
        commands.extend(more);
        assert_eq!(lab.pool.next_queued(), Some(Target::Run(run)), "the run goes first");
        drive(&mut lab, commands);
        let sweep = lab.sweep.as_ref().unwrap();
        assert_eq!(sweep.done(), 12);
        assert!(sweep.is_finished());
        let table = sweep.table(Measure::FinalTrainLoss);
        assert!(table.best_lr().iter().all(|(_, best)| best.is_some()));
        // Opening a cell runs it again, bit for bit.
        let (opened, commands) = lab.open_cell(0, 1, 0.0).unwrap().unwrap();
        drive(&mut lab, commands);
        let digest = lab.run(opened).unwrap().view.summary.as_ref().unwrap().digest.clone();
        let row = lab.sweep.as_ref().unwrap().rows.iter().flatten().find(|r| r.bs == bs[0] && r.lr == 0.1).unwrap();
        assert_eq!(digest, row.digest);
        // Cancel: queued cells go, running ones stop, results so far stay.
        let commands = lab.start_sweep(grid, Shard::WHOLE, 0.0).unwrap();
        assert_eq!(commands.iter().filter(|c| matches!(c.msg, ToWorker::Start { .. })).count(), 2);
        let stops = lab.cancel_sweep();
        assert_eq!(stops.iter().filter(|c| c.msg == ToWorker::Stop).count(), 2);
        assert!(lab.sweep.as_ref().unwrap().is_cancelled() && lab.pool.queued() == 0);
    }

    /// A sweep.csv's rows make its table whatever their grid: "N runs done" counts the rows read, an
    /// unfinished file says so, and rows making a grid larger than a sweep can be are refused by its
    /// size before anything is sized by it.
    #[test]
    fn an_opened_sweep_csv_is_shown_as_what_it_holds() {
        let mut lab = Lab::new(1);
        // 4 rows of a 2 × 2 × 3 grid.
        let rows = vec![row(8, 0.1, 1), row(8, 0.3, 2), row(64, 0.1, 3), row(64, 0.3, 1)];
        lab.import_sweep(rows.clone(), None, &RunConfig::default(), 0.0).unwrap();
        let sweep = lab.sweep.as_ref().unwrap();
        assert_eq!((sweep.done(), sweep.expected()), (4, 12));
        assert_eq!(sweep.progress(0.0), "4 runs done (read back, not trained on this page)");
        let unfinished = Unfinished { done: 5, cells: 24 };
        lab.import_sweep(rows, Some(unfinished), &RunConfig::default(), 0.0).unwrap();
        let sweep = lab.sweep.as_ref().unwrap();
        assert!(sweep.progress(0.0).starts_with("unfinished: 4 runs read back of the 24"), "{}", sweep.progress(0.0));
        // Kept, it is still unfinished.
        let read = read_sweep_csv(&sweep.csv().unwrap()).unwrap();
        assert_eq!((read.unfinished, read.rows.len()), (Some(unfinished), 4));
        // 20,000 rows over 64 B × 64 η × 20,000 seeds: 81,920,000 cells, refused by that size at once.
        let huge: Vec<CellRow> =
            (0..20_000u32).map(|k| row(k as usize % 64 + 1, 0.01 * f64::from(k / 64 % 64 + 1), k)).collect();
        let e = lab.import_sweep(huge, None, &RunConfig::default(), 0.0).unwrap_err();
        assert!(e.contains("64 batch sizes × 64 learning rates × 20000 seeds is 81920000 runs"), "{e}");
        assert_eq!(lab.sweep.as_ref().unwrap().unfinished(), Some(unfinished), "the refusal changed nothing");
    }
}

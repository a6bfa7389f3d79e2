//! Sweeps: a grid of batch sizes × learning rates × seeds, each cell a run. The host decides how to
//! run cells (the CLI in parallel over cores, the page in its pool of workers, many machines through a
//! scheduler by shards). Results travel as `sweep.csv` rows ([`CellRow`]) with the grid beside them
//! (`sweep.json`, a [`Grid`]), and any set of rows becomes a [`SweepTable`].
//!
//! One job a file: [`Grid`], its cells and its shards (`grid`); the `sweep.csv` format, written and
//! read back checked (`file`); joining shards (`merge`); running a cell (`run`); and the table a
//! sweep's rows make, with its best η per batch size and their scaling (`table`).

mod file;
mod grid;
mod merge;
mod run;
mod table;

pub use file::{
    from_csv, read_sweep_csv, to_csv, to_csv_unfinished, to_csv_with_grid, CellRow, SweepCsv, SweepFileError,
    Unfinished, COLUMNS, MAX_FILE_AXIS, MAX_FILE_BYTES, MAX_FILE_ROWS,
};
pub use grid::{log_grid, Cell, Grid, Shard, DEFAULT_TARGET};
pub use merge::{merge, MergeError};
pub use run::{run_cell, TargetWatch};
pub use table::{axes, CellSummary, Measure, Scaling, SweepTable};

/// The base run of the tests that train cells: moons, for 20 epochs.
#[cfg(test)]
fn moons() -> crate::config::RunConfig {
    let mut base = crate::config::RunConfig::default();
    assert_eq!(base.set_all([("dataset", "moons"), ("epochs", "20")]), []);
    base
}

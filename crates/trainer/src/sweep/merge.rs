//! Joining shards: the rows of a grid's shards, run apart, become the whole sweep's rows in grid
//! order, or are refused naming the shard that does not fit.

use std::collections::BTreeSet;

use thiserror::Error;

use super::{CellRow, Grid, Shard};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BatchSize, RunConfig};
    use crate::outcome::Verdict;
    use crate::sweep::{moons, read_sweep_csv, run_cell, to_csv, to_csv_with_grid, Cell};

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

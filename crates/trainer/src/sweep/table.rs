//! What a sweep shows: its rows summarised per (B, η) cell over the seeds, the best η per batch size,
//! and how that best η scales with B against the linear and √B rules.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::grid::cell_key;
use super::CellRow;
use crate::config::BatchSize;
use crate::outcome::Verdict;

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
}

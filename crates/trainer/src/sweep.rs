//! Sweeps: a grid of batch sizes × learning rates × seeds, each cell a run. The host decides how to
//! run cells (the CLI in parallel over cores, the worker one after another).

use serde::{Deserialize, Serialize};

use crate::config::RunConfig;
use crate::train::{InitError, Observer, Point, Summary};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub batch_size: usize,
    pub lr: f64,
    pub seed: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    pub cell: Cell,
    pub summary: Summary,
    /// First step (and examples) at which the validation accuracy reached the target.
    pub steps_to_target: Option<usize>,
    pub examples_to_target: Option<u64>,
}

/// Every cell of the grid, batch size outermost.
pub fn grid(batch_sizes: &[usize], lrs: &[f64], seeds: &[u32]) -> Vec<Cell> {
    let mut cells = Vec::with_capacity(batch_sizes.len() * lrs.len() * seeds.len());
    for &batch_size in batch_sizes {
        for &lr in lrs {
            for &seed in seeds {
                cells.push(Cell { batch_size, lr, seed });
            }
        }
    }
    cells
}

struct TargetWatch {
    target: Option<f64>,
    hit: Option<(usize, u64)>,
}

impl Observer for TargetWatch {
    fn on_point(&mut self, p: &Point) {
        if self.hit.is_none() && self.target.is_some_and(|t| p.val_acc >= t) {
            self.hit = Some((p.step, p.examples));
        }
    }
}

/// Runs one cell of a sweep over `base`.
///
/// # Panics
/// Never: a run that has ended always has a summary.
pub fn run_cell(base: &RunConfig, cell: Cell, target_val_acc: Option<f64>) -> Result<CellResult, InitError> {
    let config = RunConfig { batch_size: cell.batch_size, lr: cell.lr, seed: cell.seed, ..base.clone() };
    let mut trainer = config.init()?;
    let mut watch = TargetWatch { target: target_val_acc, hit: None };
    trainer.run(&mut watch);
    let summary = trainer.summary().cloned().expect("a finished run has a summary");
    Ok(CellResult {
        cell,
        summary,
        steps_to_target: watch.hit.map(|h| h.0),
        examples_to_target: watch.hit.map(|h| h.1),
    })
}

/// Per batch size, the learning rate with the lowest final training loss averaged over seeds
/// (a diverged seed counts as infinite loss), with that mean loss.
pub fn best_lr_per_batch(results: &[CellResult]) -> Vec<(usize, f64, f64)> {
    let mut batch_sizes: Vec<usize> = results.iter().map(|r| r.cell.batch_size).collect();
    batch_sizes.sort_unstable();
    batch_sizes.dedup();
    batch_sizes
        .into_iter()
        .filter_map(|b| {
            let mut lrs: Vec<f64> = results.iter().filter(|r| r.cell.batch_size == b).map(|r| r.cell.lr).collect();
            lrs.sort_by(f64::total_cmp);
            lrs.dedup();
            lrs.into_iter()
                .map(|lr| {
                    let losses: Vec<f64> = results
                        .iter()
                        .filter(|r| r.cell.batch_size == b && r.cell.lr == lr)
                        .map(|r| {
                            let loss = r.summary.final_train_loss;
                            if r.summary.outcome.status() == "diverged" || !loss.is_finite() {
                                f64::INFINITY
                            } else {
                                loss
                            }
                        })
                        .collect();
                    (b, lr, losses.iter().sum::<f64>() / losses.len() as f64)
                })
                .filter(|c| c.2.is_finite())
                .min_by(|a, b| a.2.total_cmp(&b.2))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_sweep_on_moons_finds_a_finite_best_and_flags_the_divergent_cell() {
        let mut base = RunConfig::default();
        base.set("dataset", "moons").unwrap();
        base.set("epochs", "20").unwrap();
        let cells = grid(&[8, 64], &[0.1, 1000.0], &[1, 2]);
        assert_eq!(cells.len(), 8);
        let results: Vec<CellResult> = cells.iter().map(|&c| run_cell(&base, c, Some(0.8)).unwrap()).collect();
        assert!(results.iter().filter(|r| r.cell.lr == 1000.0).all(|r| r.summary.outcome.status() == "diverged"));
        let best = best_lr_per_batch(&results);
        assert_eq!(best.iter().map(|b| (b.0, b.1)).collect::<Vec<_>>(), [(8, 0.1), (64, 0.1)]);
        assert!(results.iter().filter(|r| r.cell.lr == 0.1).all(|r| r.steps_to_target.is_some()));
    }
}

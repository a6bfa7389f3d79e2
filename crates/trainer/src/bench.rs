//! The reference workload as a self-timed benchmark, for hosts without criterion: the browser's
//! bench page runs it in a Web Worker (../shared/reference-workload.md). The host supplies the clock.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::train::Trainer;
use crate::{BatchSize, RunConfig};

pub const WORKLOAD: &str = "digits-mlp128-sgd";
pub const BATCH_SIZES: [usize; 3] = [32, 128, 512];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub batch_size: usize,
    pub samples_per_sec: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_acc_20ep: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub workload: String,
    pub results: Vec<BenchResult>,
}

/// Training samples per second at `batch_size`: one warm-up epoch, then whole epochs of updates
/// (validation excluded) until `min_secs` have passed; the median of `repeats` such measurements.
pub fn samples_per_sec(
    data: &Dataset,
    batch_size: usize,
    min_secs: f64,
    repeats: usize,
    clock: &mut dyn FnMut() -> f64,
) -> f64 {
    let n = data.train_len();
    let steps_per_epoch = n.div_ceil(batch_size);
    let config =
        RunConfig { batch_size: BatchSize::Examples(batch_size), steps: Some(100_000_000), ..RunConfig::default() };
    let mut trainer = Trainer::new(config, data.clone());
    for _ in 0..steps_per_epoch {
        trainer.update();
    }
    let mut rates: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let (start, mut samples) = (clock(), 0usize);
            loop {
                for _ in 0..steps_per_epoch {
                    trainer.update();
                }
                samples += n;
                let elapsed = clock() - start;
                if elapsed >= min_secs {
                    return samples as f64 / elapsed;
                }
            }
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// The whole reference workload: every batch size, and the 20-epoch accuracy check at B = 32.
pub fn reference(data: &Dataset, min_secs: f64, repeats: usize, clock: &mut dyn FnMut() -> f64) -> BenchReport {
    let results = BATCH_SIZES
        .into_iter()
        .map(|batch_size| {
            let val_acc_20ep = (batch_size == 32).then(|| {
                let config =
                    RunConfig { batch_size: BatchSize::Examples(batch_size), epochs: 20, ..RunConfig::default() };
                let mut t = Trainer::new(config, data.clone());
                t.run(&mut ());
                t.summary().map_or(f64::NAN, |s| s.final_val_acc)
            });
            BenchResult {
                batch_size,
                samples_per_sec: samples_per_sec(data, batch_size, min_secs, repeats, clock),
                val_acc_20ep,
            }
        })
        .collect();
    BenchReport { workload: WORKLOAD.to_owned(), results }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_has_the_agreed_shape() {
        let data = crate::data::digits().unwrap();
        let t0 = std::time::Instant::now();
        let report = reference(&data, 0.05, 1, &mut || t0.elapsed().as_secs_f64());
        assert_eq!(report.results.iter().map(|r| r.batch_size).collect::<Vec<_>>(), BATCH_SIZES);
        assert!(report.results.iter().all(|r| r.samples_per_sec > 0.0));
        assert!(report.results[0].val_acc_20ep.is_some_and(|a| a > 0.88));
        assert!(report.results[1].val_acc_20ep.is_none());
    }
}

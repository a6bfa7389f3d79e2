//! Losses on the network's outputs (logits), as means over the batch (science.md's conventions).

use ndarray::{ArrayView2, ArrayViewMut2, Axis, Zip};

use crate::config::LossKind;
use crate::scalar::Scalar;

/// Sums over a batch or a data set: divide by `count` for means.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Σ of per-example losses, accumulated in `f64`.
    pub loss_sum: f64,
    /// Examples whose largest output is the true class.
    pub correct: usize,
    pub count: usize,
}

impl BatchStats {
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.count as f64
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.count as f64
    }

    pub fn add(&mut self, other: BatchStats) {
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
        self.count += other.count;
    }
}

/// Loss of each row of `logits` against `labels`; when `grad` is given, writes ∂(mean loss)/∂logits
/// into it (so the 1/B of the mean is already in the gradient).
pub fn evaluate<F: Scalar>(
    kind: LossKind,
    logits: ArrayView2<F>,
    labels: &[usize],
    mut grad: Option<ArrayViewMut2<F>>,
) -> BatchStats {
    let batch = labels.len();
    debug_assert_eq!(logits.nrows(), batch);
    let inv_b = F::of(1.0 / batch as f64);
    let mut stats = BatchStats { count: batch, ..BatchStats::default() };
    for (i, (row, &label)) in logits.axis_iter(Axis(0)).zip(labels).enumerate() {
        let (arg_max, max) =
            row.iter()
                .enumerate()
                .fold((0, F::neg_infinity()), |(bi, bv), (j, &v)| if v > bv { (j, v) } else { (bi, bv) });
        stats.correct += usize::from(arg_max == label);
        match kind {
            LossKind::CrossEntropy => {
                let sum_exp = row.iter().fold(F::zero(), |s, &z| s + (z - max).exp_());
                let log_z = sum_exp.ln_() + max;
                stats.loss_sum += (log_z - row[label]).wide();
                if let Some(g) = grad.as_mut() {
                    let mut g = g.row_mut(i);
                    Zip::indexed(&mut g).and(&row).for_each(|j, g, &z| {
                        let p = (z - log_z).exp_();
                        *g = (if j == label { p - F::one() } else { p }) * inv_b;
                    });
                }
            }
            LossKind::Mse => {
                let mut sq = F::zero();
                for (j, &z) in row.iter().enumerate() {
                    let d = if j == label { z - F::one() } else { z };
                    sq += d * d;
                }
                stats.loss_sum += 0.5 * sq.wide();
                if let Some(g) = grad.as_mut() {
                    let mut g = g.row_mut(i);
                    Zip::indexed(&mut g).and(&row).for_each(|j, g, &z| {
                        *g = (if j == label { z - F::one() } else { z }) * inv_b;
                    });
                }
            }
        }
    }
    stats
}

//! Losses on the network's outputs (logits), as means over the batch (science.md's conventions), with
//! their gradient and their Hessian-vector product with respect to the logits.

use ndarray::{ArrayView2, ArrayViewMut2, Axis, Zip};

use crate::scalar::Scalar;

crate::named_enum! {
    pub enum LossKind {
        /// Softmax cross-entropy.
        CrossEntropy => ("xent", "cross-entropy"),
        /// ½‖ŷ − y‖² on one-hot targets.
        Mse => ("mse", "mean squared error"),
    }
}

impl LossKind {
    /// The loss of a model that predicts the class frequencies `prior` for every example (the loss a
    /// network collapsed to the prior sits at): the entropy of the prior for cross-entropy,
    /// ½(1 − Σ p²) for MSE.
    pub fn prior_loss(self, prior: &[f64]) -> f64 {
        match self {
            LossKind::CrossEntropy => -prior.iter().filter(|&&p| p > 0.0).map(|&p| p * p.ln()).sum::<f64>(),
            LossKind::Mse => 0.5 * (1.0 - prior.iter().map(|p| p * p).sum::<f64>()),
        }
    }
}

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

/// Loss of each row of `logits` against `labels`; when `grad` is given, writes `scale` ×
/// ∂(per-example loss)/∂logits into it (`scale` = 1/B for the gradient of the batch mean).
pub fn evaluate<F: Scalar>(
    kind: LossKind,
    logits: ArrayView2<F>,
    labels: &[usize],
    mut grad: Option<ArrayViewMut2<F>>,
    scale: F,
) -> BatchStats {
    debug_assert_eq!(logits.nrows(), labels.len());
    let mut stats = BatchStats { count: labels.len(), ..BatchStats::default() };
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
                        *g = (if j == label { p - F::one() } else { p }) * scale;
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
                        *g = (if j == label { z - F::one() } else { z }) * scale;
                    });
                }
            }
        }
    }
    stats
}

/// `out` = `scale` × (∂²ℓ/∂z²) · `r` per row: the R-operator of the loss gradient, for
/// Hessian-vector products. Cross-entropy: (diag p − p pᵀ) r with p = softmax(z); MSE: r.
pub fn hessian_times<F: Scalar>(
    kind: LossKind,
    logits: ArrayView2<F>,
    r: ArrayView2<F>,
    mut out: ArrayViewMut2<F>,
    scale: F,
) {
    match kind {
        LossKind::Mse => Zip::from(&mut out).and(&r).for_each(|o, &r| *o = r * scale),
        LossKind::CrossEntropy => {
            for ((z, r), mut o) in logits.axis_iter(Axis(0)).zip(r.axis_iter(Axis(0))).zip(out.axis_iter_mut(Axis(0))) {
                let max = z.iter().fold(F::neg_infinity(), |m, &v| m.max(v));
                let sum_exp = z.iter().fold(F::zero(), |s, &v| s + (v - max).exp_());
                let log_z = sum_exp.ln_() + max;
                Zip::from(&mut o).and(&z).for_each(|o, &z| *o = (z - log_z).exp_());
                let p_dot_r = o.iter().zip(r.iter()).fold(F::zero(), |s, (&p, &r)| s + p * r);
                Zip::from(&mut o).and(&r).for_each(|o, &r| *o = *o * (r - p_dot_r) * scale);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collapsed_network_sits_at_the_prior_loss() {
        let uniform = [0.1; 10];
        assert!((LossKind::CrossEntropy.prior_loss(&uniform) - 10f64.ln()).abs() < 1e-12);
        // science.md: with MSE a network collapsed to the class prior sits at about 0.45.
        assert!((LossKind::Mse.prior_loss(&uniform) - 0.45).abs() < 1e-12);
    }
}

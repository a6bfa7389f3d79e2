//! Optimisers updating the flat parameter vector in place: SGD, heavy-ball and Nesterov momentum,
//! Adam and AdamW (bias-corrected), with weight decay and gradient-norm clipping.

use crate::config::{OptimizerConfig, OptimizerKind};
use crate::scalar::Scalar;

/// An optimiser with its state.
#[derive(Clone, Debug)]
pub struct Optimizer<F> {
    config: OptimizerConfig,
    /// Velocity (momentum, Nesterov) or first moment (Adam).
    first: Vec<F>,
    /// Second moment (Adam).
    second: Vec<F>,
    /// β₁ᵗ and β₂ᵗ for Adam's bias correction, kept as running products (no `powi`, same bits everywhere).
    beta1_t: f64,
    beta2_t: f64,
}

/// Euclidean norm, accumulated in `f64`.
pub fn norm<F: Scalar>(v: &[F]) -> f64 {
    v.iter().map(|&x| x.wide() * x.wide()).sum::<f64>().sqrt()
}

impl<F: Scalar> Optimizer<F> {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Self {
        let (first, second) = match config.kind {
            OptimizerKind::Sgd => (0, 0),
            OptimizerKind::Momentum | OptimizerKind::Nesterov => (param_count, 0),
            OptimizerKind::Adam | OptimizerKind::AdamW => (param_count, param_count),
        };
        Self { config, first: vec![F::zero(); first], second: vec![F::zero(); second], beta1_t: 1.0, beta2_t: 1.0 }
    }

    /// One update with learning rate `lr`. Clips `grad` in place when a clip norm is set, and
    /// returns the gradient's norm before clipping.
    pub fn step(&mut self, params: &mut [F], grad: &mut [F], lr: f64) -> f64 {
        let c = self.config;
        let grad_norm = norm(grad);
        if let Some(max) = c.clip_norm {
            if grad_norm > max {
                let scale = F::of(max / grad_norm);
                for g in grad.iter_mut() {
                    *g *= scale;
                }
            }
        }
        let (eta, beta, wd) = (F::of(lr), F::of(c.momentum), F::of(c.weight_decay));
        // L2 penalty as part of the gradient, except for AdamW's decoupled decay.
        let l2 = if c.kind == OptimizerKind::AdamW { F::zero() } else { wd };
        match c.kind {
            OptimizerKind::Sgd => {
                for (p, &g) in params.iter_mut().zip(grad.iter()) {
                    *p -= eta * (g + l2 * *p);
                }
            }
            OptimizerKind::Momentum | OptimizerKind::Nesterov => {
                let nesterov = c.kind == OptimizerKind::Nesterov;
                for ((p, v), &g) in params.iter_mut().zip(&mut self.first).zip(grad.iter()) {
                    let g = g + l2 * *p;
                    *v = beta * *v + g;
                    *p -= eta * if nesterov { g + beta * *v } else { *v };
                }
            }
            OptimizerKind::Adam | OptimizerKind::AdamW => {
                self.beta1_t *= c.momentum;
                self.beta2_t *= c.beta2;
                let (b1, b2, eps) = (beta, F::of(c.beta2), F::of(c.eps));
                let (corr1, corr2) = (F::of(1.0 - self.beta1_t), F::of(1.0 - self.beta2_t));
                let decay = if c.kind == OptimizerKind::AdamW { eta * wd } else { F::zero() };
                for (((p, m), v), &g) in params.iter_mut().zip(&mut self.first).zip(&mut self.second).zip(grad.iter()) {
                    let g = g + l2 * *p;
                    *m = b1 * *m + (F::one() - b1) * g;
                    *v = b2 * *v + (F::one() - b2) * g * g;
                    let step = (*m / corr1) / ((*v / corr2).sqrt() + eps);
                    *p -= eta * step + decay * *p;
                }
            }
        }
        grad_norm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(kind: OptimizerKind, f: impl FnOnce(&mut OptimizerConfig)) -> Optimizer<f64> {
        let mut c = OptimizerConfig { kind, ..OptimizerConfig::default() };
        f(&mut c);
        Optimizer::new(c, 2)
    }

    #[test]
    fn sgd_and_weight_decay() {
        let mut o = opt(OptimizerKind::Sgd, |c| c.weight_decay = 0.5);
        let mut p = [1.0, -2.0];
        o.step(&mut p, &mut [2.0, 0.0], 0.25);
        assert_eq!(p, [1.0 - 0.25 * (2.0 + 0.5), -2.0 - 0.25 * (0.5 * -2.0)]);
    }

    #[test]
    fn momentum_and_nesterov_follow_their_recurrences() {
        let mut heavy = opt(OptimizerKind::Momentum, |c| c.momentum = 0.5);
        let mut p = [0.0, 0.0];
        heavy.step(&mut p, &mut [1.0, 0.0], 0.1); // v = 1, p = -0.1
        heavy.step(&mut p, &mut [1.0, 0.0], 0.1); // v = 1.5, p = -0.25
        assert!((p[0] + 0.25).abs() < 1e-15);

        let mut nag = opt(OptimizerKind::Nesterov, |c| c.momentum = 0.5);
        let mut q = [0.0, 0.0];
        nag.step(&mut q, &mut [1.0, 0.0], 0.1); // v = 1, q = -0.1·(1 + 0.5)
        nag.step(&mut q, &mut [1.0, 0.0], 0.1); // v = 1.5, q -= 0.1·(1 + 0.75)
        assert!((q[0] + 0.15 + 0.175).abs() < 1e-15);
    }

    #[test]
    fn adam_first_step_is_lr_times_sign_and_adamw_decays_apart() {
        let mut adam = opt(OptimizerKind::Adam, |c| c.eps = 0.0);
        let mut p = [0.0, 0.0];
        adam.step(&mut p, &mut [3.0, -0.001], 0.01);
        assert!((p[0] + 0.01).abs() < 1e-15 && (p[1] - 0.01).abs() < 1e-15, "{p:?}");

        // With a zero gradient, AdamW only shrinks θ by ηλ; Adam's L2 turns λθ into a signed step.
        let mut adamw = opt(OptimizerKind::AdamW, |c| c.weight_decay = 0.1);
        let mut q = [2.0, -4.0];
        adamw.step(&mut q, &mut [0.0, 0.0], 0.5);
        assert_eq!(q, [2.0 * (1.0 - 0.05), -4.0 * (1.0 - 0.05)]);
        let mut adam_l2 = opt(OptimizerKind::Adam, |c| {
            c.weight_decay = 0.1;
            c.eps = 0.0;
        });
        let mut r = [2.0, -4.0];
        adam_l2.step(&mut r, &mut [0.0, 0.0], 0.5);
        assert!((r[0] - 1.5).abs() < 1e-12 && (r[1] + 3.5).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn clipping_rescales_to_the_norm_and_reports_the_original() {
        let mut o = opt(OptimizerKind::Sgd, |c| c.clip_norm = Some(1.0));
        let mut p = [0.0, 0.0];
        let mut g = [3.0, 4.0];
        assert_eq!(o.step(&mut p, &mut g, 1.0), 5.0);
        assert!((p[0] + 0.6).abs() < 1e-15 && (p[1] + 0.8).abs() < 1e-15);
    }
}

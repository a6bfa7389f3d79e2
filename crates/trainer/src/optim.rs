//! Optimisers: plain SGD and heavy-ball momentum, updating the flat parameter vector in place.

use crate::config::OptimizerConfig;
use crate::scalar::Scalar;

/// An optimiser with its state (the velocity for momentum).
#[derive(Clone, Debug)]
pub struct Optimizer<F> {
    config: OptimizerConfig,
    velocity: Vec<F>,
}

impl<F: Scalar> Optimizer<F> {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Self {
        let velocity = match config {
            OptimizerConfig::Sgd => Vec::new(),
            OptimizerConfig::Momentum { .. } => vec![F::zero(); param_count],
        };
        Self { config, velocity }
    }

    /// One update θ ← θ − η·(direction) with learning rate `lr`.
    pub fn step(&mut self, params: &mut [F], grad: &[F], lr: f64) {
        let lr = F::of(lr);
        match self.config {
            OptimizerConfig::Sgd => {
                for (p, &g) in params.iter_mut().zip(grad) {
                    *p -= lr * g;
                }
            }
            OptimizerConfig::Momentum { beta } => {
                let beta = F::of(beta);
                for ((p, v), &g) in params.iter_mut().zip(&mut self.velocity).zip(grad) {
                    *v = beta * *v + g;
                    *p -= lr * *v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn momentum_accumulates_like_the_recurrence() {
        let mut opt = Optimizer::<f64>::new(OptimizerConfig::Momentum { beta: 0.5 }, 1);
        let mut p = [0.0];
        opt.step(&mut p, &[1.0], 0.1); // v = 1, p = -0.1
        opt.step(&mut p, &[1.0], 0.1); // v = 1.5, p = -0.25
        assert!((p[0] + 0.25).abs() < 1e-15);
        let mut sgd = Optimizer::<f64>::new(OptimizerConfig::Sgd, 1);
        let mut q = [1.0];
        sgd.step(&mut q, &[2.0], 0.25);
        assert_eq!(q[0], 0.5);
    }
}

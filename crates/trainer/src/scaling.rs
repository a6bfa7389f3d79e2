//! Learning-rate scaling rules: given a tuned (B₀, η₀), the η for another batch size B.

use serde::{Deserialize, Serialize};

use crate::optim::OptimizerKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalingRule {
    /// Keep η (the page's "no scaling" baseline).
    None,
    /// η ∝ B (Goyal et al. 2017), for SGD while B is below the critical batch size.
    Linear,
    /// η ∝ √B (Krizhevsky 2014; Hoffer et al. 2017; for Adam, Malladi et al. 2022).
    Sqrt,
}

impl ScalingRule {
    /// The usual rule for an optimiser: square root for Adam and AdamW, linear for SGD variants.
    pub fn for_optimizer(kind: OptimizerKind) -> Self {
        if kind.is_adaptive() {
            ScalingRule::Sqrt
        } else {
            ScalingRule::Linear
        }
    }

    /// η for batch size `batch_size`, from `base_lr` tuned at `base_batch_size`.
    pub fn scale(self, base_batch_size: usize, base_lr: f64, batch_size: usize) -> f64 {
        let k = batch_size as f64 / base_batch_size.max(1) as f64;
        match self {
            ScalingRule::None => base_lr,
            ScalingRule::Linear => base_lr * k,
            ScalingRule::Sqrt => base_lr * k.sqrt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(ScalingRule::Linear.scale(32, 0.1, 128), 0.4);
        assert_eq!(ScalingRule::Sqrt.scale(32, 0.1, 128), 0.2);
        assert_eq!(ScalingRule::None.scale(32, 0.1, 128), 0.1);
        assert_eq!(ScalingRule::Linear.scale(128, 0.4, 32), 0.1);
        assert_eq!(ScalingRule::for_optimizer(OptimizerKind::AdamW), ScalingRule::Sqrt);
        assert_eq!(ScalingRule::for_optimizer(OptimizerKind::Nesterov), ScalingRule::Linear);
    }
}

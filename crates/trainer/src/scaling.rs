//! Learning-rate scaling rules: given a tuned (B₀, η₀), the η for another batch size B. The page's
//! scaling lock moves η by one of them as the batch size moves.

crate::named_enum! {
    pub enum ScalingRule {
        /// Keep η.
        None => ("off", "off (η stays)"),
        /// η ∝ B (Goyal et al. 2017), for SGD while B is below the critical batch size.
        Linear => ("linear", "linearly (η ∝ B)"),
        /// η ∝ √B (Krizhevsky 2014; Hoffer et al. 2017; for Adam, Malladi et al. 2022).
        Sqrt => ("sqrt", "as the square root (η ∝ √B)"),
    }
}

impl ScalingRule {
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
        assert_eq!(ScalingRule::NAMES, ["off", "linear", "sqrt"]);
    }
}

//! Learning-rate schedules as pure functions of the step, so the UI can draw the whole curve before
//! the run starts and the trainer reads the same values; and which epoch a step falls in, the one
//! place that knows how batch growth shortens later epochs.

use serde::{Deserialize, Serialize};

crate::named_enum! {
    pub enum ScheduleKind {
        Constant => ("constant", "constant"),
        /// Multiply η by γ every `step_every` epochs.
        Step => ("step", "step decay"),
        /// Multiply η by γ per epoch, continuously.
        Exponential => ("exp", "exponential decay"),
        /// Half a cosine from η down to zero over the run (after warm-up).
        Cosine => ("cosine", "cosine to zero"),
        /// Exponential ramp from η up to `end_lr` over the run: the LR range test.
        Ramp => ("ramp", "LR range test: ramp η up to end_lr"),
    }
}

/// How η changes during a run. Parameters the kind does not use are kept (switching kinds in the form
/// loses nothing) and are not part of the run's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleConfig {
    pub kind: ScheduleKind,
    /// Step decay: epochs between decays.
    pub step_every: usize,
    /// Step and exponential decay: the factor per decay (step) or per epoch (exp).
    pub gamma: f64,
    /// Ramp: the learning rate reached at the last step.
    pub end_lr: f64,
    /// Linear warm-up from η/steps to η over this many epochs, before `kind` takes over.
    pub warmup_epochs: f64,
}

/// Multiply the batch size by `factor` every `every_epochs` epochs, up to the whole training set
/// (Smith et al. 2017: grow the batch instead of decaying η).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchGrowth {
    pub every_epochs: usize,
    pub factor: usize,
}

/// A schedule bound to a run's length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub config: ScheduleConfig,
    pub base_lr: f64,
    /// Steps per epoch at the initial batch size.
    pub steps_per_epoch: usize,
    pub total_steps: usize,
    /// Batch growth, which makes later epochs shorter.
    pub growth: Option<Growth>,
}

/// What [`Schedule::epoch`] needs to know of a growing batch size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Growth {
    pub every_epochs: usize,
    pub factor: usize,
    pub base_batch_size: usize,
    pub train_len: usize,
}

impl Schedule {
    /// Epochs done after `step` updates (fractional).
    pub fn epoch(&self, step: usize) -> f64 {
        let Some(g) = self.growth else {
            return step as f64 / self.steps_per_epoch.max(1) as f64;
        };
        let (mut start, mut batch, mut phase) = (0, g.base_batch_size.max(1), 0);
        loop {
            let spe = g.train_len.div_ceil(batch);
            let len = spe * g.every_epochs.max(1);
            if step < start + len || batch >= g.train_len || g.factor <= 1 {
                return (phase * g.every_epochs) as f64 + (step - start) as f64 / spe as f64;
            }
            start += len;
            phase += 1;
            batch = batch.saturating_mul(g.factor).min(g.train_len);
        }
    }

    /// Learning rate used by step `step` (0-based).
    pub fn lr(&self, step: usize) -> f64 {
        let spe = self.steps_per_epoch.max(1) as f64;
        let warmup_steps = (self.config.warmup_epochs * spe).round() as usize;
        if step < warmup_steps {
            return self.base_lr * (step + 1) as f64 / warmup_steps as f64;
        }
        let epoch = self.epoch(step);
        let c = self.config;
        let factor = match c.kind {
            ScheduleKind::Constant => 1.0,
            ScheduleKind::Step => libm::pow(c.gamma, (epoch / c.step_every.max(1) as f64).floor()),
            ScheduleKind::Exponential => libm::pow(c.gamma, epoch),
            ScheduleKind::Cosine => {
                let span = self.total_steps.saturating_sub(warmup_steps).max(1) as f64;
                let t = ((step - warmup_steps) as f64 / span).min(1.0);
                0.5 * (1.0 + libm::cos(std::f64::consts::PI * t))
            }
            ScheduleKind::Ramp => {
                let span = self.total_steps.saturating_sub(warmup_steps + 1).max(1) as f64;
                let t = ((step - warmup_steps) as f64 / span).min(1.0);
                libm::pow(c.end_lr / self.base_lr, t)
            }
        };
        self.base_lr * factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(kind: ScheduleKind, warmup_epochs: f64) -> Schedule {
        Schedule {
            config: ScheduleConfig { kind, step_every: 3, gamma: 0.5, end_lr: 80.0, warmup_epochs },
            base_lr: 0.8,
            steps_per_epoch: 10,
            total_steps: 100,
            growth: None,
        }
    }

    #[test]
    fn values_at_chosen_steps() {
        let c = sched(ScheduleKind::Constant, 0.0);
        assert_eq!(c.lr(0), 0.8);
        assert_eq!(c.lr(99), 0.8);

        let s = sched(ScheduleKind::Step, 0.0);
        assert_eq!(s.lr(29), 0.8); // epoch 2.9
        assert_eq!(s.lr(30), 0.4); // epoch 3
        assert_eq!(s.lr(60), 0.2);

        let e = sched(ScheduleKind::Exponential, 0.0);
        assert!((e.lr(10) - 0.4).abs() < 1e-15);
        assert!((e.lr(15) - 0.8 * 0.5f64.powf(1.5)).abs() < 1e-15);

        let cos = sched(ScheduleKind::Cosine, 0.0);
        assert_eq!(cos.lr(0), 0.8);
        assert!((cos.lr(50) - 0.4).abs() < 1e-12);
        assert!(cos.lr(100).abs() < 1e-12);
    }

    #[test]
    fn the_range_test_ramp_is_geometric_from_lr_to_end_lr() {
        let r = sched(ScheduleKind::Ramp, 0.0); // 0.8 → 80 over steps 0..=99
        assert!((r.lr(0) - 0.8).abs() < 1e-15);
        assert!((r.lr(99) - 80.0).abs() < 1e-12);
        assert!((r.lr(33) / r.lr(32) - r.lr(66) / r.lr(65)).abs() < 1e-12, "constant ratio per step");
    }

    #[test]
    fn warmup_ramps_linearly_then_hands_over() {
        let w = sched(ScheduleKind::Cosine, 2.0); // 20 warm-up steps, cosine over the other 80
        assert!((w.lr(0) - 0.04).abs() < 1e-15);
        assert!((w.lr(9) - 0.4).abs() < 1e-15);
        assert_eq!(w.lr(19), 0.8);
        assert_eq!(w.lr(20), 0.8);
        assert!((w.lr(60) - 0.4).abs() < 1e-12);
    }
}

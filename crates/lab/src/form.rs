//! Which settings the form shows, and where: the main column, and "More settings". A test keeps this
//! in step with the trainer's settings table, so a new setting appears in the form (or is placed).

/// The settings of the main column, in order (the batch size and learning rate have sliders).
pub const MAIN: &[&str] = &[
    "dataset",
    "n",
    "noise",
    "hidden",
    "activation",
    "loss",
    "optimizer",
    "momentum",
    "bs",
    "lr",
    "schedule",
    "step_every",
    "gamma",
    "end_lr",
    "warmup",
    "epochs",
    "seed",
];

/// The settings under "More settings".
pub const MORE: &[&str] = &[
    "beta2",
    "weight_decay",
    "clip",
    "bs_growth",
    "steps",
    "order",
    "eval_every",
    "sharpness_every",
    "sharpness_rows",
    "noise_scale_every",
];

/// Settings the form leaves out on purpose: `model` says no more than `hidden` does.
pub const LEFT_OUT: &[&str] = &["model"];

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::settings::{setting, SETTINGS};

    #[test]
    fn every_setting_has_exactly_one_place() {
        let placed: Vec<&str> = MAIN.iter().chain(MORE).chain(LEFT_OUT).copied().collect();
        for key in &placed {
            assert!(setting(key).is_some(), "the form names {key}, which the table does not have");
        }
        for s in SETTINGS {
            assert_eq!(placed.iter().filter(|k| **k == s.key).count(), 1, "{} must be placed once", s.key);
        }
    }
}

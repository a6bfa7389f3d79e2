//! The ranges a run's figures can take. The readers of files that carry them — a `sweep.csv` row, a
//! run's JSON — refuse a figure outside them by name: no run could have reported it.

use crate::outcome::Verdict;
use crate::train::{Point, Summary};

/// The largest finite loss a run can report. Losses are computed in f32, example by example, and
/// averaged, so a finite one never exceeds `f32::MAX`; past it a loss is infinite (and the run
/// diverged).
pub const MAX_LOSS: f64 = f32::MAX as f64;

/// Hexadecimal digits in a run's fingerprint (`Summary::digest`, FNV-1a 64-bit).
pub const DIGEST_DIGITS: usize = 16;

/// What is wrong with the loss `name` = `value` of a run that ended as `verdict`, if anything. No
/// loss is negative or finite past [`MAX_LOSS`]; only a run that diverged has an infinite or NaN one.
pub fn loss_problem(name: &str, value: f64, verdict: Verdict) -> Option<String> {
    if value < 0.0 {
        Some(format!("{name} is {value}: a loss is never negative"))
    } else if value.is_finite() && value > MAX_LOSS {
        Some(format!("{name} is {value}: a loss is either at most {MAX_LOSS:e} (f32's largest) or infinite"))
    } else if !value.is_finite() && verdict != Verdict::Diverged {
        Some(format!("{name} is {value}: only a run that diverged has a loss that is not a finite number"))
    } else {
        None
    }
}

/// What is wrong with the accuracy `name` = `value`, if it is not a fraction from 0 to 1.
pub fn accuracy_problem(name: &str, value: f64) -> Option<String> {
    (!(0.0..=1.0).contains(&value)).then(|| format!("{name} is {value}, not between 0 and 1"))
}

/// What is wrong with the fingerprint `name` = `text`, if it is not 16 lowercase hexadecimal digits.
pub fn digest_problem(name: &str, text: &str) -> Option<String> {
    let hex = text.len() == DIGEST_DIGITS && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (!hex).then(|| {
        let shown: String = text.chars().take(40).collect();
        format!("{name} is “{shown}”, not a run's fingerprint ({DIGEST_DIGITS} hexadecimal digits, 0-9 and a-f)")
    })
}

/// What is wrong with a run's summary, if anything: its losses, accuracy or fingerprint.
pub fn summary_problem(s: &Summary) -> Option<String> {
    let verdict = s.outcome.verdict();
    loss_problem("initial_train_loss", s.initial_train_loss, verdict)
        .or_else(|| loss_problem("final_train_loss", s.final_train_loss, verdict))
        .or_else(|| loss_problem("final_val_loss", s.final_val_loss, verdict))
        .or_else(|| accuracy_problem("final_val_acc", s.final_val_acc))
        .or_else(|| digest_problem("digest", &s.digest))
}

/// What is wrong with one point of a run that ended as `verdict`, if anything: its epoch, learning
/// rate, losses or accuracy.
pub fn point_problem(p: &Point, verdict: Verdict) -> Option<String> {
    if !(p.epoch.is_finite() && p.epoch >= 0.0) {
        return Some(format!("epoch is {}, not a number of epochs", p.epoch));
    }
    if !(p.lr.is_finite() && p.lr >= 0.0) {
        return Some(format!("lr is {}, not a learning rate", p.lr));
    }
    loss_problem("train_loss", p.train_loss, verdict)
        .or_else(|| loss_problem("val_loss", p.val_loss, verdict))
        .or_else(|| accuracy_problem("val_acc", p.val_acc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_no_run_reports_are_named() {
        let (ok, diverged) = (Verdict::Finished, Verdict::Diverged);
        assert_eq!(loss_problem("l", 0.0, ok), None);
        assert_eq!(loss_problem("l", MAX_LOSS, ok), None);
        assert_eq!(loss_problem("l", f64::INFINITY, diverged), None);
        assert_eq!(loss_problem("l", f64::NAN, diverged), None);
        for (value, verdict, says) in [
            (-5.0, ok, "never negative"),
            (-5.0, diverged, "never negative"),
            (f64::NEG_INFINITY, diverged, "never negative"),
            (1.7e308, ok, "at most"),
            (1.7e308, diverged, "at most"),
            (f64::NAN, ok, "only a run that diverged"),
            (f64::INFINITY, Verdict::Unstable, "only a run that diverged"),
        ] {
            let e = loss_problem("train_loss", value, verdict).unwrap();
            assert!(e.starts_with("train_loss is") && e.contains(says), "{value} {verdict:?}: {e}");
        }
        assert_eq!(accuracy_problem("a", 1.0), None);
        assert!(accuracy_problem("val_acc", 7.0).unwrap().contains("val_acc is 7"));
        assert!(accuracy_problem("val_acc", f64::NAN).is_some());
        assert_eq!(digest_problem("d", "00000000000000ff"), None);
        for bad in ["00000000000000f", "00000000000000fff", "00000000000000fg", "00000000000000FF", ""] {
            assert!(digest_problem("digest", bad).unwrap().contains("16 hexadecimal digits"), "{bad}");
        }
    }
}

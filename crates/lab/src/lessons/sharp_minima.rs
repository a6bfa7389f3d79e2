//! Sharp minima, a contested claim (Keskar et al. 2017; Dinh et al. 2017): large-batch training is
//! said to end in sharper minima that generalise worse. On digits, at the same η and number of steps,
//! the full batch does end sharper here, and generalises about as well. The app's own E3
//! (docs/science) finds the two equally sharp at a small η trained far longer.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// λ_max at the run's end (its last sharpness reading).
fn final_sharpness(s: &Summary) -> Option<f64> {
    s.readings.iter().rev().find_map(|r| r.sharpness)
}

/// Sharpness within this ratio counts as "about the same"; accuracies within `SAME_ACC` points too.
const SAME: f64 = 1.2;
const SAME_ACC: f64 = 0.02;

/// 0 B 16 ends sharper, 1 the full batch does, 2 about the same.
fn sharper(runs: &[Summary]) -> usize {
    match runs {
        [small, full] => match (final_sharpness(small), final_sharpness(full)) {
            (Some(a), Some(b)) if a.max(b) <= SAME * a.min(b) => 2,
            (Some(a), Some(b)) if b > a => 1,
            (Some(_), Some(_)) => 0,
            _ => 2,
        },
        _ => 2,
    }
}

pub const LESSON: Lesson = Lesson {
    name: "sharp-minima",
    title: "Sharp minima: a contested claim",
    summary: "Do large batches end in sharper minima that generalise worse? Measure both, at the same η and number of \
              steps.",
    paper: "Keskar et al. 2017, On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima; Dinh \
            et al. 2017, Sharp Minima Can Generalize For Deep Nets",
    steps: &[Step {
        title: "B 16 against the full batch",
        try_this:
            "Train B 16 and the full batch at η 0.25 for 1800 steps each, reading λ_max at the start and the end.",
        look_for: "The sharpness card of each run at its end, and the final validation accuracy in the run list.",
        why:
            "A step's noise keeps small-batch SGD off the sharpest ground: at a given η the noisier run settles where \
              the loss is flatter. Whether flatness is why a model generalises is the contested part: sharpness can be \
              changed without changing the function (Dinh et al.), and here the sharper solution classifies about as \
              well. At a small η trained far longer (E3) the two end about equally sharp.",
        runs: &[
            &[("bs", "16"), ("lr", "0.25"), ("steps", "1800"), ("eval_every", "100"), ("sharpness_every", "1800")],
            &[("bs", "full"), ("lr", "0.25"), ("steps", "1800"), ("eval_every", "100"), ("sharpness_every", "1800")],
        ],
        question: Question {
            prompt: "Which ends in the sharper minimum (the larger λ_max)?",
            choices: &["B 16", "the full batch", "about the same (within 20 %)"],
            answer: sharper,
        },
    }],
    check,
};

/// The point: the full batch ends sharper, and its validation accuracy is within 2 points of B 16's.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let Some([small, full]) = steps.first().map(Vec::as_slice) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let (Some(a), Some(b)) = (final_sharpness(small), final_sharpness(full)) else {
        return Verdict { pass: false, text: "a run has no sharpness reading".to_owned() };
    };
    let gap = small.final_val_acc - full.final_val_acc;
    Verdict {
        pass: sharper(&steps[0]) == 1 && gap.abs() <= SAME_ACC,
        text: format!(
            "Measured after 1800 steps: λ_max {a:.2} at B 16 and {b:.2} at the full batch ({:.2}×); validation \
             accuracy {:.1} % and {:.1} % ({:+.1} points for B 16).",
            b / a,
            100.0 * small.final_val_acc,
            100.0 * full.final_val_acc,
            100.0 * gap
        ),
    }
}

//! Too hot: raise η until the run stops learning or blows up, at B 32 and at B 512. The edge sits at
//! about the same η: on this problem a larger batch does not buy stability.

use batchlab_trainer::outcome::Outcome;
use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

const RATES: &[&str] = &["0.5", "1", "2", "4", "none of them"];
const LR: [f64; 4] = [0.5, 1.0, 2.0, 4.0];

/// The first run that did not finish cleanly (index into `RATES`; 4 when all did).
fn first_failure(runs: &[Summary]) -> usize {
    runs.iter().position(|s| s.outcome != Outcome::Finished).unwrap_or(LR.len())
}

const fn step(title: &'static str, runs: &'static [super::Link]) -> Step {
    Step {
        title,
        try_this: "Train for 3 epochs at η 0.5, 1, 2 and 4.",
        look_for: "The status of each run: finished, or stalled, unstable or diverged, and where the charts mark a \
                   blow-up.",
        why: "On the start's curvature, full-batch descent is stable only below 2/λ₀ (the banner gives it). A network can \
              train above that after an early jump, on flatter ground, but the further above, the likelier a blow-up. \
              λ₀ is the same whatever the batch, so the breaking point moves little with B: a larger batch averages \
              away noise, not curvature.",
        runs,
        question: Question {
            prompt: "From which η on does the run stop learning or blow up?",
            choices: RATES,
            answer: first_failure,
        },
    }
}

pub const LESSON: Lesson = Lesson {
    name: "too-hot",
    title: "Too hot: where the loss blows up",
    summary: "Raise η until the loss blows up, at B 32 and at B 512: the edge is at about the same η, so larger \
              batches do not buy stability here.",
    paper: "Cohen et al. 2021, Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
    steps: &[
        step(
            "At B = 32",
            &[
                &[("bs", "32"), ("lr", "0.5"), ("epochs", "3")],
                &[("bs", "32"), ("lr", "1"), ("epochs", "3")],
                &[("bs", "32"), ("lr", "2"), ("epochs", "3")],
                &[("bs", "32"), ("lr", "4"), ("epochs", "3")],
            ],
        ),
        step(
            "At B = 512",
            &[
                &[("bs", "512"), ("lr", "0.5"), ("epochs", "3")],
                &[("bs", "512"), ("lr", "1"), ("epochs", "3")],
                &[("bs", "512"), ("lr", "2"), ("epochs", "3")],
                &[("bs", "512"), ("lr", "4"), ("epochs", "3")],
            ],
        ),
    ],
    check,
};

/// The point: the first failing η at B 512 is within one step (×2) of B 32's.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let first = |k: usize| steps.get(k).map(|r| first_failure(r));
    let (Some(small), Some(large)) = (first(0), first(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let name = |i: usize| LR.get(i).map_or("none of the rates".to_owned(), |lr| format!("η {lr}"));
    let pass = small < LR.len() && large < LR.len() && small.abs_diff(large) <= 1;
    Verdict {
        pass,
        text: format!(
            "Measured: at B 32 the first rate that did not finish cleanly was {}, at B 512 {}: {}.",
            name(small),
            name(large),
            if pass { "within one step of each other (×2)" } else { "further apart than one step" }
        ),
    }
}

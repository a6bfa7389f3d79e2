//! Too hot: raise η until runs break, at B 32 and at B 512. Above 2/λ₀ the loss first jumps and a
//! network can still catch itself on flatter ground (the catapult); runs break only further up, at
//! η_max(B), which a larger batch moves up a little at most — far less than the batch grows.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

const RATES: &[&str] = &["0.5", "1", "2", "4", "none of them"];
const LR: [f64; 4] = [0.5, 1.0, 2.0, 4.0];

/// The first run that broke — did not train: diverged, learned nothing, or ended above its start
/// (index into `RATES`; 4 when none did). A run that blew up and recovered trained: it caught itself.
fn first_broken(runs: &[Summary]) -> usize {
    runs.iter().position(|s| !s.outcome.trained()).unwrap_or(LR.len())
}

const fn step(title: &'static str, runs: &'static [super::Link]) -> Step {
    Step {
        title,
        try_this: "Train for 10 epochs (as the sweep does) at η 0.5, 1, 2 and 4.",
        look_for: "Each run's status and its banner: whether it caught itself or broke, and where the charts mark a \
                   blow-up. The η slider's ticks show the current run's 2/λ₀ (amber) and η_max (red).",
        why: "Every rate here is above 2/λ₀, where descent on the start's curvature first overshoots: the loss jumps, \
              and a network can still catch itself on flatter ground, where the curvature is below 2/η. Runs break only \
              further up, at η_max(B). A larger batch averages away the gradient's noise, so it breaks no sooner, \
              and on some seeds at a larger η; the curvature, the same whatever the batch, keeps that gain far below \
              the batch's growth.",
        runs,
        question: Question {
            prompt: "From which η on does the run break (diverge, learn nothing, or end above where it started)?",
            choices: RATES,
            answer: first_broken,
        },
    }
}

pub const LESSON: Lesson = Lesson {
    name: "too-hot",
    title: "Too hot: where runs break",
    summary:
        "Raise η until runs break, at B 32 and at B 512: above 2/λ₀ the loss first jumps and can recover, and the \
              rate where runs break grows with the batch, but far less than the batch does.",
    paper: "Lewkowycz et al. 2020, The large learning rate phase of deep learning: the catapult mechanism; Cohen et \
            al. 2021, Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
    steps: &[
        step(
            "At B = 32",
            &[
                &[("bs", "32"), ("lr", "0.5"), ("epochs", "10")],
                &[("bs", "32"), ("lr", "1"), ("epochs", "10")],
                &[("bs", "32"), ("lr", "2"), ("epochs", "10")],
                &[("bs", "32"), ("lr", "4"), ("epochs", "10")],
            ],
        ),
        step(
            "At B = 512",
            &[
                &[("bs", "512"), ("lr", "0.5"), ("epochs", "10")],
                &[("bs", "512"), ("lr", "1"), ("epochs", "10")],
                &[("bs", "512"), ("lr", "2"), ("epochs", "10")],
                &[("bs", "512"), ("lr", "4"), ("epochs", "10")],
            ],
        ),
    ],
    check,
};

/// The point: B 512 breaks no sooner than B 32 — at the same rate or a larger one, depending on the
/// seed — and within the grid: a growth of at most ×8 for ×16 in B, far less than linear.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let first = |k: usize| steps.get(k).map(|r| first_broken(r));
    let (Some(small), Some(large)) = (first(0), first(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let name = |i: usize| LR.get(i).map_or("none of the rates".to_owned(), |lr| format!("η {lr}"));
    let pass = small <= large && large < LR.len();
    let growth = match (LR.get(small), LR.get(large)) {
        (Some(a), Some(b)) if b > a => format!(": ×{} in η for ×16 in B", b / a),
        (Some(_), Some(_)) => ": the same rate for ×16 in B".to_owned(),
        _ => String::new(),
    };
    Verdict {
        pass,
        text: format!(
            "Measured: at B 32 the first rate that broke was {}, at B 512 {}{growth}. {}",
            name(small),
            name(large),
            if pass {
                "The larger batch broke no sooner, and far less than 16× later."
            } else {
                "The larger batch broke sooner, or not within these rates."
            }
        ),
    }
}

//! The gradient noise scale and the critical batch size (McCandlish et al. 2018): B_simple, the
//! batch at which a step's noise matches its signal, grows as the loss falls; below it a larger batch
//! saves steps one for one, above it a larger batch wastes examples.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// The noise scale's first and last readings of a run.
fn first_and_last(s: &Summary) -> Option<(f64, f64)> {
    let mut read = s.readings.iter().filter_map(|r| r.noise_scale);
    Some((read.next()?, read.next_back()?))
}

/// How the noise scale moved: 0 smaller, 1 within 10×, 2 grew 10× or more.
fn growth(runs: &[Summary]) -> usize {
    match runs.first().and_then(first_and_last) {
        Some((first, last)) if last < first => 0,
        Some((first, last)) if last < 10.0 * first => 1,
        Some(_) => 2,
        None => 1,
    }
}

/// Losses within this ratio count as "alike"; beyond `BEHIND` times, "far behind".
const ALIKE: f64 = 1.5;
const BEHIND: f64 = 2.0;

/// Which batch sizes end alike at equal examples: 0 all three, 1 the two small ones with B 256 far
/// behind, 2 anything else.
fn alike(runs: &[Summary]) -> usize {
    let [b4, b16, b256] = runs else { return 2 };
    let (small, large) = (b4.final_train_loss.min(b16.final_train_loss), b4.final_train_loss.max(b16.final_train_loss));
    match () {
        () if large > ALIKE * small => 2,
        () if b256.final_train_loss > BEHIND * large => 1,
        () if b256.final_train_loss <= ALIKE * large => 0,
        () => 2,
    }
}

pub const LESSON: Lesson = Lesson {
    name: "noise-scale",
    title: "The noise scale: how large a batch still pays",
    summary: "The gradient noise scale B_simple says how large a batch still saves steps; it grows as training goes \
              on, and past it a larger batch wastes examples.",
    paper: "McCandlish, Kaplan, Amodei et al. 2018, An Empirical Model of Large-Batch Training",
    steps: &[
        Step {
            title: "Read the noise scale",
            try_this: "Train B 32 at η 0.1 for 20 epochs, reading B_simple every 90 steps (open Diagnostics).",
            look_for: "The noise-scale card and its chart: B_simple at the start, and where it goes as the loss falls.",
            why: "B_simple = tr Σ / |G|²: the gradient's noise against its signal. As the loss falls the mean gradient G \
                  shrinks faster than the per-example noise, so B_simple grows: late in training a larger batch can \
                  pay where early on it could not.",
            runs: &[&[("bs", "32"), ("lr", "0.1"), ("epochs", "20"), ("noise_scale_every", "90")]],
            question: Question {
                prompt: "After 20 epochs, B_simple against where it started is…",
                choices: &["smaller", "within 10× of where it started", "10× larger or more"],
                answer: growth,
            },
        },
        Step {
            title: "Below and above it",
            try_this: "Give B 4 (η 0.125), B 16 (η 0.5) and B 256 (η 1.41) the same 3 epochs of examples, each at the \
                       rate E7 found fastest for it.",
            look_for: "The final training loss of each: plot against examples.",
            why: "Early in training B_simple is small (step 1 read it at the start). Below it, a batch 4× larger with a rate 4× higher does \
                  what 4 small steps do: the same examples, the same loss, 4× fewer steps. Far above it (B 256), each \
                  step averages noise that was already small, and the same examples buy much less.",
            runs: &[
                &[("bs", "4"), ("lr", "0.125"), ("epochs", "3")],
                &[("bs", "16"), ("lr", "0.5"), ("epochs", "3")],
                &[("bs", "256"), ("lr", "1.41"), ("epochs", "3")],
            ],
            question: Question {
                prompt: "With the same 3 epochs of examples, which end alike?",
                choices: &["all three", "B 4 and B 16; B 256 ends far behind", "neither pair"],
                answer: alike,
            },
        },
    ],
    check,
};

/// The point: B_simple grows 10× or more, and at equal examples B 4 and B 16 end alike while B 256
/// ends far behind.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some(read), Some(three)) = (steps.first(), steps.get(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let Some((first, last)) = read.first().and_then(first_and_last) else {
        return Verdict { pass: false, text: "the run read the noise scale fewer than twice".to_owned() };
    };
    let losses: Vec<String> = three.iter().map(|s| format!("{:.3}", s.final_train_loss)).collect();
    Verdict {
        pass: growth(read) == 2 && alike(three) == 1,
        text: format!(
            "Measured: B_simple went from {first:.1} to {last:.0} over 20 epochs; after 3 epochs the training loss of \
             B 4 / 16 / 256 is {}.",
            losses.join(" / ")
        ),
    }
}

//! The gradient noise scale and the critical batch size (McCandlish et al. 2018): B_simple, the
//! batch at which a step's noise matches its signal, grows as the loss falls; below it a larger batch
//! saves steps one for one, above it a larger batch wastes examples.

use batchlab_trainer::outcome::fmt_loss;
use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// The noise scale at the start (exact at the initial weights) and late in the run: the median of
/// its readings over the run's last third, since neighbouring readings late in training swing several
/// fold (science.md, E5).
fn start_and_late(s: &Summary) -> Option<(f64, f64)> {
    let read: Vec<(usize, f64)> = s.readings.iter().filter_map(|r| Some((r.step, r.noise_scale?))).collect();
    let &(_, start) = read.first()?;
    let mut late: Vec<f64> = read.iter().filter(|(step, _)| 3 * step >= 2 * s.steps).map(|r| r.1).collect();
    late.sort_by(f64::total_cmp);
    Some((start, *late.get(late.len() / 2)?))
}

/// Growth at least this large counts as "several times larger".
const SEVERAL: f64 = 3.0;

/// How the noise scale moved: 0 smaller, 1 within ×3 of its start, 2 three times larger or more.
fn growth(runs: &[Summary]) -> usize {
    match runs.first().and_then(start_and_late) {
        Some((start, late)) if late < start => 0,
        Some((start, late)) if late < SEVERAL * start => 1,
        Some(_) => 2,
        None => 1,
    }
}

/// A loss at least this many times another's is "far behind".
const BEHIND: f64 = 2.0;

/// Which batch size ends furthest behind at equal examples, by its loss on the whole training set:
/// 0 B 4, 1 B 16, 2 B 256 — each only when at least twice the others' — else 3.
fn behind(runs: &[Summary]) -> usize {
    let losses: Vec<f64> = runs.iter().map(|s| s.final_train_loss).collect();
    (0..losses.len()).find(|&i| losses.iter().enumerate().all(|(j, &l)| i == j || losses[i] >= BEHIND * l)).unwrap_or(3)
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
            try_this: "Train B 32 at η 0.1 for 20 epochs, reading B_simple every 90 steps (the Noise scale B_simple \
                       card and the chart under the run's read-out).",
            look_for: "B_simple at the start, and where it goes as the loss falls; late in training neighbouring \
                       readings swing several fold, so read its level over the last third, not one reading.",
            why: "B_simple = tr Σ / |G|²: the gradient's noise against its signal. As the loss falls the mean gradient G \
                  shrinks faster than the per-example noise, so B_simple grows: late in training a larger batch can \
                  pay where early on it could not.",
            runs: &[&[("bs", "32"), ("lr", "0.1"), ("epochs", "20"), ("noise_scale_every", "90")]],
            question: Question {
                prompt: "Over the last third of the 20 epochs, B_simple against where it started is…",
                choices: &["smaller", "within ×3 of where it started", "three times larger or more"],
                answer: growth,
            },
        },
        Step {
            title: "Below and above it",
            try_this: "Give B 4 (η 0.125), B 16 (η 0.5) and B 256 (η 1.41) the same 3 epochs of examples, each at the \
                       rate the project's steps-to-target experiment (E7 in docs/science) found fastest for it.",
            look_for: "The final loss on the whole training set of each (in the reveal), and the curves against \
                       examples.",
            why: "Early in training B_simple is small (step 1 read it at the start). Below it, a batch 4× larger with a \
                  rate 4× higher does about what 4 small steps do: similar progress for the same examples, in 4× fewer \
                  steps (how similar varies from seed to seed). Far above it (B 256), each step averages noise that was \
                  already small, and the same examples buy much less.",
            runs: &[
                &[("bs", "4"), ("lr", "0.125"), ("epochs", "3")],
                &[("bs", "16"), ("lr", "0.5"), ("epochs", "3")],
                &[("bs", "256"), ("lr", "1.41"), ("epochs", "3")],
            ],
            question: Question {
                prompt: "With the same 3 epochs of examples, which ends furthest behind (a loss on the whole training \
                         set at least twice each other's)?",
                choices: &["B 4", "B 16", "B 256", "none of them"],
                answer: behind,
            },
        },
    ],
    check,
};

/// The point: B_simple grows several fold over training, and at equal examples B 256 ends far behind
/// both small batches.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some(read), Some(three)) = (steps.first(), steps.get(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let Some((start, late)) = read.first().and_then(start_and_late) else {
        return Verdict { pass: false, text: "the run read the noise scale too rarely".to_owned() };
    };
    let losses: Vec<String> = three.iter().map(|s| fmt_loss(s.final_train_loss)).collect();
    Verdict {
        pass: growth(read) == 2 && behind(three) == 2,
        text: format!(
            "Measured: B_simple was {start:.1} at the start and {late:.0} over the last third of 20 epochs (the median \
             of its readings there, ×{:.1}); after 3 epochs the loss on the whole training set of B 4 / 16 / 256 is {}.",
            late / start,
            losses.join(" / ")
        ),
    }
}

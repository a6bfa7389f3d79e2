//! The seed page's three examples, then the linear rule proper, then the same three at a fixed
//! number of steps: why "bigger batch, much bigger η" looks better than it is.

use batchlab_trainer::Summary;

use super::{accuracies, argmax, Lesson, Question, Step, Verdict};

const TRIO: &[&str] = &["B 32, η 0.001", "B 128, η 0.01", "B 512, η 0.1"];

fn best(runs: &[Summary]) -> usize {
    argmax(runs.iter().map(|s| s.final_val_acc))
}

/// Accuracies within this many points count as "about the same".
const SAME: f64 = 0.05;

fn spread(runs: &[Summary]) -> f64 {
    let acc = runs.iter().map(|s| s.final_val_acc);
    acc.clone().fold(0.0, f64::max) - acc.fold(1.0, f64::min)
}

fn best_or_same(runs: &[Summary]) -> usize {
    if spread(runs) <= SAME {
        3
    } else {
        best(runs)
    }
}

pub const LESSON: Lesson = Lesson {
    name: "three-pairs",
    title: "Three examples that mislead",
    summary:
        "The seed page's B 32 / η 0.001, B 128 / η 0.01, B 512 / η 0.1 seem to say that a bigger batch with a much \
              bigger η is better. It is the rates that differ, not the batches.",
    paper: "Goyal et al. 2017, Accurate, Large Minibatch SGD; Shallue et al. 2019, Measuring the Effects of Data \
            Parallelism on Neural Network Training",
    steps: &[
        Step {
            title: "The three examples",
            try_this: "Train the digits MLP for 10 epochs at B 32 / η 0.001, B 128 / η 0.01 and B 512 / η 0.1.",
            look_for: "Which curve falls furthest, and each run's validation accuracy at the end.",
            why:
                "From one pair to the next B grows 4× but η grows 10×: the larger batches get a much larger step. On a \
                  fixed number of epochs η 0.001 is simply too small to get far. Each figure here is one seed's: the \
                  ranking holds at other seeds, but the middle run's accuracy moves by several points — press \
                  \"+ seed\" on a run to see its spread.",
            runs: &[
                &[("bs", "32"), ("lr", "0.001"), ("epochs", "10")],
                &[("bs", "128"), ("lr", "0.01"), ("epochs", "10")],
                &[("bs", "512"), ("lr", "0.1"), ("epochs", "10")],
            ],
            question: Question {
                prompt: "After 10 epochs, which run reaches the highest validation accuracy?",
                choices: TRIO,
                answer: best,
            },
        },
        Step {
            title: "The linear rule proper",
            try_this: "Now let η grow as B does (η ∝ B, Goyal et al.): B 32 / η 0.01, B 128 / η 0.04, B 512 / η 0.16.",
            look_for: "How far apart the three runs end.",
            why:
                "With η/B fixed, a step of B examples moves the weights about as far as B steps of one example would: \
                  per epoch the three runs travel alike, so they end alike.",
            runs: &[
                &[("bs", "32"), ("lr", "0.01"), ("epochs", "10")],
                &[("bs", "128"), ("lr", "0.04"), ("epochs", "10")],
                &[("bs", "512"), ("lr", "0.16"), ("epochs", "10")],
            ],
            question: Question {
                prompt: "With η ∝ B, which run ends highest?",
                choices: &["B 32", "B 128", "B 512", "about the same (within 5 points)"],
                answer: best_or_same,
            },
        },
        Step {
            title: "Count steps, not epochs",
            try_this: "Give the first three runs the same number of steps instead, 450 each (10 epochs of B 32).",
            look_for: "Switch the x-axis between steps and examples: B 512 now sees 16× the examples of B 32.",
            why:
                "At a fixed number of steps a larger batch processes more data (Shallue et al.): comparing batch sizes \
                  needs a budget in examples or in steps, said out loud.",
            runs: &[
                &[("bs", "32"), ("lr", "0.001"), ("steps", "450")],
                &[("bs", "128"), ("lr", "0.01"), ("steps", "450")],
                &[("bs", "512"), ("lr", "0.1"), ("steps", "450")],
            ],
            question: Question { prompt: "With 450 steps each, which run ends highest?", choices: TRIO, answer: best },
        },
    ],
    check,
};

/// The point: the seed's trio favours the big batch, and with η ∝ B the three end within 5 points.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some(trio), Some(linear)) = (steps.first(), steps.get(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let pass = best(trio) == 2 && spread(linear) <= SAME;
    Verdict {
        pass,
        text: format!(
            "Measured: the seed's trio ended at {} (η ×10 per ×4 B on a fixed 10 epochs favours the big batch); with \
             η ∝ B the three ended at {}, {}.",
            accuracies(trio),
            accuracies(linear),
            if spread(linear) <= SAME { "within 5 points of each other" } else { "more than 5 points apart" }
        ),
    }
}

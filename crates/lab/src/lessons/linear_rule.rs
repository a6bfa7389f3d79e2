//! The linear scaling rule and where it stops (Goyal et al. 2017): η ∝ B keeps the accuracy from B 16
//! to B 256, but carried to the full batch it asks for an η past where runs break, and the run fails.
//! The app's own E1 (docs/science) measures the rule and warm-up over several seeds.

use batchlab_trainer::outcome::Outcome;
use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// Accuracies within this many points count as "as well".
const SAME: f64 = 0.02;

fn as_well(runs: &[Summary]) -> usize {
    match runs {
        [small, large] if (small.final_val_acc - large.final_val_acc).abs() <= SAME => 0,
        _ => 1,
    }
}

fn trains(runs: &[Summary]) -> usize {
    usize::from(runs.iter().any(|s| s.outcome != Outcome::Finished))
}

pub const LESSON: Lesson = Lesson {
    name: "linear-rule",
    title: "The linear scaling rule, and where it stops",
    summary: "η ∝ B keeps the accuracy as B grows 16×; carried to the full batch it asks for an η past where runs \
              break, and no warm-up saves it.",
    paper: "Goyal et al. 2017, Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
    steps: &[
        Step {
            title: "B 16 to B 256, η ×16",
            try_this: "With momentum 0.9, train B 16 at η 0.02 and B 256 at η 0.32 (16× both) for 20 epochs.",
            look_for: "The two runs' final validation accuracy, and their curves against epochs.",
            why: "While η stays well below where runs break, a step of 16× the examples with 16× the rate moves the \
                  weights about as far as 16 small steps: per epoch the two runs travel alike.",
            runs: &[
                &[("optimizer", "momentum"), ("momentum", "0.9"), ("bs", "16"), ("lr", "0.02"), ("epochs", "20")],
                &[("optimizer", "momentum"), ("momentum", "0.9"), ("bs", "256"), ("lr", "0.32"), ("epochs", "20")],
            ],
            question: Question {
                prompt: "Does B 256 at η 0.32 end as well as B 16 at η 0.02?",
                choices: &["yes, within 2 points", "no"],
                answer: as_well,
            },
        },
        Step {
            title: "On to the full batch",
            try_this:
                "Carry the rule to the full training set, 1437 examples: η 0.02 × 1437/16 ≈ 1.8, with and without \
                       a 5-epoch warm-up.",
            look_for: "The runs' status, and the banner: the edge 2(1 + β)/λ₀ at the start, and η_max, where runs of \
                       these settings stop training.",
            why: "The rule knows nothing of curvature: η 1.8 is several times the edge 2(1 + β)/λ₀ that the start's \
                  sharpness sets, far enough above it that the run cannot catch itself (the banner's η_max says where \
                  runs of these settings stop training), and warm-up only delays the step that breaks.",
            runs: &[
                &[("optimizer", "momentum"), ("momentum", "0.9"), ("bs", "full"), ("lr", "1.8"), ("epochs", "20")],
                &[
                    ("optimizer", "momentum"),
                    ("momentum", "0.9"),
                    ("bs", "full"),
                    ("lr", "1.8"),
                    ("epochs", "20"),
                    ("warmup", "5"),
                ],
            ],
            question: Question {
                prompt: "Do the full-batch runs at η 1.8 train?",
                choices: &["yes, both finish", "no: at least one blows up or learns nothing"],
                answer: trains,
            },
        },
    ],
    check,
};

/// The point: the rule holds from B 16 to B 256, and fails at the full batch.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some(rule), Some(full)) = (steps.first(), steps.get(1)) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let pass = as_well(rule) == 0 && trains(full) == 1;
    let acc: Vec<String> = rule.iter().map(|s| format!("{:.1} %", 100.0 * s.final_val_acc)).collect();
    let status: Vec<&str> = full.iter().map(|s| s.outcome.status()).collect();
    Verdict {
        pass,
        text: format!(
            "Measured: B 16 / η 0.02 and B 256 / η 0.32 ended at {}; the full batch at η 1.8: {} without warm-up, {} \
             with it.",
            acc.join(" and "),
            status.first().unwrap_or(&"–"),
            status.get(1).unwrap_or(&"–")
        ),
    }
}

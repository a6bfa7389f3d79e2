//! Decay η or grow the batch (Smith, Kindermans, Ying & Le 2018): dividing η by 3 at epochs 10 and 20,
//! or multiplying B by 3 there with η fixed, ends at about the same accuracy, and growing the batch
//! takes far fewer updates. The app's own E4 (docs/science) measures the same over five seeds.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// Accuracies within this many points count as "about the same".
const SAME: f64 = 0.02;

fn compare(runs: &[Summary]) -> usize {
    match runs {
        [decay, grow] if (decay.final_val_acc - grow.final_val_acc).abs() <= SAME => 2,
        [decay, grow] if decay.final_val_acc > grow.final_val_acc => 0,
        _ => 1,
    }
}

pub const LESSON: Lesson = Lesson {
    name: "decay-or-grow",
    title: "Decay η, or grow the batch",
    summary: "Dividing η by 3 twice, or multiplying B by 3 twice instead: the same end, in far fewer steps.",
    paper: "Smith, Kindermans, Ying & Le 2018, Don't Decay the Learning Rate, Increase the Batch Size",
    steps: &[Step {
        title: "Two ways to cool down",
        try_this: "Train B 16 at η 0.1 for 30 epochs twice: once dividing η by 3 at epochs 10 and 20, once keeping η \
                   and multiplying B by 3 there instead.",
        look_for: "The two accuracy curves, and the step counts in the run list: switch the x-axis to steps.",
        why: "What cools SGD down is the noise of a step, which grows with η/B: dividing η by 3 or multiplying B by 3 \
              cuts it alike. The larger batches take 3× and 9× fewer steps per epoch.",
        runs: &[
            &[
                ("bs", "16"),
                ("lr", "0.1"),
                ("epochs", "30"),
                ("schedule", "step"),
                ("step_every", "10"),
                ("gamma", "0.3333"),
            ],
            &[("bs", "16"), ("lr", "0.1"), ("epochs", "30"), ("bs_growth", "10x3"), ("order", "1")],
        ],
        question: Question {
            prompt: "Which ends with the higher validation accuracy?",
            choices: &["decaying η", "growing B", "about the same (within 2 points)"],
            answer: compare,
        },
    }],
    check,
};

/// The point: the two end within 2 points, and growing the batch took under half the updates.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let Some([decay, grow]) = steps.first().map(Vec::as_slice) else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let gap = (decay.final_val_acc - grow.final_val_acc).abs();
    let pass = gap <= SAME && 2 * grow.steps < decay.steps;
    Verdict {
        pass,
        text: format!(
            "Measured: decaying η ended at {:.1} % after {} updates, growing B at {:.1} % after {} ({:.1} points apart).",
            100.0 * decay.final_val_acc,
            decay.steps,
            100.0 * grow.final_val_acc,
            grow.steps,
            100.0 * gap
        ),
    }
}

//! Adam and the square-root rule (Malladi, Lyu, Panigrahi & Arora 2022): SGD's rate follows the batch
//! linearly, Adam's more slowly — their SDE analysis gives η ∝ √B (with 1 − β₁ and 1 − β₂ ∝ B). On
//! digits the linear rule carries B 16's SGD curve to B 64, while for Adam it overshoots and the √
//! rule falls short. The app's own E9 (docs/science) measures the best η's growth: slower than SGD's.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

/// Training losses within this ratio count as "the same curve's end".
const SAME: f64 = 1.1;

fn same(a: &Summary, b: &Summary) -> bool {
    a.final_train_loss.max(b.final_train_loss) <= SAME * a.final_train_loss.min(b.final_train_loss)
}

/// SGD: 0 the linear rule matched B 16, 1 it did not.
fn sgd_matches(runs: &[Summary]) -> usize {
    match runs {
        [base, linear] if same(base, linear) => 0,
        _ => 1,
    }
}

/// Adam: 0 the linear run matched, 1 the √ run did, 2 B 16 ended between them, 3 none of these.
fn adam_matches(runs: &[Summary]) -> usize {
    let [base, root, linear] = runs else { return 3 };
    let loss = |s: &Summary| s.final_train_loss;
    match () {
        () if same(base, linear) => 0,
        () if same(base, root) => 1,
        () if loss(linear) < loss(base) && loss(base) < loss(root) => 2,
        () => 3,
    }
}

pub const LESSON: Lesson = Lesson {
    name: "adam-sqrt",
    title: "Adam and the square-root rule",
    summary: "SGD's η follows B linearly; Adam's grows more slowly: with Adam the linear rule overshoots.",
    paper: "Malladi, Lyu, Panigrahi & Arora 2022, On the SDEs and Scaling Rules for Adaptive Gradient Algorithms",
    steps: &[
        Step {
            title: "SGD: B ×4, η ×4",
            try_this: "Train SGD at B 16, η 0.05 and at B 64, η 0.2 for 10 epochs.",
            look_for: "The two loss curves against epochs, and the final training loss in the run list.",
            why: "For SGD a step's mean moves with η and its noise with η²/B: η ×4 with B ×4 keeps both per epoch, so the \
                  curves follow each other (the linear rule).",
            runs: &[&[("bs", "16"), ("lr", "0.05")], &[("bs", "64"), ("lr", "0.2")]],
            question: Question {
                prompt: "Does B 64 at η 0.2 follow B 16 at η 0.05 (final training loss within 10 %)?",
                choices: &["yes", "no"],
                answer: sgd_matches,
            },
        },
        Step {
            title: "Adam: η ×4 or η ×2?",
            try_this: "Train Adam at B 16, η 0.001, then at B 64 with η ×2 (the √ rule) and with η ×4 (linear), both \
                       with β₁ 0.6 and β₂ 0.996 (1 − β ×4, as the √ rule asks).",
            look_for: "Which B 64 curve lies on B 16's, against epochs.",
            why: "Adam divides each step by the gradient's running size, noise included, so a larger batch does not make \
                  its steps larger the way it makes SGD's: its η should grow more slowly than B. Malladi et al. derive \
                  √B; on this small network the best match lies between √ and linear (E9 measures the best η's growth \
                  too).",
            runs: &[
                &[("optimizer", "adam"), ("bs", "16"), ("lr", "0.001")],
                &[("optimizer", "adam"), ("bs", "64"), ("lr", "0.002"), ("momentum", "0.6"), ("beta2", "0.996")],
                &[("optimizer", "adam"), ("bs", "64"), ("lr", "0.004"), ("momentum", "0.6"), ("beta2", "0.996")],
            ],
            question: Question {
                prompt: "Which B 64 run follows B 16's (final training loss within 10 %)?",
                choices: &["η ×4, linear", "η ×2, square root", "neither: B 16 ends between them", "none of these"],
                answer: adam_matches,
            },
        },
    ],
    check,
};

/// How far apart two runs' final training losses are, as a ratio ≥ 1.
fn apart(a: &Summary, b: &Summary) -> f64 {
    a.final_train_loss.max(b.final_train_loss) / a.final_train_loss.min(b.final_train_loss)
}

/// The point: the linear rule carries SGD's curve closer than Adam's (on one seed SGD's pair can drift
/// apart by a third, so the comparison is between the optimisers, not against a fixed 10 %), and
/// Adam's B 16 ends between its √ and linear runs at B 64 (the linear rule overshoots, the √ rule
/// falls short).
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some([s16, s64]), Some([a16, root, linear])) =
        (steps.first().map(Vec::as_slice), steps.get(1).map(Vec::as_slice))
    else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    Verdict {
        pass: apart(s16, s64) < apart(a16, linear) && adam_matches(&steps[1]) == 2,
        text: format!(
            "Measured, final training loss: SGD B 16 {:.3}, B 64 η ×4 {:.3}; Adam B 16 {:.3}, B 64 η ×2 {:.3}, η ×4 \
             {:.3}.",
            s16.final_train_loss,
            s64.final_train_loss,
            a16.final_train_loss,
            root.final_train_loss,
            linear.final_train_loss
        ),
    }
}

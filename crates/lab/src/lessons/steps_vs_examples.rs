//! Steps versus examples (Shallue et al. 2019): a larger batch needs fewer steps to a loss, but not
//! fewer examples. The same two runs, compared once at equal steps and once at equal examples.

use batchlab_trainer::Summary;

use super::{Lesson, Question, Step, Verdict};

const WHICH: &[&str] = &["B 16", "B 256", "about the same (within 20 %)"];

/// Losses within this ratio count as "about the same".
const SAME: f64 = 1.2;

/// Which of the two ends with the lower loss on the whole training set.
fn lower(runs: &[Summary]) -> usize {
    match runs {
        [small, large]
            if small.final_train_loss.max(large.final_train_loss)
                <= SAME * small.final_train_loss.min(large.final_train_loss) =>
        {
            2
        }
        [small, large] if large.final_train_loss < small.final_train_loss => 1,
        _ => 0,
    }
}

const fn step(title: &'static str, try_this: &'static str, why: &'static str, runs: &'static [super::Link]) -> Step {
    Step {
        title,
        try_this,
        look_for: "The final training loss of each run in the run list; switch the x-axis between steps and examples.",
        why,
        runs,
        question: Question {
            prompt: "Which ends with the lower loss on the whole training set?",
            choices: WHICH,
            answer: lower,
        },
    }
}

pub const LESSON: Lesson = Lesson {
    name: "steps-vs-examples",
    title: "Fewer steps, not fewer examples",
    summary: "A batch 16× larger reaches a loss in far fewer steps, but it needs more examples to get there.",
    paper: "Shallue et al. 2019, Measuring the Effects of Data Parallelism on Neural Network Training",
    steps: &[
        step(
            "The same number of steps",
            "Train B 16 at η 0.5 and B 256 at η 1.41 for 100 steps each: the rates the project's own \
             steps-to-target experiment (E7 in docs/science) found fastest to a training loss of 0.1 here.",
            "Each step of B 256 averages 16× the examples, so its gradient is far less noisy and each step goes \
             further. Counted in steps, the large batch is ahead.",
            &[&[("bs", "16"), ("lr", "0.5"), ("steps", "100")], &[("bs", "256"), ("lr", "1.41"), ("steps", "100")]],
        ),
        step(
            "The same number of examples",
            "Now give both 3 epochs: the same 4311 examples, 270 steps of B 16 against 18 of B 256.",
            "Sixteen times the examples per step did not buy sixteen times the progress per step: past the gradient \
             noise scale a larger batch mostly averages noise that no longer matters. Per example, the small batch \
             learned more; a large batch pays off only where steps, not examples, are what costs (many machines).",
            &[&[("bs", "16"), ("lr", "0.5"), ("epochs", "3")], &[("bs", "256"), ("lr", "1.41"), ("epochs", "3")]],
        ),
    ],
    check,
};

/// The point: at equal steps B 256 ends lower, at equal examples B 16 does.
fn check(steps: &[Vec<Summary>]) -> Verdict {
    let (Some([s16, s256]), Some([e16, e256])) = (steps.first().map(Vec::as_slice), steps.get(1).map(Vec::as_slice))
    else {
        return Verdict { pass: false, text: "the lesson's runs are missing".to_owned() };
    };
    let pass = lower(&steps[0]) == 1 && lower(&steps[1]) == 0;
    Verdict {
        pass,
        text: format!(
            "Measured, training loss: after 100 steps B 16 {:.3}, B 256 {:.3}; after 3 epochs ({} and {} steps) B 16 \
             {:.3}, B 256 {:.3}.",
            s16.final_train_loss,
            s256.final_train_loss,
            e16.steps,
            e256.steps,
            e16.final_train_loss,
            e256.final_train_loss
        ),
    }
}

//! Where a run sat against its learning rate's two marks, with the evidence, in the words the page and
//! the CLI both use. 2/λ₀ (c/λ₀ with momentum) is where gradient descent on the start's quadratic
//! first overshoots: below it the loss falls from the first steps; above it a network can still train
//! — the loss jumps, the weights move to flatter ground until λ ≤ 2/η, and training goes on (the
//! catapult, Lewkowycz et al. 2020; Cohen et al. 2021 for full batch). Where it stops training is
//! η_max(B), which only runs measure ([`crate::edge`]).

use serde::{Deserialize, Serialize};

use crate::edge::MaxLr;
use crate::outcome::{fmt_loss, fmt_lr, Verdict};
use crate::train::{StabilityLimit, Summary};
use crate::RunConfig;

/// What a host measured of a run's limits after it ended (the worker for a run on screen, the CLI
/// for a run; sweep cells measure none of it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// c/λ₀ at the weights the run started from.
    pub edge: Option<StabilityLimit>,
    /// λ_max at the final weights, for a run that trained above that edge (a fresh converged reading).
    pub final_sharpness: Option<f64>,
    /// η_max(B) for the run's settings.
    pub max_lr: Option<MaxLr>,
}

crate::named_enum! {
    /// A run's regime.
    pub enum Regime {
        /// η at or below c/λ₀: descent is stable on the start's curvature.
        Stable => ("stable", "stable from the start"),
        /// η above c/λ₀, and the run trained anyway.
        CaughtItself => ("caught-itself", "caught itself"),
        /// The run diverged, or above the edge did not train (learned nothing, or ended above its start).
        Broke => ("broke", "broke"),
    }
}

/// The regime of a run of `config` that ended with `summary`, given its edge c/λ₀; `None` when no
/// edge applies (Adam) and the run did not break, or for a range test.
pub fn regime(config: &RunConfig, summary: &Summary, edge: Option<StabilityLimit>) -> Option<Regime> {
    if summary.range_test.is_some() {
        return None;
    }
    let above = edge.map(|e| config.lr > e.lr);
    match (summary.outcome.trained(), above) {
        (_, Some(false)) if summary.outcome.verdict() != Verdict::Diverged => Some(Regime::Stable),
        (true, Some(true)) => Some(Regime::CaughtItself),
        (false, Some(_)) => Some(Regime::Broke),
        (_, _) if summary.outcome.verdict() == Verdict::Diverged => Some(Regime::Broke),
        (_, _) => None,
    }
}

/// The edge at the run's last η, c/η, and its formula ("2/η"): where its final sharpness must lie for
/// descent to be stable there.
fn end_edge(config: &RunConfig) -> Option<(String, f64)> {
    let o = config.optimizer;
    let schedule = config.schedule();
    let lr = schedule.lr(schedule.total_steps.saturating_sub(1));
    Some((o.kind.edge_formula("η")?, o.kind.stability_constant(o.momentum)? / lr))
}

/// `x` as a multiple: "3.61×".
fn times(x: f64) -> String {
    format!("{}×", fmt_lr(x))
}

/// The regime in a sentence or three, every figure one the run measured: the edge and what it means,
/// how the early loss went, and for a run that caught itself how far its sharpness came down.
pub fn sentence(config: &RunConfig, summary: &Summary, limits: &Limits) -> Option<String> {
    let edge = limits.edge?;
    let o = config.optimizer;
    let formula = o.kind.edge_formula("λ₀")?;
    let regime = regime(config, summary, Some(edge))?;
    let lr = fmt_lr(config.lr);
    let mark = format!(
        "{formula} = {}, the rate above which descent on the start's curvature (λ₀ = {}) first overshoots",
        fmt_lr(edge.lr),
        fmt_lr(edge.lambda_max)
    );
    let rise = summary.rise.map(|r| {
        let back = r.back_step.map_or_else(
            || "and never came back below it".to_owned(),
            |s| format!("and was back below it by step {s}"),
        );
        format!(
            "The minibatch loss rose to {} its start by step {} {back}.",
            times(r.peak_loss / summary.initial_train_loss),
            r.peak_step
        )
    });
    Some(match regime {
        Regime::Stable => {
            let course = rise.unwrap_or_else(|| "The loss fell from the first steps.".to_owned());
            format!("Stable from the start: η = {lr} is below {mark}. {course}")
        }
        Regime::CaughtItself => {
            let course = rise.unwrap_or_else(|| {
                "The loss never rose above its start: the first steps took it to flatter ground.".to_owned()
            });
            let sharp = limits.final_sharpness.zip(end_edge(config)).map_or_else(String::new, |(l, (formula, at))| {
                let side = if l <= at { "below" } else { "still above" };
                format!(
                    " Its sharpness λ_max went from {} at the start to {} at the end (step {}), {side} {formula} = {}.",
                    fmt_lr(edge.lambda_max),
                    fmt_lr(l),
                    summary.steps,
                    fmt_lr(at)
                )
            });
            format!(
                "Caught itself: η = {lr} is {} {mark}. {course}{sharp} It trained to a loss of {} on the whole \
                 training set and {:.1} % validation accuracy.",
                times(config.lr / edge.lr),
                fmt_loss(summary.final_train_loss),
                100.0 * summary.final_val_acc
            )
        }
        Regime::Broke => {
            format!("Broke: η = {lr} is {} {mark}, and this run did not catch itself.", times(config.lr / edge.lr))
        }
    })
}

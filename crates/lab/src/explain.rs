//! Every sentence the page says about a run: the banner after it ends (what happened, its regime
//! against the edge c/λ₀ and η_max(B), what to try), and the diagnostics cards' readings. Each is a function of the run's
//! measured values, tested for truth like a number (below and in `crates/trainer/tests/trainer/advice.rs`).
//!
//! The trainer writes the sentences it shares with the CLI beside the figures they state: an
//! outcome's reason (`outcome.rs`), [`Summary::note`](batchlab_trainer::Summary::note), the range
//! test's reading and a sweep's scaling caption. Lessons write their own, in `src/lessons/`.

use batchlab_trainer::advice::advise;
use batchlab_trainer::outcome::Outcome;
use batchlab_trainer::regime::{self, Limits, Regime};
use batchlab_trainer::RunConfig;

use crate::lab::Run;
use crate::view_state::{fmt_lr, RunView, Status};

/// What kind of explanation the banner gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerKind {
    Diverged,
    Stalled,
    Unstable,
    /// A run above the edge c/λ₀ that trained anyway: what happened, not a warning.
    CaughtItself,
    /// The LR range test's reading (a ramp run ends by breaking away on purpose).
    RangeTest,
    Failed,
}

/// Plain-language explanation of how the run of `config` ended, with what to try: every figure in
/// it is one the run measured. The regime, η_max and the advice are the trainer's sentences, which
/// the CLI's summary says in the same words.
pub fn banner(view: &RunView, config: &RunConfig) -> Option<(BannerKind, String)> {
    if view.status == Status::Failed {
        let why = view.failure.as_deref().unwrap_or("it stopped").trim_end_matches('.');
        return Some((
            BannerKind::Failed,
            format!("The training worker stopped: {why}. Press Start to try again with a fresh worker."),
        ));
    }
    let summary = view.summary.as_ref()?;
    let limits = Limits { edge: view.start_limit(config), ..view.limits.clone().unwrap_or_default() };
    let max_lr = limits.max_lr.as_ref();
    let advice = advise(config, summary, limits.edge, max_lr);
    let try_lr = advice.map(|a| format!(" {}", a.sentence(config, max_lr))).unwrap_or_default();
    if let Some(r) = summary.range_test {
        let reached = view.latest().map_or(config.schedule.end_lr, |p| p.lr);
        let edge = limits.edge.map(|l| l.lr);
        return Some((BannerKind::RangeTest, format!("{}{try_lr}", r.explain(config.lr, reached, edge))));
    }
    let regime = regime::sentence(config, summary, &limits).map(|t| format!(" {t}")).unwrap_or_default();
    let measured = max_lr.map(|m| format!(" {}", m.sentence())).unwrap_or_default();
    let after = format!("{regime}{measured}{try_lr}");
    match &summary.outcome {
        Outcome::Finished if regime::regime(config, summary, limits.edge) == Some(Regime::CaughtItself) => {
            Some((BannerKind::CaughtItself, after.trim_start().to_owned()))
        }
        Outcome::Finished => None,
        Outcome::Diverged(d) => Some((
            BannerKind::Diverged,
            format!("Diverged at step {} (epoch {:.2}), with η = {}: {}.{after}", d.step, d.epoch, fmt_lr(d.lr), d),
        )),
        Outcome::Stalled(s) => Some((BannerKind::Stalled, format!("Finished, but learned nothing: {s}.{after}"))),
        Outcome::Unstable(u) => {
            Some((BannerKind::Unstable, format!("Unstable with η = {}: {u}.{after}", fmt_lr(config.lr))))
        }
    }
}

/// What the gradient-noise scale B_simple says about the run's batch size B: a batch's gradient
/// differs from the full one by E‖g_B − G‖² = tr(Σ)/B, so its noise-to-signal ratio (in squared size)
/// is B_simple/B (McCandlish et al. 2018), and doubling B halves it.
pub fn noise_sentence(batch: usize, b_simple: f64, rows: usize, train_len: usize) -> String {
    let ratio = b_simple / batch as f64;
    let source = if rows >= train_len {
        format!("exact, from all {rows} training examples' gradients")
    } else {
        format!("estimated from {rows} of the {train_len} training examples' gradients")
    };
    let side = if ratio >= 2.0 {
        format!(
            "B = {batch} is {} below B_simple ≈ {b_simple:.0}: a batch's gradient is mostly noise ({ratio:.1}× its signal, in \
             squared size), so a larger batch gives a much better gradient",
            times(ratio)
        )
    } else if ratio <= 0.5 {
        format!(
            "B = {batch} is {} B_simple ≈ {b_simple:.0}: a batch's gradient is already mostly signal (its noise is {ratio:.2}× \
             the signal, in squared size), so a larger batch barely improves it",
            times(1.0 / ratio) + " above"
        )
    } else {
        format!(
            "B = {batch} is close to B_simple ≈ {b_simple:.0}: a batch's noise and signal are about equal ({ratio:.2}×, in \
             squared size); doubling B halves the noise"
        )
    };
    format!("{side}. B_simple is {source}.")
}

/// "3.2×" or "12×".
fn times(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.0}×")
    }
}

pub const UNRESOLVED_NOISE: &str =
    "The measured gradient was too small against its noise for B_simple to be resolved: \
                                its estimate of |G|² did not come out positive.";

/// What the current run's sharpness, measured at `step`, says: every limit it states names the
/// step whose λ it comes from.
pub fn sharpness_sentence(run: &Run, lambda: f64, step: usize, lr: f64) -> String {
    let rows = run.config.diagnostics.sharpness_rows.min(run.config.train_len());
    let on = format!("the loss's largest curvature on {rows} training examples at step {step}'s weights");
    if let Some(m) = run.view.mark().filter(|m| step >= m.step) {
        return format!(
            "λ_max is {on}, measured after the loss {} at step {}: it says nothing of the η the run started with. \
             The banner's limit uses λ₀, the curvature at the start.",
            m.what, m.step
        );
    }
    let o = run.config.optimizer;
    match (o.kind.stability_constant(o.momentum), o.kind.edge_formula(if step == 0 { "λ₀" } else { "λ" })) {
        (Some(c), Some(formula)) => {
            let edge = c / lambda;
            let side = if lr > edge {
                "above it: there the loss jumps, and the run either moves to flatter ground, where λ_max is below \
                 2/η, and goes on, or breaks"
            } else {
                "below it: descent is stable on this curvature"
            };
            let formula = if step == 0 { formula } else { formula.replace('λ', &format!("λ(step {step})")) };
            format!(
                "λ_max is {on}. On this curvature full-batch descent first overshoots at η = {formula} = {} — an edge, \
                 not a cap; this run's η = {} is {side}.",
                fmt_lr(edge),
                fmt_lr(lr)
            )
        }
        _ => format!(
            "The loss's largest curvature. {}'s steps are scaled per weight, so no single η limit follows from it.",
            o.kind.label()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::FromWorker;
    use crate::view_state::testing::run;
    use batchlab_trainer::outcome::{fmt_loss, Verdict};
    use batchlab_trainer::train::Diagnostic;

    /// The numbers quoted in a sentence.
    fn numbers(text: &str) -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(|w| w.trim_end_matches('.').to_owned())
            .collect()
    }

    /// B_simple/B is the noise-to-signal ratio of a batch's gradient: the sentence puts B on the side
    /// of B_simple the figures say, over the whole range of both.
    #[test]
    fn the_noise_sentence_puts_b_on_the_side_the_figures_say() {
        for b in [1usize, 8, 32, 128, 512, 1437] {
            for k in -30..=30 {
                let b_simple = 50.0 * 10f64.powf(f64::from(k) / 10.0);
                let s = noise_sentence(b, b_simple, 1437, 1437);
                let ratio = b_simple / b as f64;
                assert!(s.contains(&format!("B_simple ≈ {b_simple:.0}")) && s.contains("exact, from all 1437"), "{s}");
                let (noise, signal, equal) =
                    (s.contains("mostly noise"), s.contains("mostly signal"), s.contains("about equal"));
                assert_eq!(
                    (noise, signal, equal),
                    (ratio >= 2.0, ratio <= 0.5, ratio > 0.5 && ratio < 2.0),
                    "B {b}: {s}"
                );
            }
        }
        assert!(noise_sentence(32, 100.0, 4096, 80_000).contains("estimated from 4096 of the 80000"));
    }

    /// One edge per run: the banner, the η slider's tick and the first sharpness reading state the
    /// same c/λ₀, as where the loss first jumps, never as a cap.
    #[test]
    fn the_banner_and_the_slider_state_one_edge() {
        // Ten epochs: the run affords its reading at the start.
        let (view, config) = run(&[("lr", "10"), ("epochs", "10")]);
        let first = view.trace.buckets().first().and_then(|b| b.measured(Diagnostic::Sharpness)).unwrap();
        let limit = view.limits.as_ref().and_then(|l| l.edge).unwrap();
        assert_eq!(limit.lambda_max, first, "the worker's edge is the first reading");
        assert_eq!(view.start_limit(&config), Some(limit), "the slider's tick");
        let (_, text) = banner(&view, &config).unwrap();
        assert!(text.contains(&format!("λ₀ = {}", fmt_lr(first))) && text.contains(&fmt_lr(2.0 / first)), "{text}");
        assert!(text.contains("first overshoots") && !text.contains("stable there only"), "{text}");
    }

    #[test]
    fn a_divergence_names_its_step_its_rate_its_regime_and_advice_from_max_lr() {
        let (view, config) = run(&[("lr", "10"), ("epochs", "2")]);
        assert_eq!(view.status.word(), "diverged");
        let d = view.divergence().unwrap();
        let (kind, text) = banner(&view, &config).unwrap();
        assert_eq!(kind, BannerKind::Diverged);
        assert!(
            text.starts_with(&format!("Diverged at step {} (epoch {:.2}), with η = 10:", d.step, d.epoch)),
            "{text}"
        );
        assert!(text.contains("Broke: η = 10 is"), "{text}");
        let max_lr = view.max_lr().unwrap();
        let best = max_lr.lr_max.unwrap();
        assert!(text.contains(&format!("η_max at B 32 measured {}", fmt_lr(best))), "{text}");
        let advised = max_lr.advised_lr().unwrap();
        assert!(advised < best && advised > best / 3.0, "{max_lr:?}");
        assert!(text.contains(&format!("Try η = {}, about half of η_max", fmt_lr(advised))), "{text}");
        assert!(!text.contains("larger batch"), "the app's own runs contradict that advice: {text}");
    }

    /// A run above the edge that trained anyway says so, with its evidence: the jump, the way back
    /// and how far its sharpness came down.
    #[test]
    fn a_run_above_the_edge_that_trained_caught_itself() {
        let (view, config) = run(&[("lr", "1"), ("epochs", "3")]);
        let limits = view.limits.clone().unwrap();
        let edge = limits.edge.unwrap();
        assert!(config.lr > edge.lr, "η 1 is above 2/λ₀ = {}", edge.lr);
        let (kind, text) = banner(&view, &config).unwrap();
        println!("{kind:?}: {text}");
        if matches!(view.status.word(), "finished" | "unstable") {
            assert!(text.contains("Caught itself: η = 1 is"), "{text}");
            let end = limits.final_sharpness.unwrap();
            assert!(text.contains(&format!("to {} at the end", fmt_lr(end))), "{text}");
        }
    }

    #[test]
    fn a_short_run_that_climbs_is_diverged_and_its_loss_matches_the_card() {
        // 10 full-batch steps at η = 5: the smoothing window never fills.
        let (view, config) = run(&[("bs", "1437"), ("lr", "5"), ("epochs", "10")]);
        assert_eq!(view.status, Status::Ended(Verdict::Diverged));
        let (_, text) = banner(&view, &config).unwrap();
        let (card, label) = view.train_loss().unwrap();
        assert_eq!(label, "Training loss (whole set)");
        let card = fmt_loss(card);
        // Any whole-set loss the banner quotes is the card's figure, digit for digit.
        if text.contains("whole training set ended at") {
            assert!(numbers(&text).contains(&card), "card {card}: {text}");
        }
        assert!(view.divergence().unwrap().step <= 10);
    }

    #[test]
    fn a_ramp_run_reads_the_range_test_instead_of_blaming_its_first_rate() {
        let (view, config) = run(&[("bs", "32"), ("lr", "0.0001"), ("schedule", "ramp"), ("epochs", "10")]);
        let (kind, text) = banner(&view, &config).unwrap();
        assert_eq!(kind, BannerKind::RangeTest, "{text}");
        let suggested = view.summary.as_ref().unwrap().range_test.unwrap().suggested_lr;
        assert!((0.03..=1.5).contains(&suggested), "{text}");
        assert!(text.contains(&format!("η = {} is a safe start", fmt_lr(suggested))), "{text}");
    }

    #[test]
    fn a_stall_is_its_own_status_with_its_reason() {
        let (view, config) = run(&[("lr", "1e-5"), ("epochs", "1")]);
        assert_eq!(view.status.word(), "stalled");
        let (kind, text) = banner(&view, &config).unwrap();
        assert_eq!(kind, BannerKind::Stalled);
        let advised = view.max_lr().and_then(batchlab_trainer::edge::MaxLr::advised_lr).unwrap();
        assert!(text.contains("at chance") && text.contains(&format!("try η = {}", fmt_lr(advised))), "{text}");
    }

    #[test]
    fn a_crash_fails_the_run_with_the_message() {
        let mut v = RunView::queued(0.0);
        v.apply(FromWorker::Crashed { message: "panicked at src/x.rs".into() }, 1.0);
        assert_eq!(v.status.word(), "failed");
        let (kind, text) = banner(&v, &RunConfig::default()).unwrap();
        assert_eq!(kind, BannerKind::Failed);
        assert!(text.contains("panicked at src/x.rs") && text.contains("Press Start"));
    }
}

//! The advice a run that went wrong gets is checked the way a learner would: by following it — on
//! picked cases, and over the settings space (a property test: following it never breaks, and advice
//! built on η_max trains, in every sampled case, runs longer than η_max's probes among them).

use batchlab_trainer::advice::{advise, AdviceReason};
use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{RunConfig, Summary, Trainer};
use proptest::prelude::*;

fn run(link: &[(&str, &str)]) -> (RunConfig, Summary, Trainer) {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), [], "{link:?}");
    c.diagnostics.noise_scale = Cadence::Off;
    let mut t = c.init().unwrap();
    let mut rec = Recorder::default();
    t.run(&mut rec);
    (c, rec.summary.unwrap(), t)
}

/// Runs `link`, follows its advice, and returns what happened each time: `None` when the first run
/// needed none.
fn follow(link: &[(&str, &str)]) -> Option<(Summary, f64, AdviceReason, Summary)> {
    let (config, summary, trainer) = run(link);
    let limits = trainer.limits(true);
    let advice = advise(&config, &summary, limits.edge, limits.max_lr.as_ref())?;
    if advice.reason == AdviceReason::Longer {
        // Not a rate to follow.
        assert_eq!(advice.lr, config.lr);
        return None;
    }
    let mut again: Vec<(&str, String)> = link.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    again.retain(|(k, _)| *k != "lr");
    again.push(("lr", advice.lr.to_string()));
    let (_, followed, _) = run(&again.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
    assert!(advice.lr < config.lr || advice.reason == AdviceReason::Larger, "{link:?}: {advice:?}");
    Some((summary, advice.lr, advice.reason, followed))
}

#[test]
fn following_the_advice_after_a_divergence_or_a_stall_trains() {
    let cases: &[&[(&str, &str)]] = &[
        &[("bs", "32"), ("lr", "10"), ("epochs", "3")],
        &[("bs", "512"), ("lr", "10"), ("epochs", "10")],
        &[("bs", "full"), ("lr", "5"), ("epochs", "10")],
        &[("bs", "1"), ("lr", "3"), ("epochs", "1")],
        &[("bs", "32"), ("lr", "10"), ("optimizer", "momentum"), ("epochs", "3")],
        // The full-batch edge 2(1 + β)/λ₀ was advised here (η = 1) and diverged in 3 of 3 seeds.
        &[("activation", "tanh"), ("optimizer", "momentum"), ("bs", "32"), ("lr", "10"), ("seed", "1")],
        &[("activation", "tanh"), ("optimizer", "momentum"), ("bs", "32"), ("lr", "10"), ("seed", "2")],
        &[("activation", "tanh"), ("optimizer", "momentum"), ("bs", "32"), ("lr", "10"), ("seed", "3")],
        &[("dataset", "moons"), ("bs", "16"), ("lr", "300"), ("epochs", "20")],
        // At the edge 2/λ₀ itself (η = 1) this small batch diverged.
        &[("hidden", "32"), ("activation", "tanh"), ("bs", "4"), ("lr", "43.374"), ("epochs", "3"), ("seed", "206")],
        &[("bs", "32"), ("lr", "1e-5"), ("epochs", "1")],
        &[("bs", "32"), ("lr", "3"), ("optimizer", "adam"), ("epochs", "3")],
        &[("bs", "32"), ("lr", "1e-7"), ("optimizer", "adam"), ("epochs", "1")],
        &[("loss", "mse"), ("bs", "32"), ("lr", "1e-5"), ("epochs", "1")],
    ];
    for link in cases {
        let (summary, lr, reason, followed) = follow(link).unwrap_or_else(|| panic!("{link:?} needed no advice"));
        println!(
            "{link:?}: {} → try η = {lr} ({reason:?}) → {}, validation accuracy {:.3}",
            summary.outcome.status(),
            followed.outcome.status(),
            followed.final_val_acc
        );
        assert!(followed.outcome.trained(), "{link:?}: following η = {lr} gave {:?}", followed.outcome);
    }
}

/// A run likely to go wrong, drawn from the settings that shape its stability: data, model,
/// activation, loss, optimiser and β, batch size, a learning rate from 1 to 1000 and a length.
fn risky() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        prop::sample::select(vec!["digits", "moons", "circles", "blobs"]),
        prop::sample::select(vec!["none", "32", "64,32"]),
        prop::sample::select(vec!["relu", "tanh"]),
        prop::sample::select(vec!["xent", "mse"]),
        prop::sample::select(vec!["sgd", "momentum", "nesterov"]),
        prop::sample::select(vec!["0.5", "0.9"]),
        prop::sample::select(vec!["4", "32", "128", "full"]),
        0.0..3.0f64,
        1u32..1000,
        prop::sample::select(vec!["3", "15"]),
    )
        .prop_map(|(dataset, hidden, activation, loss, optimizer, beta, bs, lr_decade, seed, epochs)| {
            // A linear model cannot learn circles at all: no rate trains it, so no advice can.
            let hidden = if dataset == "circles" && hidden == "none" { "32" } else { hidden };
            let model = if hidden == "none" { "linear" } else { "mlp" };
            let mut pairs = vec![
                ("dataset", dataset.to_owned()),
                ("model", model.to_owned()),
                ("hidden", hidden.to_owned()),
                ("loss", loss.to_owned()),
                ("optimizer", optimizer.to_owned()),
                ("bs", bs.to_owned()),
                ("lr", format!("{:.3}", 10f64.powf(lr_decade))),
                // 15 epochs: longer than η_max's probes (10), so the advice is tried on a run its
                // probes did not train.
                ("epochs", epochs.to_owned()),
                ("seed", seed.to_string()),
            ];
            if model == "mlp" {
                pairs.push(("activation", activation.to_owned()));
            }
            if optimizer != "sgd" {
                pairs.push(("momentum", beta.to_owned()));
            }
            pairs
        })
}

proptest! {
    // A fixed seed keeps the suite deterministic; `PROPTEST_RNG_SEED=random` draws other cases (three
    // random runs of 128 passed when the margin was set).
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_130),
        ..ProptestConfig::default()
    })]

    /// Over the settings space: whenever a run gets advice, following it (same settings, the advised
    /// η) never diverges, and advice built on η_max trains (calmly, or catching itself after an early
    /// jump). (Other advice may still stall on a budget too short for any rate.)
    #[test]
    fn following_the_advice_never_breaks(pairs in risky()) {
        let link: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some((summary, lr, reason, followed)) = follow(&link) {
            println!("{link:?}: {} → η = {lr} ({reason:?}) → {}", summary.outcome.status(), followed.outcome.status());
            let trained = followed.outcome.trained();
            prop_assert!(
                followed.outcome.verdict() != Verdict::Diverged && (trained || reason != AdviceReason::MaxLr),
                "{:?}: {} → η = {} ({:?}) → {:?}", link, summary.outcome.status(), lr, reason, followed.outcome
            );
        }
    }
}

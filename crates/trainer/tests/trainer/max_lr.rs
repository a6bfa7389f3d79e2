//! No sentence states a cap that a run of the same settings exceeds. The page names two marks: 2/λ₀,
//! where the loss first jumps (an edge, not a cap: runs above it may catch themselves), and η_max(B),
//! "the largest η that trained" among runs of the run's settings. Over the settings space, a run of
//! those settings at any rate above the one the search saw break must not train — or the page could
//! show, beside the sentence, a run that contradicts it.

use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::edge::MaxLrSearch;
use batchlab_trainer::regime::{regime, Regime};
use batchlab_trainer::{RunConfig, Trainer};
use proptest::prelude::*;

fn config(pairs: &[(&str, String)]) -> RunConfig {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(pairs.iter().map(|(k, v)| (*k, v.as_str()))), [], "{pairs:?}");
    c.diagnostics.sharpness = Cadence::Off;
    c.diagnostics.noise_scale = Cadence::Off;
    c
}

fn settings() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        prop::sample::select(vec!["digits", "moons", "circles", "blobs"]),
        prop::sample::select(vec!["32", "64,32"]),
        prop::sample::select(vec!["relu", "tanh"]),
        prop::sample::select(vec!["xent", "mse"]),
        prop::sample::select(vec!["sgd", "momentum"]),
        prop::sample::select(vec!["8", "32", "128", "512"]),
        1u32..1000,
        1.0..4.0f64,
    )
        .prop_map(|(dataset, hidden, activation, loss, optimizer, bs, seed, above)| {
            vec![
                ("dataset", dataset.to_owned()),
                ("hidden", hidden.to_owned()),
                ("activation", activation.to_owned()),
                ("loss", loss.to_owned()),
                ("optimizer", optimizer.to_owned()),
                ("bs", bs.to_owned()),
                ("epochs", "3".to_owned()),
                ("seed", seed.to_string()),
                // Where the extra run goes, as a multiple of the rate the search saw break.
                ("lr", format!("{above:.3}")),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_207),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_run_of_the_same_settings_trains_above_the_rate_that_broke(pairs in settings()) {
        let mut c = config(&pairs);
        let above = c.lr;
        let trainer = c.init().unwrap();
        let edge = trainer.stability_limit();
        let found = MaxLrSearch::new(&c, trainer.data().clone()).run();
        let Some(broke) = found.lr_broke else { return Ok(()) };
        c.lr = broke * above;
        let mut t: Trainer = c.init().unwrap();
        t.run(&mut ());
        let s = t.summary().unwrap();
        println!("{pairs:?}: η_max {:?}, broke {broke}; η {} → {}", found.lr_max, c.lr, s.outcome.status());
        prop_assert!(
            !s.outcome.trained(),
            "{:?}: η_max {:?} (η {} broke), yet η {} trained: {:?}", pairs, found.lr_max, broke, c.lr, s.outcome
        );
        // And the run's own sentence says so: broke if above 2/λ₀, never "caught itself".
        prop_assert!(regime(&c, s, edge) != Some(Regime::CaughtItself), "{:?}: η {}", pairs, c.lr);
    }
}

//! The cases where a blow-up was once called "stalled" or a run that made things worse "finished"
//! (science.md's rules as written in docs/science): each now gets the word its losses earn, and the
//! same word however often the run is evaluated.

use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::outcome::{Outcome, Verdict};
use batchlab_trainer::{RunConfig, Summary};

fn config(link: &[(&str, &str)]) -> RunConfig {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), [], "{link:?}");
    c.diagnostics.sharpness = Cadence::Off;
    c.diagnostics.noise_scale = Cadence::Off;
    c
}

fn train(c: &RunConfig) -> Summary {
    let mut t = c.init().unwrap();
    t.run(&mut ());
    t.summary().unwrap().clone()
}

fn run(link: &[(&str, &str)]) -> Summary {
    train(&config(link))
}

#[test]
fn a_blowup_is_never_stalled() {
    for link in [[("bs", "512"), ("lr", "2"), ("epochs", "10")], [("bs", "32"), ("lr", "3"), ("epochs", "10")]] {
        let s = run(&link);
        println!("{link:?}: {} — {:?}", s.outcome.status(), s.outcome.reason());
        assert!(matches!(s.outcome, Outcome::Diverged(_) | Outcome::Unstable(_)), "{link:?}: {:?}", s.outcome);
        assert!(s.outcome.mark().is_some(), "{link:?}: marked where it blew up");
    }
}

/// A run that ends above its start without a blow-up is unstable, as docs/science says, and says by
/// how much (it was "finished" with a note).
#[test]
fn a_run_that_ends_above_its_start_is_unstable_and_says_so() {
    for link in [
        [("bs", "full"), ("lr", "2.77"), ("epochs", "3"), ("seed", "2")],
        [("bs", "512"), ("lr", "2.334"), ("epochs", "3"), ("seed", "2")],
    ] {
        let s = run(&link);
        println!("{link:?}: {} — {:?}", s.outcome.status(), s.outcome.reason());
        if s.final_train_loss > s.initial_train_loss {
            assert_ne!(s.outcome.status(), "finished", "{link:?}");
            assert!(s.outcome.reason().is_some(), "{link:?}");
        }
    }
}

#[test]
fn too_small_a_rate_is_stalled() {
    let s = run(&[("bs", "512"), ("lr", "0.001"), ("epochs", "3")]);
    assert_eq!(s.outcome.status(), "stalled", "{:?}", s.outcome);
}

/// The reproduction: this run learned, blew up and collapsed to chance. It was "stalled" at the
/// default cadence and "diverged" when evaluated every step; it is diverged either way.
#[test]
fn a_run_that_learned_and_collapsed_is_diverged_whatever_its_cadence() {
    let link = [("bs", "8"), ("lr", "1.383"), ("epochs", "3"), ("seed", "1")];
    for every in [None, Some(1)] {
        let mut c = config(&link);
        c.eval_every = every;
        let s = train(&c);
        assert_eq!(s.outcome.verdict(), Verdict::Diverged, "eval every {every:?}: {:?}", s.outcome);
    }
}

/// The label is a function of the training alone: the same run evaluated every step, every 10 or
/// 100 steps and at the automatic cadence gets the same word at the same step, near the edge where
/// labels are hardest (B 8 to 512, 1× to 8× 2/λ₀ ≈ 0.277 on digits, three seeds).
#[test]
fn a_runs_label_does_not_depend_on_how_often_it_is_evaluated() {
    let mut counts = std::collections::BTreeMap::new();
    for bs in ["8", "32", "128", "512"] {
        for k in [1.0, 2.0, 3.5, 5.0, 8.0] {
            for seed in ["1", "2", "3"] {
                let lr = format!("{:.4}", 0.277 * k);
                let base = config(&[("bs", bs), ("lr", &lr), ("epochs", "3"), ("seed", seed)]);
                let labels: Vec<(Verdict, Option<usize>, String)> = [None, Some(1), Some(10), Some(100)]
                    .into_iter()
                    .map(|every| {
                        let s = train(&RunConfig { eval_every: every, ..base.clone() });
                        (s.outcome.verdict(), s.outcome.mark().map(|m| m.step), s.digest)
                    })
                    .collect();
                assert!(labels.windows(2).all(|w| w[0] == w[1]), "B {bs}, η {lr}, seed {seed}: {labels:?}");
                *counts.entry((k.to_string(), labels[0].0.name())).or_insert(0) += 1;
                if k >= 5.0 {
                    assert_ne!(labels[0].0, Verdict::Stalled, "B {bs}, η {lr}, seed {seed}: too hot is never stalled");
                }
            }
        }
    }
    println!("{counts:?}");
}

//! The cases where a blow-up was once called "stalled" or a run that made things worse "finished"
//! (science.md's rules as written in docs/science): each now gets the word its losses earn.

use batchlab_trainer::outcome::Outcome;
use batchlab_trainer::{RunConfig, Summary};

fn run(link: &[(&str, &str)]) -> Summary {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), [], "{link:?}");
    c.diagnostics.sharpness = batchlab_trainer::diagnostics::Cadence::Off;
    c.diagnostics.noise_scale = batchlab_trainer::diagnostics::Cadence::Off;
    let mut t = c.init().unwrap();
    t.run(&mut ());
    t.summary().unwrap().clone()
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

#[test]
fn a_run_that_ends_above_its_start_says_so() {
    let s = run(&[("bs", "full"), ("lr", "2.77"), ("epochs", "3"), ("seed", "2")]);
    println!("{} — {:?} {:?}", s.outcome.status(), s.outcome.reason(), s.note());
    assert!(s.final_train_loss > s.initial_train_loss);
    assert!(s.outcome.status() != "finished" || s.note().is_some_and(|n| n.contains("1.21 × where it started")));
}

#[test]
fn too_small_a_rate_is_stalled() {
    let s = run(&[("bs", "512"), ("lr", "0.001"), ("epochs", "3")]);
    assert_eq!(s.outcome.status(), "stalled", "{:?}", s.outcome);
}

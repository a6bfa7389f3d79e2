//! The advice a run that went wrong gets is checked the way a learner would: by following it.

use batchlab_trainer::advice::{advise, AdviceReason};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{RunConfig, Summary, Trainer};

fn run(link: &[(&str, &str)]) -> (RunConfig, Summary, Trainer) {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), [], "{link:?}");
    let mut t = c.init().unwrap();
    let mut rec = Recorder::default();
    t.run(&mut rec);
    (c, rec.summary.unwrap(), t)
}

#[test]
fn following_the_advice_after_a_divergence_or_a_stall_trains() {
    let cases: &[&[(&str, &str)]] = &[
        &[("bs", "32"), ("lr", "10"), ("epochs", "3")],
        &[("bs", "512"), ("lr", "10"), ("epochs", "10")],
        &[("bs", "full"), ("lr", "5"), ("epochs", "10")],
        &[("bs", "1"), ("lr", "3"), ("epochs", "1")],
        &[("bs", "32"), ("lr", "10"), ("optimizer", "momentum"), ("epochs", "3")],
        &[("dataset", "moons"), ("bs", "16"), ("lr", "300"), ("epochs", "20")],
        &[("bs", "32"), ("lr", "1e-5"), ("epochs", "1")],
        &[("bs", "32"), ("lr", "3"), ("optimizer", "adam"), ("epochs", "3")],
        &[("bs", "32"), ("lr", "1e-7"), ("optimizer", "adam"), ("epochs", "1")],
        &[("loss", "mse"), ("bs", "32"), ("lr", "1e-5"), ("epochs", "1")],
    ];
    for link in cases {
        let (config, summary, trainer) = run(link);
        let limit = trainer.stability_limit();
        let advice = advise(&config, &summary, limit).unwrap_or_else(|| panic!("{link:?} finished: {summary:?}"));
        let mut again: Vec<(&str, String)> = link.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        again.retain(|(k, _)| *k != "lr");
        again.push(("lr", advice.lr.to_string()));
        let (_, followed, _) = run(&again.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
        println!(
            "{link:?}: {} (limit {:?}) → try η = {} ({:?}) → {}, validation accuracy {:.3}",
            summary.outcome.status(),
            limit.map(|l| l.lr),
            advice.lr,
            advice.reason,
            followed.outcome.status(),
            followed.final_val_acc
        );
        assert_eq!(
            followed.outcome.status(),
            "finished",
            "{link:?}: following η = {} gave {:?}",
            advice.lr,
            followed.outcome
        );
        assert!(advice.lr < config.lr || advice.reason == AdviceReason::Larger);
    }
}

//! The reference workload and reproducibility (../shared/reference-workload.md).

use batchlab_trainer::train::Recorder;
use batchlab_trainer::{RunConfig, ScheduleConfig, ScheduleKind};

#[test]
fn reference_mlp_reaches_088_after_20_epochs_at_b32() {
    let config = RunConfig { epochs: 20, ..RunConfig::default() };
    let mut rec = Recorder::default();
    config.init().unwrap().run(&mut rec);
    let s = rec.summary.unwrap();
    assert_eq!(s.outcome.status(), "finished");
    assert_eq!(s.steps, 20 * 45);
    assert!(s.final_val_acc > 0.88, "validation accuracy {}", s.final_val_acc);
    // The curves start at the initial model and end where the summary says.
    assert_eq!(rec.points.first().unwrap().step, 0);
    assert_eq!(rec.points.last().unwrap().step, s.steps);
}

#[test]
fn same_config_same_bits_other_seed_other_bits() {
    let config = RunConfig {
        epochs: 2,
        batch_size: 50, // 1437 = 28·50 + 37: the last, short batch is kept
        schedule: ScheduleConfig { kind: ScheduleKind::Cosine, warmup_epochs: 0.5 },
        ..RunConfig::default()
    };
    let run = |c: &RunConfig| {
        let mut rec = Recorder::default();
        c.init().unwrap().run(&mut rec);
        rec
    };
    let (a, b) = (run(&config), run(&config));
    assert_eq!(a.points, b.points);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.summary.as_ref().unwrap().steps, 2 * 29);
    assert_eq!(a.summary.as_ref().unwrap().examples, 2 * 1437);
    let c = run(&RunConfig { seed: 2, ..config });
    assert_ne!(a.summary.unwrap().digest, c.summary.unwrap().digest);
}

#[test]
fn too_high_a_learning_rate_is_reported_as_diverged() {
    let mut rec = Recorder::default();
    RunConfig { lr: 10.0, ..RunConfig::default() }.init().unwrap().run(&mut rec);
    let s = rec.summary.unwrap();
    assert_eq!(s.outcome.status(), "diverged", "{:?}", s.outcome);
    assert!(s.steps < 450, "stopped at step {}", s.steps);
    assert_eq!(rec.points.last().unwrap().step, s.steps, "the divergence step has a point");
}

#[test]
fn every_toy_set_trains() {
    for name in ["moons", "circles", "spiral", "xor", "blobs"] {
        let mut c = RunConfig::default();
        c.set("dataset", name).unwrap();
        c.set("epochs", "200").unwrap();
        c.set("bs", "16").unwrap();
        let mut rec = Recorder::default();
        c.init().unwrap().run(&mut rec);
        let s = rec.summary.unwrap();
        assert_eq!(s.outcome.status(), "finished", "{name}: {:?}", s.outcome);
        assert!(s.final_val_acc > 0.8, "{name}: validation accuracy {}", s.final_val_acc);
    }
}

#[test]
fn a_step_budget_overrides_epochs() {
    let mut c = RunConfig::default();
    c.set("steps", "7").unwrap();
    let mut rec = Recorder::default();
    c.init().unwrap().run(&mut rec);
    assert_eq!(rec.summary.unwrap().steps, 7);
}

#[test]
fn batch_growth_triples_the_batch_every_ten_epochs() {
    let mut c = RunConfig { epochs: 30, batch_size: 16, ..RunConfig::default() };
    c.set("bs_growth", "10x3").unwrap();
    assert_eq!((c.batch_size_at_epoch(9), c.batch_size_at_epoch(10), c.batch_size_at_epoch(29)), (16, 48, 144));
    // 1437 rows: 90 steps an epoch at 16, 30 at 48, 10 at 144.
    assert_eq!(c.schedule().total_steps, 10 * 90 + 10 * 30 + 10 * 10);
    assert_eq!(c.schedule().epoch(900 + 15), 10.5);
    let mut rec = Recorder::default();
    let mut t = c.init().unwrap();
    t.run(&mut rec);
    assert_eq!(t.batch_size(), 144);
    let s = rec.summary.unwrap();
    assert_eq!((s.steps, s.examples), (1300, 30 * 1437));
    assert_eq!(rec.points.last().unwrap().epoch, 30.0);
}

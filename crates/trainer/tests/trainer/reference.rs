//! The reference workload and reproducibility (../shared/reference-workload.md).

use batchlab_trainer::schedule::ScheduleKind;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{BatchSize, Outcome, RunConfig};

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
    let mut config = RunConfig {
        epochs: 2,
        batch_size: BatchSize::Examples(50), // 1437 = 28·50 + 37: the last, short batch is kept
        ..RunConfig::default()
    };
    config.schedule.kind = ScheduleKind::Cosine;
    config.schedule.warmup_epochs = 0.5;
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
    let c = run(&RunConfig { seed: 2, ..config.clone() });
    assert_ne!(a.summary.as_ref().unwrap().digest, c.summary.unwrap().digest);
    // Another data order keeps the initial model (the first point) and changes the run.
    let d = run(&RunConfig { order: 1, ..config });
    assert_eq!(a.points[0], d.points[0]);
    assert_ne!(a.summary.unwrap().digest, d.summary.unwrap().digest);
}

#[test]
fn too_high_a_learning_rate_is_reported_as_diverged() {
    let mut rec = Recorder::default();
    RunConfig { lr: 10.0, ..RunConfig::default() }.init().unwrap().run(&mut rec);
    let s = rec.summary.unwrap();
    let Outcome::Diverged(d) = &s.outcome else { panic!("{:?}", s.outcome) };
    assert!(s.steps < 450, "stopped at step {}", s.steps);
    assert!(d.step <= s.steps && d.lr == 10.0);
    assert_eq!(rec.points.last().unwrap().step, s.steps, "the step that noticed has a point");
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
    let mut c = RunConfig { epochs: 30, batch_size: BatchSize::Examples(16), ..RunConfig::default() };
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

/// science.md: at B = 1 a 20-step mean of single-example losses is noise, and on moons at
/// η = 0.03–0.1 it called 4–7 of 20 healthy seeds "diverged". With the 256-example window, and
/// blow-ups judged on a short window of at least 128 examples, no healthy run blows up: 80 of 80 at η
/// 0.01 and 0.03 on moons and digits finish, or (when their loss ended above where it started) are
/// unstable, never diverged.
#[test]
fn healthy_runs_at_batch_size_one_are_finished() {
    for dataset in ["moons", "digits"] {
        for lr in ["0.01", "0.03"] {
            let mut improved = 0;
            for seed in 1..=20u32 {
                let mut c = RunConfig::default();
                let seed = seed.to_string();
                let link = [("dataset", dataset), ("bs", "1"), ("epochs", "2"), ("lr", lr), ("seed", &seed)];
                assert_eq!(c.set_all(link), []);
                c.diagnostics.sharpness = batchlab_trainer::diagnostics::Cadence::Off;
                c.diagnostics.noise_scale = batchlab_trainer::diagnostics::Cadence::Off;
                let mut rec = Recorder::default();
                c.init().unwrap().run(&mut rec);
                let s = rec.summary.unwrap();
                // Never diverged; finished, unless its whole-set loss ended above its start (which
                // the one rule calls unstable, "the run made it worse").
                let want = if s.final_train_loss > s.initial_train_loss { "unstable" } else { "finished" };
                assert_eq!(s.outcome.status(), want, "{dataset} η = {lr}, seed {seed}: {:?}", s.outcome);
                improved += usize::from(s.final_train_loss < s.initial_train_loss);
            }
            assert!(improved >= 15, "{dataset} η = {lr}: the loss fell in only {improved} of 20 seeds");
        }
    }
}

/// A fork with the run's own settings continues it bit for bit; one with another η starts from the
/// same weights, optimiser state and data order, and counts steps from the very start.
#[test]
fn a_fork_continues_from_the_same_state() {
    let mut config = RunConfig { epochs: 4, ..RunConfig::default() };
    assert_eq!(config.set_all([("optimizer", "momentum")]), []);
    let mut whole = config.init().unwrap();
    whole.run(&mut ());
    let mut parent = config.init().unwrap();
    while parent.steps_done() < 70 {
        parent.step(&mut ());
    }
    // The same settings for the remaining 110 steps: the very same run.
    let same = RunConfig { steps: Some(4 * 45 - 70), ..config.clone() };
    let mut child = parent.fork(same).unwrap();
    let mut rec = Recorder::default();
    child.run(&mut rec);
    assert_eq!(child.summary().unwrap().digest, whole.summary().unwrap().digest);
    assert_eq!(rec.points.first().unwrap().step, 70);
    assert_eq!(child.summary().unwrap().steps, 180);
    // Another η: the first point is the parent's state, the rest differs.
    let mut other = parent.fork(RunConfig { lr: 0.3, ..config.clone() }).unwrap();
    let mut rec2 = Recorder::default();
    other.run(&mut rec2);
    assert_eq!(rec2.points[0].val_loss, rec.points[0].val_loss);
    assert_ne!(other.summary().unwrap().digest, whole.summary().unwrap().digest);
    assert!((rec2.points[0].epoch - 70.0 / 45.0).abs() < 1e-12);
    // A fork keeps the data set, the model and the optimiser.
    let refused = parent.fork(RunConfig { seed: 9, ..config.clone() }).err().unwrap().to_string();
    assert!(refused.contains("a fork keeps the run's seed"), "{refused}");
}

/// The exported weights are the model: a forward pass written from their description alone (each
/// layer `activation(x · W + b)`, the last one's logits) classifies the validation set as the
/// trainer measured.
#[test]
fn exported_weights_reproduce_the_models_accuracy() {
    let mut t = RunConfig { epochs: 2, ..RunConfig::default() }.init().unwrap();
    t.run(&mut ());
    let file = t.weights_file().unwrap();
    assert_eq!(file.fingerprint, t.summary().unwrap().digest);
    let d = t.data();
    for layer in &file.model.layers {
        let [inputs, outputs] = layer.shape;
        assert_eq!((layer.weights.len(), layer.bias.len()), (inputs * outputs, outputs));
    }
    let correct = d
        .x_val
        .rows()
        .into_iter()
        .zip(&d.y_val)
        .filter(|(row, &label)| file.model.classify(&row.to_vec()) == label)
        .count();
    let acc = correct as f64 / d.y_val.len() as f64;
    assert!((acc - t.summary().unwrap().final_val_acc).abs() < 1.5 / d.y_val.len() as f64, "{acc}");
}

//! The noise-scale estimator against exact per-example gradients (science.md, E5). The sharpness
//! estimator is checked against an exact eigen-solve in crates/science.

use batchlab_trainer::diagnostics::{exact_noise_scale, Cadence, NoiseScale};
use batchlab_trainer::loss::LossKind;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;

#[test]
fn two_batch_noise_scale_matches_per_example_gradients() {
    for steps in [0, 200] {
        let mut c = RunConfig { epochs: 10, ..RunConfig::default() };
        c.diagnostics.noise_scale = Cadence::Every(10);
        let mut trainer = c.init().unwrap();
        let mut rec = Recorder::default();
        while trainer.steps_done() < steps {
            trainer.step(&mut rec);
        }
        if steps > 0 {
            let live = rec.points.iter().rev().find_map(|p| p.noise_scale);
            assert!(live.is_some_and(|b| b.is_finite() && b > 0.0), "live estimate {live:?}");
        }
        let (model, d) = (trainer.model(), trainer.data());
        let exact = exact_noise_scale(model, d.x_train.view(), &d.y_train, LossKind::CrossEntropy);
        let mut estimator = NoiseScale::new(model, d.features(), 32, 1024, 9);
        let (mut g2, mut trace) = (0.0, 0.0);
        for _ in 0..1000 {
            let (g, t) = estimator.sample(model, d.x_train.view(), &d.y_train, LossKind::CrossEntropy);
            g2 += g;
            trace += t;
        }
        let estimate = trace / g2;
        println!("after {steps} steps: B_simple exact {exact:.2}, two-batch estimate {estimate:.2}");
        assert!((estimate / exact - 1.0).abs() < 0.2, "after {steps} steps: {estimate} vs exact {exact}");
    }
}

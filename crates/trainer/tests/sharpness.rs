//! The live sharpness on the digits MLP (cross-entropy): the f32 estimator the app runs, against the
//! same exact Hessian-vector products in f64 with many more iterations, at initialisation and after
//! 200 steps (science.md, "Live estimators"). The HVPs themselves are checked against a dense f64
//! Hessian in `model.rs`, and λ_max on linear MSE against an exact eigen-solve in crates/science.

use batchlab_trainer::diagnostics::{Cadence, Sharpness, POWER_ITERS};
use batchlab_trainer::model::Examples;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;

#[test]
fn live_sharpness_on_the_digits_mlp_matches_an_f64_reference() {
    let mut c = RunConfig { epochs: 10, ..RunConfig::default() };
    c.diagnostics.sharpness = Cadence::Every(10);
    for checkpoint in [0, 200] {
        // Train to the checkpoint; the point of step k is measured after k updates (step 0: before
        // the first), so the weights are the live estimate's.
        let mut trainer = c.init().unwrap();
        let mut rec = Recorder::default();
        while trainer.steps_done() < checkpoint {
            trainer.step(&mut rec);
        }
        if checkpoint == 0 {
            let mut first = c.init().unwrap();
            first.step(&mut rec);
        }
        let live = rec.points.iter().rev().find(|p| p.step == checkpoint && p.sharpness.is_some()).unwrap();
        let (model, d) = (trainer.model().cast::<f64>(), trainer.data());
        let (x, loss) = (d.x_train.mapv(f64::from), c.model.loss);
        let mut reference = Sharpness::new(&model, d.train_len(), 99);
        let exact = reference.estimate(&model, &model.params, Examples::new(x.view(), &d.y_train), loss, 500);
        let live_value = live.sharpness.unwrap();
        let rel = (live_value - exact).abs() / exact;
        println!(
            "step {}: live λ_max {live_value:.4} ({POWER_ITERS} warm-started iterations, f32), f64 reference {exact:.4}, relative difference {rel:.1e}",
            live.step
        );
        assert!(rel < 1e-3, "step {checkpoint}: live {live_value} vs reference {exact}");
    }
}

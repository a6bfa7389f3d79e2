//! The live estimators against exact values (science.md, "Live estimators" and E5).

use batchlab_trainer::config::LossKind;
use batchlab_trainer::data::digits;
use batchlab_trainer::diagnostics::{exact_noise_scale, NoiseScale};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;
use nalgebra::DMatrix;

fn exact_lambda_max_linear_mse() -> f64 {
    let d = digits().unwrap();
    let n = d.train_len();
    let x = DMatrix::from_fn(n, 65, |i, j| if j == 64 { 1.0 } else { f64::from(d.x_train[(i, j)]) });
    let h = x.transpose() * &x / n as f64;
    h.symmetric_eigen().eigenvalues.iter().copied().fold(f64::MIN, f64::max)
}

#[test]
fn power_iteration_sharpness_matches_the_exact_eigenvalue_on_linear_mse() {
    let mut c = RunConfig::default();
    for (k, v) in [("model", "linear"), ("loss", "mse"), ("bs", "full"), ("epochs", "3"), ("sharpness_every", "1")] {
        c.set(k, v).unwrap();
    }
    c.lr = 0.05;
    c.diagnostics.sharpness_batch = usize::MAX; // the whole training set, as in X̃ᵀX̃/n
    let mut rec = Recorder::default();
    c.init().unwrap().run(&mut rec);
    let exact = exact_lambda_max_linear_mse();
    for p in &rec.points {
        let estimate = p.sharpness.expect("computed at every step");
        let rel = (estimate - exact).abs() / exact;
        println!("step {}: λ_max estimate {estimate:.5}, exact {exact:.5}, relative error {rel:.2e}", p.step);
        assert!(rel < 1e-3, "step {}: {estimate} vs {exact}", p.step);
    }
}

#[test]
fn two_batch_noise_scale_matches_per_example_gradients() {
    for steps in [0, 200] {
        let mut c = RunConfig { epochs: 10, ..RunConfig::default() };
        c.diagnostics.noise_scale_every = 10;
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

//! E0 of science.md: full-batch GD on a quadratic converges iff η < 2/λ_max, and past the edge the
//! loss grows per step by (ηλ_max − 1)². The model is the crate's own linear model with MSE on the
//! digits; λ_max comes from an exact symmetric eigen-solve of X̃ᵀX̃/n.

use batchlab_trainer::config::{Activation, LossKind, OptimizerConfig};
use batchlab_trainer::data::digits;
use batchlab_trainer::model::Mlp;
use batchlab_trainer::optim::Optimizer;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;
use nalgebra::DMatrix;
use rand::SeedableRng;

fn lambda_max() -> f64 {
    let d = digits().unwrap();
    let n = d.train_len();
    let x = DMatrix::from_fn(n, 65, |i, j| if j == 64 { 1.0 } else { f64::from(d.x_train[(i, j)]) });
    let h = x.transpose() * &x / n as f64;
    let mut eig: Vec<f64> = h.symmetric_eigen().eigenvalues.iter().copied().collect();
    eig.sort_by(|a, b| b.total_cmp(a));
    assert!((eig[0] - 11.4251).abs() < 1e-3, "λ_max = {}", eig[0]);
    assert!((eig[1] - 0.69).abs() < 0.01, "λ_2 = {}", eig[1]);
    eig[0]
}

/// Full-batch GD losses (f64) for 300 steps.
fn gd_losses(lr: f64) -> Vec<f64> {
    let d = digits().unwrap();
    let x = d.x_train.mapv(f64::from);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut net = Mlp::<f64>::new(64, &[], 10, Activation::Relu, &mut rng);
    let mut opt = Optimizer::new(OptimizerConfig::default(), net.param_count());
    let mut ws = net.workspace(d.train_len());
    let mut grad = vec![0.0; net.param_count()];
    (0..=300)
        .map(|_| {
            let loss = net.loss_grad(x.view(), &d.y_train, LossKind::Mse, &mut ws, &mut grad).mean_loss();
            opt.step(&mut net.params, &mut grad, lr);
            loss
        })
        .collect()
}

#[test]
fn converges_below_and_diverges_above_two_over_lambda_max() {
    let lambda = lambda_max();
    let edge = 2.0 / lambda;

    let calm = gd_losses(0.95 * edge);
    assert!(calm[300] < calm[0] && calm[300].is_finite());
    assert!(calm.windows(2).skip(50).all(|w| w[1] <= w[0] * (1.0 + 1e-9)), "not converging");

    let wild = gd_losses(1.05 * edge);
    let rate = (1.05 * edge * lambda - 1.0).powi(2);
    assert!((rate - 1.21).abs() < 1e-9);
    for t in 20..300 {
        let growth = wild[t + 1] / wild[t];
        assert!((growth / rate - 1.0).abs() < 0.01, "step {t}: grows ×{growth}, expected ×{rate}");
    }
}

#[test]
fn the_trainer_reports_the_same_edge() {
    let lambda = lambda_max();
    let run = |factor: f64| {
        let mut c = RunConfig::default();
        for (k, v) in [("model", "linear"), ("loss", "mse"), ("bs", "full"), ("epochs", "300")] {
            c.set(k, v).unwrap();
        }
        c.lr = factor * 2.0 / lambda;
        let mut rec = Recorder::default();
        c.init().unwrap().run(&mut rec);
        rec.summary.unwrap()
    };
    let calm = run(0.95);
    assert_eq!(calm.outcome.status(), "finished", "{:?}", calm.outcome);
    assert!(calm.final_train_loss < calm.initial_train_loss);
    assert_eq!(run(1.05).outcome.status(), "diverged");
}

//! E0 — stability of gradient descent (Cohen et al. 2021): full-batch GD on linear MSE converges iff
//! η < 2/λ_max, and past the edge the loss grows per step by (ηλ_max − 1)².

use batchlab_chart::{LineChart, Marker, Series};
use batchlab_trainer::data::digits;
use batchlab_trainer::loss::LossKind;
use batchlab_trainer::model::{Activation, Mlp};
use batchlab_trainer::optim::Optimizer;
use batchlab_trainer::RunConfig;
use nalgebra::DMatrix;
use plotters::style::RGBColor;
use rand::SeedableRng;

use crate::Report;

/// Eigenvalues of X̃ᵀX̃/n on the digits' training split (features plus a bias column), descending.
pub fn hessian_eigenvalues() -> Vec<f64> {
    let d = digits().expect("the digits are compiled in");
    let n = d.train_len();
    let x = DMatrix::from_fn(n, 65, |i, j| if j == 64 { 1.0 } else { f64::from(d.x_train[(i, j)]) });
    let h = x.transpose() * &x / n as f64;
    let mut eig: Vec<f64> = h.symmetric_eigen().eigenvalues.iter().copied().collect();
    eig.sort_by(|a, b| b.total_cmp(a));
    eig
}

/// Full-batch GD losses (f64, the crate's own linear model and optimiser) for `steps` steps.
pub fn gd_losses(lr: f64, steps: usize) -> Vec<f64> {
    let d = digits().expect("the digits are compiled in");
    let x = d.x_train.mapv(f64::from);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut net = Mlp::<f64>::new(64, &[], 10, Activation::Relu, &mut rng);
    let mut opt = Optimizer::new(RunConfig::default().optimizer, net.param_count());
    let mut ws = net.workspace(d.train_len());
    let mut grad = vec![0.0; net.param_count()];
    (0..=steps)
        .map(|_| {
            let loss = net.loss_grad(x.view(), &d.y_train, LossKind::Mse, &mut ws, &mut grad).mean_loss();
            opt.step(&mut net.params, &mut grad, lr);
            loss
        })
        .collect()
}

pub fn run() -> Report {
    let eig = hessian_eigenvalues();
    let lambda = eig[0];
    let edge = 2.0 / lambda;
    let calm = gd_losses(0.95 * edge, 300);
    let wild = gd_losses(1.05 * edge, 300);
    let rate = (1.05 * edge * lambda - 1.0).powi(2);
    let worst = (20..300).map(|t| (wild[t + 1] / wild[t] / rate - 1.0).abs()).fold(0.0, f64::max);
    let converges = calm[300] < calm[0] && calm.windows(2).skip(50).all(|w| w[1] <= w[0] * (1.0 + 1e-9));
    let passed = converges && wild[300] > wild[0] && worst < 0.01 && (lambda - 11.4251).abs() < 1e-3;
    let series = |label: &str, color, losses: &[f64]| Series {
        label: label.to_owned(),
        color,
        points: losses.iter().enumerate().map(|(t, &l)| (t as f64, l)).collect(),
        ..Series::default()
    };
    Report {
        id: "E0",
        title: "Stability of gradient descent: η < 2/λ_max",
        passed: Some(passed),
        measured: format!(
            "λ_max = {lambda:.4} (next {:.3}); at η = 0.95·2/λ_max the loss falls to {:.4}; at 1.05·2/λ_max it grows \
             ×{rate:.3} per step after step 20, the largest deviation {:.2e} relative.",
            eig[1], calm[300], worst
        ),
        figure: LineChart {
            title: "Linear model, MSE, full batch on digits".to_owned(),
            x_label: "step".to_owned(),
            y_label: "training loss".to_owned(),
            log_y: true,
            series: vec![
                series("η = 0.95 · 2/λ_max", RGBColor(37, 99, 235), &calm),
                series("η = 1.05 · 2/λ_max", RGBColor(220, 38, 38), &wild),
            ],
            markers: vec![Marker {
                x: 20.0,
                label: "growth ×(ηλ−1)² from here".to_owned(),
                color: RGBColor(100, 116, 139),
            }],
            ..LineChart::default()
        },
    }
}

//! E6 — the interpolation regime (Ma, Bassily, Belkin 2017): on noiseless least squares the best η
//! grows linearly with B up to B* ≈ max‖xᵢ‖²/λ_max, then saturates at a constant times 1/λ_max.
//! Synthetic Gaussian data with a linear teacher (science.md: raw digits give B* ≈ 2, too small to
//! see the linear phase). Plain minibatch SGD in f64, written out here: ½(xᵀθ − y)² has no classes,
//! so it is outside the app's classification trainer.

use batchlab_chart::{LineChart, Series};
use nalgebra::{DMatrix, DVector};
use plotters::style::RGBColor;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{log_log_slope, Report};

const DIM: usize = 64;
const ROWS: usize = 1024;
const STEPS: usize = 100;
const SEEDS: [u64; 3] = [1, 2, 3];

struct Problem {
    x: DMatrix<f64>,
    y: DVector<f64>,
    lambda_max: f64,
    b_star: f64,
}

fn problem() -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    // Feature j has variance 1/√j: condition number about 8. (With isotropic features the problem is
    // so well conditioned that after 100 steps every good η reaches the rounding floor, and "the best
    // η" is decided by rounding noise.)
    let x = DMatrix::from_fn(ROWS, DIM, |_, j| {
        let z: f64 = StandardNormal.sample(&mut rng);
        z / ((j + 1) as f64).powf(0.25)
    });
    let teacher = DVector::from_fn(DIM, |_, _| StandardNormal.sample(&mut rng));
    let y = &x * teacher;
    let h = x.transpose() * &x / ROWS as f64;
    let lambda_max = h.symmetric_eigen().eigenvalues.max();
    let max_norm2 = x.row_iter().map(|r| r.norm_squared()).fold(0.0, f64::max);
    Problem { b_star: max_norm2 / lambda_max, x, y, lambda_max }
}

/// Mean loss ½(xᵀθ − y)² over the data after `STEPS` minibatch steps (batches drawn with
/// replacement), averaged over seeds; ∞ if a run blows up.
fn loss_after(p: &Problem, batch_size: usize, lr: f64) -> f64 {
    let mut total = 0.0;
    for seed in SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut theta = DVector::<f64>::zeros(DIM);
        for _ in 0..STEPS {
            let mut grad = DVector::<f64>::zeros(DIM);
            for _ in 0..batch_size {
                let i = rng.random_range(0..ROWS);
                let row = p.x.row(i);
                let residual = (row * &theta)[0] - p.y[i];
                grad.axpy(residual, &row.transpose(), 1.0);
            }
            theta.axpy(-lr / batch_size as f64, &grad, 1.0);
        }
        let loss = 0.5 * (&p.x * &theta - &p.y).norm_squared() / ROWS as f64;
        if !loss.is_finite() {
            return f64::INFINITY;
        }
        total += loss;
    }
    total / SEEDS.len() as f64
}

pub fn run() -> Report {
    let p = problem();
    let batch_sizes: Vec<usize> = (0..=10).map(|k| 1 << k).collect();
    // η·λ_max from 2⁻¹⁰ to 4 in steps of 2^(1/8).
    let grid: Vec<f64> = (-80..=16).map(|k| 2f64.powf(f64::from(k) / 8.0) / p.lambda_max).collect();
    let best: Vec<f64> = batch_sizes
        .iter()
        .map(|&b| {
            grid.iter()
                .map(|&lr| (lr, loss_after(&p, b, lr)))
                .min_by(|a, c| a.1.total_cmp(&c.1))
                .map_or(f64::NAN, |m| m.0)
        })
        .collect();
    let small: Vec<usize> = (0..batch_sizes.len()).filter(|&i| batch_sizes[i] as f64 <= p.b_star / 4.0).collect();
    let large: Vec<usize> = (0..batch_sizes.len()).filter(|&i| batch_sizes[i] as f64 >= 4.0 * p.b_star).collect();
    let slope = log_log_slope(
        &small.iter().map(|&i| batch_sizes[i] as f64).collect::<Vec<_>>(),
        &small.iter().map(|&i| best[i]).collect::<Vec<_>>(),
    );
    let plateau: Vec<f64> = large.iter().map(|&i| best[i] * p.lambda_max).collect();
    let (lo, hi) = plateau.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let level = plateau.iter().sum::<f64>() / plateau.len().max(1) as f64;
    let flat = !plateau.is_empty() && hi / lo <= 1.1;
    let passed = small.len() >= 2 && (0.9..=1.1).contains(&slope) && flat && (1.3..=1.9).contains(&level);
    Report {
        id: "E6",
        title: "Interpolation regime: best η linear in B up to B*, then flat",
        passed: Some(passed),
        measured: format!(
            "Gaussian data, {ROWS} × {DIM}, feature variances 1/√j, noiseless linear teacher: λ_max = {:.3}, B* = max‖x‖²/λ_max = {:.1}. Best η after \
             {STEPS} steps (3 seeds, 2^(1/8) grid): log-log slope over B ≤ B*/4 = {slope:.2} (E6: [0.9, 1.1]); η·λ_max for \
             B ≥ 4B*: {} (E6: within 10 % of each other, level in [1.3, 1.9]). Per B: {}.",
            p.lambda_max,
            p.b_star,
            plateau.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>().join(", "),
            batch_sizes.iter().zip(&best).map(|(b, l)| format!("B={b}: η·λ_max={:.3}", l * p.lambda_max)).collect::<Vec<_>>().join(", ")
        ),
        figure: LineChart {
            title: format!("Noiseless least squares: best η·λ_max per batch size (B* = {:.0})", p.b_star),
            x_label: "log2 batch size".to_owned(),
            y_label: "best η · λ_max".to_owned(),
            log_y: true,
            series: vec![Series {
                label: String::new(),
                color: RGBColor(37, 99, 235),
                points: batch_sizes.iter().zip(&best).map(|(&b, &l)| ((b as f64).log2(), l * p.lambda_max)).collect(),
                ..Series::default()
            }],
            ..LineChart::default()
        },
    }
}

//! Live diagnostics: sharpness λ_max (power iteration on Hessian-vector products) and the gradient
//! noise scale B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, the two-batch-size estimator).

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::config::LossKind;
use crate::model::{Mlp, Workspace};
use crate::optim::norm;
use crate::scalar::Scalar;

/// Which diagnostics to compute, and how often (0 = never).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiagnosticsConfig {
    pub sharpness_every: usize,
    pub noise_scale_every: usize,
    /// Rows of the fixed evaluation batch for sharpness (the first rows of the training set).
    pub sharpness_batch: usize,
    /// Power iterations per sharpness estimate (warm-started from the previous vector).
    pub power_iters: usize,
    /// The two batch sizes of the noise-scale estimator.
    pub noise_small: usize,
    pub noise_big: usize,
}

impl Default for DiagnosticsConfig {
    fn default() -> Self {
        Self {
            sharpness_every: 0,
            noise_scale_every: 0,
            sharpness_batch: 512,
            power_iters: 20,
            noise_small: 32,
            noise_big: 512,
        }
    }
}

const SHARPNESS_STREAM: u64 = 4;
const NOISE_STREAM: u64 = 5;

fn dot<F: Scalar>(a: &[F], b: &[F]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x.wide() * y.wide()).sum()
}

/// λ_max of the loss Hessian on a fixed batch, by power iteration. Hessian-vector products are
/// central differences of gradients, [∇L(θ + rv) − ∇L(θ − rv)] / 2r (exact for quadratics).
pub struct Sharpness<F> {
    x: Array2<F>,
    y: Vec<usize>,
    v: Vec<F>,
    hv: Vec<F>,
    probe: Vec<F>,
    g_minus: Vec<F>,
    ws: Workspace<F>,
}

impl<F: Scalar> Sharpness<F> {
    /// Uses `x`, `y` as the fixed evaluation batch; the start vector comes from `seed`.
    pub fn new(model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], seed: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
        rng.set_stream(SHARPNESS_STREAM);
        let p = model.param_count();
        let mut v: Vec<F> = (0..p).map(|_| F::of(StandardNormal.sample(&mut rng))).collect();
        let n = F::of(norm(&v));
        for x in &mut v {
            *x /= n;
        }
        Self {
            x: x.to_owned(),
            y: y.to_vec(),
            v,
            hv: vec![F::zero(); p],
            probe: vec![F::zero(); p],
            g_minus: vec![F::zero(); p],
            ws: model.workspace(y.len()),
        }
    }

    /// H·v into `self.hv`.
    fn hvp(&mut self, model: &Mlp<F>, loss: LossKind) {
        let r = F::epsilon().wide().cbrt() * norm(&model.params).max(1.0);
        let step = |sign: f64, probe: &mut Vec<F>, v: &[F]| {
            for ((q, &p), &d) in probe.iter_mut().zip(&model.params).zip(v) {
                *q = p + F::of(sign * r) * d;
            }
        };
        step(1.0, &mut self.probe, &self.v);
        model.loss_grad_with(&self.probe, self.x.view(), &self.y, loss, &mut self.ws, &mut self.hv);
        step(-1.0, &mut self.probe, &self.v);
        model.loss_grad_with(&self.probe, self.x.view(), &self.y, loss, &mut self.ws, &mut self.g_minus);
        let inv = F::of(0.5 / r);
        for (h, &m) in self.hv.iter_mut().zip(&self.g_minus) {
            *h = (*h - m) * inv;
        }
    }

    /// `iters` power iterations from the previous vector; returns the Rayleigh quotient vᵀHv.
    pub fn estimate(&mut self, model: &Mlp<F>, loss: LossKind, iters: usize) -> f64 {
        let mut lambda = 0.0;
        for _ in 0..iters.max(1) {
            self.hvp(model, loss);
            lambda = dot(&self.v, &self.hv);
            let n = norm(&self.hv);
            if !(n.is_finite() && n > 0.0) {
                return f64::NAN;
            }
            let inv = F::of(1.0 / n);
            for (v, &h) in self.v.iter_mut().zip(&self.hv) {
                *v = h * inv;
            }
        }
        lambda
    }
}

/// The gradient noise scale from pairs of minibatch gradients at two batch sizes, drawn with
/// replacement (so without the finite-population bias of science.md's E5), smoothed by moving
/// averages of |G|² and tr(Σ) before dividing.
pub struct NoiseScale<F> {
    small: usize,
    big: usize,
    rng: ChaCha8Rng,
    ws: Workspace<F>,
    grad: Vec<F>,
    bx: Array2<F>,
    by: Vec<usize>,
    avg_g2: f64,
    avg_trace: f64,
    /// Bias correction of the moving averages, as in Adam.
    weight: f64,
}

/// One two-batch estimate: (|G|², tr Σ).
pub fn two_batch_estimate(small: usize, g2_small: f64, big: usize, g2_big: f64) -> (f64, f64) {
    let (bs, bb) = (small as f64, big as f64);
    ((bb * g2_big - bs * g2_small) / (bb - bs), (g2_small - g2_big) / (1.0 / bs - 1.0 / bb))
}

const NOISE_AVERAGING: f64 = 0.9;

impl<F: Scalar> NoiseScale<F> {
    pub fn new(model: &Mlp<F>, features: usize, small: usize, big: usize, seed: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
        rng.set_stream(NOISE_STREAM);
        let big = big.max(small + 1);
        Self {
            small,
            big,
            rng,
            ws: model.workspace(big),
            grad: vec![F::zero(); model.param_count()],
            bx: Array2::zeros((big, features)),
            by: Vec::with_capacity(big),
            avg_g2: 0.0,
            avg_trace: 0.0,
            weight: 0.0,
        }
    }

    /// |∇L|² on `rows` examples drawn with replacement.
    fn sample_g2(&mut self, model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], loss: LossKind, rows: usize) -> f64 {
        self.by.clear();
        for r in 0..rows {
            let i = self.rng.random_range(0..y.len() as u32) as usize;
            self.bx.row_mut(r).assign(&x.row(i));
            self.by.push(y[i]);
        }
        model.loss_grad(self.bx.slice(ndarray::s![..rows, ..]), &self.by, loss, &mut self.ws, &mut self.grad);
        let n = norm(&self.grad);
        n * n
    }

    /// One raw pair estimate (|G|², tr Σ) at the model's current parameters.
    pub fn sample(&mut self, model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], loss: LossKind) -> (f64, f64) {
        let g2_small = self.sample_g2(model, x, y, loss, self.small);
        let g2_big = self.sample_g2(model, x, y, loss, self.big);
        two_batch_estimate(self.small, g2_small, self.big, g2_big)
    }

    /// Adds one pair to the moving averages and returns the smoothed B_simple (None while |G|²'s
    /// average is not positive).
    pub fn update(&mut self, model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], loss: LossKind) -> Option<f64> {
        let (g2, trace) = self.sample(model, x, y, loss);
        self.avg_g2 = NOISE_AVERAGING * self.avg_g2 + (1.0 - NOISE_AVERAGING) * g2;
        self.avg_trace = NOISE_AVERAGING * self.avg_trace + (1.0 - NOISE_AVERAGING) * trace;
        self.weight = NOISE_AVERAGING * self.weight + (1.0 - NOISE_AVERAGING);
        let (g2, trace) = (self.avg_g2 / self.weight, self.avg_trace / self.weight);
        (g2 > 0.0).then(|| trace / g2)
    }
}

/// The exact B_simple = tr(Σ)/|G|² from every per-example gradient (Σ with 1/N normalisation).
pub fn exact_noise_scale<F: Scalar>(model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], loss: LossKind) -> f64 {
    let p = model.param_count();
    let mut ws = model.workspace(1);
    let (mut g, mut sum) = (vec![F::zero(); p], vec![0.0f64; p]);
    let mut sum_sq = 0.0;
    for i in 0..y.len() {
        model.loss_grad(x.slice(ndarray::s![i..=i, ..]), &y[i..=i], loss, &mut ws, &mut g);
        for (s, &gi) in sum.iter_mut().zip(&g) {
            *s += gi.wide();
        }
        let n = norm(&g);
        sum_sq += n * n;
    }
    let count = y.len() as f64;
    let g2 = sum.iter().map(|s| (s / count) * (s / count)).sum::<f64>();
    (sum_sq / count - g2) / g2
}

//! Live diagnostics: sharpness λ_max (power iteration on exact Hessian-vector products) and the
//! gradient noise scale B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, the two-batch-size estimator).

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::loss::LossKind;
use crate::model::{Examples, HvpWorkspace, Mlp, Workspace};
use crate::optim::norm;
use crate::scalar::Scalar;

/// How often a diagnostic is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cadence {
    Off,
    /// At every this-many-th step, inside the step: the same points every time.
    Every(usize),
    /// Between steps, a unit of work at a time, in at most [`AUTO_SHARE`] of the host's time (see
    /// `Trainer::advance`): as often as that allows, so the cost is bounded whatever the model.
    Auto,
}

impl Cadence {
    pub fn is_on(self) -> bool {
        self != Cadence::Off
    }

    /// Whether a fixed cadence measures at `step`.
    pub fn due(self, step: usize) -> bool {
        matches!(self, Cadence::Every(k) if k > 0 && step % k == 0)
    }
}

/// Which diagnostics to compute, and how often.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsConfig {
    pub sharpness: Cadence,
    pub noise_scale: Cadence,
    /// λ_max is the curvature of the loss on the first this-many training rows (all of them when the
    /// set is smaller, as every built-in set is).
    pub sharpness_rows: usize,
}

/// Power iterations per sharpness estimate at a fixed cadence (each warm-started from the previous
/// vector).
pub const POWER_ITERS: usize = 20;
/// Automatic diagnostics take at most this share of the host's time.
pub const AUTO_SHARE: f64 = 0.2;
/// Automatic sharpness: iterations before the first estimate is shown (from the last minibatch
/// gradient, which lies mostly in the top curvature directions: within 1–5 % of λ_max after six on
/// the built-in sets), then between estimates (warm-started).
const AUTO_FIRST_ITERS: usize = 6;
const AUTO_NEXT_ITERS: usize = 2;
/// Two-batch pairs averaged before the first automatic noise-scale estimate is handed over: one pair
/// alone is often too noisy to be positive.
const AUTO_FIRST_PAIRS: usize = 4;
/// The two batch sizes of the live noise-scale estimator.
pub const NOISE_SMALL: usize = 32;
pub const NOISE_BIG: usize = 512;
/// Rows per chunk of a Hessian-vector product (bounds its buffers whatever the set's size).
const HVP_CHUNK: usize = 512;

const SHARPNESS_STREAM: u64 = 4;
const NOISE_STREAM: u64 = 5;

fn dot<F: Scalar>(a: &[F], b: &[F]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x.wide() * y.wide()).sum()
}

/// λ_max of the loss Hessian on the first `rows` training rows, by power iteration on exact
/// Hessian-vector products ([`Mlp::hvp`]); the vector is kept between estimates (warm start).
pub struct Sharpness<F> {
    rows: usize,
    v: Vec<F>,
    hv: Vec<F>,
    ws: HvpWorkspace<F>,
    /// The shift of automatic iterations, once a negative dominant eigenvalue was met.
    shift: f64,
}

impl<F: Scalar> Sharpness<F> {
    /// An estimator on the first `rows` rows; the start vector comes from `seed`.
    pub fn new(model: &Mlp<F>, rows: usize, seed: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
        rng.set_stream(SHARPNESS_STREAM);
        let p = model.param_count();
        let mut v: Vec<F> = (0..p).map(|_| F::of(StandardNormal.sample(&mut rng))).collect();
        let n = F::of(norm(&v));
        for x in &mut v {
            *x /= n;
        }
        Self { rows, v, hv: vec![F::zero(); p], ws: model.hvp_workspace(HVP_CHUNK.min(rows.max(1))), shift: 0.0 }
    }

    /// `iters` power iterations at `params` from the previous vector; returns the Rayleigh quotient
    /// vᵀHv. When the dominant eigenvalue is negative (a saddle's), iterates H + sI with s = |λ| to
    /// reach the largest algebraic one. NaN if the products are not finite.
    pub fn estimate(&mut self, model: &Mlp<F>, params: &[F], train: Examples<F>, loss: LossKind, iters: usize) -> f64 {
        let data = train.head(self.rows);
        let mut lambda = self.iterate(model, params, data, loss, iters, 0.0);
        if lambda < 0.0 {
            lambda = self.iterate(model, params, data, loss, iters, -lambda);
        }
        lambda
    }

    /// Starts the next iterations from `v` instead (normalised).
    pub fn restart_from(&mut self, v: &[F]) {
        let n = norm(v);
        if n > 0.0 && n.is_finite() {
            for (a, &b) in self.v.iter_mut().zip(v) {
                *a = b / F::of(n);
            }
        }
    }

    /// One power iteration (for automatic diagnostics); returns the Rayleigh quotient, with the
    /// same shift rule as [`Sharpness::estimate`] applied across calls.
    fn step_once(&mut self, model: &Mlp<F>, train: Examples<F>, loss: LossKind) -> f64 {
        let lambda = self.iterate(model, &model.params, train.head(self.rows), loss, 1, self.shift);
        if lambda < 0.0 && self.shift == 0.0 {
            self.shift = -lambda;
        }
        lambda
    }

    fn iterate(
        &mut self,
        model: &Mlp<F>,
        params: &[F],
        data: Examples<F>,
        loss: LossKind,
        iters: usize,
        shift: f64,
    ) -> f64 {
        let mut lambda = f64::NAN;
        for _ in 0..iters.max(1) {
            model.hvp(params, data, loss, &self.v, &mut self.ws, &mut self.hv);
            lambda = dot(&self.v, &self.hv);
            let s = F::of(shift);
            for (h, &v) in self.hv.iter_mut().zip(&self.v) {
                *h += s * v;
            }
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

    /// Adds one pair to the moving averages and returns the smoothed B_simple: None while either
    /// average is not positive (the pairs so far do not resolve the noise; a negative "batch size"
    /// means nothing).
    pub fn update(&mut self, model: &Mlp<F>, x: ArrayView2<F>, y: &[usize], loss: LossKind) -> Option<f64> {
        let (g2, trace) = self.sample(model, x, y, loss);
        self.avg_g2 = NOISE_AVERAGING * self.avg_g2 + (1.0 - NOISE_AVERAGING) * g2;
        self.avg_trace = NOISE_AVERAGING * self.avg_trace + (1.0 - NOISE_AVERAGING) * trace;
        self.weight = NOISE_AVERAGING * self.weight + (1.0 - NOISE_AVERAGING);
        let (g2, trace) = (self.avg_g2 / self.weight, self.avg_trace / self.weight);
        (g2 > 0.0 && trace > 0.0).then(|| trace / g2)
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

/// The diagnostics of one run as it trains: fixed-cadence ones measured at their steps, automatic ones
/// a unit of work at a time between steps, their latest estimates handed to the next curve point.
pub struct LiveDiagnostics {
    config: DiagnosticsConfig,
    sharpness: Option<Sharpness<f32>>,
    noise: Option<NoiseScale<f32>>,
    /// Automatic power iterations since the last estimate was handed over.
    iterations: usize,
    estimates: usize,
    /// Automatic two-batch pairs drawn so far.
    noise_pairs: usize,
    fresh_sharpness: Option<f64>,
    fresh_noise: Option<f64>,
    /// Which automatic diagnostic the next unit serves.
    noise_turn: bool,
}

impl LiveDiagnostics {
    pub fn new(config: DiagnosticsConfig, model: &Mlp<f32>, train_rows: usize, features: usize, seed: u32) -> Self {
        Self {
            config,
            sharpness: config
                .sharpness
                .is_on()
                .then(|| Sharpness::new(model, config.sharpness_rows.min(train_rows), seed)),
            noise: config.noise_scale.is_on().then(|| NoiseScale::new(model, features, NOISE_SMALL, NOISE_BIG, seed)),
            iterations: 0,
            estimates: 0,
            noise_pairs: 0,
            fresh_sharpness: None,
            fresh_noise: None,
            noise_turn: false,
        }
    }

    /// Whether a fixed cadence measures at `step` (the trainer makes a curve point there).
    pub fn due(&self, step: usize) -> bool {
        self.config.sharpness.due(step) || self.config.noise_scale.due(step)
    }

    /// Whether there is automatic work to do.
    pub fn has_auto_work(&self) -> bool {
        self.config.sharpness == Cadence::Auto || self.config.noise_scale == Cadence::Auto
    }

    /// The (sharpness, noise scale) of the curve point at `step`: measured now if their cadence is
    /// due, or the automatic estimates that arrived since the last point.
    pub fn at_point(
        &mut self,
        step: usize,
        model: &Mlp<f32>,
        train: Examples<f32>,
        loss: LossKind,
    ) -> (Option<f64>, Option<f64>) {
        let mut sharpness = self.fresh_sharpness.take();
        let mut noise = self.fresh_noise.take();
        if let Some(sh) = self.sharpness.as_mut().filter(|_| self.config.sharpness.due(step)) {
            sharpness = Some(sh.estimate(model, &model.params, train, loss, POWER_ITERS));
        }
        if let Some(ns) = self.noise.as_mut().filter(|_| self.config.noise_scale.due(step)) {
            noise = ns.update(model, train.x, train.y, loss);
        }
        (sharpness, noise)
    }

    /// One unit of automatic work: a power iteration (an estimate every few), or a two-batch
    /// noise-scale sample; the two take turns. `grad` is the last minibatch gradient, where the first
    /// power iteration starts.
    pub fn auto_unit(&mut self, model: &Mlp<f32>, train: Examples<f32>, loss: LossKind, grad: &[f32]) {
        let sharpness_auto = self.config.sharpness == Cadence::Auto;
        let noise_auto = self.config.noise_scale == Cadence::Auto;
        self.noise_turn = !self.noise_turn;
        if noise_auto && (self.noise_turn || !sharpness_auto) {
            self.noise_unit(model, train, loss);
        } else if sharpness_auto {
            self.sharpness_unit(model, train, loss, grad);
        }
    }

    fn noise_unit(&mut self, model: &Mlp<f32>, train: Examples<f32>, loss: LossKind) {
        if let Some(ns) = self.noise.as_mut() {
            self.noise_pairs += 1;
            let estimate = ns.update(model, train.x, train.y, loss);
            if self.noise_pairs >= AUTO_FIRST_PAIRS {
                self.fresh_noise = estimate.or(self.fresh_noise);
            }
        }
    }

    fn sharpness_unit(&mut self, model: &Mlp<f32>, train: Examples<f32>, loss: LossKind, grad: &[f32]) {
        let Some(sh) = self.sharpness.as_mut() else { return };
        if self.estimates == 0 && self.iterations == 0 {
            sh.restart_from(grad);
        }
        let lambda = sh.step_once(model, train, loss);
        self.iterations += 1;
        let needed = if self.estimates == 0 { AUTO_FIRST_ITERS } else { AUTO_NEXT_ITERS };
        if self.iterations >= needed {
            self.iterations = 0;
            self.estimates += 1;
            self.fresh_sharpness = Some(lambda);
        }
    }

    /// At the end of a run: an automatic diagnostic that has no estimate yet (the run was shorter
    /// than its share of time allowed) gets one now, so every run shows its values at least once (the
    /// noise scale its first pairs, which may still leave it unresolved).
    pub fn settle(&mut self, model: &Mlp<f32>, train: Examples<f32>, loss: LossKind, grad: &[f32]) {
        if self.config.sharpness == Cadence::Auto {
            while self.estimates == 0 && self.sharpness.is_some() {
                self.sharpness_unit(model, train, loss, grad);
            }
        }
        if self.config.noise_scale == Cadence::Auto {
            while self.noise_pairs < AUTO_FIRST_PAIRS && self.noise.is_some() {
                self.noise_unit(model, train, loss);
            }
        }
    }
}

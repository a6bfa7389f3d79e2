//! Live diagnostics: sharpness λ_max (Lanczos on exact Hessian-vector products, run until it has
//! converged at the weights of its step) and the gradient noise scale B_simple = tr(Σ)/|G|²
//! (McCandlish et al. 2018) from every example's exact gradient norm.
//!
//! Both are functions of the weights alone, and the automatic cadence is a function of the run alone
//! (a cost model in multiply-adds, never the clock): the same run reads the same values at the same
//! steps in the browser and natively.

use ndarray::s;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::loss::LossKind;
use crate::model::{Examples, HvpWorkspace, Mlp, Pass, Workspace};
use crate::optim::norm;
use crate::scalar::Scalar;

/// How often a diagnostic is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cadence {
    Off,
    /// At every this-many-th step.
    Every(usize),
    /// At the start (the sharpness there is the run's stability limit) unless one reading would cost
    /// more than the whole run and more than [`START_READING_MACS`], then at evaluation points whenever its share of the run's work allows:
    /// the run's updates and evaluations are counted in multiply-adds ([`Mlp::macs_per_row`]), and a
    /// diagnostic is measured again while what its readings after the start have cost stays within
    /// [`AUTO_SHARE`] of them.
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
    /// set is smaller).
    pub sharpness_rows: usize,
}

/// Automatic diagnostics cost at most this share of the run's own work (updates and evaluations).
pub const AUTO_SHARE: f64 = 0.2;
/// Of that share, the sharpness's when both are automatic: a reading takes several products.
const SHARPNESS_PART: f64 = 0.75;
/// A sharpness reading has converged when its Ritz residual ‖Hv − λv‖ is at most this × λ: some
/// eigenvalue of H then lies within 1e-3 λ of it.
pub const TOLERANCE: f64 = 1e-3;
/// Products a first sharpness reading is expected to take (5–12 on the built-in sets, measured).
const EXPECTED_HVPS: f64 = 12.0;
/// A reading at the start costing at most this many multiply-adds (a fraction of a second) is taken
/// even when it costs more than a short run itself: it is the run's stability limit.
pub const START_READING_MACS: f64 = 2e9;
/// A reading that has not converged after this many products is not reported.
pub const MAX_HVPS: usize = 300;
/// The Lanczos basis holds at most this many vectors, and at most [`MAX_BASIS_FLOATS`] numbers (on a
/// big model it restarts sooner, from its best vector).
const MAX_BASIS: usize = 40;
const MAX_BASIS_FLOATS: usize = 1 << 23;
/// The noise scale is measured on at most this many training rows (all of every built-in set).
pub const NOISE_ROWS: usize = 4096;
/// Rows per chunk of a pass over many rows (bounds its buffers whatever the set's size).
pub const CHUNK: usize = 512;

/// Parameter-sized vectors a sharpness reading holds at most: its start vector, the product, the
/// Lanczos basis and the Ritz vector (in f64).
pub fn sharpness_vectors(params: usize) -> usize {
    2 + basis_len(params) + 2
}

fn basis_len(params: usize) -> usize {
    (MAX_BASIS_FLOATS / params.max(1)).clamp(4, MAX_BASIS)
}

const SHARPNESS_STREAM: u64 = 4;

fn dot<F: Scalar>(a: &[F], b: &[F]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x.wide() * y.wide()).sum()
}

/// One sharpness reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpnessReading {
    /// The top Ritz value: λ_max when `converged`.
    pub lambda: f64,
    /// Hessian-vector products it took.
    pub hvps: usize,
    pub converged: bool,
}

/// λ_max of the loss Hessian on the first `rows` training rows, by the Lanczos method on exact
/// Hessian-vector products ([`Mlp::hvp`]) with full reorthogonalisation. Each reading starts from the
/// previous one's Ritz vector (a warm start: a few products when the weights moved little) and runs
/// until the Ritz residual is below [`TOLERANCE`] × λ — unlike a fixed number of power iterations,
/// which stops short when the top two eigenvalues are close.
pub struct Sharpness<F> {
    rows: usize,
    v: Vec<F>,
    ws: HvpWorkspace<F>,
    max_basis: usize,
}

impl<F: Scalar> Sharpness<F> {
    /// An estimator on the first `rows` rows; the first start vector comes from `seed`.
    pub fn new(model: &Mlp<F>, rows: usize, seed: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
        rng.set_stream(SHARPNESS_STREAM);
        let p = model.param_count();
        let v: Vec<F> = (0..p).map(|_| F::of(StandardNormal.sample(&mut rng))).collect();
        let mut s = Self {
            rows,
            v: vec![F::zero(); p],
            ws: model.hvp_workspace(CHUNK.min(rows.max(1))),
            max_basis: basis_len(p),
        };
        s.restart_from(&v);
        s
    }

    /// The rows the curvature is measured on.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Starts the next reading from `v` instead (normalised).
    fn restart_from(&mut self, v: &[F]) {
        let n = norm(v);
        if n > 0.0 && n.is_finite() {
            for (a, &b) in self.v.iter_mut().zip(v) {
                *a = b / F::of(n);
            }
        }
    }

    /// λ_max at `params`, converged (see [`SharpnessReading`]); the largest algebraic eigenvalue, so a
    /// saddle's negative curvature never hides it.
    pub fn estimate(&mut self, model: &Mlp<F>, params: &[F], train: Examples<F>, loss: LossKind) -> SharpnessReading {
        let data = train.head(self.rows);
        let p = self.v.len();
        let mut hvps = 0;
        let mut w = vec![F::zero(); p];
        loop {
            let mut basis: Vec<Vec<F>> = vec![self.v.clone()];
            let (mut alphas, mut betas) = (Vec::new(), Vec::new());
            loop {
                let j = basis.len() - 1;
                model.hvp(params, data, loss, &basis[j], &mut self.ws, &mut w);
                hvps += 1;
                let alpha = dot(&basis[j], &w);
                if !alpha.is_finite() {
                    return SharpnessReading { lambda: f64::NAN, hvps, converged: false };
                }
                alphas.push(alpha);
                // Full reorthogonalisation (twice is enough): w ⟂ every basis vector.
                for _ in 0..2 {
                    for q in &basis {
                        let c = F::of(dot(q, &w));
                        for (x, &y) in w.iter_mut().zip(q) {
                            *x -= c * y;
                        }
                    }
                }
                let beta = norm(&w);
                let (theta, s) = top_eigenpair(&alphas, &betas);
                let residual = beta * s.last().copied().unwrap_or(0.0).abs();
                let converged = residual <= TOLERANCE * theta.abs() || beta <= f64::EPSILON * theta.abs();
                let out_of_room = basis.len() >= self.max_basis || hvps >= MAX_HVPS;
                if converged || out_of_room || !beta.is_finite() {
                    let ritz = ritz_vector(&basis, &s);
                    self.restart_from(&ritz);
                    if converged || hvps >= MAX_HVPS || !beta.is_finite() {
                        return SharpnessReading { lambda: theta, hvps, converged: converged && beta.is_finite() };
                    }
                    break;
                }
                betas.push(beta);
                let inv = F::of(1.0 / beta);
                basis.push(w.iter().map(|&x| x * inv).collect());
            }
        }
    }
}

/// Σ sᵢ qᵢ.
fn ritz_vector<F: Scalar>(basis: &[Vec<F>], s: &[f64]) -> Vec<F> {
    let mut y = vec![0.0f64; basis[0].len()];
    for (q, &c) in basis.iter().zip(s) {
        for (a, &b) in y.iter_mut().zip(q) {
            *a += c * b.wide();
        }
    }
    y.into_iter().map(F::of).collect()
}

/// The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal
/// `beta`, and its unit eigenvector, by cyclic Jacobi rotations (at most 40 × 40 here; hand-rolled
/// to keep a linear-algebra crate out of the worker).
fn top_eigenpair(alpha: &[f64], beta: &[f64]) -> (f64, Vec<f64>) {
    let n = alpha.len();
    let mut a = vec![0.0; n * n];
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        a[i * n + i] = alpha[i];
        v[i * n + i] = 1.0;
        if let Some(&b) = beta.get(i).filter(|_| i + 1 < n) {
            a[i * n + i + 1] = b;
            a[(i + 1) * n + i] = b;
        }
    }
    for _ in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i].powi(2)).sum();
        if off <= 1e-30 * diag.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let top = (0..n).max_by(|&i, &j| a[i * n + i].total_cmp(&a[j * n + j])).unwrap_or(0);
    (a.get(top * n + top).copied().unwrap_or(f64::NAN), (0..n).map(|k| v[k * n + top]).collect())
}

/// B_simple = tr(Σ)/|G|² from every example's gradient on the first [`NOISE_ROWS`] training rows: the
/// mean gradient from one pass, and each example's squared gradient norm from the same pass
/// ([`Mlp::add_per_example_sq_norms`]). Exact (Σ with 1/N normalisation) when those rows are the whole
/// training set; on a larger set, the unbiased estimates of tr(Σ) and |G|² from a sample drawn without
/// replacement.
pub struct NoiseScale<F> {
    rows: usize,
    ws: Workspace<F>,
    grad: Vec<F>,
    sum: Vec<f64>,
    norms: Vec<f64>,
}

impl<F: Scalar> NoiseScale<F> {
    pub fn new(model: &Mlp<F>, train_rows: usize) -> Self {
        let rows = train_rows.min(NOISE_ROWS);
        let chunk = CHUNK.min(rows.max(1));
        Self {
            rows,
            ws: model.workspace(chunk),
            grad: vec![F::zero(); model.param_count()],
            sum: vec![0.0; model.param_count()],
            norms: vec![0.0; chunk],
        }
    }

    /// The examples behind each estimate.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// B_simple at the model's weights; `None` when |G|² or tr(Σ) is not positive (a sample that does
    /// not resolve the noise; a negative "batch size" means nothing).
    pub fn estimate(&mut self, model: &Mlp<F>, train: Examples<F>, loss: LossKind) -> Option<f64> {
        let NoiseParts { trace, grad_sq } = self.parts(model, train, loss)?;
        (grad_sq > 0.0 && trace > 0.0 && (trace / grad_sq).is_finite()).then(|| trace / grad_sq)
    }

    /// tr(Σ) and |G|² from the first [`NoiseScale::rows`] rows of `train`: exact when they are all of
    /// it; otherwise, for a sample drawn without replacement, unbiased estimates of |G|² and of tr(Σ)
    /// with 1/(N − 1) normalisation (either may come out negative). `None` for fewer than 2 rows.
    pub fn parts(&mut self, model: &Mlp<F>, train: Examples<F>, loss: LossKind) -> Option<NoiseParts> {
        let data = train.head(self.rows);
        let (m, population) = (data.len(), train.len());
        if m < 2 {
            return None;
        }
        self.sum.fill(0.0);
        let mut sum_sq = 0.0;
        let chunk = self.norms.len();
        for start in (0..m).step_by(chunk) {
            let end = (start + chunk).min(m);
            let part = data.rows(start, end);
            model.loss_grad(part.x, part.y, loss, &mut self.ws, &mut self.grad);
            let rows = (end - start) as f64;
            for (s, &g) in self.sum.iter_mut().zip(&self.grad) {
                *s += rows * g.wide();
            }
            let norms = &mut self.norms[..end - start];
            norms.fill(0.0);
            model.add_per_example_sq_norms(part.x, &self.ws, norms);
            sum_sq += norms.iter().sum::<f64>();
            crate::pulse::beat();
        }
        let mf = m as f64;
        let g2 = self.sum.iter().map(|s| (s / mf) * (s / mf)).sum::<f64>();
        let spread = sum_sq / mf - g2;
        Some(if m == population {
            NoiseParts { trace: spread, grad_sq: g2 }
        } else {
            let trace = spread * mf / (mf - 1.0);
            NoiseParts { trace, grad_sq: g2 - (1.0 - mf / population as f64) * trace / mf }
        })
    }
}

/// The two halves of B_simple = tr(Σ)/|G|².
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseParts {
    /// tr(Σ), the per-example gradients' total variance.
    pub trace: f64,
    /// |G|², the squared norm of the mean gradient.
    pub grad_sq: f64,
}

/// The exact B_simple = tr(Σ)/|G|² from every per-example gradient formed one at a time (Σ with 1/N
/// normalisation): the slow reference the estimators are checked against.
pub fn exact_noise_scale<F: Scalar>(model: &Mlp<F>, x: ndarray::ArrayView2<F>, y: &[usize], loss: LossKind) -> f64 {
    let NoiseParts { trace, grad_sq } = exact_noise_parts(model, x, y, loss);
    trace / grad_sq
}

/// [`exact_noise_scale`]'s tr(Σ) (1/N normalisation) and |G|².
pub fn exact_noise_parts<F: Scalar>(
    model: &Mlp<F>,
    x: ndarray::ArrayView2<F>,
    y: &[usize],
    loss: LossKind,
) -> NoiseParts {
    let p = model.param_count();
    let mut ws = model.workspace(1);
    let (mut g, mut sum) = (vec![F::zero(); p], vec![0.0f64; p]);
    let mut sum_sq = 0.0;
    for i in 0..y.len() {
        model.loss_grad(x.slice(s![i..=i, ..]), &y[i..=i], loss, &mut ws, &mut g);
        for (s, &gi) in sum.iter_mut().zip(&g) {
            *s += gi.wide();
        }
        let n = norm(&g);
        sum_sq += n * n;
    }
    let count = y.len() as f64;
    let g2 = sum.iter().map(|s| (s / count) * (s / count)).sum::<f64>();
    NoiseParts { trace: sum_sq / count - g2, grad_sq: g2 }
}

/// One automatic diagnostic's account: what its readings after the start have cost against what the
/// run has done (and, for the record, what all its readings cost).
#[derive(Clone, Copy, Debug)]
struct Budget {
    share: f64,
    spent_macs: f64,
    all_macs: f64,
    /// What the last reading cost (before the first, what it is expected to): the next is expected
    /// to cost as much.
    last_macs: f64,
    /// Whether the reading at the start is affordable: at most the run's own planned work, or at most
    /// [`START_READING_MACS`].
    at_start: bool,
}

impl Budget {
    fn new(share: f64, expected_macs: f64, planned_work_macs: f64) -> Self {
        Self {
            share,
            spent_macs: 0.0,
            all_macs: 0.0,
            last_macs: expected_macs,
            at_start: expected_macs <= planned_work_macs.max(START_READING_MACS),
        }
    }

    /// Whether another reading fits: what it is expected to cost, on top of what the readings after
    /// the start cost, stays within the share of the run's work.
    fn allows(self, work_macs: f64) -> bool {
        self.spent_macs + self.last_macs <= self.share * work_macs
    }

    fn spend(&mut self, step: usize, macs: f64) {
        if step > 0 {
            self.spent_macs += macs;
        }
        self.all_macs += macs;
        self.last_macs = macs;
    }
}

/// The diagnostics of one run as it trains, measured at curve points: at their fixed steps, or
/// (automatic) at the start and then whenever their budget allows.
pub struct LiveDiagnostics {
    config: DiagnosticsConfig,
    sharpness: Option<Sharpness<f32>>,
    noise: Option<NoiseScale<f32>>,
    /// Multiply-adds of one Hessian-vector product on the sharpness rows, and of one noise reading.
    hvp_macs: f64,
    noise_macs: f64,
    /// The run's own work so far (updates and evaluations), in multiply-adds.
    work_macs: f64,
    sharpness_budget: Budget,
    noise_budget: Budget,
}

impl LiveDiagnostics {
    /// `planned_work_macs`: what the run's updates and evaluations will cost, which bounds the reading
    /// at the start.
    pub fn new(
        config: DiagnosticsConfig,
        model: &Mlp<f32>,
        train_rows: usize,
        seed: u32,
        planned_work_macs: f64,
    ) -> Self {
        let sharpness =
            config.sharpness.is_on().then(|| Sharpness::new(model, config.sharpness_rows.min(train_rows), seed));
        let noise = config.noise_scale.is_on().then(|| NoiseScale::new(model, train_rows));
        let both = config.sharpness == Cadence::Auto && config.noise_scale == Cadence::Auto;
        let (sharpness_share, noise_share) = if both {
            (SHARPNESS_PART * AUTO_SHARE, (1.0 - SHARPNESS_PART) * AUTO_SHARE)
        } else {
            (AUTO_SHARE, AUTO_SHARE)
        };
        let hvp_macs = sharpness.as_ref().map_or(0.0, |s| s.rows() as f64 * model.macs_per_row(Pass::Hvp));
        let noise_macs = noise.as_ref().map_or(0.0, |n| n.rows() as f64 * model.macs_per_row(Pass::Gradient));
        Self {
            hvp_macs,
            noise_macs,
            config,
            sharpness,
            noise,
            work_macs: 0.0,
            sharpness_budget: Budget::new(sharpness_share, EXPECTED_HVPS * hvp_macs, planned_work_macs),
            noise_budget: Budget::new(noise_share, noise_macs, planned_work_macs),
        }
    }

    /// Counts the run's own work (an update or an evaluation), which the automatic budgets follow.
    pub fn charge(&mut self, macs: f64) {
        self.work_macs += macs;
    }

    /// Whether a fixed cadence measures at `step` (the trainer makes a curve point there).
    pub fn due(&self, step: usize) -> bool {
        self.config.sharpness.due(step) || self.config.noise_scale.due(step)
    }

    fn measures(&self, cadence: Cadence, budget: Budget, step: usize) -> bool {
        match cadence {
            Cadence::Off => false,
            Cadence::Every(_) => cadence.due(step),
            Cadence::Auto => (step == 0 && budget.at_start) || budget.allows(self.work_macs),
        }
    }

    /// The (sharpness, noise scale) of the curve point at `step` (counted from the run's start), when
    /// due; a sharpness reading that did not converge is not reported.
    pub fn at_point(
        &mut self,
        step: usize,
        model: &Mlp<f32>,
        train: Examples<f32>,
        loss: LossKind,
    ) -> (Option<f64>, Option<f64>) {
        let mut sharpness = None;
        if self.measures(self.config.sharpness, self.sharpness_budget, step) {
            if let Some(sh) = self.sharpness.as_mut() {
                let r = sh.estimate(model, &model.params, train, loss);
                self.sharpness_budget.spend(step, r.hvps as f64 * self.hvp_macs);
                sharpness = r.converged.then_some(r.lambda);
            }
        }
        let mut noise = None;
        if self.measures(self.config.noise_scale, self.noise_budget, step) {
            if let Some(ns) = self.noise.as_mut() {
                noise = ns.estimate(model, train, loss);
                self.noise_budget.spend(step, self.noise_macs);
            }
        }
        (sharpness, noise)
    }

    /// What the diagnostics have cost so far, as shares of the run's own work: (after the start, in
    /// all).
    pub fn cost_share(&self) -> (f64, f64) {
        let (s, n) = (self.sharpness_budget, self.noise_budget);
        let work = self.work_macs.max(1.0);
        ((s.spent_macs + n.spent_macs) / work, (s.all_macs + n.all_macs) / work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_finds_the_top_of_a_known_spectrum() {
        // The 1-D Laplacian: eigenvalues 2 − 2 cos(kπ/(n + 1)).
        let n = 7;
        let (theta, s) = top_eigenpair(&vec![2.0; n], &vec![-1.0; n - 1]);
        let want = 2.0 + 2.0 * (std::f64::consts::PI / (n as f64 + 1.0)).cos();
        assert!((theta - want).abs() < 1e-12, "{theta} vs {want}");
        assert!((s.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(top_eigenpair(&[3.0], &[]).0, 3.0);
    }
}

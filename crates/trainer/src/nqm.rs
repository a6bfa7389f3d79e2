//! The noisy quadratic model (Zhang et al. 2019, science.md's E8), in closed form.
//!
//! L(x) = ½ Σ hᵢ xᵢ², minibatch gradients hᵢxᵢ + ξᵢ with Var ξᵢ = hᵢ/B. With heavy-ball momentum β
//! each coordinate's state s = (x, v) evolves as s' = A s + b ξ, A = [[1 − ηh, −ηβ], [h, β]],
//! b = (−η, 1), so its second moments M = E[s sᵀ] follow M' = A M Aᵀ + (h/B) b bᵀ exactly and the
//! expected loss is ½ Σ hᵢ E[xᵢ²]. No sampling: a run of thousands of steps takes milliseconds.

/// Curvatures of the model's coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Nqm {
    pub h: Vec<f64>,
}

impl Nqm {
    /// hᵢ = 1/i for i = 1..=d (the spectrum of science.md's E8).
    pub fn harmonic(d: usize) -> Self {
        Self { h: (1..=d).map(|i| 1.0 / i as f64).collect() }
    }

    /// Expected loss at x₀ = 1 in every coordinate.
    pub fn initial_loss(&self) -> f64 {
        0.5 * self.h.iter().sum::<f64>()
    }

    /// Expected loss after each of `steps` updates (index 0: the start).
    pub fn losses(&self, lr: f64, momentum: f64, batch_size: f64, steps: usize) -> Vec<f64> {
        let mut m = self.start();
        let mut out = vec![self.initial_loss()];
        for _ in 0..steps {
            out.push(self.advance(&mut m, lr, momentum, batch_size));
        }
        out
    }

    /// Updates until the expected loss is at most `target`; `None` if `max_steps` do not suffice
    /// (or the run diverges).
    pub fn steps_to(&self, target: f64, lr: f64, momentum: f64, batch_size: f64, max_steps: usize) -> Option<usize> {
        let mut m = self.start();
        for t in 1..=max_steps {
            let loss = self.advance(&mut m, lr, momentum, batch_size);
            if loss <= target {
                return Some(t);
            }
            if !loss.is_finite() || loss > 1e6 * self.initial_loss() {
                return None;
            }
        }
        None
    }

    /// The expected loss the run settles at (∞ if it is unstable): the fixed point of the
    /// second-moment recurrence, solved per coordinate.
    pub fn stationary_loss(&self, lr: f64, beta: f64, batch_size: f64) -> f64 {
        let mut loss = 0.0;
        for &h in &self.h {
            let (a11, a12, a21, a22) = (1.0 - lr * h, -lr * beta, h, beta);
            // Stable iff both eigenvalues of A lie inside the unit circle (Jury's criterion).
            let (trace, det) = (a11 + a22, a11 * a22 - a12 * a21);
            if !(det.abs() < 1.0 && trace.abs() < 1.0 + det) {
                return f64::INFINITY;
            }
            let q = h / batch_size;
            // (I − T) m = q for m = (Mxx, Mxv, Mvv).
            let t = [
                [a11 * a11, 2.0 * a11 * a12, a12 * a12],
                [a11 * a21, a11 * a22 + a12 * a21, a12 * a22],
                [a21 * a21, 2.0 * a21 * a22, a22 * a22],
            ];
            let mut m = [[0.0; 4]; 3];
            for (i, row) in m.iter_mut().enumerate() {
                for (j, x) in row.iter_mut().take(3).enumerate() {
                    *x = f64::from(u8::from(i == j)) - t[i][j];
                }
            }
            m[0][3] = lr * lr * q;
            m[1][3] = -lr * q;
            m[2][3] = q;
            loss += 0.5 * h * solve3(m)[0];
        }
        loss
    }

    /// The fewest steps to `target` over learning rates `lrs`, scanned in order: (best η, steps).
    /// Steps to target are unimodal in η, so the scan stops at the first η after the best that
    /// cannot beat it.
    pub fn best_lr(
        &self,
        target: f64,
        lrs: &[f64],
        momentum: f64,
        batch_size: f64,
        max_steps: usize,
    ) -> Option<(f64, usize)> {
        let mut best: Option<(f64, usize)> = None;
        for &lr in lrs {
            if self.stationary_loss(lr, momentum, batch_size) >= target {
                continue;
            }
            let cap = best.map_or(max_steps, |b| b.1);
            match self.steps_to(target, lr, momentum, batch_size, cap) {
                Some(steps) if best.is_none_or(|b| steps < b.1) => best = Some((lr, steps)),
                _ if best.is_some() => break,
                _ => {}
            }
        }
        best
    }

    fn start(&self) -> Vec<[f64; 3]> {
        vec![[1.0, 0.0, 0.0]; self.h.len()]
    }

    /// One step of the second moments (Mxx, Mxv, Mvv) of every coordinate; returns the new loss.
    fn advance(&self, m: &mut [[f64; 3]], lr: f64, beta: f64, batch_size: f64) -> f64 {
        let mut loss = 0.0;
        for (s, &h) in m.iter_mut().zip(&self.h) {
            let (a11, a12, a21, a22) = (1.0 - lr * h, -lr * beta, h, beta);
            let noise = h / batch_size;
            let [xx, xv, vv] = *s;
            let nxx = a11 * a11 * xx + 2.0 * a11 * a12 * xv + a12 * a12 * vv + lr * lr * noise;
            let nxv = a11 * a21 * xx + (a11 * a22 + a12 * a21) * xv + a12 * a22 * vv - lr * noise;
            let nvv = a21 * a21 * xx + 2.0 * a21 * a22 * xv + a22 * a22 * vv + noise;
            *s = [nxx, nxv, nvv];
            loss += 0.5 * h * nxx;
        }
        loss
    }
}

/// Gaussian elimination with partial pivoting on an augmented 3×4 system.
fn solve3(mut m: [[f64; 4]; 3]) -> [f64; 3] {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs())).unwrap_or(col);
        m.swap(col, pivot);
        let pivot_row = m[col];
        for row in m.iter_mut().skip(col + 1) {
            let f = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let s: f64 = (row + 1..3).map(|k| m[row][k] * x[k]).sum();
        x[row] = (m[row][3] - s) / m[row][row];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// The closed form equals the average of many sampled noisy runs.
    #[test]
    fn closed_form_matches_monte_carlo() {
        let nqm = Nqm { h: vec![1.0, 0.3, 0.05] };
        let (lr, beta, b, steps, runs) = (0.4, 0.6, 4.0, 30, 20_000);
        let exact = nqm.losses(lr, beta, b, steps)[steps];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut total = 0.0;
        for _ in 0..runs {
            let (mut x, mut v) = ([1.0f64; 3], [0.0f64; 3]);
            for _ in 0..steps {
                for i in 0..3 {
                    let xi: f64 = StandardNormal.sample(&mut rng);
                    let g = nqm.h[i] * x[i] + (nqm.h[i] / b).sqrt() * xi;
                    v[i] = beta * v[i] + g;
                    x[i] -= lr * v[i];
                }
            }
            total += 0.5 * nqm.h.iter().zip(&x).map(|(h, x)| h * x * x).sum::<f64>();
        }
        let sampled = total / f64::from(runs);
        assert!((sampled / exact - 1.0).abs() < 0.03, "sampled {sampled} vs closed form {exact}");
    }

    #[test]
    fn the_stationary_loss_is_where_the_recurrence_settles() {
        let nqm = Nqm { h: vec![1.0, 0.2] };
        for (lr, beta) in [(0.5, 0.0), (0.3, 0.9), (1.2, 0.5)] {
            let settled = *nqm.losses(lr, beta, 8.0, 5000).last().unwrap();
            let fixed = nqm.stationary_loss(lr, beta, 8.0);
            assert!((settled / fixed - 1.0).abs() < 1e-9, "η {lr} β {beta}: {settled} vs {fixed}");
        }
        assert!(nqm.stationary_loss(2.1, 0.0, 8.0).is_infinite());
    }

    #[test]
    fn noiseless_gd_is_stable_below_two_over_h_max() {
        let nqm = Nqm::harmonic(10);
        let calm = nqm.losses(1.9, 0.0, f64::INFINITY, 200);
        let wild = nqm.losses(2.1, 0.0, f64::INFINITY, 200);
        assert!(calm[200] < calm[0] && wild[200] > wild[0]);
    }
}

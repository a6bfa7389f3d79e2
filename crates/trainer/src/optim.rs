//! Optimisers updating the flat parameter vector in place: SGD, heavy-ball and Nesterov momentum,
//! Adam and AdamW (bias-corrected), with weight decay and gradient-norm clipping.

use serde::{Deserialize, Serialize};

use crate::scalar::Scalar;

crate::named_enum! {
    pub enum OptimizerKind {
        Sgd => ("sgd", "SGD"),
        /// Heavy ball: v ← βv + g, θ ← θ − ηv.
        Momentum => ("momentum", "SGD + momentum"),
        /// v ← βv + g, θ ← θ − η(g + βv).
        Nesterov => ("nesterov", "SGD + Nesterov momentum"),
        /// Bias-corrected Adam with the L2 penalty in the gradient.
        Adam => ("adam", "Adam"),
        /// Adam with decoupled weight decay: θ ← θ − ηλθ.
        AdamW => ("adamw", "AdamW"),
    }
}

/// The optimiser and its hyper-parameters (those the kind does not use are kept, so that switching
/// kinds back and forth in the form loses nothing).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    /// β of momentum and Nesterov; β₁ of Adam and AdamW.
    pub momentum: f64,
    /// β₂ of Adam and AdamW.
    pub beta2: f64,
    /// L2 penalty added to the gradient (SGD, momentum, Nesterov, Adam), or decoupled decay (AdamW).
    pub weight_decay: f64,
    /// Rescale the minibatch gradient to at most this norm.
    pub clip_norm: Option<f64>,
}

/// What an optimiser kind has, stated once per kind by [`OptimizerKind::facts`]: the settings'
/// messages, the memory estimate, the update and the tests read these, so a new kind states each
/// fact in one exhaustive match instead of being counted in or out by a `matches!` elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptimizerFacts {
    /// A momentum (or first-moment) coefficient β: the `momentum` setting.
    pub momentum: bool,
    /// Per-coordinate step sizes from a second moment: the `beta2` setting.
    pub adaptive: bool,
    /// Weight decay decoupled from the gradient (θ ← θ − ηλθ) instead of an L2 term in it.
    pub decoupled_decay: bool,
    /// Buffers of optimiser state per parameter.
    pub state_slots: usize,
}

impl OptimizerKind {
    pub fn facts(self) -> OptimizerFacts {
        let (momentum, adaptive, decoupled_decay, state_slots) = match self {
            OptimizerKind::Sgd => (false, false, false, 0),
            OptimizerKind::Momentum | OptimizerKind::Nesterov => (true, false, false, 1),
            OptimizerKind::Adam => (true, true, false, 2),
            OptimizerKind::AdamW => (true, true, true, 2),
        };
        OptimizerFacts { momentum, adaptive, decoupled_decay, state_slots }
    }

    /// Whether the kind has a momentum (or first-moment) coefficient β.
    pub fn uses_momentum(self) -> bool {
        self.facts().momentum
    }

    /// Per-coordinate step sizes from a second moment (β₂).
    pub fn is_adaptive(self) -> bool {
        self.facts().adaptive
    }

    /// The kinds that have `fact`, as a phrase for messages: "adam and adamw".
    pub fn those_with(fact: fn(OptimizerFacts) -> bool) -> String {
        let names: Vec<&str> = Self::ALL.iter().filter(|k| fact(k.facts())).map(|k| k.name()).collect();
        match names.as_slice() {
            [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
            _ => names.concat(),
        }
    }

    /// c such that full-batch descent on a quadratic with top curvature λ is stable iff η < c/λ:
    /// 2 for gradient descent, 2(1 + β) with heavy-ball momentum, 2(1 + β)/(1 + 2β) with Nesterov's.
    /// `None` for adaptive methods, whose step is preconditioned and has no such bound in λ alone.
    pub fn stability_constant(self, momentum: f64) -> Option<f64> {
        match self {
            OptimizerKind::Sgd => Some(2.0),
            OptimizerKind::Momentum => Some(2.0 * (1.0 + momentum)),
            OptimizerKind::Nesterov => Some(2.0 * (1.0 + momentum) / (1.0 + 2.0 * momentum)),
            OptimizerKind::Adam | OptimizerKind::AdamW => None,
        }
    }

    /// The stability edge's formula for a curvature written `lambda` ("λ₀", "λ(step 40)"), matching
    /// [`OptimizerKind::stability_constant`]; `None` for adaptive optimisers. Every sentence and chart
    /// label that writes an edge takes it from here, so a new optimiser states its own.
    pub fn edge_formula(self, lambda: &str) -> Option<String> {
        match self {
            OptimizerKind::Sgd => Some(format!("2/{lambda}")),
            OptimizerKind::Momentum => Some(format!("2(1 + β)/{lambda}")),
            OptimizerKind::Nesterov => Some(format!("2(1 + β)/((1 + 2β){lambda})")),
            OptimizerKind::Adam | OptimizerKind::AdamW => None,
        }
    }

    /// The method whose stability the edge bounds, for sentences; `None` for adaptive optimisers.
    pub fn edge_method(self, momentum: f64) -> Option<String> {
        match self {
            OptimizerKind::Sgd => Some("full-batch gradient descent".to_owned()),
            OptimizerKind::Momentum => Some(format!("full-batch gradient descent with momentum β = {momentum}")),
            OptimizerKind::Nesterov => {
                Some(format!("full-batch gradient descent with Nesterov momentum β = {momentum}"))
            }
            OptimizerKind::Adam | OptimizerKind::AdamW => None,
        }
    }

    /// How far one gradient's steps add up in a steady direction, in units of η: 1 for SGD, 1/(1 − β)
    /// with momentum (the effective rate η/(1 − β)); `None` for adaptive optimisers.
    pub fn effective_step(self, momentum: f64) -> Option<f64> {
        match self {
            OptimizerKind::Sgd => Some(1.0),
            OptimizerKind::Momentum | OptimizerKind::Nesterov => Some(1.0 / (1.0 - momentum)),
            OptimizerKind::Adam | OptimizerKind::AdamW => None,
        }
    }
}

/// An optimiser with its state.
#[derive(Clone, Debug)]
pub struct Optimizer<F> {
    config: OptimizerConfig,
    /// Velocity (momentum, Nesterov) or first moment (Adam).
    first: Vec<F>,
    /// Second moment (Adam).
    second: Vec<F>,
    /// β₁ᵗ and β₂ᵗ for Adam's bias correction, kept as running products (no `powi`, same bits everywhere).
    beta1_t: f64,
    beta2_t: f64,
}

/// ε of Adam and AdamW, added to the root of the second moment.
pub const ADAM_EPS: f64 = 1e-8;

/// Euclidean norm, accumulated in `f64`.
pub fn norm<F: Scalar>(v: &[F]) -> f64 {
    v.iter().map(|&x| x.wide() * x.wide()).sum::<f64>().sqrt()
}

impl<F: Scalar> Optimizer<F> {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Self {
        let slots = config.kind.facts().state_slots;
        let (first, second) = (if slots >= 1 { param_count } else { 0 }, if slots >= 2 { param_count } else { 0 });
        Self { config, first: vec![F::zero(); first], second: vec![F::zero(); second], beta1_t: 1.0, beta2_t: 1.0 }
    }

    /// One update with learning rate `lr`. With a clip norm set, clips `grad` in place and returns
    /// the gradient's norm before clipping (without one, `grad` is left as it was, and its norm is the
    /// caller's to take when it needs it: a step at B = 1 is cheap enough for that to show).
    pub fn step(&mut self, params: &mut [F], grad: &mut [F], lr: f64) -> Option<f64> {
        let c = self.config;
        let grad_norm = c.clip_norm.map(|max| {
            let n = norm(grad);
            if n > max {
                let scale = F::of(max / n);
                for g in grad.iter_mut() {
                    *g *= scale;
                }
            }
            n
        });
        let (eta, beta, wd) = (F::of(lr), F::of(c.momentum), F::of(c.weight_decay));
        // L2 penalty as part of the gradient, except where the decay is decoupled (AdamW).
        let decoupled = c.kind.facts().decoupled_decay;
        let l2 = if decoupled { F::zero() } else { wd };
        match c.kind {
            OptimizerKind::Sgd => {
                for (p, &g) in params.iter_mut().zip(grad.iter()) {
                    *p -= eta * (g + l2 * *p);
                }
            }
            OptimizerKind::Momentum | OptimizerKind::Nesterov => {
                let nesterov = c.kind == OptimizerKind::Nesterov;
                for ((p, v), &g) in params.iter_mut().zip(&mut self.first).zip(grad.iter()) {
                    let g = g + l2 * *p;
                    *v = beta * *v + g;
                    *p -= eta * if nesterov { g + beta * *v } else { *v };
                }
            }
            OptimizerKind::Adam | OptimizerKind::AdamW => {
                self.beta1_t *= c.momentum;
                self.beta2_t *= c.beta2;
                let (b1, b2, eps) = (beta, F::of(c.beta2), F::of(ADAM_EPS));
                let (corr1, corr2) = (F::of(1.0 - self.beta1_t), F::of(1.0 - self.beta2_t));
                let decay = if decoupled { eta * wd } else { F::zero() };
                for (((p, m), v), &g) in params.iter_mut().zip(&mut self.first).zip(&mut self.second).zip(grad.iter()) {
                    let g = g + l2 * *p;
                    *m = b1 * *m + (F::one() - b1) * g;
                    *v = b2 * *v + (F::one() - b2) * g * g;
                    let step = (*m / corr1) / ((*v / corr2).sqrt() + eps);
                    *p -= eta * step + decay * *p;
                }
            }
        }
        grad_norm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(kind: OptimizerKind, f: impl FnOnce(&mut OptimizerConfig)) -> Optimizer<f64> {
        let mut c = OptimizerConfig { kind, momentum: 0.9, beta2: 0.999, weight_decay: 0.0, clip_norm: None };
        f(&mut c);
        Optimizer::new(c, 2)
    }

    #[test]
    fn sgd_and_weight_decay() {
        let mut o = opt(OptimizerKind::Sgd, |c| c.weight_decay = 0.5);
        let mut p = [1.0, -2.0];
        o.step(&mut p, &mut [2.0, 0.0], 0.25);
        assert_eq!(p, [1.0 - 0.25 * (2.0 + 0.5), -2.0 - 0.25 * (0.5 * -2.0)]);
    }

    #[test]
    fn momentum_and_nesterov_follow_their_recurrences() {
        let mut heavy = opt(OptimizerKind::Momentum, |c| c.momentum = 0.5);
        let mut p = [0.0, 0.0];
        heavy.step(&mut p, &mut [1.0, 0.0], 0.1); // v = 1, p = -0.1
        heavy.step(&mut p, &mut [1.0, 0.0], 0.1); // v = 1.5, p = -0.25
        assert!((p[0] + 0.25).abs() < 1e-15);

        let mut nag = opt(OptimizerKind::Nesterov, |c| c.momentum = 0.5);
        let mut q = [0.0, 0.0];
        nag.step(&mut q, &mut [1.0, 0.0], 0.1); // v = 1, q = -0.1·(1 + 0.5)
        nag.step(&mut q, &mut [1.0, 0.0], 0.1); // v = 1.5, q -= 0.1·(1 + 0.75)
        assert!((q[0] + 0.15 + 0.175).abs() < 1e-15);
    }

    #[test]
    fn adam_first_step_is_lr_times_sign_and_adamw_decays_apart() {
        let mut adam = opt(OptimizerKind::Adam, |_| {});
        let mut p = [0.0, 0.0];
        adam.step(&mut p, &mut [3.0, -0.001], 0.01);
        let first = |g: f64| -0.01 * g / (g.abs() + ADAM_EPS);
        assert!((p[0] - first(3.0)).abs() < 1e-15 && (p[1] - first(-0.001)).abs() < 1e-15, "{p:?}");

        // With a zero gradient, AdamW only shrinks θ by ηλ; Adam's L2 turns λθ into a signed step.
        let mut adamw = opt(OptimizerKind::AdamW, |c| c.weight_decay = 0.1);
        let mut q = [2.0, -4.0];
        adamw.step(&mut q, &mut [0.0, 0.0], 0.5);
        assert_eq!(q, [2.0 * (1.0 - 0.05), -4.0 * (1.0 - 0.05)]);
        let mut adam_l2 = opt(OptimizerKind::Adam, |c| c.weight_decay = 0.1);
        let mut r = [2.0, -4.0];
        adam_l2.step(&mut r, &mut [0.0, 0.0], 0.5);
        assert!((r[0] - 1.5).abs() < 1e-7 && (r[1] + 3.5).abs() < 1e-7, "{r:?}");
    }

    /// The stability constants against the recurrences on a 1-D quadratic: just below c/λ the iterate
    /// shrinks, just above it grows.
    #[test]
    fn stability_constants_are_the_edges_of_the_recurrences() {
        let lambda = 3.0;
        for kind in [OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Nesterov] {
            let c = kind.stability_constant(0.5).unwrap();
            for (factor, stable) in [(0.98, true), (1.02, false)] {
                let mut o = opt(kind, |c| c.momentum = 0.5);
                let mut p = [1.0, 0.0];
                for _ in 0..2000 {
                    let mut g = [lambda * p[0], 0.0];
                    o.step(&mut p, &mut g, factor * c / lambda);
                }
                assert_eq!(p[0].abs() < 1.0, stable, "{kind:?} at {factor} × c/λ: θ = {}", p[0]);
            }
        }
        assert_eq!(OptimizerKind::Adam.stability_constant(0.9), None);
    }

    #[test]
    fn the_facts_phrase_lists_the_kinds_that_have_them() {
        assert_eq!(OptimizerKind::those_with(|f| f.momentum), "momentum, nesterov, adam and adamw");
        assert_eq!(OptimizerKind::those_with(|f| f.adaptive), "adam and adamw");
        assert_eq!(OptimizerKind::those_with(|f| f.decoupled_decay), "adamw");
        assert_eq!(OptimizerKind::those_with(|f| f.state_slots > 5), "");
    }

    #[test]
    fn clipping_rescales_to_the_norm_and_reports_the_original() {
        let mut o = opt(OptimizerKind::Sgd, |c| c.clip_norm = Some(1.0));
        let mut p = [0.0, 0.0];
        let mut g = [3.0, 4.0];
        assert_eq!(o.step(&mut p, &mut g, 1.0), Some(5.0));
        assert!((p[0] + 0.6).abs() < 1e-15 && (p[1] + 0.8).abs() < 1e-15);
    }
}

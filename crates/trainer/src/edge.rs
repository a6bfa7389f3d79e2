//! η_max(B): the largest learning rate at which runs of a config's settings still train, measured by
//! bisection of whole runs that differ from it only in η. The curvature at the start says where
//! gradient descent on the start's quadratic first overshoots (2/λ₀); above it a network may still
//! train after an early jump in the loss (the "catapult", Lewkowycz et al. 2020), so only runs say
//! where it stops training. The search is deterministic — a fixed grid of rates, a fixed start, no
//! clock — so the same settings read the same η_max everywhere, whatever η the run itself used.

use serde::{Deserialize, Serialize};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::Dataset;
use crate::diagnostics::Cadence;
use crate::model::{Mlp, Pass};
#[cfg(doc)]
use crate::outcome::Outcome;
use crate::outcome::{fmt_lr, Verdict};
use crate::train::Trainer;
use crate::RunConfig;

/// The grid's mantissas: about ×1.25 apart, finer than a sweep's default grid (×1.6), and each a
/// rate a person can type.
const MANTISSAS: [f64; 10] = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0];
/// Grid indices searched: 10⁻⁶ to 8 × 10³.
const MIN_INDEX: i32 = -60;
const MAX_INDEX: i32 = 39;
/// Bracketing steps: six grid steps, about ×4.
const STRIDE: i32 = 6;
/// A probe trains at most this many epochs (the run's own length when shorter): enough for a rate
/// that breaks to break, at a bounded cost.
pub const MAX_PROBE_EPOCHS: usize = 10;
/// The most probes a search runs: bracketing from 0.1 across the grid's 10⁻⁶ to 8 × 10³ takes at
/// most 9, halving a six-step bracket 3 more, and confirming the advice at most [`CONFIRMATIONS`].
pub const MAX_PROBES: usize = 15;
/// Three grid steps are a factor of about 2 (1 → 2, 1.25 → 2.5, 1.5 → 3, 6 → 12.5).
const HALF: i32 = 3;
/// The advice is tried at about half of η_max, then halved again while its probe does not train, at
/// most this many times.
const CONFIRMATIONS: i32 = 3;

/// The grid's rate of index `k`: `MANTISSAS[k mod 10] × 10^(k div 10)`.
fn rate(k: i32) -> f64 {
    MANTISSAS[k.rem_euclid(10) as usize] * 10f64.powi(k.div_euclid(10))
}

/// The first probe: 0.1 for descent with or without momentum, 0.001 for Adam — whatever the run's
/// own η, so that η_max depends on the settings alone.
fn start_index(config: &RunConfig) -> i32 {
    if config.optimizer.kind.is_adaptive() {
        -30
    } else {
        -10
    }
}

/// One run of the search: its η, how it ended, and whether it trained ([`Outcome::trained`]: below its
/// start and above chance, calmly or after a blow-up it recovered from).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub lr: f64,
    pub verdict: Verdict,
    pub trained: bool,
}

/// What the search found at one batch size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaxLr {
    /// The batch size the probes took.
    pub batch_size: usize,
    /// The largest η that trained, and the smallest one above it that did not: η_max lies between.
    /// `lr_max` is `None` when no η trained, `lr_broke` when none up to the grid's top broke.
    pub lr_max: Option<f64>,
    pub lr_broke: Option<f64>,
    /// The probes' length in epochs, and every probe in the order run.
    pub epochs: f64,
    pub probes: Vec<Probe>,
    /// About half of η_max (three grid steps below), or lower: the largest such rate whose probe
    /// trained ([`MaxLr::advised_lr`]).
    pub advised: Option<f64>,
}

impl MaxLr {
    /// The rate to try after a run that broke or trained badly: about half of η_max, lower while a
    /// probe there did not train, and always a rate whose probe trained.
    pub fn advised_lr(&self) -> Option<f64> {
        self.advised
    }

    /// The measurement in words, as the page and the CLI say it.
    pub fn sentence(&self) -> String {
        let b = self.batch_size;
        let runs = format!(
            "{} runs of these settings over {} epochs, differing only in η",
            self.probes.len(),
            fmt_lr(self.epochs)
        );
        match (self.lr_max, self.lr_broke) {
            (Some(max), Some(broke)) => format!(
                "η_max at B {b} measured {}: of {runs}, the largest that trained (η {} did not).",
                fmt_lr(max),
                fmt_lr(broke)
            ),
            (Some(max), None) => {
                format!("η_max at B {b} is above {}: every one of {runs} up to it trained.", fmt_lr(max))
            }
            (None, Some(broke)) => format!(
                "No η trained at B {b}: of {runs}, η {} did not, and smaller rates did not learn in this budget.",
                fmt_lr(broke)
            ),
            (None, None) => format!("η_max at B {b} could not be measured."),
        }
    }
}

/// The search in progress: one probe at a time, one step a call, so a host can slice it.
pub struct MaxLrSearch {
    config: RunConfig,
    data: Dataset,
    /// Grid indices: the largest rate that trained; the smallest above it that did not; the largest
    /// that learned nothing while no rate had trained yet (too small to move in this budget).
    trained: Option<i32>,
    broke: Option<i32>,
    too_small: Option<i32>,
    /// Once η_max is bracketed: the advice's index being confirmed, and whether it was.
    advice: Option<(i32, bool)>,
    probe: Option<(i32, Trainer)>,
    probes: Vec<Probe>,
    /// Multiply-adds per example of a gradient and of a forward pass, for [`MaxLrSearch::planned_macs`].
    macs_per_row: (f64, f64),
}

impl MaxLrSearch {
    /// A search over runs of `config` (its η aside) on `data`, already loaded for it. Probes read no
    /// diagnostics and are evaluated only at epoch ends: their labels do not depend on evaluation.
    pub fn new(config: &RunConfig, data: Dataset) -> Self {
        let mut config = config.clone();
        config.diagnostics.sharpness = Cadence::Off;
        config.diagnostics.noise_scale = Cadence::Off;
        let epochs_steps = config.schedule().steps_per_epoch * MAX_PROBE_EPOCHS;
        config.epochs = config.epochs.min(MAX_PROBE_EPOCHS);
        config.steps = config.steps.map(|s| s.min(epochs_steps));
        config.eval_every = Some(config.schedule().total_steps.max(1));
        let shape = Mlp::<f32>::new(
            data.features(),
            &config.model.hidden,
            data.classes,
            config.model.activation,
            &mut ChaCha8Rng::seed_from_u64(0),
        );
        let macs_per_row = (shape.macs_per_row(Pass::Gradient), shape.macs_per_row(Pass::Forward));
        Self {
            config,
            data,
            trained: None,
            broke: None,
            too_small: None,
            advice: None,
            probe: None,
            probes: Vec::new(),
            macs_per_row,
        }
    }

    /// The next grid index to probe: from the start, up from a rate that trained (or learned
    /// nothing) and down from one that broke by about ×4, then halving the bracket until it is one
    /// grid step wide; then the advice, about half of η_max, lower while its probe does not train. `None`
    /// once done (or the grid ends).
    fn next_index(&self) -> Option<i32> {
        let below = self.trained.or(self.too_small);
        let k = match (below, self.broke) {
            (None, None) => start_index(&self.config),
            (Some(t), None) => t + STRIDE,
            (None, Some(b)) => b - STRIDE,
            (Some(t), Some(b)) if b - t > 1 => t + (b - t) / 2,
            (Some(_), Some(_)) => return self.advice_index(),
        };
        (MIN_INDEX..=MAX_INDEX).contains(&k).then_some(k)
    }

    /// The advice still to confirm by a probe, once η_max is bracketed.
    fn advice_index(&self) -> Option<i32> {
        let top = self.trained?;
        match self.advice {
            None => Some(top - HALF),
            // Not confirmed, and halvings left: half again.
            Some((k, false)) if k > top - HALF * (1 + CONFIRMATIONS) => Some(k - HALF),
            Some(_) => None,
        }
        .filter(|k| (MIN_INDEX..=MAX_INDEX).contains(k))
    }

    /// Trains one step of the current probe (starting the next one when needed); `false` once the
    /// search is over.
    pub fn step(&mut self) -> bool {
        if self.probe.is_none() {
            let Some(k) = self.next_index() else { return false };
            // A rate probed already (the bracket's) is not run again.
            if let Some(p) = self.probes.iter().find(|p| p.lr == rate(k)).copied() {
                self.record(k, p);
                return true;
            }
            let config = RunConfig { lr: rate(k), ..self.config.clone() };
            self.probe = Some((k, Trainer::new(config, self.data.clone())));
        }
        let Some((k, trainer)) = self.probe.as_mut() else { return false };
        if trainer.step(&mut ()) {
            return true;
        }
        let k = *k;
        let probe = trainer.summary().map_or(Probe { lr: rate(k), verdict: Verdict::Diverged, trained: false }, |s| {
            Probe { lr: rate(k), verdict: s.outcome.verdict(), trained: s.outcome.trained() }
        });
        self.probe = None;
        self.probes.push(probe);
        self.record(k, probe);
        true
    }

    /// What a probe at grid index `k` says.
    fn record(&mut self, k: i32, probe: Probe) {
        let bracketed = matches!((self.trained, self.broke), (Some(t), Some(b)) if b - t <= 1);
        if bracketed {
            self.advice = Some((k, probe.trained));
        } else if probe.trained {
            self.trained = Some(k);
        } else if probe.verdict == Verdict::Stalled && self.trained.is_none() {
            self.too_small = Some(k);
        } else {
            // Diverged, or learned nothing above a rate that trained: a collapse.
            self.broke = Some(k);
        }
    }

    /// What the search can cost at most, in multiply-adds: [`MAX_PROBES`] probes that train to their
    /// end (a probe that breaks ends sooner), each evaluated at its epoch ends and on the whole
    /// training set at the end.
    pub fn planned_macs(&self) -> f64 {
        let schedule = self.config.schedule();
        let (gradient, forward) = self.macs_per_row;
        let rows = schedule.total_steps as f64 * self.config.batch_size.resolve(self.data.train_len()) as f64;
        let evals = (schedule.total_steps / schedule.steps_per_epoch.max(1) + 1) as f64 * self.data.y_val.len() as f64
            + self.data.train_len() as f64;
        MAX_PROBES as f64 * (rows * gradient + evals * forward)
    }

    /// Runs the whole search.
    pub fn run(mut self) -> MaxLr {
        while self.step() {}
        self.result()
    }

    /// What the search has found (final once [`MaxLrSearch::step`] returned `false`).
    pub fn result(&self) -> MaxLr {
        let schedule = self.config.schedule();
        MaxLr {
            batch_size: self.config.batch_size.resolve(self.data.train_len()),
            lr_max: self.trained.map(rate),
            lr_broke: self.broke.map(rate),
            epochs: schedule.total_steps as f64 / schedule.steps_per_epoch.max(1) as f64,
            probes: self.probes.clone(),
            advised: self.advice.filter(|&(_, calm)| calm).map(|(k, _)| rate(k)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_round_and_increasing() {
        let rates: Vec<f64> = (MIN_INDEX..=MAX_INDEX).map(rate).collect();
        assert!(rates.windows(2).all(|w| w[1] / w[0] > 1.19 && w[1] / w[0] < 1.34), "{rates:?}");
        assert_eq!((rate(-10), rate(0), rate(3), rate(-30)), (0.1, 1.0, 2.0, 0.001));
        assert_eq!(fmt_lr(rate(-55)), "3.00e-6");
    }
}

//! Nothing a validated setting can crash: any combination of settings from the whole table — refused
//! ones included — either is refused with a message, or trains without a panic and, when it ends,
//! ends in one of the outcomes. Each case trains at most a few hundred steps (fewer when a step is
//! costly), so the property covers every setting's range in test time.

use batchlab_trainer::data::Table;
use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::settings::{Domain, SETTINGS};
use batchlab_trainer::{DataSource, DatasetKind, RunConfig};
use proptest::prelude::*;

/// A value for a setting of `domain`: usually valid (log-uniform over the range for numbers, so
/// the small and the huge are both drawn), sometimes out of range or garbage.
fn value(domain: Domain) -> BoxedStrategy<String> {
    let garbage = prop_oneof![Just("-1".to_owned()), Just("banana".to_owned()), Just("1e99".to_owned())];
    let valid: BoxedStrategy<String> = match domain {
        Domain::Choice { names, .. } => proptest::sample::select(names).prop_map(str::to_owned).boxed(),
        Domain::Data => prop_oneof![
            3 => proptest::sample::select(DatasetKind::NAMES).prop_map(str::to_owned),
            1 => (10usize..=2000, 1usize..=64, 2usize..=12).prop_map(|(r, f, c)| format!("csv:{r}x{f}x{c}:0123456789abcdef")),
        ]
        .boxed(),
        Domain::Whole { min, max, words } => {
            let number = (0.0..=1.0f64)
                .prop_map(move |t| {
                    let (lo, hi) = ((min.max(1) as f64).ln(), (max as f64).ln());
                    ((lo + t * (hi - lo)).exp().round() as u64).clamp(min, max).to_string()
                })
                .boxed();
            if words.is_empty() {
                number
            } else {
                prop_oneof![1 => proptest::sample::select(words).prop_map(str::to_owned), 3 => number].boxed()
            }
        }
        Domain::Real { min, max, words } => {
            let number = (0.0..=1.0f64)
                .prop_map(move |t| {
                    let lo = if min > 0.0 { min.ln() } else { (1e-6f64).ln() };
                    let x = (lo + t * (max.ln() - lo)).exp();
                    if t < 0.05 { min } else { x.clamp(min, max) }.to_string()
                })
                .boxed();
            if words.is_empty() {
                number
            } else {
                prop_oneof![1 => proptest::sample::select(words).prop_map(str::to_owned), 3 => number].boxed()
            }
        }
        Domain::Widths => prop::collection::vec(0.0..=1.0f64, 0..=8)
            .prop_map(|ts| {
                let widths: Vec<String> =
                    ts.iter().map(|t| ((t * 4096f64.ln()).exp().round() as usize).max(1).to_string()).collect();
                if widths.is_empty() {
                    "none".to_owned()
                } else {
                    widths.join(",")
                }
            })
            .boxed(),
        Domain::Growth => {
            prop_oneof![Just("off".to_owned()), (1usize..=10, 2usize..=8).prop_map(|(e, f)| format!("{e}x{f}"))].boxed()
        }
    };
    prop_oneof![9 => valid, 1 => garbage].boxed()
}

/// Some of the table's settings, each with a drawn value; in half the cases the run's length is
/// short and tangled (few epochs, a step budget, a growing batch), where lengths disagree.
fn settings() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let each: Vec<BoxedStrategy<Option<(&'static str, String)>>> = SETTINGS
        .iter()
        .map(|s| proptest::option::weighted(0.4, value(s.domain).prop_map(move |v| (s.key, v))).boxed())
        .collect();
    let tangled = proptest::option::of((1usize..=3, 1usize..=600, 1usize..=3, 2usize..=8));
    (each, tangled).prop_map(|(v, tangled)| {
        let mut pairs: Vec<(&'static str, String)> = v.into_iter().flatten().collect();
        if let Some((epochs, steps, every, factor)) = tangled {
            pairs.retain(|(k, _)| !["epochs", "steps", "bs_growth"].contains(k));
            pairs.extend([
                ("epochs", epochs.to_string()),
                ("steps", steps.to_string()),
                ("bs_growth", format!("{every}x{factor}")),
            ]);
        }
        pairs
    })
}

/// Multiply-adds one step costs, roughly: the minibatch, the validation set when it is due, and the
/// diagnostics when they are on.
fn step_cost(c: &RunConfig) -> f64 {
    let (features, classes) = (c.dataset.features(), c.dataset.classes());
    let params = c.model.param_count(features, classes) as f64;
    let n = c.train_len() as f64;
    let mut rows = c.max_batch_size() as f64 + n / 4.0 / c.eval_every.unwrap_or(1) as f64;
    if let Cadence::Every(k) = c.diagnostics.sharpness {
        rows += 60.0 * (c.diagnostics.sharpness_rows as f64).min(n) / k as f64;
    }
    if let Cadence::Every(k) = c.diagnostics.noise_scale {
        rows += 544.0 / k as f64;
    }
    params * rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_config_trains_to_an_outcome(pairs in settings()) {
        let mut c = RunConfig::default();
        let before = c.clone();
        let errors = c.set_all(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        if errors.len() == pairs.len() {
            prop_assert_eq!(&c, &before, "refusing every setting changes nothing");
        }
        prop_assert!(c.validate().is_ok(), "set_all left an invalid config: {:?}", c.validate());
        // The initial evaluation alone passes over the whole training set: keep each case affordable.
        let init_cost = c.model.param_count(c.dataset.features(), c.dataset.classes()) as f64 * c.train_len() as f64;
        prop_assume!(init_cost < 3e8);
        let budget = (3e8 / step_cost(&c)).clamp(1.0, 600.0) as usize;
        // A CSV file's config names a table by its shape; give it one of that shape.
        let table = c.dataset.table().map(|shape| {
            let t = table_of(shape.rows, shape.features, shape.classes);
            c.dataset.source = DataSource::Csv(t.shape);
            t
        });
        let mut trainer = c.init_on(table.as_ref()).expect("a validated config initialises");
        while trainer.steps_done() < budget && trainer.step(&mut ()) {}
        if trainer.steps_done() < budget || trainer.is_done() {
            let summary = trainer.summary().expect("a run that stopped stepping has a summary");
            prop_assert!(summary.steps <= c.schedule().total_steps);
            prop_assert!(["finished", "stalled", "unstable", "diverged"].contains(&summary.outcome.status()));
        }
    }
}

/// A table of `rows` rows whose numbers and labels follow from its shape.
fn table_of(rows: usize, features: usize, classes: usize) -> Table {
    let x = (0..rows * features).map(|i| ((i * 7919) % 1013) as f32 / 101.0).collect();
    let y = (0..rows).map(|i| (i % classes) as u16).collect();
    let names = |n: usize, what: &str| (0..n).map(|i| format!("{what}{i}")).collect();
    Table::new("drawn.csv", names(features, "f"), "class".to_owned(), names(classes, "c"), x, y)
}

/// The case the issue found: a step budget past a growing batch's epochs.
#[test]
fn a_step_budget_past_batch_growth_trains() {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all([("bs", "8"), ("bs_growth", "1x2"), ("epochs", "1"), ("steps", "1000")]), []);
    let mut t = c.init().unwrap();
    t.run(&mut ());
    assert_eq!(t.summary().unwrap().steps, 1000);
}

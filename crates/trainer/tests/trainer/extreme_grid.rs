//! The slow tier (`cargo xtask slow`, not `cargo test`): an extreme grid of 960 configs — every
//! optimiser at η from 1e-8 to 1e4, B = 1 and full batch, both activations and losses, clipping to
//! 1e-6 and to 1e6, a warm-up and cosine schedule, a step decay by 1e-6, weight decay up to 1, two
//! hidden layers of 256, on the digits and on tiny noisy toy sets — each trains to an
//! outcome without a panic, within its steps, its status one of the four. The time bound
//! per run is stated in operations, never measured by the clock: 20 steps, at most 2e10 multiply-adds
//! (the steps, the evaluations of the training set at the start and end, and of the validation set
//! at every point).

use batchlab_trainer::model::Pass;
use batchlab_trainer::{Observer, Point, RunConfig};

/// The most work one run of the grid may plan, in multiply-adds.
const MAX_MACS_PER_RUN: f64 = 2e10;

#[derive(Default)]
struct Points(Vec<Point>);

impl Observer for Points {
    fn on_point(&mut self, point: &Point) {
        self.0.push(point.clone());
    }
}

#[test]
#[ignore = "the slow tier: cargo xtask slow"]
fn an_extreme_grid_of_960_configs_ends_every_run_in_an_outcome() {
    let datasets: [&[(&str, &str)]; 3] = [
        &[("dataset", "digits")],
        &[("dataset", "moons"), ("n", "20"), ("noise", "2")],
        &[("dataset", "xor"), ("n", "20")],
    ];
    let optimizers = batchlab_trainer::optim::OptimizerKind::NAMES;
    let rates = ["1e-8", "0.1", "10", "1e4"];
    let batches = ["1", "full"];
    let models: [&[(&str, &str)]; 2] =
        [&[("activation", "relu"), ("loss", "xent")], &[("activation", "tanh"), ("loss", "mse")]];
    let extras: [&[(&str, &str)]; 4] = [
        &[],
        &[("clip", "1e-6"), ("schedule", "cosine"), ("warmup", "1")],
        &[("weight_decay", "1"), ("hidden", "256,256")],
        &[("weight_decay", "0.5"), ("clip", "1e6"), ("schedule", "step"), ("step_every", "1"), ("gamma", "1e-6")],
    ];
    let mut runs = 0;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for data in datasets {
        for &optimizer in optimizers {
            for lr in rates {
                for bs in batches {
                    for model in models {
                        for extra in extras {
                            let mut pairs: Vec<(&str, &str)> = vec![("optimizer", optimizer), ("lr", lr), ("bs", bs)];
                            pairs.extend(data.iter().chain(model.iter()).chain(extra.iter()).copied());
                            if !extra.iter().any(|(k, _)| *k == "hidden") {
                                pairs.push(("hidden", "32"));
                            }
                            pairs.extend([("steps", "20"), ("epochs", "1")]);
                            let mut c = RunConfig::default();
                            assert_eq!(c.set_all(pairs.iter().copied()), [], "{pairs:?}");
                            let mut trainer = c.init().expect("a validated config initialises");
                            let val_rows = (trainer.data().y_val.len() * 21) as f64;
                            let rows = (20 * c.max_batch_size() + 2 * c.train_len()) as f64 + val_rows;
                            let macs = rows * trainer.model().macs_per_row(Pass::Gradient);
                            assert!(macs <= MAX_MACS_PER_RUN, "{pairs:?} plans {macs:e} multiply-adds");
                            let mut points = Points::default();
                            trainer.run(&mut points);
                            let summary = trainer.summary().expect("a run that ends has a summary");
                            assert!(summary.steps <= 20, "{pairs:?}");
                            assert!(points.0.iter().all(|p| p.step <= 20), "{pairs:?}");
                            *counts.entry(summary.outcome.status().to_owned()).or_default() += 1;
                            runs += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(runs, 960);
    eprintln!("960 extreme configs, by outcome: {counts:?}");
    assert_eq!(
        counts.keys().filter(|k| !["finished", "stalled", "unstable", "diverged"].contains(&k.as_str())).count(),
        0
    );
}

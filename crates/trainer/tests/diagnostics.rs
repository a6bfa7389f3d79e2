//! The noise-scale reading against exact per-example gradients formed one at a time (science.md,
//! E5). The sharpness reading is checked in `sharpness.rs` and crates/science.

use batchlab_trainer::diagnostics::{exact_noise_scale, Cadence, NoiseScale};
use batchlab_trainer::loss::LossKind;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;

#[test]
fn the_live_noise_scale_is_the_exact_one() {
    // Full batch, η 0.1, seed 1: late in training the gradient is small against its noise, where
    // the two-batch estimator read 662 against an exact 2091.
    let mut c = RunConfig::default();
    assert_eq!(
        c.set_all([("bs", "full"), ("lr", "0.1"), ("seed", "1"), ("epochs", "400"), ("noise_scale_every", "100")]),
        []
    );
    let mut trainer = c.init().unwrap();
    let mut rec = Recorder::default();
    while trainer.steps_done() < 300 {
        trainer.step(&mut rec);
    }
    let live = rec.points.iter().find(|p| p.step == 300).and_then(|p| p.noise_scale).unwrap();
    let (model, d) = (trainer.model(), trainer.data());
    let exact =
        exact_noise_scale(&model.cast::<f64>(), d.x_train.mapv(f64::from).view(), &d.y_train, LossKind::CrossEntropy);
    println!("step 300: live B_simple {live:.1}, exact {exact:.1}");
    assert!((live / exact - 1.0).abs() < 1e-3, "{live} vs {exact}");
}

#[test]
fn a_sample_estimate_is_unbiased_and_never_negative() {
    // On a subset the estimate is a sample's: unbiased (tr Σ with 1/(m − 1), |G|² less the mean's
    // noise), and None rather than a negative "batch size" when the sample does not resolve it.
    let mut c = RunConfig::default();
    c.diagnostics.noise_scale = Cadence::Off;
    let mut trainer = RunConfig { epochs: 30, ..c }.init().unwrap();
    while trainer.steps_done() < 1000 {
        trainer.step(&mut ());
    }
    let (model, d) = (trainer.model(), trainer.data());
    let exact = exact_noise_scale(model, d.x_train.view(), &d.y_train, LossKind::CrossEntropy);
    let whole = NoiseScale::new(model, d.train_len()).estimate(model, d.train(), LossKind::CrossEntropy).unwrap();
    assert!((whole / exact - 1.0).abs() < 1e-3, "{whole} vs {exact}");
    let mut estimates = Vec::new();
    for k in 0..8 {
        // Eight disjoint samples of 160 rows, each judged against the whole set.
        let rows = 160;
        let x = d.x_train.slice(ndarray::s![k * rows.., ..]);
        let sample = batchlab_trainer::model::Examples::new(x, &d.y_train[k * rows..]);
        let mut ns = NoiseScale::new(model, rows);
        if let Some(b) = ns.estimate(model, sample, LossKind::CrossEntropy) {
            assert!(b > 0.0);
            estimates.push(b);
        }
    }
    println!("exact {exact:.1}; 160-row samples {estimates:.1?}");
    assert!(!estimates.is_empty());
}

#[test]
fn the_summary_keeps_every_reading_and_thins_an_absurd_cadence() {
    // Toy data, eval and both diagnostics every step: more points than a summary keeps.
    let mut c = RunConfig::default();
    let steps = batchlab_trainer::train::MAX_READINGS + 500;
    let link = [
        ("dataset", "moons"),
        ("bs", "full"),
        ("eval_every", "1"),
        ("sharpness_every", "1"),
        ("noise_scale_every", "1"),
    ];
    assert_eq!(c.set_all(link), []);
    assert_eq!(c.set_all([("steps", steps.to_string().as_str())]), []);
    let mut rec = Recorder::default();
    c.init().unwrap().run(&mut rec);
    let s = rec.summary.unwrap();
    assert!(s.readings.len() <= batchlab_trainer::train::MAX_READINGS, "{}", s.readings.len());
    assert!(s.readings.len() > batchlab_trainer::train::MAX_READINGS / 2);
    assert_eq!(s.readings[0].step, 0, "the first reading stays");
    assert!(s.readings.windows(2).all(|w| w[0].step < w[1].step));
    // Each kept reading is its point's, bit for bit.
    for r in &s.readings {
        let p = rec.points.iter().find(|p| p.step == r.step).unwrap();
        assert_eq!((r.lr, r.sharpness, r.noise_scale), (p.lr, p.sharpness, p.noise_scale));
    }
    // A run with the default cadence keeps its few readings whole.
    let mut rec = Recorder::default();
    RunConfig::default().init().unwrap().run(&mut rec);
    let read: Vec<usize> =
        rec.points.iter().filter(|p| p.sharpness.is_some() || p.noise_scale.is_some()).map(|p| p.step).collect();
    let kept: Vec<usize> = rec.summary.unwrap().readings.iter().map(|r| r.step).collect();
    assert_eq!(kept, read);
}

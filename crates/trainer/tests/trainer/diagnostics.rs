//! The noise-scale reading against exact per-example gradients formed one at a time (science.md,
//! E5). The sharpness reading is checked in `sharpness.rs` and crates/science.

use batchlab_trainer::diagnostics::{exact_noise_parts, exact_noise_scale, Cadence, NoiseScale};
use batchlab_trainer::loss::LossKind;
use batchlab_trainer::model::Examples;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;
use ndarray::Axis;
use rand::seq::SliceRandom;
use rand::SeedableRng;

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
    // A sample of m rows drawn without replacement from N: over many samples the means of its tr(Σ)
    // and |G|² come within four standard errors of the exact ones (tr(Σ) with 1/(N − 1)
    // normalisation), and the reading itself is positive or None, never a negative "batch size".
    let mut c = RunConfig::default();
    c.diagnostics.noise_scale = Cadence::Off;
    let mut trainer = RunConfig { epochs: 30, ..c }.init().unwrap();
    while trainer.steps_done() < 1000 {
        trainer.step(&mut ());
    }
    let (model, d) = (trainer.model().cast::<f64>(), trainer.data());
    let x = d.x_train.mapv(f64::from);
    let n = d.train_len();
    let exact = exact_noise_parts(&model, x.view(), &d.y_train, LossKind::CrossEntropy);
    let whole =
        NoiseScale::new(&model, n).parts(&model, Examples::new(x.view(), &d.y_train), LossKind::CrossEntropy).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(
        close(whole.trace, exact.trace) && close(whole.grad_sq, exact.grad_sq),
        "on every row: {whole:?} vs {exact:?}"
    );
    let truth = [exact.trace * n as f64 / (n as f64 - 1.0), exact.grad_sq];

    let (m, samples) = (160_usize, 300_usize);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut order: Vec<usize> = (0..n).collect();
    let mut parts = Vec::new();
    for _ in 0..samples {
        order.shuffle(&mut rng);
        let (xs, ys) = (x.select(Axis(0), &order), order.iter().map(|&i| d.y_train[i]).collect::<Vec<_>>());
        let train = Examples::new(xs.view(), &ys);
        let mut ns = NoiseScale::new(&model, m);
        let p = ns.parts(&model, train, LossKind::CrossEntropy).unwrap();
        if let Some(b) = ns.estimate(&model, train, LossKind::CrossEntropy) {
            assert!(b > 0.0 && (b - p.trace / p.grad_sq).abs() <= 1e-9 * b, "{b} from {p:?}");
        } else {
            assert!(p.trace <= 0.0 || p.grad_sq <= 0.0, "a resolved sample gave no reading: {p:?}");
        }
        parts.push([p.trace, p.grad_sq]);
    }
    for (k, name) in ["tr Σ", "|G|²"].iter().enumerate() {
        let values: Vec<f64> = parts.iter().map(|p| p[k]).collect();
        let mean = values.iter().sum::<f64>() / samples as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (samples as f64 - 1.0)).sqrt();
        let se = sd / (samples as f64).sqrt();
        println!("{name}: exact {:.5}, mean of {samples} samples of {m} rows {mean:.5} ± {se:.5}", truth[k]);
        assert!((mean - truth[k]).abs() < 4.0 * se, "{name}: {mean} ± {se} against {}", truth[k]);
    }
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

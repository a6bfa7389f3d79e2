//! The live sharpness on the digits MLP (cross-entropy): the f32 reading the app shows, against the
//! same exact Hessian-vector products in f64, at initialisation and later in training (science.md,
//! "Live estimators"); the automatic cadence, which must be a function of the run alone. The HVPs
//! themselves are checked against a dense f64 Hessian in `model.rs`, and λ_max against a dense
//! eigen-solve where the top eigenvalues are close in crates/science.

use batchlab_trainer::diagnostics::{Cadence, Sharpness, AUTO_SHARE};
use batchlab_trainer::model::Examples;
use batchlab_trainer::train::Recorder;
use batchlab_trainer::{Point, RunConfig};

fn all_points(c: &RunConfig) -> Vec<Point> {
    let mut rec = Recorder::default();
    c.init().unwrap().run(&mut rec);
    rec.points
}

#[test]
fn live_sharpness_on_the_digits_mlp_matches_an_f64_reference() {
    let mut c = RunConfig { epochs: 10, ..RunConfig::default() };
    c.diagnostics.sharpness = Cadence::Every(10);
    for checkpoint in [0, 200] {
        // The point of step k is measured after k updates (step 0: before the first).
        let mut trainer = c.init().unwrap();
        let mut rec = Recorder::default();
        trainer.step(&mut rec);
        while trainer.steps_done() < checkpoint {
            trainer.step(&mut rec);
        }
        let live = rec.points.iter().find(|p| p.step == checkpoint).and_then(|p| p.sharpness).unwrap();
        // The weights of the checkpoint: step 0's are the initial ones.
        let trainer = if checkpoint == 0 { c.init().unwrap() } else { trainer };
        let (model, d) = (trainer.model().cast::<f64>(), trainer.data());
        let x = d.x_train.mapv(f64::from);
        let rows = c.diagnostics.sharpness_rows.min(d.train_len());
        let reference = Sharpness::new(&model, rows, 99).estimate(
            &model,
            &model.params,
            Examples::new(x.view(), &d.y_train),
            c.model.loss,
        );
        assert!(reference.converged);
        let rel = (live - reference.lambda).abs() / reference.lambda;
        println!(
            "step {checkpoint}: live λ_max {live:.5} (f32), f64 reference {:.5}, relative difference {rel:.1e}",
            reference.lambda
        );
        assert!(rel < 2e-3, "step {checkpoint}: live {live} vs reference {}", reference.lambda);
    }
}

/// The automatic cadence reads the same values at the same steps every time, each converged at its
/// step's weights (a fixed cadence reads the same value there), and after the start stays within its
/// share of the run's work; a long enough run gets a curve.
#[test]
fn automatic_diagnostics_are_a_function_of_the_run_alone() {
    for (bs, epochs) in [("32", "100"), ("512", "100")] {
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("bs", bs), ("epochs", epochs)]), []);
        let (a, b) = (all_points(&c), all_points(&c));
        assert_eq!(a, b, "B = {bs}: the same run, the same points");
        let readings: Vec<&Point> = a.iter().filter(|p| p.sharpness.is_some()).collect();
        assert!(readings.len() >= 2, "B = {bs}: {} sharpness points", readings.len());
        assert!(a.iter().filter(|p| p.noise_scale.is_some()).count() >= 2, "B = {bs}");
        // The fixed cadence at the steps the automatic one chose reads the same λ (both converged).
        for p in readings.iter().take(3) {
            let mut fixed = c.clone();
            fixed.diagnostics.sharpness = Cadence::Every(if p.step == 0 { 1_000_000 } else { p.step });
            fixed.diagnostics.noise_scale = Cadence::Off;
            let mut trainer = fixed.init().unwrap();
            let mut rec = Recorder::default();
            while trainer.steps_done() <= p.step && trainer.step(&mut rec) {}
            let q = rec.points.into_iter().find(|q| q.step == p.step).unwrap();
            let (auto, fixed) = (p.sharpness.unwrap(), q.sharpness.unwrap());
            println!("B = {bs}, step {}: auto λ_max {auto:.4}, fixed cadence {fixed:.4}", p.step);
            assert!((auto - fixed).abs() <= 3e-3 * fixed, "B = {bs}, step {}: {auto} vs {fixed}", p.step);
        }
        let mut trainer = c.init().unwrap();
        trainer.run(&mut ());
        let (share, all) = trainer.diagnostics_cost_share();
        println!(
            "B = {bs}, {epochs} epochs: {} sharpness points; diagnostics cost {:.1} % of the run's work after the start, {:.1} % in all",
            readings.len(),
            100.0 * share,
            100.0 * all
        );
        assert!(share <= AUTO_SHARE * 1.25, "B = {bs}: {share}");
    }
}

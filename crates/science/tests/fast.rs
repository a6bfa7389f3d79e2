//! The experiments fast enough for every test run (the slow ones run in `cargo xtask science`).

use batchlab_science::{e0, e1};
use batchlab_trainer::train::Recorder;
use batchlab_trainer::RunConfig;

#[test]
fn e0_gradient_descent_is_stable_exactly_below_two_over_lambda_max() {
    let r = e0::run();
    assert_eq!(r.passed, Some(true), "{}", r.measured);
}

#[test]
fn e0_the_trainer_reports_the_same_edge() {
    let lambda = e0::hessian_eigenvalues()[0];
    let run = |factor: f64| {
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("model", "linear"), ("loss", "mse"), ("bs", "full"), ("epochs", "300")]), []);
        c.lr = factor * 2.0 / lambda;
        let mut rec = Recorder::default();
        c.init().unwrap().run(&mut rec);
        rec.summary.unwrap()
    };
    let calm = run(0.95);
    assert_eq!(calm.outcome.status(), "finished", "{:?}", calm.outcome);
    assert!(calm.final_train_loss < calm.initial_train_loss);
    assert_eq!(run(1.05).outcome.status(), "diverged");
    // The trainer's own stability limit is the same edge: exact on a quadratic.
    let mut c = RunConfig::default();
    assert_eq!(c.set_all([("model", "linear"), ("loss", "mse"), ("bs", "full")]), []);
    let limit = c.init().unwrap().stability_limit().unwrap();
    let rel = (limit.lr - 2.0 / lambda).abs() / (2.0 / lambda);
    assert!(rel < 1e-3, "limit η {} vs 2/λ_max {}", limit.lr, 2.0 / lambda);
}

/// science.md, "Live estimators": power iteration on Hessian-vector products against an exact
/// symmetric eigen-solve of X̃ᵀX̃/n on linear MSE, within 1e-3 relative.
#[test]
fn live_sharpness_matches_the_exact_eigenvalue_on_linear_mse() {
    let mut c = RunConfig::default();
    let link = [("model", "linear"), ("loss", "mse"), ("bs", "full"), ("epochs", "3"), ("sharpness_every", "1")];
    assert_eq!(c.set_all(link), []);
    c.lr = 0.05;
    let mut rec = Recorder::default();
    c.init().unwrap().run(&mut rec);
    let exact = e0::hessian_eigenvalues()[0];
    for p in &rec.points {
        let estimate = p.sharpness.expect("computed at every step");
        let rel = (estimate - exact).abs() / exact;
        println!("step {}: λ_max estimate {estimate:.5}, exact {exact:.5}, relative error {rel:.2e}", p.step);
        assert!(rel < 1e-3, "step {}: {estimate} vs {exact}", p.step);
    }
}

#[test]
fn e1_linear_scaling_holds_and_warm_up_removes_the_early_spike() {
    let r = e1::run();
    assert_eq!(r.passed, Some(true), "{}", r.measured);
}

#[test]
fn e4_growing_the_batch_matches_decaying_the_learning_rate() {
    let r = batchlab_science::e4::run();
    assert_eq!(r.passed, Some(true), "{}", r.measured);
}

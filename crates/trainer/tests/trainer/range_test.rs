//! The LR range test on the reference workload: a ramp run ends once its loss breaks away, and its
//! suggestion is a rate the reference MLP trains well at.

use batchlab_trainer::RunConfig;

#[test]
fn digits_range_test_stops_on_the_blow_up_and_suggests_a_sane_rate() {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all([("schedule", "ramp"), ("lr", "1e-4"), ("end_lr", "100"), ("steps", "300")]), []);
    let mut t = c.init().unwrap();
    t.run(&mut ());
    let r = t.range_test().unwrap();
    let last = r.points().last().unwrap();
    assert!(r.points().len() < 300, "ran {} steps, to η = {}", r.points().len(), last.lr);
    assert!(r.points().windows(2).all(|w| w[1].lr > w[0].lr));
    let result = t.summary().unwrap().range_test.unwrap();
    assert_eq!(result, r.result());
    // The reference MLP trains well at η = 0.1 and diverges near 1.7 at B = 32 (science.md).
    assert!((0.03..=1.5).contains(&result.suggested_lr), "suggested η = {}", result.suggested_lr);
    assert!(result.broke_at_lr.is_some_and(|b| b > result.suggested_lr));
}

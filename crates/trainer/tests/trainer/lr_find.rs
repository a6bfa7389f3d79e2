//! What the range test's suggestion tracks, measured: the sentence `lr_find::WHAT_IT_TRACKS` says so
//! on the page and in the CLI, and this keeps it true.

use batchlab_trainer::RunConfig;

/// On digits at B 8–512 the suggestion stays within a factor of two of the stability edge 2/λ₀
/// measured at the start, and barely moves with B (a sweep's best η rises with B: see
/// `sweep::table`'s tests and the note in docs/science).
#[test]
fn the_suggestion_tracks_the_stability_edge_at_every_batch_size() {
    let mut suggestions = Vec::new();
    for bs in ["8", "32", "128", "512"] {
        let mut c = RunConfig::default();
        let link = [
            ("bs", bs),
            ("schedule", "ramp"),
            ("lr", "1e-4"),
            ("end_lr", "10"),
            ("steps", "300"),
            ("sharpness_every", "1000000"),
        ];
        assert_eq!(c.set_all(link), []);
        let mut t = c.init().unwrap();
        t.run(&mut ());
        let r = t.summary().unwrap().range_test.unwrap();
        let edge = t.stability_limit().unwrap().lr;
        let ratio = r.suggested_lr / edge;
        println!("B = {bs}: suggested η {:.3}, edge 2/λ₀ {edge:.3}, ratio {ratio:.2}", r.suggested_lr);
        assert!((0.5..=2.0).contains(&ratio), "B = {bs}: {ratio}");
        suggestions.push(r.suggested_lr);
    }
    let spread =
        suggestions.iter().copied().fold(0.0, f64::max) / suggestions.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(spread < 2.5, "over B ×64 the suggestion moved ×{spread:.2}: {suggestions:?}");
}

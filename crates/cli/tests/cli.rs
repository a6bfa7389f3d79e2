//! The `batchlab` binary as a user runs it.

use std::process::Command;

fn batchlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_batchlab")).args(args).output().expect("the binary runs")
}

#[test]
fn run_writes_metrics_summary_and_svg() {
    let dir = std::env::temp_dir().join(format!("batchlab-cli-{}", std::process::id()));
    let svg = dir.join("loss.svg");
    let out = batchlab(&[
        "run",
        "--dataset",
        "moons",
        "--epochs",
        "3",
        "--bs",
        "full",
        "--lr",
        "0.5",
        "--out",
        dir.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "finished");
    assert_eq!(summary["steps"], 3);
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("step,epoch,examples,lr,batch_size,train_loss,val_loss,val_acc,sharpness,noise_scale,grad_norm")
    );
    assert_eq!(lines.count(), 4, "initial point + one per full-batch step");
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
        String::from_utf8(out.stdout).unwrap().trim_end()
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_diverging_run_is_a_result_not_an_error() {
    let out = batchlab(&["run", "--lr", "10", "--epochs", "2"]);
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "diverged");
    assert!(summary["diverged_at_step"].as_u64().unwrap() > 0);
}

#[test]
fn bad_flags_get_a_message_and_a_non_zero_exit() {
    for args in [
        &["run", "--lr", "banana"][..],
        &["run", "--bs", "0"],
        &["run", "--dataset", "mnist"],
        &["run", "--frobnicate"],
        &["fly"],
    ] {
        let out = batchlab(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && !err.trim().is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn sweep_writes_the_grid_and_prints_the_best_lr_per_batch_size() {
    let dir = std::env::temp_dir().join(format!("batchlab-sweep-{}", std::process::id()));
    let svg = dir.join("heatmap.svg");
    let out = batchlab(&[
        "sweep",
        "--dataset",
        "moons",
        "--epochs",
        "5",
        "--bs",
        "16,64",
        "--lr",
        "0.1,1,1000",
        "--seeds",
        "1,2",
        "--out",
        dir.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 * 3 * 2);
    assert!(rows.iter().filter(|r| r.contains(",1000,")).all(|r| r.contains(",diverged,")));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let best: Vec<&str> = stdout.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>()[0]).collect();
    assert_eq!(best, ["16", "64"], "{stdout}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("diverged"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn lr_find_prints_the_curve_and_a_suggestion() {
    let out = batchlab(&["lr-find", "--bs", "32", "--ramp-steps", "200"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("lr,loss,smoothed_loss\n"));
    assert!(stdout.lines().count() > 50);
    assert!(String::from_utf8_lossy(&out.stderr).contains("suggested η"));
    let bad = batchlab(&["lr-find", "--min-lr", "1", "--max-lr", "0.1"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--min-lr"));
}

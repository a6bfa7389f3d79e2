//! `cargo xtask bench`: the reference workload (../shared/reference-workload.md) natively
//! (criterion), in numpy (when python3 has it), in BatchLab's worker and in TensorFlow.js's wasm
//! backend (one headless Chromium session, `tests/e2e/bench.mjs`), printed as one table whose
//! ratios are all from this run, on this machine.

use std::process::Command;

use serde_json::Value;

use crate::{cargo, dist, output, root, run, tools, Result};

const BATCH_SIZES: [u64; 3] = [32, 128, 512];
/// Training rows of the digits: one criterion iteration is an epoch of them.
const TRAIN_ROWS: f64 = 1437.0;
/// Multiply-adds ×2 of one sample's step: forward 2·(64·128 + 128·10), the weights' gradients as
/// much again, and the hidden layer's gradient 2·128·10.
const FLOP_PER_SAMPLE: f64 = 40_448.0;

/// Samples per second at each batch size from a `{"results": [{"batch_size", "samples_per_sec"}]}`.
fn rates(report: &Value) -> Vec<Option<f64>> {
    BATCH_SIZES
        .iter()
        .map(|&b| {
            report["results"].as_array()?.iter().find(|r| r["batch_size"].as_u64() == Some(b))?["samples_per_sec"]
                .as_f64()
        })
        .collect()
}

/// Criterion's mean time of an epoch at each batch size, as samples per second.
fn native() -> Result<Vec<Option<f64>>> {
    run(cargo().args(["bench", "-p", "batchlab-trainer", "--bench", "reference"]))?;
    Ok(BATCH_SIZES
        .iter()
        .map(|b| {
            let path = root().join(format!("target/criterion/digits-mlp128-sgd/B={b}/new/estimates.json"));
            let estimates: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            Some(TRAIN_ROWS / (estimates["mean"]["point_estimate"].as_f64()? * 1e-9))
        })
        .collect())
}

/// numpy float32 on one BLAS thread, when python3 has numpy; `None` (said) when not.
fn numpy() -> Result<Option<Vec<Option<f64>>>> {
    let has_numpy = Command::new("python3").args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success());
    if !has_numpy {
        eprintln!("xtask: python3 has no numpy here: the numpy column is left empty (pip install numpy)");
        return Ok(None);
    }
    let mut cmd = Command::new("python3");
    cmd.arg(root().join("crates/trainer/benches/numpy_reference.py"));
    for var in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] {
        cmd.env(var, "1");
    }
    let report: Value = serde_json::from_str(&output(&mut cmd)?).map_err(|e| format!("numpy's report: {e}"))?;
    Ok(Some(rates(&report)))
}

fn cell(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:>8.0} ({:>4.1})", r, r * FLOP_PER_SAMPLE / 1e9))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_owned(),
    }
}

pub fn bench() -> Result {
    let native = native()?;
    let numpy = numpy()?;
    dist()?;
    tools::ensure_browser()?;
    let e2e = root().join("tests/e2e");
    tools::npm_install(&e2e)?;
    let browser: Value = serde_json::from_str(&output(
        Command::new("node")
            .arg(e2e.join("bench.mjs"))
            .env("BATCHLAB_DIST", root().join("dist"))
            .env("BATCHLAB_BENCH_SECS", "3"),
    )?)
    .map_err(|e| format!("the browser's report: {e}"))?;
    let (batchlab, tfjs) = (rates(&browser["batchlab"]), rates(&browser["tfjs"]));
    println!(
        "\nThe reference workload (digits, MLP 64-128-10, SGD): training samples/s (GFLOP/s), one run on this machine"
    );
    println!(
        "{:>4}  {:>16}  {:>16}  {:>16}  {:>16}  {:>13}  {:>14}",
        "B", "native", "numpy", "browser", "TF.js wasm", "native/numpy", "browser/TF.js"
    );
    for (i, b) in BATCH_SIZES.iter().enumerate() {
        let np = numpy.as_ref().and_then(|n| n[i]);
        println!(
            "{b:>4}  {:>16}  {:>16}  {:>16}  {:>16}  {:>13}  {:>14}",
            cell(native[i]),
            cell(np),
            cell(batchlab[i]),
            cell(tfjs[i]),
            ratio(native[i], np),
            ratio(batchlab[i], tfjs[i])
        );
    }
    println!(
        "TF.js: {} on {}; numpy: {}",
        browser["tfjs"]["version"],
        browser["tfjs"]["backend"],
        numpy.map_or("absent", |_| "present")
    );
    Ok(())
}

//! `cargo xtask bench`: the reference workload (../shared/reference-workload.md) natively
//! (criterion), in numpy (when python3 has it), in BatchLab's worker and in TensorFlow.js 4.22's wasm
//! backend at its fastest (one headless Chromium session, `tests/e2e/bench.mjs`), printed as one table
//! whose ratios are all from this run, on this machine.
//!
//! TF.js (`tests/e2e/tfjs/worker.js`) runs in a dedicated Web Worker, as BatchLab's bench trains in
//! its worker: tfjs-core + tfjs-backend-wasm, SIMD on (its report says `WASM_HAS_SIMD_SUPPORT`), one
//! thread, `tf.enableProdMode()`; the forward pass as `tf.fused.matMul` with bias (and ReLU), the
//! backward pass by hand with lr/B folded into the output gradient (the scalars made once) and the
//! transposed products as `tf.transpose` + a plain `tf.matMul` (tfjs-wasm sends only plain products
//! to XNNPACK), no gradient tape; the same initial weights, shuffle order, kept short last batch,
//! warm-up epoch, whole timed epochs and median of 3 as peer-bench's `tfjs-wasm` (variant `manual-t`).
//!
//! Then the first visit on a slow phone link (a metric, never asserted): a fresh browser context
//! 390 px wide, CDP `Network.emulateNetworkConditions` at 200,000 bytes/s down, 750 kbit/s up and
//! 150 ms latency (the page and the service worker it starts), the site served gzipped: the gzip bytes
//! the page has received when it is interactive (the app has mounted: the loading line is gone and the
//! Start button is in the page), the time to that moment from navigation, and the time from pressing
//! Start right then to the first trained point (the step counter above 0); median of 3 visits; and
//! the whole site's size gzipped.

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
    run(cargo().args(["bench", "-p", "batchlab-trainer", "--features", "bench", "--bench", "reference"]))?;
    Ok(BATCH_SIZES
        .iter()
        .map(|b| {
            let path = root().join(format!("target/criterion/digits-mlp128-sgd/B={b}/new/estimates.json"));
            let estimates: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            Some(TRAIN_ROWS / (estimates["mean"]["point_estimate"].as_f64()? * 1e-9))
        })
        .collect())
}

/// The numpy the numpy column is measured with, in a virtual environment of its own under target/
/// (PyPI's wheel bundles OpenBLAS), so the figure does not depend on what the machine's python3 has.
const NUMPY: &str = "numpy==2.3.5";

/// numpy float32 on one BLAS thread; `None` (said) when python3 cannot make the environment.
fn numpy() -> Result<Option<Vec<Option<f64>>>> {
    let venv = root().join("target/bench-venv");
    let python = venv.join("bin/python3");
    let has = |python: &std::path::Path| {
        Command::new(python).args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success())
    };
    if !has(&python) {
        let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().is_ok_and(|s| s.success())
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", NUMPY])
                .status()
                .is_ok_and(|s| s.success());
        if !made || !has(&python) {
            eprintln!("xtask: could not install {NUMPY} into {}: the numpy column is left empty", venv.display());
            return Ok(None);
        }
    }
    let mut cmd = Command::new(&python);
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
        "B", "native", "numpy", "browser", "TF.js fastest", "native/numpy", "browser/TF.js"
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
    let tfjs = &browser["tfjs"];
    println!(
        "TF.js fastest: {} {} in a Web Worker, SIMD {}, threads {}, prod mode {}, fused matMul+bias+ReLU, \
         transpose + plain matMul, lr/B folded in; {} tensors leaked; numpy: {}",
        tfjs["version"].as_str().unwrap_or("?"),
        tfjs["backend"].as_str().unwrap_or("?"),
        tfjs["simd"],
        tfjs["threads"],
        tfjs["prod"],
        tfjs["leaked_tensors"],
        numpy.map_or("absent", |_| "present")
    );
    first_visit(&browser["first_visit"]);
    while_training(&browser["page"]);
    Ok(())
}

/// The page while it trains: frame intervals, chart redraws and the diagnostics' cost.
fn while_training(v: &Value) {
    let ms = |x: &Value| x.as_f64().map_or_else(|| "–".to_owned(), |ms| format!("{ms:.1} ms"));
    println!("\nThe page while it trains (1280 px): frame intervals, p50 / p95");
    for k in [1, 2, 4, 6, 8] {
        let f = &v["frames_while_training"][format!("runs_{k}")];
        println!("  {k} run(s) training at once: {} / {}  ({})", ms(&f["p50_ms"]), ms(&f["p95_ms"]), f["training"]);
    }
    let f = &v["frames_8_runs_of_10000_points"];
    println!(
        "  8 runs of 10,000 points on screen, 2 training: {} / {}, max {}; {} chart redraws, p50 / p95 / max {} / {} / {}",
        ms(&f["p50_ms"]),
        ms(&f["p95_ms"]),
        ms(&f["max_ms"]),
        f["chart_draws"],
        ms(&f["draw_p50_ms"]),
        ms(&f["draw_p95_ms"]),
        ms(&f["draw_max_ms"])
    );
    let d = &v["diagnostics"];
    println!(
        "  live diagnostics: {} steps/s off, {} at their default cadence (cost {})",
        d["steps_per_sec_off"],
        d["steps_per_sec_default"],
        d["cost"].as_f64().map_or_else(|| "–".to_owned(), |c| format!("{:.0} %", c * 100.0))
    );
}

/// The first visit on the throttled link, medians of the visits.
fn first_visit(v: &Value) {
    let kb = |key: &str| v[key].as_f64().map_or_else(|| "–".to_owned(), |b| format!("{:.0} KB", b / 1000.0));
    let secs = |key: &str| v[key].as_f64().map_or_else(|| "–".to_owned(), |ms| format!("{:.2} s", ms / 1000.0));
    println!(
        "\nFirst visit: fresh context, 390 px wide, 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency, gzip; median of {}",
        v["visits"].as_array().map_or(0, Vec::len)
    );
    println!("  gzip bytes before interactive (app mounted, Start shown): {}", kb("bytes_before_interactive"));
    println!("  time to interactive:                                      {}", secs("interactive_ms"));
    println!("  Start pressed then → first trained point:                 {}", secs("start_to_first_point_ms"));
    println!(
        "  whole site gzipped:                                       {} ({} files, {} raw)",
        kb("site_gzip_bytes"),
        v["site_files"],
        kb("site_raw_bytes")
    );
}

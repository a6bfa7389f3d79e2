//! The `batchlab` binary as a user runs it.

use std::process::Command;

fn batchlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_batchlab")).args(args).output().expect("the binary runs")
}

/// A closed standard output (`| head -1`) ends the output quietly: no panic, the usual exit.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::process::Stdio;
    let args = ["lr-find", "--bs", "32", "--steps", "60", "--sharpness-every", "off", "--noise-scale-every", "off"];
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("panicked"), "{:?}: {stderr}", out.status);
}

/// A value given twice in a grid would make two rows of one batch size: refused with the reason.
#[test]
fn a_sweep_refuses_repeated_values() {
    for (flag, values) in [("--bs", "8,8"), ("--lr", "0.1,1e-1")] {
        let out = batchlab(&["sweep", flag, values, "--epochs", "1"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains("twice"), "{flag} {values}: {stderr}");
    }
}

/// `merge` validates every file it reads: a shard out of range is named, never an index panic.
#[test]
fn merge_refuses_a_shard_out_of_range() {
    let dir = Scratch::new("bad-shard");
    let out = batchlab(&[
        "sweep",
        "--dataset",
        "moons",
        "--bs",
        "8",
        "--lr",
        "0.1",
        "--epochs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = std::fs::read_to_string(dir.join("sweep.json")).unwrap();
    for (index, count) in [(0, 2), (5, 2), (1, 0)] {
        let bad = json
            .replace("\"index\": 1", &format!("\"index\": {index}"))
            .replace("\"count\": 1", &format!("\"count\": {count}"));
        std::fs::write(dir.join("sweep.json"), bad).unwrap();
        let out = batchlab(&["merge", dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code() == Some(2) && stderr.contains("sweep.json") && stderr.contains("shard"),
            "{index}/{count}: {stderr}"
        );
    }
    // A grid no run could have: named, and nothing merged.
    let no_rate = json.replace("\"lrs\": [\n      0.1\n    ]", "\"lrs\": [\n      -0.1\n    ]");
    assert_ne!(no_rate, json);
    std::fs::write(dir.join("sweep.json"), no_rate).unwrap();
    let out = batchlab(&["merge", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && stderr.contains("-0.1 is no rate"), "{stderr}");
    // A field no sweep.json has, and a rate given twice: each named.
    let extra = json.replacen('{', "{\n  \"rows\": 12,", 1);
    std::fs::write(dir.join("sweep.json"), extra).unwrap();
    let stderr = String::from_utf8_lossy(&batchlab(&["merge", dir.to_str().unwrap()]).stderr).into_owned();
    assert!(stderr.contains("sweep.json") && stderr.contains("unknown field `rows`"), "{stderr}");
    let twice = json.replace("\"lrs\": [\n      0.1\n    ]", "\"lrs\": [\n      0.1,\n      0.1\n    ]");
    assert_ne!(twice, json);
    std::fs::write(dir.join("sweep.json"), twice).unwrap();
    let stderr = String::from_utf8_lossy(&batchlab(&["merge", dir.to_str().unwrap()]).stderr).into_owned();
    assert!(stderr.contains("names each batch size, learning rate and seed once"), "{stderr}");
}

#[test]
fn run_writes_metrics_summary_and_svg() {
    let dir = Scratch::new("cli");
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
        "0.1",
        "--out",
        dir.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--save-weights",
        dir.join("weights.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "finished");
    assert_eq!(summary["steps"], 3);
    // The weights: each layer's shape, weights and biases, with the run they came from.
    let weights: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("weights.json")).unwrap()).unwrap();
    assert_eq!(weights["fingerprint"], summary["digest"]);
    assert_eq!((&weights["settings"]["dataset"], &weights["model"]["activation"]), (&"moons".into(), &"relu".into()));
    let layers = weights["model"]["layers"].as_array().unwrap();
    let shapes: Vec<&serde_json::Value> = layers.iter().map(|l| &l["shape"]).collect();
    assert_eq!(shapes, [&serde_json::json!([2, 128]), &serde_json::json!([128, 2])]);
    assert_eq!(
        (layers[0]["weights"].as_array().unwrap().len(), layers[0]["bias"].as_array().unwrap().len()),
        (256, 128)
    );
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(batchlab_trainer::train::points_csv_header().as_str()));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "initial point + one per full-batch step");
    // The whole-set training loss at the start and the end, the minibatch mean in between: named apart.
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let whole = |r: &Vec<&str>| r[6].parse::<f64>().ok();
    assert_eq!(whole(&rows[0]), summary["initial_train_loss"].as_f64());
    assert_eq!(whole(&rows[3]), summary["final_train_loss"].as_f64());
    assert!(rows[0][5].is_empty() && rows[1][5].parse::<f64>().is_ok() && whole(&rows[1]).is_none());
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    // Every file was written whole, then renamed: no part file is left behind.
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["loss.svg", "metrics.csv", "summary.json", "weights.json"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
        String::from_utf8(out.stdout).unwrap().trim_end()
    );
}

#[test]
fn a_diverging_run_is_a_result_not_an_error() {
    let out = batchlab(&["run", "--lr", "10", "--epochs", "2"]);
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "diverged");
    assert!(summary["diverged_at_step"].as_u64().unwrap() > 0);
}

/// The CLI says what the page says after a run that went wrong: its regime against 2/λ₀, η_max(B)
/// and the advice built on it, in the same words (the trainer writes them for both).
#[test]
fn a_run_that_went_wrong_prints_its_regime_max_lr_and_advice() {
    let out = batchlab(&["run", "--lr", "10", "--epochs", "2", "--noise-scale-every", "off"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["regime"], "broke");
    assert!(summary["regime_sentence"].as_str().unwrap().starts_with("Broke: η = 10 is "), "{summary}");
    let max = summary["max_lr"]["lr_max"].as_f64().unwrap();
    let edge = summary["stability_limit"]["lr"].as_f64().unwrap();
    assert!(max > edge && max < 10.0, "η_max {max}, 2/λ₀ {edge}");
    let advised = summary["advised_lr"].as_f64().unwrap();
    assert!(advised < max && advised > max / 3.0, "{summary}");
    let advice = summary["advice"].as_str().unwrap();
    assert!(advice.starts_with(&format!("Try η = {}, about half of η_max", batchlab_trainer::outcome::fmt_lr(advised))));
    assert!(summary["max_lr_sentence"].as_str().unwrap().starts_with("η_max at B 32 measured "), "{summary}");
    // A run that finished well needs no advice, and the CLI spends no probes on it.
    let out = batchlab(&["run", "--lr", "0.1", "--epochs", "2", "--noise-scale-every", "off"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((summary["status"].as_str(), summary["regime"].as_str()), (Some("finished"), Some("stable")));
    assert!(summary["advice"].is_null() && summary["max_lr"].is_null(), "{summary}");
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
    let dir = Scratch::new("sweep");
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
    assert_eq!(
        lines.next(),
        Some("bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 * 3 * 2);
    assert!(rows.iter().filter(|r| r.contains(",1000,")).all(|r| r.contains(",diverged,")));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let best: Vec<&str> = stdout.lines().skip(1).map(|l| l.split(',').next().unwrap_or_default()).collect();
    assert_eq!(best, ["16", "64"], "{stdout}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("diverged"));
}

#[test]
fn lr_find_prints_the_curve_and_a_suggestion() {
    let out = batchlab(&["lr-find", "--bs", "32", "--steps", "200"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("lr,loss,smoothed_loss\n"));
    assert!(stdout.lines().count() > 50);
    assert!(String::from_utf8_lossy(&out.stderr).contains("suggested η"));
    let bad = batchlab(&["lr-find", "--end-lr", "1e9"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--end-lr"));
}

/// The extreme cases of the "one source of truth" issue, each labelled by what its losses did.
#[test]
fn extreme_runs_get_honest_outcomes() {
    let summary = |args: &[&str]| -> serde_json::Value {
        let out = batchlab(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // One step at η = 1000 on a deep, wide network: the loss explodes on the last (only) step.
    let blow_up = summary(&[
        "run",
        "--dataset",
        "moons",
        "--n",
        "20",
        "--bs",
        "full",
        "--steps",
        "1",
        "--epochs",
        "1",
        "--lr",
        "1e3",
        "--hidden",
        "256,256,256,256,256,256",
    ]);
    assert_eq!(blow_up["status"], "diverged", "{blow_up}");
    assert_eq!(blow_up["diverged_at_step"], 1);
    // At B = 1 a healthy run (its loss halves) is not called diverged by minibatch noise.
    let healthy = summary(&["run", "--dataset", "moons", "--bs", "1", "--epochs", "2", "--lr", "0.03", "--seed", "7"]);
    assert_eq!(healthy["status"], "finished", "{healthy}");
    assert!(healthy["final_train_loss"].as_f64().unwrap() < 0.75 * healthy["initial_train_loss"].as_f64().unwrap());
    // A short full-batch run whose loss climbs is diverged, though its window never fills.
    let short = summary(&["run", "--bs", "1437", "--lr", "5", "--epochs", "10"]);
    assert_eq!(short["status"], "diverged", "{short}");
    assert!(short["diverged_at_step"].as_u64().unwrap() <= 10);
    assert!(short["stability_limit"]["lr"].as_f64().unwrap() > 0.0, "{short}");
}

#[test]
fn settings_are_refused_alike_everywhere() {
    for args in [
        &["run", "--bs", "4294967296"][..],
        &["run", "--model", "linear", "--hidden", "64"],
        &["run", "--optimizer", "sgd", "--momentum", "0.5"],
        &["run", "--gamma", "0.5"],
    ] {
        let out = batchlab(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--"), "{args:?}: the message names the flag: {err}");
    }
    // A step budget past a growing batch's epochs trains instead of panicking.
    let out = batchlab(&["lr-find", "--bs", "8", "--bs-growth", "1x2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_settings_table_prints_every_key() {
    let out = batchlab(&["settings"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for s in batchlab_trainer::settings::SETTINGS {
        assert!(text.contains(&format!("`{}` / `--{}`", s.key, s.flag())), "{}", s.key);
    }
}

/// A sweep split into shards and merged back equals the sweep run whole, bit for bit; shards of
/// another grid are refused with a clear message.
#[test]
fn sharded_sweeps_merge_into_the_whole_sweep() {
    let root = Scratch::new("shards");
    let dir = |name: &str| root.join(name).to_str().unwrap().to_owned();
    let sweep = |extra: &[&str], out: &str| {
        let mut args = vec![
            "sweep",
            "--dataset",
            "moons",
            "--epochs",
            "3",
            "--bs",
            "8,full",
            "--lr",
            "0.1,0.3,1",
            "--seeds",
            "1,2",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let out = batchlab(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let whole_best = sweep(&[], &dir("whole"));
    for i in 1..=3 {
        sweep(&["--shard", &format!("{i}/3")], &dir(&format!("part{i}")));
    }
    let merged = batchlab(&["merge", &dir("part3"), &dir("part1"), &dir("part2"), "--out", &dir("merged")]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let read = |name: &str| std::fs::read(root.join(name).join("sweep.csv")).unwrap();
    assert_eq!(read("merged"), read("whole"), "merged shards equal the whole sweep bit for bit");
    assert_eq!(merged.stdout, whole_best, "and give the same best η per batch size");

    sweep(&["--shard", "2/3", "--seed", "5"], &dir("other"));
    let refused = batchlab(&["merge", &dir("part1"), &dir("other"), &dir("part3")]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("different grid"), "{err}");
    let incomplete = batchlab(&["merge", &dir("part1"), &dir("part2")]);
    assert!(String::from_utf8_lossy(&incomplete.stderr).contains("shard 3/3 is missing"));
}

#[test]
fn a_csv_file_trains_as_on_the_page_and_a_bad_row_is_refused_naming_its_line() {
    let dir = Scratch::new("csv");
    let rows = (0..60).map(|i| format!("{},{},{},{}\n", i % 7, ["a", "b", "c"][i % 3], (i * 3) % 5, i % 3));
    let text = format!("width,species,height,depth\n{}", rows.collect::<Vec<_>>().concat());
    let (first, second) = (dir.join("mine.csv"), dir.join("copy.csv"));
    std::fs::write(&first, &text).unwrap();
    std::fs::write(&second, &text).unwrap();
    let run = |path: &std::path::Path| {
        let weights = dir.join("weights.json");
        let args = [
            "run",
            "--dataset",
            path.to_str().unwrap(),
            "--label",
            "species",
            "--epochs",
            "4",
            "--bs",
            "8",
            "--hidden",
            "8",
        ];
        let out = batchlab(&[&args[..], &["--save-weights", weights.to_str().unwrap()]].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("60 rows, 3 features, 3 classes of species (a 20, b 20, c 20)"));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let weights: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(weights).unwrap()).unwrap();
        (summary["digest"].clone(), weights["settings"]["dataset"].clone())
    };
    let (digest, dataset) = run(&first);
    assert!(dataset.as_str().unwrap().starts_with("csv:60x3x3:"), "{dataset}");
    assert_eq!(run(&second), (digest, dataset), "the same numbers train the same run, whatever the file's name");
    // A missing value names its line; an unknown label column names the columns.
    std::fs::write(&first, text.replace("\n4,b,2,1\n", "\n4,b,,1\n")).unwrap();
    let out = batchlab(&["run", "--dataset", first.to_str().unwrap(), "--label", "species"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 6: height is missing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = batchlab(&["run", "--dataset", second.to_str().unwrap(), "--label", "colour"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such column (width, species, height, depth)"));
}

#[test]
fn an_interrupted_sweep_leaves_its_cells_so_far_marked_partial_and_never_an_earlier_sweeps_files() {
    let dir = Scratch::new("interrupted");
    // An earlier sweep's results, and an earlier run's, under the names the new commands will use.
    std::fs::write(dir.join("sweep.csv"), "bs,lr\nEARLIER,0\n").unwrap();
    std::fs::write(dir.join("metrics.csv"), "an earlier run\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args(["sweep", "--bs", "1,2,4,8", "--lr", "0.01,0.1", "--epochs", "3", "--jobs", "1", "--out"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Interrupted (killed outright, as a closed laptop would) once a cell is written.
    let csv = loop {
        let text = std::fs::read_to_string(dir.join("sweep.csv")).unwrap_or_default();
        if text.lines().count() >= 3 || child.try_wait().unwrap().is_some() {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().ok();
    child.wait().unwrap();
    assert!(csv.starts_with("# partial: "), "{csv}");
    assert!(!csv.contains("EARLIER"), "the earlier sweep's rows are gone");
    let merged = batchlab(&["merge", dir.to_str().unwrap()]);
    assert!(!merged.status.success());
    let stderr = String::from_utf8_lossy(&merged.stderr);
    assert!(
        stderr.contains("this shard's sweep did not finish (its first line: ") && stderr.contains(" of 8 cells done"),
        "{stderr}"
    );
    // A run with --out removes the earlier run's files before it trains: killed at once, none is left.
    let mut run = Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args(["run", "--bs", "1", "--epochs", "100", "--out"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while dir.join("metrics.csv").exists() && run.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.kill().ok();
    run.wait().unwrap();
    assert!(!dir.join("metrics.csv").exists(), "no earlier run's metrics under this run's name");
}

/// A fresh folder under the system's temporary one, for one test, removed when the test ends, passed
/// or failed (dropped while a failed assertion unwinds).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("batchlab-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// The settings of a run that takes no time.
const QUICK: [&str; 6] = ["--dataset", "moons", "--epochs", "1", "--bs", "full"];

/// `batchlab sweep` of one epoch on moons, with `args`.
fn sweep_moons(args: &[&str]) -> std::process::Output {
    batchlab(&[&["sweep", "--dataset", "moons", "--epochs", "1"], args].concat())
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A negative number reaches the settings' checks, which name the setting and its range, instead of
/// reading as an unknown flag; a flag where a value should be is still named as missing its value.
#[test]
fn a_negative_value_says_what_is_wrong() {
    for (args, says) in [
        (&["run", "--lr", "-1"][..], "lr = \"-1\": expected a number from 1e-8 to 10000 (--lr)"),
        (&["run", "--lr", "-1e-3"], "lr = \"-1e-3\""),
        (&["run", "--lr", "-inf"], "lr = \"-inf\""),
        (&["run", "--epochs", "-5"], "epochs = \"-5\""),
        (&["sweep", "--bs", "-8,16"], "bs = \"-8\""),
        (&["lr-find", "--end-lr", "-10"], "end_lr = \"-10\""),
        (&["sweep", "--lr", "-0.1"], "lr = \"-0.1\""),
        (&["sweep", "--seeds", "-1"], "seed = \"-1\""),
        (&["sweep", "--target", "-0.5"], "--target is a validation accuracy from 0 to 1 (got -0.5)"),
        (&["sweep", "--jobs", "-2"], "invalid value '-2' for '--jobs <JOBS>'"),
        (&["sweep", "--shard", "-1/3"], "expected i/n with 1 ≤ i ≤ n"),
        (&["run", "--lr", "--bs", "8"], "a value is required for '--lr <VALUE>'"),
    ] {
        let out = batchlab(args);
        let err = stderr_of(&out);
        assert!(!out.status.success() && err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
}

/// A ramp that falls is no range test: refused naming both ends. The suggestion keeps three
/// significant digits however small.
#[test]
fn lr_find_refuses_a_falling_ramp_and_never_rounds_its_suggestion_to_zero() {
    let out = batchlab(&["lr-find", "--lr", "10", "--end-lr", "1e-4"]);
    let err = stderr_of(&out);
    assert!(
        out.status.code() == Some(2) && err.contains("end_lr must be above lr") && err.contains("--end-lr"),
        "{err}"
    );
    let out = batchlab(&[
        "lr-find",
        "--lr",
        "1e-8",
        "--end-lr",
        "1e-6",
        "--steps",
        "30",
        "--sharpness-every",
        "off",
        "--noise-scale-every",
        "off",
    ]);
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    let line = err.lines().find(|l| l.starts_with("suggested η: ")).unwrap_or_default();
    let eta: f64 = line.trim_start_matches("suggested η: ").parse().unwrap_or(0.0);
    assert!((1e-8..=1e-6).contains(&eta) && line.contains('e'), "{line}");
}

/// `--svg`, `--save-weights` and `--out` never replace what is not a regular file — a named pipe, a
/// symbolic link, a folder (and so not a device, which as root was deleted): refused before training,
/// naming the path and what it is, and left as it was.
#[test]
fn outputs_that_are_not_regular_files_are_refused_and_left_alone() {
    let dir = Scratch::new("not-files");
    let target = dir.join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.join("link.svg");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let folder = dir.join("folder.svg");
    std::fs::create_dir(&folder).unwrap();
    let fifo = dir.join("pipe.svg");
    let fifo_made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::os::unix::fs::symlink(&target, out_dir.join("summary.json")).unwrap();
    let mut cases: Vec<(Vec<String>, String)> = vec![
        (vec!["run".into(), "--svg".into(), link.display().to_string()], "is a symbolic link".into()),
        (vec!["run".into(), "--save-weights".into(), link.display().to_string()], "is a symbolic link".into()),
        (vec!["run".into(), "--svg".into(), folder.display().to_string()], "is a folder".into()),
        (vec!["run".into(), "--out".into(), target.display().to_string()], "not a folder".into()),
        (vec!["run".into(), "--out".into(), out_dir.display().to_string()], "summary.json is a symbolic link".into()),
        (vec!["sweep".into(), "--svg".into(), link.display().to_string()], "is a symbolic link".into()),
        (
            vec!["lr-find".into(), "--steps".into(), "10".into(), "--svg".into(), folder.display().to_string()],
            "is a folder".into(),
        ),
    ];
    if fifo_made {
        cases.push((vec!["run".into(), "--svg".into(), fifo.display().to_string()], "is a named pipe".into()));
    } else {
        eprintln!("mkfifo is not available: the named-pipe case is skipped");
    }
    for (args, says) in cases {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        if all[0] != "lr-find" {
            all.extend(QUICK);
        }
        let out = batchlab(&all);
        let err = stderr_of(&out);
        assert!(out.status.code() == Some(2) && err.contains(&says), "{all:?}: {err}");
        assert!(out.stdout.is_empty(), "{all:?}: nothing trained");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::symlink_metadata(out_dir.join("summary.json")).unwrap().file_type().is_symlink());
    assert!(folder.is_dir());
    if fifo_made {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
}

/// Results reach the screen before any file is written, so a write that fails (a full disk, a folder
/// that is gone) loses no result; the error names the file asked for, never the part file it is
/// written through.
#[test]
fn results_are_printed_before_the_files_and_a_failed_write_names_its_file() {
    let dir = Scratch::new("failed-write");
    let gone = dir.join("gone").join("loss.svg");
    let out =
        batchlab(&[&["run"], &QUICK[..], &["--out", dir.to_str().unwrap(), "--svg", gone.to_str().unwrap()]].concat());
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the summary was printed");
    assert_eq!(summary["status"], "finished");
    assert!(err.contains(&format!("could not write {}", gone.display())) && !err.contains(".part"), "{err}");
    assert!(dir.join("summary.json").exists(), "the other files were written");
    let out =
        sweep_moons(&["--bs", "8,16", "--lr", "0.1", "--svg", dir.join("gone").join("heatmap.svg").to_str().unwrap()]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("batch_size,best_lr,mean_final_train_loss\n8,0.1,"), "the best η per B: {stdout}");
    assert!(err.contains("heatmap.svg") && !err.contains(".part"), "{err}");
}

/// A cell is in sweep.csv before the terminal hears of it: a sweep killed after printing a cell
/// never lost that cell.
#[test]
fn a_sweep_writes_a_cells_row_before_it_says_so() {
    use std::io::BufRead;
    let dir = Scratch::new("row-first");
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchlab"))
        .args([
            "sweep",
            "--dataset",
            "moons",
            "--epochs",
            "2",
            "--bs",
            "4,8,16",
            "--lr",
            "0.1,0.3",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = 0;
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        if line.unwrap().starts_with("B = ") {
            said += 1;
            let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
            let rows = csv.lines().filter(|l| !l.starts_with('#')).count().saturating_sub(1);
            assert!(rows >= said, "{said} cells said, {rows} in sweep.csv:\n{csv}");
        }
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(said, 6);
}

/// `merge` reads every file whole and checked, with nothing sized by what a file states: a shard count
/// of 2^64 − 1, a grid of 1000 × 1000 × 100, an endless file, a digest cut short or not hexadecimal, a
/// renamed column — each refused, naming the file and what is wrong, never an abort.
#[test]
fn merge_refuses_what_a_damaged_shard_states_naming_it() {
    let dir = Scratch::new("damaged-shard");
    let shard = |i: usize| dir.join(format!("part{i}"));
    for i in 1..=2 {
        let out = sweep_moons(&[
            "--bs",
            "8,16",
            "--lr",
            "0.1,0.3",
            "--shard",
            &format!("{i}/2"),
            "--out",
            shard(i).to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let (json, csv) = (shard(1).join("sweep.json"), shard(1).join("sweep.csv"));
    let (json_text, csv_text) = (std::fs::read_to_string(&json).unwrap(), std::fs::read_to_string(&csv).unwrap());
    let merge = || stderr_of(&batchlab(&["merge", shard(1).to_str().unwrap(), shard(2).to_str().unwrap()]));
    let mut value: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    // Shard counts of 2^64 − 1, in both files.
    for i in 1..=2 {
        let path = shard(i).join("sweep.json");
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["shard"]["count"] = serde_json::json!(u64::MAX);
        std::fs::write(&path, v.to_string()).unwrap();
    }
    let out = batchlab(&["merge", shard(1).to_str().unwrap(), shard(2).to_str().unwrap()]);
    let err = stderr_of(&out);
    assert!(out.status.code() == Some(2) && err.contains(&format!("shard 1/{} holds", u64::MAX)), "{err}");
    std::fs::write(shard(2).join("sweep.json"), json_text.replace("\"index\": 1", "\"index\": 2")).unwrap();
    // A grid of 1000 × 1000 × 100.
    value["grid"]["batch_sizes"] = (1..=1000).map(|b| serde_json::json!({ "Examples": b })).collect();
    value["grid"]["lrs"] = (1..=1000).map(|k| serde_json::json!(f64::from(k) * 1e-3)).collect();
    value["grid"]["seeds"] = (1..=100).map(|s| serde_json::json!(s)).collect();
    std::fs::write(&json, value.to_string()).unwrap();
    let err = merge();
    assert!(err.contains("sweep.json") && err.contains("is 100000000 runs; a sweep has at most"), "{err}");
    std::fs::write(&json, &json_text).unwrap();
    // The sweep.csv, damaged.
    let cut = &csv_text[..csv_text.trim_end().len() - 2];
    let last = csv_text.lines().count();
    let non_hex = {
        let mut lines: Vec<String> = csv_text.lines().map(str::to_owned).collect();
        lines[1].pop();
        lines[1].push('g');
        lines.join("\n") + "\n"
    };
    for (text, says) in [
        (cut.to_owned(), format!("line {last}: digest is “")),
        (non_hex, "line 2: digest is “".to_owned()),
        (
            csv_text.replace("steps_to_target", "steps_to_targetX"),
            "line 1: “steps_to_targetX” is not a column".to_owned(),
        ),
    ] {
        std::fs::write(&csv, &text).unwrap();
        let err = merge();
        assert!(err.contains("part1: sweep.csv, ") && err.contains(&says), "{says}: {err}");
    }
    // An endless file.
    std::fs::remove_file(&csv).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &csv).unwrap();
    let err = merge();
    assert!(err.contains(&format!("more than {} bytes", batchlab_trainer::sweep::MAX_FILE_BYTES)), "{err}");
}

/// The trainer's test files (one for each way a spreadsheet writes CSV).
fn test_files() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../trainer/tests/data");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// `--dataset FILE.csv` is the page's reader: each test file is read (or refused) as the trainer reads
/// it, and the CLI says how it read it.
#[test]
fn each_test_file_is_read_as_the_page_reads_it_and_says_how() {
    use batchlab_trainer::data::CsvFile;
    let files = test_files();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let file = CsvFile::read(name, &std::fs::read(&path).unwrap()).unwrap();
        let choice = file.choice(None);
        let quick = ["--epochs", "1", "--hidden", "4", "--sharpness-every", "off", "--noise-scale-every", "off"];
        let out = batchlab(&[&["run", "--dataset", path.to_str().unwrap()][..], &quick].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        match file.table(&choice) {
            Ok(t) => {
                assert!(out.status.success(), "{name}: {stderr}");
                assert!(stderr.contains(&t.summary()) && stderr.contains(&file.reading(&choice)), "{name}: {stderr}");
                let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(summary["status"], "finished", "{name}");
            }
            Err(e) => assert!(!out.status.success() && stderr.contains(&e.to_string()), "{name}: {e} / {stderr}"),
        }
    }
}

#[test]
fn columns_are_left_out_by_name_or_number_and_a_wrong_one_is_named() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../trainer/tests/data/comment-column.csv");
    let run = |more: &[&str]| {
        let args = [&["run", "--dataset", path.to_str().unwrap(), "--epochs", "1", "--hidden", "4"][..], more].concat();
        let out = batchlab(&args);
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, stderr) = run(&["--drop", "comment, sepal_width", "--drop", "1"]);
    assert!(ok && stderr.contains("12 rows, 1 features, 3 classes of species"), "{stderr}");
    assert!(stderr.contains("left out: comment, sepal_width, sepal_length."), "{stderr}");
    let (ok, stderr) = run(&["--drop", "species"]);
    assert!(!ok && stderr.contains("--drop species: that is the label column"), "{stderr}");
    let (ok, stderr) = run(&["--drop", "colour,1"]);
    assert!(!ok && stderr.contains("--drop colour: comment-column.csv has no such column (sepal_length, "), "{stderr}");
    let (ok, stderr) = run(&["--label", "comment"]);
    assert!(!ok && stderr.contains("the label (comment) is missing"), "{stderr}");
    let out = batchlab(&["run", "--dataset", "moons", "--drop", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--label and --drop go with --dataset FILE.csv"));
}

/// A device is read no further than the limit, whatever length it reports (0 for /dev/zero).
#[test]
fn a_device_is_read_no_further_than_the_limit() {
    let out = batchlab(&["run", "--dataset", "/dev/zero"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("is more than 8388608 bytes, the most that is read"), "{stderr}");
}

/// Names from a file reach the terminal escaped and shortened: they can neither drive it (ESC, BEL)
/// nor reverse what it shows (U+202E).
#[test]
fn names_from_a_file_cannot_drive_the_terminal() {
    let dir = Scratch::new("hostile");
    let long = "w".repeat(100);
    let classes = ["\u{1b}]0;owned\u{7}", "\u{202e}evil", "\u{1b}[2J"];
    let rows = (0..12).map(|i| format!("{i}.5,\"{}\"\n", classes[i % 3])).collect::<Vec<_>>().concat();
    let path = dir.join("hostile.csv");
    std::fs::write(&path, format!("{long},label\n{rows}")).unwrap();
    let out = batchlab(&["run", "--dataset", path.to_str().unwrap(), "--epochs", "1", "--hidden", "4"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{stderr:?}");
    assert!(stderr.contains("\\u{1b}]0;owned\\u{7}") && stderr.contains("\\u{202e}evil"), "{stderr}");
    let out = batchlab(&["run", "--dataset", path.to_str().unwrap(), "--label", "\u{1b}[2J"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("--label \\u{{1b}}[2J: hostile.csv has no such column ({}…, label)", "w".repeat(60))),
        "{stderr}"
    );
}

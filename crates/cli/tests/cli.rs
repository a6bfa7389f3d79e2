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
    let dir = std::env::temp_dir().join(format!("batchlab-bad-shard-{}", std::process::id()));
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
    assert_eq!(
        lines.next(),
        Some("step,epoch,examples,lr,batch_size,train_loss,val_loss,val_acc,sharpness,noise_scale,grad_norm")
    );
    assert_eq!(lines.count(), 4, "initial point + one per full-batch step");
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
    std::fs::remove_dir_all(dir).ok();
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
    let root = std::env::temp_dir().join(format!("batchlab-shards-{}", std::process::id()));
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
    std::fs::remove_dir_all(root).ok();
}

#[test]
fn a_csv_file_trains_as_on_the_page_and_a_bad_row_is_refused_naming_its_line() {
    let dir = std::env::temp_dir().join(format!("batchlab-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_interrupted_sweep_leaves_its_cells_so_far_marked_partial_and_never_an_earlier_sweeps_files() {
    let dir = std::env::temp_dir().join(format!("batchlab-interrupted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    assert!(String::from_utf8_lossy(&merged.stderr).contains("this shard's sweep did not finish (# partial:"));
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
    std::fs::remove_dir_all(dir).ok();
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
    let dir = std::env::temp_dir().join(format!("batchlab-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    std::fs::remove_dir_all(dir).ok();
}

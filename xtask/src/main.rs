//! `cargo xtask serve | test | dist | bench | science` — the two-command workflow, benchmarks and experiments.
//!
//! Installs what is missing (wasm32 target, pinned Trunk, wasm-bindgen-cli and wasm-opt, and for
//! tests Chromium + chromedriver from the system packages) so a fresh machine needs nothing by hand.

mod bench;
mod csp;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs a command in the workspace root, echoing it; fails with its exit status.
fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: $ {cmd:?}");
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// Runs a command and returns its standard output.
fn output(cmd: &mut Command) -> Result<String> {
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Where the site's release build keeps its artifacts: a target directory of its own, so that it
/// never waits on the lock of `target/`, where the native and wasm32 checks and tests build.
const SITE_TARGET_DIR: &str = "target/site";

/// Trunk's release build of the site into dist/, as a command to run or to spawn.
fn trunk_build(path: &str) -> Command {
    let mut trunk = Command::new("trunk");
    trunk.current_dir(root()).env("PATH", path).env("CARGO_TARGET_DIR", root().join(SITE_TARGET_DIR));
    trunk.args(["build", "--release"]);
    trunk
}

/// The site built into dist/, then its policy and its loader as a file (`csp.rs`).
fn build_site(path: &str) -> Result {
    run(&mut trunk_build(path))?;
    csp::add(&root().join("dist"))
}

fn dist() -> Result {
    let path = tools::ensure_build_tools()?;
    run(cargo().args(["fetch"]))?;
    build_site(&path)?;
    eprintln!("xtask: the site is in {}", root().join("dist").display());
    Ok(())
}

fn serve() -> Result {
    let path = tools::ensure_build_tools()?;
    run(cargo().args(["fetch"]))?;
    eprintln!("xtask: BatchLab will be at http://127.0.0.1:8080/ (Ctrl-C to stop)");
    run(Command::new("trunk")
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", root().join(SITE_TARGET_DIR))
        .args(["serve", "--release"]))
}

/// Crates of the browser.
const WEB_CRATES: &[&str] = &["web-sys", "wasm-bindgen", "js-sys", "leptos", "plotters-canvas", "gloo"];
/// Crates of the page's UI.
const UI_CRATES: &[&str] = &["leptos", "tachys", "reactive_graph", "plotters-canvas"];

/// Each layer and what its dependency tree must not hold: the trainer core and the lab build
/// without a browser; the worker builds without the UI.
const LAYERS: &[(&str, &[&str], &str)] = &[
    ("batchlab-trainer", WEB_CRATES, "browser"),
    ("batchlab-lab", WEB_CRATES, "browser"),
    ("batchlab-worker", UI_CRATES, "UI"),
];

fn check_core_purity() -> Result {
    for (package, forbidden, what) in LAYERS {
        let tree =
            output(cargo().args(["tree", "-p", package, "-e", "normal", "--target", "all", "--prefix", "none"]))?;
        let bad: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| forbidden.iter().any(|w| name.starts_with(w)))
            .collect();
        if !bad.is_empty() {
            return Err(format!("{package} depends on {what} crates: {bad:?}"));
        }
        eprintln!("xtask: {package} depends on no {what} crate");
    }
    // matrixmultiply's `std` picks kernels at run time, fused multiply-adds among them, for every
    // crate of a build that turns it on (nalgebra's `std` did): native bits would then differ.
    let features = output(cargo().args(["tree", "--workspace", "-e", "features", "-i", "matrixmultiply"]))?;
    if features.contains("matrixmultiply feature \"std\"") {
        return Err(format!("a crate turns on matrixmultiply's `std` (run-time FMA kernels):\n{features}"));
    }
    eprintln!("xtask: no crate turns on matrixmultiply's run-time kernel choice");
    Ok(())
}

/// The run the browser test repeats to compare fingerprints with a native run.
const FINGERPRINT_ARGS: &[(&str, &str)] = &[
    ("bs", "64"),
    ("lr", "0.2"),
    ("epochs", "2"),
    ("schedule", "cosine"),
    ("warmup", "0.5"),
    ("optimizer", "momentum"),
    ("momentum", "0.9"),
    ("seed", "7"),
];

fn native_fingerprint() -> Result<String> {
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "-p", "batchlab-cli", "--", "run"]);
    for (k, v) in FINGERPRINT_ARGS {
        // A CLI flag is the link's key with `_` written as `-`.
        cmd.arg(format!("--{}", k.replace('_', "-"))).arg(v);
    }
    let json = output(&mut cmd)?;
    let summary: serde_json::Value = serde_json::from_str(&json).map_err(|e| format!("the CLI's summary: {e}"))?;
    summary["digest"].as_str().map(str::to_owned).ok_or_else(|| format!("no digest in {json}"))
}

fn test() -> Result {
    let path = tools::ensure_build_tools()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    // With the benchmark's feature, so that its code is linted too.
    let all =
        ["clippy", "--workspace", "--all-targets", "--features", "batchlab-trainer/bench", "--", "-D", "warnings"];
    run(cargo().args(all))?;
    let wasm = ["clippy", "-p", "batchlab", "-p", "batchlab-worker", "--target", "wasm32-unknown-unknown"];
    run(cargo().args(wasm).args(["--", "-D", "warnings"]))?;
    // The site's release build ends in one long single-threaded link (fat LTO, one codegen unit),
    // and the native tests have long single-threaded stretches: side by side, the two cores stay
    // busy. Its output goes to a file, shown when it ends, so the two logs do not interleave.
    run(cargo().args(["fetch"]))?;
    let site = Site::spawn(&path)?;
    let tests = run(cargo().args(["test", "--workspace"]));
    // Trunk's own cargo would outlive Trunk if it were killed: on a failure the build ends first.
    let site = site.wait();
    tests?;
    site?;
    check_core_purity()?;
    let fingerprint = native_fingerprint()?;
    tools::ensure_browser()?;
    let e2e = root().join("tests/e2e");
    tools::npm_install(&e2e)?;
    let query: Vec<String> = FINGERPRINT_ARGS.iter().map(|(k, v)| format!("{k}={v}")).collect();
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("BATCHLAB_DIST", root().join("dist"))
        .env("BATCHLAB_ARTIFACTS", root().join("target/e2e"))
        .env("BATCHLAB_FINGERPRINT_QUERY", query.join("&"))
        .env("BATCHLAB_NATIVE_FINGERPRINT", fingerprint))
}

/// The site's release build, running in the background with its output going to a log file.
struct Site {
    child: std::process::Child,
    log: PathBuf,
}

impl Site {
    fn spawn(path: &str) -> Result<Self> {
        let log = root().join("target/site-build.log");
        std::fs::create_dir_all(root().join("target")).map_err(|e| format!("target/: {e}"))?;
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
        let mut trunk = trunk_build(path);
        eprintln!("xtask: $ {trunk:?} > {} (beside the tests)", log.display());
        let child = trunk.stdout(file).stderr(err).spawn().map_err(|e| format!("{trunk:?}: {e}"))?;
        Ok(Self { child, log })
    }

    /// Waits for the build, shows its log, and adds the policy to the built site.
    fn wait(mut self) -> Result {
        let status = self.child.wait().map_err(|e| format!("trunk: {e}"))?;
        eprintln!("xtask: the site's build log ({}):", self.log.display());
        eprint!("{}", std::fs::read_to_string(&self.log).unwrap_or_default());
        if !status.success() {
            return Err(format!("trunk build --release failed ({status})"));
        }
        csp::add(&root().join("dist"))
    }
}

/// The experiments of science.md, slow ones included; writes docs/science/.
fn science() -> Result {
    run(cargo().args(["run", "--release", "-p", "batchlab-science", "--", "--out", "docs/science"]))
}

/// The property test of every outside input (`tests/inputs.rs`: links, form edits, run files, sweep
/// files, kept sessions, CSV files) with a million cases per property from a new seed, which it
/// prints so that a failure can be run again (`BATCHLAB_FUZZ_SEED=… cargo xtask fuzz`).
fn fuzz() -> Result {
    let cases = std::env::var("BATCHLAB_FUZZ_CASES").unwrap_or_else(|_| "1000000".to_owned());
    let seed = std::env::var("BATCHLAB_FUZZ_SEED").unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        (nanos % 1_000_000_007).to_string()
    });
    eprintln!("xtask: fuzzing every input reader, {cases} cases per property, seed {seed}");
    run(cargo()
        .args(["test", "--release", "-p", "batchlab", "--test", "inputs", "--", "--nocapture"])
        .env("BATCHLAB_FUZZ_CASES", &cases)
        .env("BATCHLAB_FUZZ_SEED", &seed))?;
    eprintln!(
        "xtask: {cases} cases for each property of tests/inputs.rs, seed {seed}: every input was read or refused"
    );
    Ok(())
}

/// Trains and redraws in headless Chromium for 30 minutes (`BATCHLAB_SOAK_MINUTES`), reporting the JS
/// heap at the start and the end (`tests/e2e/soak.mjs`).
fn soak() -> Result {
    dist()?;
    tools::ensure_browser()?;
    let e2e = root().join("tests/e2e");
    tools::npm_install(&e2e)?;
    run(Command::new("node")
        .arg("tests/e2e/soak.mjs")
        .env("BATCHLAB_DIST", root().join("dist"))
        .env("BATCHLAB_ARTIFACTS", root().join("target/e2e")))
}

/// The slow tier: the tests marked `#[ignore]` for their length (the extreme grid of 960 configs).
fn slow() -> Result {
    run(cargo().args(["test", "--release", "--workspace", "--", "--ignored", "--nocapture"]))
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "serve" => serve(),
        "test" => test(),
        "dist" => dist(),
        "bench" => bench::bench(),
        "science" => science(),
        "fuzz" => fuzz(),
        "slow" => slow(),
        "soak" => soak(),
        _ => Err("usage: cargo xtask serve | test | dist | bench | science | fuzz | slow | soak".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `batchlab-science [--out DIR] [IDS…]`: runs the experiments (all, or the named ones), prints a
//! line each, and writes DIR/<id>.svg and DIR/README.md. Exits non-zero if a check fails.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use batchlab_science::{e0, e1, e10, e3, e4, e6, e7, e8, e9, Report};
use plotters::prelude::{IntoDrawingArea, SVGBackend};

type Experiment = (&'static str, fn() -> Report);
const ALL: [Experiment; 9] = [
    ("E0", e0::run),
    ("E1", e1::run),
    ("E3", e3::run),
    ("E4", e4::run),
    ("E6", e6::run),
    ("E7", e7::run),
    ("E8", e8::run),
    ("E9", e9::run),
    ("E10", e10::run),
];

/// Where experiments are measured elsewhere, and why the failing ones fail.
const NOT_YET: &str = "## Notes\n\n\
- E2 (√B vs linear scaling, report only) and E5's steps/examples fit are measured inside E7 above.\n\
- E5's estimator: the two-batch estimate is checked against exact per-example gradients in the trainer's \
  tests (1000 pairs, B = 32 and 1024, at two checkpoints: within 20 %, measured within 4 %).\n\
- E6 runs on synthetic Gaussian data with feature variances 1/√j: with isotropic features the problem is so \
  well conditioned that after 100 steps every good η reaches the rounding floor and the best η is noise.\n\n\
## Where a check fails as written\n\n\
- E10: the claim itself holds — over the second half λ_max·η/2 stays within [0.98, 1.05] at η = 1.1 and \
  1.5 × 2/λ₀ — but after 3000 steps the loss is at 6.5 % and 5.2 % of its initial value, not below 5 %, \
  and at 2.2 × 2/λ₀ the run diverges. This network's initialisation (LeCun-normal for tanh, zero biases) \
  starts at λ₀ ≈ 28.5 where science.md's measured about 45, so the same multiples of 2/λ₀ are different \
  learning rates; the criterion was not retuned to pass.\n\
- E3: on this trainer the full-batch and B = 16 solutions reached at η = 0.03 have the same sharpness \
  (ratio ≈ 1.0, where science.md measured about 4.4). Both runs stop at the first step with 100 % training \
  accuracy, where their training losses are alike; the cause of the difference (stopping rule, \
  initialisation, or a property of this setup) is not yet known, and the criterion was not changed.\n";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.iter().position(|a| a == "--out") {
        Some(i) if i + 1 < args.len() => {
            let dir = PathBuf::from(args.remove(i + 1));
            args.remove(i);
            dir
        }
        Some(_) => {
            eprintln!("batchlab-science: --out needs a folder");
            return ExitCode::from(2);
        }
        None => PathBuf::from("docs/science"),
    };
    let chosen: Vec<&Experiment> =
        ALL.iter().filter(|(id, _)| args.is_empty() || args.iter().any(|a| a == id)).collect();
    if chosen.is_empty() {
        eprintln!("batchlab-science: no experiment named {args:?}; known: E0, E1, E3, E4, E6, E7, E8, E9, E10");
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("batchlab-science: creating {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let mut failed = false;
    for (id, run) in chosen {
        let t0 = Instant::now();
        let report = run();
        let secs = t0.elapsed().as_secs_f64();
        let verdict = match report.passed {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "report",
        };
        failed |= report.passed == Some(false);
        println!("{id} {verdict} ({secs:.1} s): {} — {}", report.title, report.measured);
        let name = id.to_lowercase();
        let svg = out.join(format!("{name}.svg"));
        let area = SVGBackend::new(&svg, (820, 440)).into_drawing_area();
        if let Err(e) = batchlab_chart::draw(&area, &report.figure).map(|()| area.present()) {
            eprintln!("batchlab-science: drawing {}: {e}", svg.display());
        }
        // One table row per experiment, kept beside its figure, so a partial run updates its own rows.
        let row = format!(
            "| [{id}]({name}.svg) {} | {verdict} | {} | {secs:.0} s |\n",
            report.title,
            report.measured.replace('|', "/")
        );
        if let Err(e) = std::fs::write(out.join(format!("{name}.row.md")), row) {
            eprintln!("batchlab-science: writing {name}.row.md: {e}");
        }
    }
    let mut table = String::from("| experiment | verdict | measured | time |\n| --- | --- | --- | --- |\n");
    for (id, _) in &ALL {
        if let Ok(row) = std::fs::read_to_string(out.join(format!("{}.row.md", id.to_lowercase()))) {
            table.push_str(&row);
        }
    }
    let readme = format!(
        "# Experiments\n\nWritten by `cargo xtask science` (the experiments of `science.md`, run on the project's own \
         trainer). Each figure is the SVG beside this file.\n\n{table}\n{NOT_YET}"
    );
    if let Err(e) = std::fs::write(out.join("README.md"), readme) {
        eprintln!("batchlab-science: writing README.md: {e}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

//! `batchlab-science [--out DIR] [IDS…]`: runs the experiments (all, or the named ones), prints a
//! line each, and writes DIR/<id>.svg and DIR/README.md. Exits non-zero if a check fails.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use batchlab_science::{e0, e1, e10, e11, e3, e4, e6, e7, e8, e9, Report};
use plotters::prelude::{IntoDrawingArea, SVGBackend};

type Experiment = (&'static str, fn() -> Report);
const ALL: [Experiment; 10] = [
    ("E0", e0::run),
    ("E1", e1::run),
    ("E3", e3::run),
    ("E4", e4::run),
    ("E6", e6::run),
    ("E7", e7::run),
    ("E8", e8::run),
    ("E9", e9::run),
    ("E10", e10::run),
    ("E11", e11::run),
];

/// Where experiments are measured elsewhere, and the rules every run's outcome follows.
const NOTES: &str = "## How a run's outcome is judged\n\n\
Every step's minibatch loss is judged, and at the end the loss on the whole training set and the validation \
accuracy — never the evaluation points between, so a run's label is the same however often it is evaluated \
(a test checks it at every step, every 10 and 100 steps and the automatic cadence). \
A run **diverged** at the step where the loss left its course if a loss is infinite or NaN, above 1000 × \
the initial loss, or if the example-weighted mean of the minibatch losses over a window of at least 20 steps \
and 256 examples is above 2 × the initial loss (a run shorter than the window is judged on the steps it has), \
or if the final loss on the whole training set is above 2 × the initial loss. The same mean over a short \
window of at least 4 steps and 128 examples above 2 × the initial loss (or 2 × the loss of predicting the \
class frequencies, when that is larger: a lucky start is no baseline) is a **blow-up**, marked where the loss \
left its course: a run with a blow-up that ends no better than it started, or at chance accuracy (within a \
tenth of the way from always answering the commonest class to perfect), **diverged** there; one that \
recovers is **unstable**. A run that never blew up but learned (its short mean fell below half the loss of \
predicting the class frequencies) and ended at chance with a loss above 0.8 × that loss collapsed: it \
**diverged**, marked where its loss climbed back. A run that never blew up and never learned **stalled** if \
its validation accuracy is at chance and its training loss is above 0.8 × the loss of predicting the class \
frequencies (η too small to move); one whose final loss on the whole training set is above its initial loss \
is **unstable**; otherwise it **finished**. The page, the CLI's summary, the sweep and its heatmap use these \
words.\n\n\
## Regimes: the edge and where runs break\n\n\
2/λ₀ (2(1 + β)/λ₀ with momentum) is where gradient descent on the start's quadratic first overshoots — \
not a cap. A run below it is **stable from the start**; a run above it whose loss jumped and that trained \
anyway **caught itself** (its final sharpness, read afresh at the end, is reported against 2/η); a run that \
diverged, or learned nothing above the edge, **broke**. Where runs break is η_max(B), measured by bisection \
of whole runs of the same settings that differ only in η (at most 10 epochs each, on a grid of rates \
1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k, starting at 0.1 for descent and 0.001 for Adam, so it depends on \
the settings alone), at most 12 probes and 2·10¹⁰ multiply-adds. E11 checks it against a sweep.\n\n\
## Notes\n\n\
- E2 (√B vs linear scaling, report only) and E5's steps/examples fit are measured inside E7 above.\n\
- E3 is reported, never asserted: Keskar et al.'s claim that large-batch solutions are sharper is contested \
  (Dinh et al. 2017), and on digits the full-batch solution is not sharper. Sharpness comes from exact \
  Hessian-vector products (the R-operator); a central difference counts ReLU kinks as curvature.\n\
- The live noise scale B_simple is exact, not a two-batch estimate: one pass over the training set (at most \
  4096 rows: all of every built-in set) gives the mean gradient and every example's squared gradient norm \
  ((‖a‖² + 1)‖δ‖² per dense layer). Against per-example gradients formed one at a time in f64 (full batch, \
  η 0.1, seed 1, step 300, where the old two-batch reading was 662 against 2091) it agrees to 1e-3; the old \
  estimator read 0.3–1.5 × the exact value.\n\
- Automatic diagnostics follow a cost model in multiply-adds, never the clock: after the reading at the \
  start (the run's stability limit; taken when it costs at most the run's own work or at most 2 G \
  multiply-adds), a diagnostic is read again at an evaluation point while its readings cost at most a fifth \
  of the run's own work (updates and evaluations). A converged sharpness reading on the \
  1437 digits rows takes about 5–12 Hessian-vector products (about 50 M multiply-adds each), so a 10-epoch \
  digits run at B = 32 (about 650 M multiply-adds of its own) affords only the reading at the start; set \
  `sharpness_every` for a denser curve.\n\
- The advice after a run that went wrong is half of η_max(B) when it was measured (the page measures it after \
  every run on screen, the CLI after a run that went wrong): E11 measures it against the sweep's best η, and a \
  property test follows it on 128 sampled runs that went wrong (data, model, activation, loss, optimiser, β, \
  B, η from 1 to 1000): none diverges or blows up. Without η_max (a fork) it stays below 1/λ₀ (for the \
  effective rate η/(1 − β) with momentum): at the edge 2/λ₀ itself a small batch diverged (tanh, B 4), and \
  the full-batch edge of heavy-ball momentum 2(1 + β)/λ₀ diverged in 3 of 3 seeds (tanh, β 0.9, B 32).\n\
- The LR range test's suggestion (where the smoothed loss fell fastest on a 300-step ramp from 1e-4 to 10) \
  is 1.79 / 1.42 / 1.01 / 0.97 × the stability edge 2/λ₀ = 0.277 at B 8 / 32 / 128 / 512 on digits, while \
  the best η of a 10-epoch sweep (12 rates from 0.02 to 4) is 0.58 / 0.94 / 0.94 / 1.5: it tracks the \
  edge, not the best η for a budget, and the page says so.\n\
- E6 runs on synthetic Gaussian data with feature variances 1/√j: with isotropic features the problem is so \
  well conditioned that after 100 steps every good η reaches the rounding floor and the best η is noise.\n\
- The live sharpness is read by Lanczos on exact Hessian-vector products, warm-started from the previous \
  reading's vector and run until its Ritz residual ‖Hv − λv‖ is below 1e-3 λ. It is checked against an exact \
  eigen-solve (linear MSE), a dense float64 Hessian where the top eigenvalues are close (softmax regression \
  on digits, full batch, η 0.1, seed 3, step 40, where 20 power iterations read 3 % low), the dense Hessian of \
  small ReLU and tanh networks (the products themselves), and an f64 reference on the digits MLP.\n";

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
        eprintln!("batchlab-science: no experiment named {args:?}; known: E0, E1, E3, E4, E6, E7, E8, E9, E10, E11");
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
        let drawn = batchlab_chart::draw(&area, &report.figure)
            .map_err(|e| e.to_string())
            .and_then(|_| area.present().map_err(|e| format!("{e:?}")));
        if let Err(e) = drawn {
            eprintln!("batchlab-science: drawing {}: {e}", svg.display());
            failed = true;
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
         trainer). Each figure is the SVG beside this file.\n\n{table}\n{NOTES}"
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

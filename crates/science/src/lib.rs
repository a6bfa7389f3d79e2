//! The experiments of `science.md`, each a function that runs it, checks its pass criterion and
//! returns a [`Report`] with a figure. Fast ones also run as tests; `cargo xtask science` runs them
//! all and writes `docs/science/`.

// Experiments run fixed, valid configs on the shipped data: an `expect` there marks an invariant,
// and a broken one should stop the experiment loudly rather than be reported as a result.
#![allow(clippy::missing_panics_doc)]

pub mod e0;
pub mod e1;
pub mod e10;
pub mod e11;
pub mod e3;
pub mod e4;
pub mod e6;
pub mod e7;
pub mod e8;
pub mod e9;

use batchlab_chart::LineChart;

/// What an experiment found.
#[derive(Clone, Debug)]
pub struct Report {
    pub id: &'static str,
    pub title: &'static str,
    /// `Some(true/false)` for a check with a pass criterion, `None` for "report, do not assert".
    pub passed: Option<bool>,
    /// The measured figures, in a sentence or two.
    pub measured: String,
    pub figure: LineChart,
}

/// Log-log slope of `ys` over `xs` by least squares.
pub fn log_log_slope(xs: &[f64], ys: &[f64]) -> f64 {
    let (lx, ly): (Vec<f64>, Vec<f64>) = xs.iter().zip(ys).map(|(x, y)| (x.ln(), y.ln())).unzip();
    let n = lx.len() as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let cov: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = lx.iter().map(|x| (x - mx) * (x - mx)).sum();
    cov / var
}

//! E11 — where η really breaks at each batch size. η_max(B), measured by the bisection of whole runs
//! that the page and the CLI use (`batchlab_trainer::edge`), against a sweep's first failing rate at
//! the same settings: on digits (the page's default sweep grid, 12 rates from 0.02 to 4) and on moons,
//! at B 8, 32, 128 and 512, seeds 1–3. Also checks the advice built on it — η_max/2 — against the
//! sweep's best η, and records 2/λ₀ beside both: the start's curvature edge is where the loss first
//! jumps, not where runs break.

use batchlab_chart::{LineChart, LineStyle, Series};
use batchlab_trainer::diagnostics::Cadence;
use batchlab_trainer::edge::{MaxLr, MaxLrSearch};
use batchlab_trainer::outcome::fmt_lr;
use batchlab_trainer::sweep::log_grid;
use batchlab_trainer::{BatchSize, RunConfig};
use plotters::style::RGBColor;

use crate::Report;

pub const BATCH_SIZES: [usize; 4] = [8, 32, 128, 512];
pub const SEEDS: [u32; 3] = [1, 2, 3];

/// One data set's measurement: its settings and the sweep's grid of rates.
pub struct Workload {
    pub name: &'static str,
    pub link: &'static [(&'static str, &'static str)],
    pub grid: Vec<f64>,
}

/// The two workloads: digits on the page's default grid; moons, whose curvature is far smaller, on a
/// grid as wide reaching higher.
pub fn workloads() -> [Workload; 2] {
    [
        Workload { name: "digits", link: &[], grid: log_grid(0.02, 4.0, 12) },
        Workload { name: "moons", link: &[("dataset", "moons")], grid: log_grid(0.2, 40.0, 12) },
    ]
}

/// What one (data set, B, seed) measured.
#[derive(Clone, Debug)]
pub struct Row {
    pub bs: usize,
    pub seed: u32,
    pub max_lr: MaxLr,
    /// 2/λ₀ at the start.
    pub edge: Option<f64>,
    /// The sweep's smallest rate that broke above one that trained, the rate below it (which trained),
    /// and its best rate by final training loss.
    pub first_fail: Option<f64>,
    pub last_ok: Option<f64>,
    pub best: Option<f64>,
    /// The largest ratio between neighbouring rates of the grid.
    pub grid_step: f64,
}

impl Row {
    /// Where runs break, as each tells it: the sweep between its last rate that trained and its first
    /// that broke, the search between η_max and the probe above it that broke. They agree when the two
    /// intervals are at most one grid step apart (on a log scale; overlapping is no gap at all).
    pub fn gap(&self) -> Option<f64> {
        let (max, broke) = (self.max_lr.lr_max?, self.max_lr.lr_broke?);
        let (ok, fail) = (self.last_ok?, self.first_fail?);
        Some((ok / broke).max(max / fail).max(1.0))
    }

    pub fn agrees(&self) -> bool {
        self.gap().is_some_and(|g| g <= self.grid_step * (1.0 + 1e-9))
    }

    /// The advice η_max/2 against the sweep's best η: the factor between them.
    pub fn advice_factor(&self) -> Option<f64> {
        let (advised, best) = (self.max_lr.advised_lr()?, self.best?);
        Some((advised / best).max(best / advised))
    }
}

fn base(link: &[(&str, &str)], bs: usize, seed: u32) -> RunConfig {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), [], "{link:?}");
    c.diagnostics.sharpness = Cadence::Off;
    c.diagnostics.noise_scale = Cadence::Off;
    c.batch_size = BatchSize::Examples(bs);
    c.seed = seed;
    c
}

/// The sweep's row at one (B, seed): each grid rate, whether its run trained, and its final training
/// loss.
fn sweep_row(config: &RunConfig, grid: &[f64]) -> Vec<(f64, bool, f64)> {
    grid.iter()
        .map(|&lr| {
            let mut t = RunConfig { lr, ..config.clone() }.init().expect("a valid config");
            t.run(&mut ());
            let s = t.summary().expect("an ended run has a summary");
            (lr, s.outcome.trained(), s.final_train_loss)
        })
        .collect()
}

/// Measures one workload at `batch_sizes` × `seeds`, on every core.
pub fn measure(w: &Workload, batch_sizes: &[usize], seeds: &[u32]) -> Vec<Row> {
    let jobs: Vec<(usize, u32)> = batch_sizes.iter().flat_map(|&b| seeds.iter().map(move |&s| (b, s))).collect();
    let grid_step = w.grid.windows(2).map(|p| p[1] / p[0]).fold(1.0, f64::max);
    let measure_one = |&(bs, seed): &(usize, u32)| {
        let config = base(w.link, bs, seed);
        let trainer = config.init().expect("a valid config");
        let edge = trainer.stability_limit().map(|l| l.lr);
        let max_lr = MaxLrSearch::new(&config, trainer.data().clone()).run();
        let row = sweep_row(&config, &w.grid);
        let first_trained = row.iter().position(|r| r.1);
        let fail_at = first_trained.and_then(|i| row[i..].iter().position(|r| !r.1).map(|j| i + j));
        let (first_fail, last_ok) = (fail_at.map(|i| row[i].0), fail_at.map(|i| row[i - 1].0));
        let best = row.iter().filter(|r| r.1).min_by(|a, b| a.2.total_cmp(&b.2)).map(|r| r.0);
        Row { bs, seed, max_lr, edge, first_fail, last_ok, best, grid_step }
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rows = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..std::thread::available_parallelism().map_or(1, usize::from) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let row = measure_one(job);
                rows.lock().expect("no panics while held").push(row);
            });
        }
    });
    let mut rows = rows.into_inner().expect("threads are done");
    rows.sort_by_key(|r| (r.bs, r.seed));
    rows
}

fn lr(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), fmt_lr)
}

/// One workload's rows in words.
pub fn describe(name: &str, rows: &[Row]) -> String {
    let each: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "B {} seed {}: η_max {} (broke {}, {} probes; advice {}), sweep trained {} and broke {}, 2/λ₀ {}, \
                 best {}",
                r.bs,
                r.seed,
                lr(r.max_lr.lr_max),
                lr(r.max_lr.lr_broke),
                r.max_lr.probes.len(),
                lr(r.max_lr.advised_lr()),
                lr(r.last_ok),
                lr(r.first_fail),
                lr(r.edge),
                lr(r.best)
            )
        })
        .collect();
    format!("{name}: {}", each.join("; "))
}

pub fn run() -> Report {
    let mut text = Vec::new();
    let mut series = Vec::new();
    let (mut agree, mut total, mut worst_advice) = (0, 0, 1.0_f64);
    for (i, w) in workloads().iter().enumerate() {
        let rows = measure(w, &BATCH_SIZES, &SEEDS);
        agree += rows.iter().filter(|r| r.agrees()).count();
        total += rows.len();
        worst_advice = rows.iter().filter_map(Row::advice_factor).fold(worst_advice, f64::max);
        if rows.iter().any(|r| r.advice_factor().is_none()) {
            worst_advice = f64::INFINITY;
        }
        text.push(describe(w.name, &rows));
        let seed1 = |f: fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
            rows.iter().filter(|r| r.seed == 1).filter_map(|r| Some(((r.bs as f64).log2(), f(r)?))).collect()
        };
        let colour = if i == 0 { RGBColor(37, 99, 235) } else { RGBColor(234, 88, 12) };
        series.push(Series {
            label: format!("{} η_max", w.name),
            color: colour,
            points: seed1(|r| r.max_lr.lr_max),
            ..Series::default()
        });
        series.push(Series {
            label: format!("{} first failing", w.name),
            color: colour,
            style: LineStyle::Dashed,
            points: seed1(|r| r.first_fail),
            ..Series::default()
        });
        series.push(Series {
            label: format!("{} 2/λ₀", w.name),
            color: RGBColor(148, 163, 184),
            points: seed1(|r| r.edge),
            ..Series::default()
        });
    }
    Report {
        id: "E11",
        title: "η_max(B) against the sweep's first failing η",
        passed: Some(agree == total && worst_advice <= 4.0),
        measured: format!(
            "{agree} of {total} (data set, B, seed): the search's η_max and the probe above it that broke lie within one \
             grid step of the sweep's last rate that trained and first that broke (E11: all); the advice (about η_max/2, \
             confirmed by a probe) is within ×{} of the sweep's best η at worst (E11: ≤ ×4). {}.",
            fmt_lr(worst_advice),
            text.join(". ")
        ),
        figure: LineChart {
            title: "η_max(B) (bisection), a sweep's first failing η (dashed) and 2/λ₀ (grey), seed 1".to_owned(),
            x_label: "log2 batch size".to_owned(),
            y_label: "η".to_owned(),
            log_y: true,
            series,
            ..LineChart::default()
        },
    }
}

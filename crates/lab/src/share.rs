//! A whole session in a link: every run on the page (its settings as differences from the form's,
//! its seed, whether it is a fork or another seed of an earlier run, whether it is shown), and the
//! charts' view. Opening the link replays the runs, which reproduce their curves bit for bit.
//!
//! A run is one `run=` pair, its items separated by `;`: `bs:32;lr:0.001` (settings that differ from
//! the form's), `seed-of:1` (another seed of run 1, drawn with it as an ensemble), `fork:1@300`
//! (continues run 1 from step 300), `fork:@300;parent-lr:0.1` (continues a run that is not in the link
//! — removed, or read from a file — whose settings differ from this one's by its `parent-` items),
//! `hidden`, `range` (an LR range test). Runs count from 1.
//!
//! The open sweep is one `sweep=` pair: `batches:8,32;rates:0.02..4x12;seeds:1;target:0.9`, then its
//! base settings as differences from the form's; `shard=3/30` runs only that shard of it (a class
//! splits one sweep, and merges the students' files).

use batchlab_chart::XAxis;
use batchlab_trainer::settings::SETTINGS;
use batchlab_trainer::sweep::{log_grid, Grid, Shard};
use batchlab_trainer::{BatchSize, RunConfig};

use crate::protocol::ForkFrom;

/// A query longer than this goes into the address bar's fragment instead: some servers refuse
/// longer request lines, while the fragment never leaves the browser.
pub const MAX_QUERY_CHARS: usize = 8000;
/// At most this many runs are read from a link.
pub const MAX_RUNS: usize = 64;

/// How the charts show the runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartOptions {
    pub x_axis: XAxis,
    pub log_y: bool,
    /// Weight of the debiased moving average of the training loss; 0 draws it raw.
    pub smoothing: f64,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self { x_axis: XAxis::Epochs, log_y: true, smoothing: 0.0 }
    }
}

/// What a run is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// A run whose curves are drawn.
    Curve,
    /// An LR range test: drawn as loss against η.
    RangeTest,
}

/// Where a run came from, by the index of an earlier run in the session.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    New,
    /// Another seed of run `of`: one ensemble with it.
    SeedOf(usize),
    /// Continues run `of` from step `at_step`.
    Fork {
        of: usize,
        at_step: usize,
    },
    /// Continues a run that is not in the session, replayed from its settings: a fork whose parent
    /// was removed, or that was imported from its file.
    ForkOf(Box<ForkFrom>),
}

/// The prefix of the items that give a [`Origin::ForkOf`] parent's settings.
const PARENT: &str = "parent-";

/// One run of a session, as a link carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub config: RunConfig,
    pub kind: RunKind,
    pub origin: Origin,
    pub visible: bool,
}

/// The settings of `run` that differ from `base`'s, as `key:value` items (a setting with no effect
/// in `run` is left out: it cannot matter).
fn differences(run: &RunConfig, base: &RunConfig) -> Vec<String> {
    SETTINGS
        .iter()
        .filter_map(|s| {
            let v = s.read(run).ok()?;
            (s.read(base).ok().as_ref() != Some(&v)).then(|| format!("{}:{v}", s.key))
        })
        .collect()
}

impl RunSpec {
    /// Its `run=` value, against the form's settings `base`.
    pub fn to_item(&self, base: &RunConfig) -> String {
        let mut items = differences(&self.config, base);
        match &self.origin {
            Origin::New => {}
            Origin::SeedOf(of) => items.push(format!("seed-of:{}", of + 1)),
            Origin::Fork { of, at_step } => items.push(format!("fork:{}@{at_step}", of + 1)),
            Origin::ForkOf(from) => {
                items.push(format!("fork:@{}", from.at_step));
                items.extend(differences(&from.parent, &self.config).into_iter().map(|d| format!("{PARENT}{d}")));
            }
        }
        if !self.visible {
            items.push("hidden".to_owned());
        }
        if self.kind == RunKind::RangeTest {
            items.push("range".to_owned());
        }
        items.join(";")
    }

    /// Reads a `run=` value as the `index`-th run (from 0), against `base`. Every problem is named.
    pub fn parse(text: &str, index: usize, base: &RunConfig) -> Result<Self, String> {
        let mut spec = RunSpec { config: base.clone(), kind: RunKind::Curve, origin: Origin::New, visible: true };
        let earlier = |word: &str| -> Result<usize, String> {
            match word.parse::<usize>() {
                Ok(n) if (1..=index).contains(&n) => Ok(n - 1),
                _ => Err(format!("“{word}” is not an earlier run (1 to {index})")),
            }
        };
        let mut settings = Vec::new();
        let mut parent_settings = Vec::new();
        // The step of a fork whose parent is not in the link (`fork:@STEP`).
        let mut fork_off_link = None;
        for item in text.split(';').filter(|i| !i.is_empty()) {
            match item.split_once(':') {
                None if item == "hidden" => spec.visible = false,
                None if item == "range" => spec.kind = RunKind::RangeTest,
                Some(("seed-of", n)) => spec.origin = Origin::SeedOf(earlier(n)?),
                Some(("fork", at)) => {
                    let (n, step) = at.split_once('@').ok_or_else(|| format!("fork:{at} is not RUN@STEP"))?;
                    let at_step = step.parse().map_err(|_| format!("fork:{at}: “{step}” is not a step"))?;
                    if n.is_empty() {
                        fork_off_link = Some(at_step);
                    } else {
                        spec.origin = Origin::Fork { of: earlier(n)?, at_step };
                    }
                }
                Some((key, value)) => match key.strip_prefix(PARENT) {
                    Some(key) => parent_settings.push((key, value)),
                    None => settings.push((key, value)),
                },
                None => return Err(format!("“{item}” is not key:value, hidden or range")),
            }
        }
        let refused = spec.config.set_all(settings);
        if let Some(e) = refused.first() {
            return Err(e.to_string());
        }
        match fork_off_link {
            Some(at_step) => {
                let mut parent = spec.config.clone();
                if let Some(e) = parent.set_all(parent_settings).first() {
                    return Err(format!("its parent's {e}"));
                }
                spec.origin = Origin::ForkOf(Box::new(ForkFrom { parent, at_step }));
            }
            None if !parent_settings.is_empty() => {
                return Err(format!("{PARENT} settings belong to a fork:@STEP"));
            }
            None => {}
        }
        Ok(spec)
    }
}

/// A sweep's `sweep=` value, against the form's settings `form`.
pub fn sweep_item(grid: &Grid, form: &RunConfig) -> String {
    let batches: Vec<String> = grid.batch_sizes.iter().map(ToString::to_string).collect();
    let rates = match (grid.lrs.first(), grid.lrs.last()) {
        (Some(&a), Some(&b)) if log_grid(a, b, grid.lrs.len()) == grid.lrs => format!("{a}..{b}x{}", grid.lrs.len()),
        _ => grid.lrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
    };
    let seeds: Vec<String> = grid.seeds.iter().map(ToString::to_string).collect();
    let mut items = vec![
        format!("batches:{}", batches.join(",")),
        format!("rates:{rates}"),
        format!("seeds:{}", seeds.join(",")),
        format!("target:{}", grid.target),
    ];
    if let Ok(base) = grid.base_config() {
        items.extend(differences(&base, form));
    }
    items.join(";")
}

/// Reads a `sweep=` value against `form`; every problem is named.
pub fn parse_sweep(text: &str, form: &RunConfig) -> Result<Grid, String> {
    let (mut batches, mut rates, mut seeds, mut target) = (None, None, None, None);
    let mut settings = Vec::new();
    for item in text.split(';').filter(|i| !i.is_empty()) {
        let (key, value) = item.split_once(':').ok_or_else(|| format!("sweep: “{item}” is not key:value"))?;
        match key {
            "batches" => batches = Some(value),
            "rates" => rates = Some(value),
            "seeds" => seeds = Some(value),
            "target" => target = Some(value),
            _ => settings.push((key, value)),
        }
    }
    let mut base = form.clone();
    if let Some(e) = base.set_all(settings).first() {
        return Err(format!("sweep: {e}"));
    }
    let missing = |what: &str| format!("sweep: no {what}");
    let batch_sizes = batches
        .ok_or_else(|| missing("batches"))?
        .split(',')
        .map(|b| {
            let mut c = base.clone();
            c.set("bs", b).map(|()| c.batch_size).map_err(|e| format!("sweep: {e}"))
        })
        .collect::<Result<Vec<BatchSize>, String>>()?;
    let rate = |t: &str| {
        let mut c = base.clone();
        c.set("lr", t).map(|()| c.lr).map_err(|e| format!("sweep: {e}"))
    };
    let rates = rates.ok_or_else(|| missing("rates"))?;
    let lrs = match rates.split_once("..") {
        Some((from, rest)) => {
            let (to, count) =
                rest.split_once('x').ok_or_else(|| format!("sweep: rates:{rates} is not FROM..TOxCOUNT"))?;
            let count: usize =
                count.parse().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| format!("sweep: {count} rates"))?;
            log_grid(rate(from)?, rate(to)?, count)
        }
        None => rates.split(',').map(rate).collect::<Result<Vec<f64>, String>>()?,
    };
    let seeds = seeds
        .ok_or_else(|| missing("seeds"))?
        .split(',')
        .map(|s| s.parse::<u32>().map_err(|_| format!("sweep: seed “{s}” is not a whole number")))
        .collect::<Result<Vec<u32>, String>>()?;
    let target: f64 = target
        .unwrap_or("0.9")
        .parse()
        .ok()
        .filter(|t| (0.0..=1.0).contains(t))
        .ok_or_else(|| "sweep: the target is an accuracy from 0 to 1".to_owned())?;
    let grid = Grid::new(&base, &batch_sizes, &lrs, &seeds, target);
    // The page's size first: it bounds the work of the grid's own checks (each value once, as the
    // CLI's --bs 8,8 is refused, and every cell a run the trainer accepts).
    grid.check_page_size().map_err(|e| format!("sweep: {e}"))?;
    grid.check().map_err(|e| format!("sweep: {e}"))?;
    Ok(grid)
}

/// A link's sweep: the grid, and the shard of it this page runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepLink {
    pub grid: Grid,
    pub shard: Shard,
}

/// The chart view's pairs: only what differs from the default view.
pub fn chart_pairs(c: ChartOptions) -> Vec<(&'static str, String)> {
    let d = ChartOptions::default();
    let mut pairs = Vec::new();
    if c.x_axis != d.x_axis {
        pairs.push(("x", c.x_axis.name().to_owned()));
    }
    if c.log_y != d.log_y {
        pairs.push(("logy", if c.log_y { "1" } else { "0" }.to_owned()));
    }
    if c.smoothing != d.smoothing {
        pairs.push(("smooth", c.smoothing.to_string()));
    }
    pairs
}

/// An on/off value of a link (`autostart=1`, `logy=0`): `1` or `true`, `0` or `false`; anything else is
/// refused, naming the key.
pub fn switch(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(refused(key, value, "expected 1 or 0")),
    }
}

/// A refused value's notice.
pub(crate) fn refused(key: &str, value: &str, problem: impl Into<String>) -> String {
    batchlab_trainer::ConfigError::BadValue { key: key.to_owned(), value: value.to_owned(), problem: problem.into() }
        .to_string()
}

/// Applies a chart-view pair; `Err` names the problem.
pub fn set_chart(c: &mut ChartOptions, key: &str, value: &str) -> Result<(), String> {
    match key {
        "x" => {
            c.x_axis = XAxis::from_name(value)
                .ok_or_else(|| format!("x: “{value}” is not one of {}", XAxis::NAMES.join(", ")))?;
        }
        "logy" => c.log_y = switch(key, value)?,
        "smooth" => {
            c.smoothing = value
                .parse()
                .ok()
                .filter(|s: &f64| (0.0..1.0).contains(s))
                .ok_or_else(|| format!("smooth: “{value}” is not a number from 0 to below 1"))?;
        }
        _ => return Err(format!("{key} is not a chart setting")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(link: &[(&str, &str)]) -> RunConfig {
        let mut c = RunConfig::default();
        assert_eq!(c.set_all(link.iter().copied()), []);
        c
    }

    /// A run's item read back against the same form gives the same run, whatever the two differ in
    /// (settings with no effect in the run included).
    #[test]
    fn a_run_round_trips_against_any_form() {
        let links: &[&[(&str, &str)]] = &[
            &[],
            &[("bs", "512"), ("lr", "1.5"), ("seed", "7")],
            &[("dataset", "moons"), ("noise", "0.3"), ("n", "300"), ("hidden", "16,8")],
            &[("optimizer", "adam"), ("lr", "0.001"), ("beta2", "0.99")],
            &[("schedule", "step"), ("step_every", "2"), ("gamma", "0.5"), ("bs", "full")],
            &[("schedule", "ramp"), ("end_lr", "3"), ("steps", "300")],
        ];
        for run in links {
            for base in links {
                let (run, base) = (config(run), config(base));
                let parent = ForkFrom { parent: base.clone(), at_step: 40 };
                for origin in [
                    Origin::New,
                    Origin::SeedOf(0),
                    Origin::Fork { of: 1, at_step: 40 },
                    Origin::ForkOf(Box::new(parent)),
                ] {
                    let spec = RunSpec { config: run.clone(), kind: RunKind::RangeTest, origin, visible: false };
                    let item = spec.to_item(&base);
                    let back = RunSpec::parse(&item, 2, &base).unwrap_or_else(|e| panic!("{item}: {e}"));
                    assert_eq!(back.config.to_params(), run.to_params(), "{item}");
                    assert_eq!((back.kind, back.visible), (RunKind::RangeTest, false));
                    match (back.origin, spec.origin) {
                        (Origin::ForkOf(back), Origin::ForkOf(sent)) => {
                            assert_eq!(back.at_step, sent.at_step);
                            assert_eq!(back.parent.to_params(), sent.parent.to_params(), "{item}");
                        }
                        (back, sent) => assert_eq!(back, sent, "{item}"),
                    }
                }
            }
        }
    }

    #[test]
    fn a_bad_run_is_refused_with_its_reason() {
        let base = RunConfig::default();
        for (text, index, says) in [
            ("bs:0", 1, "bs"),
            ("lr:banana", 1, "lr"),
            ("seed-of:1", 0, "earlier run"),
            ("fork:2@10", 1, "earlier run"),
            ("fork:1", 1, "RUN@STEP"),
            ("fork:1@x", 1, "not a step"),
            ("parent-lr:0.1", 1, "belong to a fork:@STEP"),
            ("fork:@3;parent-lr:-1", 1, "its parent's"),
            ("zzz", 1, "key:value"),
            ("nope:1", 1, "nope"),
        ] {
            let e = RunSpec::parse(text, index, &base).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn a_sweep_round_trips_against_any_form() {
        let forms =
            [config(&[]), config(&[("bs", "64"), ("lr", "0.3"), ("epochs", "3")]), config(&[("dataset", "moons")])];
        for base in &forms {
            for form in &forms {
                for lrs in [log_grid(0.02, 4.0, 12), vec![0.1, 0.5, 3.0]] {
                    let grid = Grid::new(base, &[BatchSize::Examples(8), BatchSize::Full], &lrs, &[1, 2], 0.8);
                    let item = sweep_item(&grid, form);
                    assert_eq!(parse_sweep(&item, form).unwrap_or_else(|e| panic!("{item}: {e}")), grid, "{item}");
                }
            }
        }
        let form = RunConfig::default();
        assert!(sweep_item(&Grid::new(&form, &[BatchSize::Examples(8)], &log_grid(0.02, 4.0, 12), &[1], 0.9), &form)
            .starts_with("batches:8;rates:0.02..4x12;seeds:1;target:0.9"));
        for (text, says) in [
            ("rates:0.1;seeds:1", "no batches"),
            ("batches:0;rates:0.1;seeds:1", "bs"),
            ("batches:8;rates:0.1..1;seeds:1", "FROM..TO"),
            ("batches:8;rates:0.1;seeds:x", "seed"),
            ("batches:8;rates:0.1;seeds:1;target:2", "target"),
            // Each value once, as the CLI refuses --bs 8,8: a duplicate row would be trained twice.
            ("batches:8,8;rates:0.1;seeds:1", "names each batch size, learning rate and seed once"),
            ("batches:8;rates:0.1,1e-1;seeds:1", "once"),
            ("batches:8;rates:0.1;seeds:1,1", "once"),
            ("batches:8;rates:0.1..4x20;seeds:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51", "at most"),
        ] {
            let e = parse_sweep(text, &form).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn the_chart_view_round_trips_and_bad_values_are_named() {
        let view = ChartOptions { x_axis: XAxis::Steps, log_y: false, smoothing: 0.6 };
        let mut back = ChartOptions::default();
        for (k, v) in chart_pairs(view) {
            set_chart(&mut back, k, &v).unwrap();
        }
        assert_eq!(back, view);
        assert!(chart_pairs(ChartOptions::default()).is_empty());
        assert!(set_chart(&mut back, "smooth", "1").unwrap_err().contains("smooth"));
        assert!(set_chart(&mut back, "logy", "maybe").unwrap_err().contains("logy = \"maybe\": expected 1 or 0"));
        assert_eq!(back, view, "a refused value changes nothing");
        assert!(set_chart(&mut back, "x", "furlongs").unwrap_err().contains("steps"));
    }
}

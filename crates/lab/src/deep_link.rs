//! Deep links: the URL query picks the page's view and sets the initial state
//! (`?dataset=moons&bs=64&lr=0.3&autostart=1`), and carries a whole session's runs and chart view
//! ([`crate::share`]). A refused value is ignored with a notice; the rest of the link still applies,
//! and a link with a refused value starts nothing by itself: no run, no replay, no sweep, no lesson's
//! autoplay.

use batchlab_trainer::RunConfig;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::lessons::{self, Lesson};
use crate::pool::MAX_WORKERS;
use crate::share::{self, ChartOptions, RunSpec, SweepLink};
use batchlab_trainer::sweep::Shard;

/// Characters a link's values keep as they are (legal in a query, and readable): the rest is
/// percent-encoded.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b';')
    .remove(b',')
    .remove(b'@');

/// The page's views.
#[derive(Clone, Debug, PartialEq)]
pub enum Page {
    /// The lab: settings, runs and charts.
    Lab,
    /// `?bench` or `?bench=SECS`: the reference-workload benchmark, timing at least SECS (default 3)
    /// per measurement.
    Bench { min_secs: f64 },
    /// `?lessons`: the list of lessons.
    Lessons,
    /// `?answer`: the seed question answered, with the lessons' measured evidence.
    Answer,
    /// `?lesson=NAME`: the lab with one lesson open; `autoplay=1` plays every step without waiting for
    /// predictions (for tests and a teacher's projector).
    Lesson { lesson: &'static Lesson, autoplay: bool },
}

/// Panels a class link can hide besides the form's settings, each with the name a teacher sees.
pub const PANELS: &[(&str, &str)] =
    &[("diagnostics", "Diagnostics"), ("range_test", "LR range test"), ("sweep", "Sweep")];
/// A class link's note is at most this many characters.
pub const NOTE_CHARS: usize = 500;

/// What a class link shows: the controls it hides (`hide=lr,optimizer,sweep`) and the teacher's note
/// at the top (`note=...`, shown as text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassView {
    pub hidden: Vec<&'static str>,
    pub note: Option<String>,
}

impl ClassView {
    pub fn shows(&self, key: &str) -> bool {
        !self.hidden.contains(&key)
    }

    /// The link's `hide` and `note` pairs (none for a plain lab).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.hidden.is_empty() {
            pairs.push(("hide", self.hidden.join(",")));
        }
        if let Some(note) = self.note.as_ref().filter(|n| !n.is_empty()) {
            pairs.push(("note", note.clone()));
        }
        pairs
    }
}

/// The controls a class link can hide: the form's settings, then the panels.
pub fn hideable() -> impl Iterator<Item = &'static str> {
    crate::form::MAIN.iter().chain(crate::form::MORE).copied().chain(PANELS.iter().map(|&(key, _)| key))
}

/// What the page calls a control a class link can hide: the form's label, or the panel's name.
pub fn control_label(key: &str) -> &'static str {
    match batchlab_trainer::settings::setting(key) {
        Some(s) => s.label,
        None => PANELS.iter().find(|(k, _)| *k == key).map_or("", |&(_, label)| label),
    }
}

/// What a page URL asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct DeepLink {
    pub page: Page,
    pub config: RunConfig,
    /// Start at once: asked for with `autostart=1`, and only when every setting was accepted.
    pub autostart: bool,
    /// `workers=N`: the pool's size (1 to [`MAX_WORKERS`]) instead of one worker per core.
    pub workers: Option<usize>,
    /// `embed=1`: the charts, the run list and a play button only, for an iframe on a slide or a
    /// course page.
    pub embed: bool,
    pub class: ClassView,
    /// The session's runs (`run=`), replayed in order when the page opens.
    pub runs: Vec<RunSpec>,
    pub charts: ChartOptions,
    /// The open sweep (`sweep=`), and the shard of it this page runs (`shard=i/n`).
    pub sweep: Option<SweepLink>,
    /// One line per refused setting (the page shows them together, as one notice).
    pub notices: Vec<String>,
}

impl DeepLink {
    /// The query (with `?`, and `?` alone for the default lab) that reproduces this link: the form's
    /// settings, the page, the class view, every run and the chart view. Values keep `:;,@` as they
    /// are, so a run stays readable.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = self.config.to_params();
        match self.page {
            Page::Lab => {}
            Page::Bench { min_secs } => pairs.push(("bench", min_secs.to_string())),
            Page::Lessons => pairs.push(("lessons", String::new())),
            Page::Answer => pairs.push(("answer", String::new())),
            Page::Lesson { lesson, .. } => pairs.push(("lesson", lesson.name.to_owned())),
        }
        if let Some(n) = self.workers {
            pairs.push(("workers", n.to_string()));
        }
        if self.embed {
            pairs.push(("embed", "1".to_owned()));
        }
        pairs.extend(self.class.to_pairs());
        pairs.extend(self.runs.iter().map(|r| ("run", r.to_item(&self.config))));
        pairs.extend(share::chart_pairs(self.charts));
        if let Some(s) = &self.sweep {
            pairs.push(("sweep", share::sweep_item(&s.grid, &self.config)));
            if s.shard != Shard::WHOLE {
                pairs.push(("shard", s.shard.to_string()));
            }
        }
        let each: Vec<String> = pairs
            .iter()
            .map(
                |(k, v)| {
                    if v.is_empty() {
                        (*k).to_owned()
                    } else {
                        format!("{k}={}", utf8_percent_encode(v, ENCODED))
                    }
                },
            )
            .collect();
        format!("?{}", each.join("&"))
    }

    /// The lab of `config` alone, as a link.
    pub fn of_config(config: &RunConfig) -> Self {
        Self {
            page: Page::Lab,
            config: config.clone(),
            autostart: false,
            workers: None,
            embed: false,
            class: ClassView::default(),
            runs: Vec::new(),
            charts: ChartOptions::default(),
            sweep: None,
            notices: Vec::new(),
        }
    }
}

/// Reads a query string (with or without the leading `?`).
pub fn parse(query: &str) -> DeepLink {
    let query = query.strip_prefix('?').unwrap_or(query);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut autostart = false;
    let mut autoplay = false;
    let mut embed = false;
    let mut class = ClassView::default();
    let mut lesson = None;
    let mut workers = None;
    let mut page = Page::Lab;
    let mut notices = Vec::new();
    let mut settings = Vec::new();
    let mut runs = Vec::new();
    let mut charts = ChartOptions::default();
    let (mut sweep, mut shard) = (None, Shard::WHOLE);
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in &pairs {
        // The page's own keys, as a setting, once each (`run=` repeats by design; the settings'
        // repeats are the settings table's to refuse).
        let own = k != "run" && batchlab_trainer::settings::setting(k).is_none();
        if own && seen.contains(&k.as_str()) {
            notices.push(batchlab_trainer::ConfigError::Repeated { key: k.clone() }.to_string());
            continue;
        }
        seen.push(k);
        match k.as_str() {
            "bench" => {
                // From a tenth of a second to a minute per measurement: the page lays out what it timed.
                let secs = v.parse().ok().filter(|s: &f64| s.is_finite() && *s > 0.0).unwrap_or(3.0);
                page = Page::Bench { min_secs: secs.clamp(0.1, 60.0) };
            }
            "lessons" => page = Page::Lessons,
            "answer" => page = Page::Answer,
            "lesson" => {
                if let Some(l) = lessons::find(v) {
                    lesson = Some(l);
                } else {
                    let names: Vec<&str> = lessons::LESSONS.iter().map(|l| l.name).collect();
                    notices.push(share::refused("lesson", v, format!("expected one of {}", names.join(", "))));
                }
            }
            "autoplay" => switch_into(&mut autoplay, k, v, &mut notices),
            "embed" => switch_into(&mut embed, k, v, &mut notices),
            "hide" => {
                for word in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                    match hideable().find(|k| *k == word) {
                        Some(k) if !class.hidden.contains(&k) => class.hidden.push(k),
                        Some(_) => {}
                        None => notices.push(format!(
                            "hide: “{}” is not a control (they are the settings' keys and {})",
                            word.chars().take(40).collect::<String>(),
                            PANELS.iter().map(|(key, _)| *key).collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
            }
            "note" if v.chars().count() > NOTE_CHARS => {
                notices.push(format!("note: at most {NOTE_CHARS} characters (this one has {})", v.chars().count()));
            }
            "note" => class.note = Some(v.clone()),
            "autostart" => switch_into(&mut autostart, k, v, &mut notices),
            "workers" => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_WORKERS).contains(&n) => workers = Some(n),
                _ => notices.push(share::refused(
                    "workers",
                    v,
                    format!("expected a whole number from 1 to {MAX_WORKERS}"),
                )),
            },
            "run" => runs.push(v.as_str()),
            "sweep" => sweep = Some(v.as_str()),
            "shard" => match v.parse::<Shard>() {
                Ok(s) => shard = s,
                Err(e) => notices.push(format!("shard: {e}")),
            },
            "x" | "logy" | "smooth" => {
                if let Err(e) = share::set_chart(&mut charts, k, v) {
                    notices.push(e);
                }
            }
            _ => settings.push((k.as_str(), v.as_str())),
        }
    }
    let mut config = RunConfig::default();
    notices.extend(config.set_all(settings).iter().map(ToString::to_string));
    let runs = session_runs(&runs, &config, &mut notices);
    let sweep = link_sweep(sweep, shard, &config, &mut notices);
    // Every notice is in: a link with any refused value starts nothing by itself.
    let accepted = notices.is_empty();
    if let Some(lesson) = lesson.filter(|_| page == Page::Lab) {
        page = Page::Lesson { lesson, autoplay: autoplay && accepted };
    }
    DeepLink {
        page,
        config,
        autostart: autostart && accepted,
        workers,
        embed,
        class,
        runs: if accepted { runs } else { Vec::new() },
        charts,
        sweep: sweep.filter(|_| accepted),
        notices,
    }
}

/// Sets `on` from an on/off pair ([`share::switch`]), or adds its refusal to `notices`.
fn switch_into(on: &mut bool, key: &str, value: &str, notices: &mut Vec<String>) {
    match share::switch(key, value) {
        Ok(value) => *on = value,
        Err(e) => notices.push(e),
    }
}

/// A link's sweep, read against the form's `config` (a notice if it is refused); like `autostart`, it
/// runs by itself only from a link whose every value was accepted, which [`parse`] decides.
fn link_sweep(text: Option<&str>, shard: Shard, config: &RunConfig, notices: &mut Vec<String>) -> Option<SweepLink> {
    match text.map(|t| share::parse_sweep(t, config)) {
        Some(Ok(grid)) => Some(SweepLink { grid, shard }),
        Some(Err(e)) => {
            notices.push(e);
            None
        }
        None if shard != Shard::WHOLE => {
            notices.push("shard: a shard of what? The link has no sweep=".to_owned());
            None
        }
        None => None,
    }
}

/// A link's runs, each read against the form's `config` (a notice for each one refused); like
/// `autostart`, they replay only from a link whose every value was accepted, which [`parse`] decides.
fn session_runs(texts: &[&str], config: &RunConfig, notices: &mut Vec<String>) -> Vec<RunSpec> {
    if texts.len() > share::MAX_RUNS {
        notices.push(format!("a link holds at most {} runs (this one has {})", share::MAX_RUNS, texts.len()));
    }
    let runs: Vec<RunSpec> = texts
        .iter()
        .take(share::MAX_RUNS)
        .enumerate()
        .filter_map(|(i, text)| {
            RunSpec::parse(text, i, config).map_err(|e| notices.push(format!("run {}: {e}", i + 1))).ok()
        })
        .collect();
    if runs.len() < texts.len().min(share::MAX_RUNS) {
        // A run refused: the others' numbers no longer match their places.
        return Vec::new();
    }
    // An ensemble is one setting's seeds: a run drawn with another differs from it in its seed alone;
    // a fork keeps what a fork keeps of its parent (all but η, B, the schedule and the length).
    for (i, run) in runs.iter().enumerate() {
        let problem = match &run.origin {
            share::Origin::SeedOf(of) => runs
                .get(*of)
                .filter(|e| RunConfig { seed: e.config.seed, ..run.config.clone() } != e.config)
                .map(|_| format!("seed-of:{} but it differs from run {} in more than its seed", of + 1, of + 1)),
            share::Origin::Fork { of, at_step } => runs.get(*of).and_then(|parent| {
                let problem = match parent.origin {
                    share::Origin::Fork { .. } | share::Origin::ForkOf(_) => {
                        Some(format!("run {} is itself a fork: fork the run it came from", of + 1))
                    }
                    _ => run.config.check_fork_of(&parent.config).err().map(|e| e.to_string()),
                };
                problem.map(|e| format!("fork:{}@{at_step}: {e}", of + 1))
            }),
            share::Origin::ForkOf(from) => {
                run.config.check_fork_of(&from.parent).err().map(|e| format!("fork:@{}: {e}", from.at_step))
            }
            share::Origin::New => None,
        };
        if let Some(problem) = problem {
            notices.push(format!("run {}: {problem}", i + 1));
        }
    }
    runs
}

/// The query string (with `?`) that reproduces `config`: `?` alone for the defaults, never `?&`.
pub fn to_query(config: &RunConfig) -> String {
    DeepLink::of_config(config).to_query()
}

/// The class link's query: `config`, and what `class` hides and notes.
pub fn class_query(config: &RunConfig, class: &ClassView) -> String {
    DeepLink { class: class.clone(), ..DeepLink::of_config(config) }.to_query()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_a_class_link_hides_has_a_name_for_people() {
        let labels: Vec<&str> = hideable().map(control_label).collect();
        assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
        assert_eq!(control_label("bs"), "Batch size B");
        assert_eq!(control_label("range_test"), "LR range test");
        let mut unique = labels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), labels.len(), "two controls share a name: {labels:?}");
    }

    #[test]
    fn a_link_round_trips() {
        let link = parse("?dataset=moons&bs=64&lr=0.3&schedule=cosine&epochs=7&seed=3&hidden=16,8&autostart=1");
        assert!(link.notices.is_empty(), "{:?}", link.notices);
        assert!(link.autostart);
        assert_eq!(link.config.batch_size, batchlab_trainer::BatchSize::Examples(64));
        assert_eq!(parse(&to_query(&link.config)).config, link.config);
        assert!(to_query(&link.config).starts_with("?dataset=moons&"), "{}", to_query(&link.config));
        assert_eq!(to_query(&RunConfig::default()), "?");
    }

    #[test]
    fn garbage_is_ignored_with_notices_and_nothing_starts() {
        let link = parse("lr=banana&bs=-4&dataset=%%%&autostart=maybe&zzz=1&epochs=5");
        assert_eq!(link.notices.len(), 5, "{:?}", link.notices);
        assert_eq!(link.config, RunConfig { epochs: 5, ..RunConfig::default() });
        assert!(!link.autostart);
        let refused = parse("?bs=8&lr=banana&autostart=1");
        assert!(!refused.autostart, "a link with a refused value does not start by itself");
    }

    /// The links the page said it refused and trained anyway: each names its refusal and starts
    /// nothing — no run, no sweep, no lesson's autoplay.
    #[test]
    fn a_refused_link_starts_nothing() {
        for (query, says) in [
            ("?epochs=1&run=&run=fork:1@10;seed:5", "run 2: fork:1@10: a fork keeps the run's seed"),
            ("?epochs=1&run=&run=lr:0.5;fork:1@10&run=fork:2@20", "run 3: fork:2@20: run 2 is itself a fork"),
            ("?epochs=1&shard=2/3&run=", "shard: a shard of what?"),
            ("?epochs=1&sweep=batches:0;rates:0.1;seeds:1&run=", "sweep: bs"),
            (
                "?epochs=1&sweep=batches:8,8;rates:0.1;seeds:1&run=",
                "names each batch size, learning rate and seed once",
            ),
            ("?epochs=1&sweep=batches:8;rates:0.1;seeds:1&lr=banana&autostart=1", "lr"),
            ("?epochs=1&run=&logy=maybe", "logy = \"maybe\": expected 1 or 0"),
            ("?epochs=1&run=&embed=yes", "embed = \"yes\": expected 1 or 0"),
            ("?lesson=three-pairs&autoplay=2", "autoplay = \"2\": expected 1 or 0"),
            ("?lesson=three-pairs&autoplay=1&epochs=0", "epochs"),
            ("?epochs=1&run=&x=steps&x=epochs", "x is given twice"),
            ("?epochs=1&run=&smooth=0.5&smooth=0.5", "smooth is given twice"),
            ("?epochs=1&run=&autostart=1&autostart=1", "autostart is given twice"),
        ] {
            let link = parse(query);
            assert!(link.notices.iter().any(|n| n.contains(says)), "{query}: {:?}", link.notices);
            assert!(link.runs.is_empty() && link.sweep.is_none() && !link.autostart, "{query} starts something");
            assert!(!matches!(link.page, Page::Lesson { autoplay: true, .. }), "{query} plays its lesson");
        }
        // A repeated view key changes nothing: the first value stands.
        assert_eq!(parse("?x=steps&x=epochs").charts.x_axis, batchlab_chart::XAxis::Steps);
        // The same links, their refused part mended, start what they name.
        let fork = parse("?epochs=1&run=&run=fork:1@10;lr:0.5");
        assert_eq!((fork.notices.len(), fork.runs.len()), (0, 2), "{:?}", fork.notices);
        let lesson = parse("?lesson=three-pairs&autoplay=true&logy=false&embed=0");
        assert!(lesson.notices.is_empty(), "{:?}", lesson.notices);
        assert!(matches!(lesson.page, Page::Lesson { autoplay: true, .. }) && !lesson.charts.log_y && !lesson.embed);
    }

    #[test]
    fn the_bench_page_has_its_own_view() {
        assert_eq!(parse("?bench").page, Page::Bench { min_secs: 3.0 });
        assert_eq!(parse("?bench=0.5").page, Page::Bench { min_secs: 0.5 });
        assert_eq!(parse("?bench=4.9e-324").page, Page::Bench { min_secs: 0.1 });
        assert_eq!(parse("?bench=1e9").page, Page::Bench { min_secs: 60.0 });
        assert_eq!(parse("?bs=8").page, Page::Lab);
        assert_eq!(parse("?lessons").page, Page::Lessons);
        assert_eq!(parse("?answer").page, Page::Answer);
        assert!(parse("?bs=64&embed=1").embed && !parse("?bs=64").embed);
        let class = parse("?bs=64&hide=lr,optimizer,sweep,lr&note=Try%20B%20512");
        assert_eq!(class.class.hidden, ["lr", "optimizer", "sweep"]);
        assert_eq!(class.class.note.as_deref(), Some("Try B 512"));
        assert!(class.notices.is_empty() && !class.class.shows("lr") && class.class.shows("bs"));
        assert_eq!(parse(&class_query(&class.config, &class.class)).class, class.class, "a class link round-trips");
        let bad = parse(&format!("?hide=lr,banana&note={}", "x".repeat(NOTE_CHARS + 1)));
        assert_eq!((bad.class.hidden.as_slice(), bad.class.note, bad.notices.len()), (&["lr"][..], None, 2));
        let lesson = lessons::find("three-pairs").unwrap();
        assert_eq!(parse("?lesson=three-pairs&autoplay=1").page, Page::Lesson { lesson, autoplay: true });
        let unknown = parse("?lesson=nope");
        assert_eq!((unknown.page, unknown.notices.len()), (Page::Lab, 1));
        assert_eq!(parse("?workers=1").workers, Some(1));
        assert_eq!(parse("?workers=99").notices.len(), 1);
    }

    #[test]
    fn a_whole_session_round_trips_readably() {
        let query = "?bs=128&lr=0.01&run=bs:32;lr:0.001&run=&run=seed:2;seed-of:2&run=lr:0.05;fork:1@300;hidden\
                     &run=schedule:ramp;steps:300;range&x=steps&logy=0&smooth=0.6&lesson=three-pairs&hide=lr&note=Hi%20there";
        let link = parse(query);
        assert!(link.notices.is_empty(), "{:?}", link.notices);
        assert_eq!(link.runs.len(), 5);
        assert_eq!(link.runs[2].origin, share::Origin::SeedOf(1));
        assert_eq!(link.runs[3].origin, share::Origin::Fork { of: 0, at_step: 300 });
        assert_eq!(link.charts.x_axis, batchlab_chart::XAxis::Steps);
        let again = parse(&link.to_query());
        assert_eq!(again.to_query(), link.to_query());
        assert!(link.to_query().contains("&run=lr:0.001;bs:32&"), "readable: {}", link.to_query());
        assert_eq!(
            (again.runs, again.charts, again.page, again.class),
            (link.runs, link.charts, link.page, link.class)
        );
        // A link with a refused value replays nothing.
        let bad = parse("?lr=banana&run=bs:32&run=bs:64");
        assert!(bad.runs.is_empty() && !bad.notices.is_empty());
        let shard = parse("?bs=64&sweep=batches:8,32;rates:0.1..1x3;seeds:1;target:0.9&shard=2/3");
        assert!(shard.notices.is_empty(), "{:?}", shard.notices);
        let s = shard.sweep.as_ref().unwrap();
        assert_eq!((s.grid.lrs.as_slice(), s.shard), (&[0.1, 0.32, 1.0][..], Shard::new(2, 3).unwrap()));
        assert_eq!(parse(&shard.to_query()).sweep, shard.sweep);
        assert_eq!(parse("?shard=2/3").notices.len(), 1);
        assert_eq!(parse("?sweep=batches:8;rates:0.1;seeds:1&shard=4/3").notices.len(), 1);
        let mixed = parse("?run=bs:8&run=bs:32;seed:2;seed-of:1");
        assert!(mixed.runs.is_empty() && mixed.notices[0].contains("more than its seed"), "{:?}", mixed.notices);
        let bad_run = parse("?run=bs:32&run=fork:5@1");
        assert!(bad_run.runs.is_empty() && bad_run.notices[0].starts_with("run 2:"), "{:?}", bad_run.notices);
    }
}

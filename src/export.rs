//! A run as a file. JSON carries everything needed to check or show it again: the app's version, the
//! link that reproduces it, its settings and seed, its fingerprint, how it ended and every point on
//! its curves; importing it back shows the same run, bit for bit. CSV is a header row, then a row per
//! point (the CLI's `metrics.csv` columns) ending in the same provenance.
//!
//! An imported file is read with its size, its number of points and every setting bounded, and its
//! figures held to the ranges a run reports (`batchlab_trainer::figures`, as a `sweep.csv` row's); a
//! file that fails any check is refused with a message naming what is wrong, and changes nothing.

use std::collections::BTreeMap;

use batchlab_trainer::figures::{digest_problem, point_problem, summary_problem};
use batchlab_trainer::train::{points_csv, Point};
use batchlab_trainer::{RunConfig, Summary};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::deep_link::DeepLink;
use crate::lab::{Imported, Run};
use crate::protocol::ForkFrom;
use crate::share::{Origin, RunKind, RunSpec};
use crate::APP_VERSION;

/// The largest run file the page reads.
pub const MAX_FILE_BYTES: usize = 20 << 20;
/// The most points a run file may hold.
pub const MAX_POINTS: usize = 200_000;

/// A run's JSON export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    /// The version of BatchLab that wrote it.
    pub batchlab: String,
    /// A link that trains the run again, to the same fingerprint.
    pub link: String,
    /// The settings that differ from the defaults (the seed among them).
    pub settings: BTreeMap<String, String>,
    pub seed: u32,
    /// FNV-1a of every minibatch loss and the final weights: equal fingerprints, identical runs.
    pub fingerprint: String,
    pub status: String,
    pub summary: Summary,
    /// Every point of its curves, with the seconds of training when it was made.
    pub points: Vec<(Point, f64)>,
    /// For a fork: the run it continues, whose weights at `at_step` it started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork: Option<ForkFile>,
}

/// A fork's parent in a run file: its settings (those that differ from the defaults) and the step
/// the fork continues it from. With them the fork's link trains it again, and an import keeps them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkFile {
    pub at_step: usize,
    pub parent: BTreeMap<String, String>,
}

/// Reads settings a run file wrote, every one checked.
fn read_settings(settings: &BTreeMap<String, String>) -> Result<RunConfig, String> {
    let config = RunConfig::from_params(settings).map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

/// Why a run file was refused.
#[derive(Debug, Error, PartialEq)]
pub enum ImportError {
    #[error("the file is {0} bytes; a run file is at most {MAX_FILE_BYTES}")]
    TooLarge(usize),
    #[error("not a BatchLab run file: {0}")]
    Json(String),
    #[error("its settings are refused: {0}")]
    Settings(String),
    #[error("it holds {0} points; a run file holds at most {MAX_POINTS}")]
    TooManyPoints(usize),
    #[error("it does not hold together: {0}")]
    Inconsistent(String),
    #[error("it holds a figure no run reports: {0}")]
    Impossible(String),
}

/// The JSON export of a run that has ended; `None` while it trains.
pub fn run_file(run: &Run) -> Option<RunFile> {
    let summary = run.view.summary.clone()?;
    let origin = run.fork.as_ref().map_or(Origin::New, |f| Origin::ForkOf(Box::new(f.from.clone())));
    let spec = RunSpec { config: run.config.clone(), kind: run.kind, origin, visible: true };
    let link = DeepLink { runs: vec![spec], ..DeepLink::of_config(&run.config) }.to_query();
    let points = run.view.points();
    Some(RunFile {
        batchlab: APP_VERSION.to_owned(),
        link,
        settings: run.config.to_owned_params(),
        seed: run.config.seed,
        fingerprint: summary.digest.clone(),
        status: summary.outcome.status().to_owned(),
        summary,
        points,
        fork: run.fork.as_ref().map(|f| ForkFile { at_step: f.from.at_step, parent: f.from.parent.to_owned_params() }),
    })
}

/// The provenance columns a CSV export adds to every row, after the point's own.
const PROVENANCE_COLUMNS: &str = "batchlab,seed,fingerprint,status,link";

/// A run's points as CSV, a header row first, so that any reader opens it with its defaults (pandas'
/// `read_csv`, R's `read.csv`, a spreadsheet); `None` while it trains. Each row carries the run's
/// provenance (version, seed, fingerprint, status and the link that trains it again) in its last
/// columns, so that rows of several runs' files stay told apart once joined.
pub fn run_csv(run: &Run) -> Option<String> {
    let file = run_file(run)?;
    let points = points_csv(file.points.iter().map(|(p, _)| p), Some(&file.summary));
    // The link holds no quote, but may hold commas: quoted as RFC 4180 says.
    let provenance = format!(
        "{},{},{},{},\"{}\"",
        file.batchlab,
        file.seed,
        file.fingerprint,
        file.status,
        file.link.replace('"', "\"\"")
    );
    let mut lines = points.lines();
    let header = lines.next()?;
    let mut csv = format!("{header},{PROVENANCE_COLUMNS}\n");
    for line in lines {
        csv.push_str(line);
        csv.push(',');
        csv.push_str(&provenance);
        csv.push('\n');
    }
    Some(csv)
}

/// A chart's provenance: the app's version, the session's link and the fingerprints of the runs drawn.
pub fn chart_provenance(link: &str, runs: &[&Run]) -> String {
    let each: Vec<String> = runs
        .iter()
        .map(|r| format!("#{} {}", r.id, r.view.summary.as_ref().map_or("(training)", |s| s.digest.as_str())))
        .collect();
    format!("BatchLab {APP_VERSION}; link: {link}; runs: {}", each.join(", "))
}

/// An SVG chart with its provenance as a comment before the root element.
pub fn svg_with_provenance(svg: &str, provenance: &str) -> String {
    format!("<!-- {} -->\n{svg}", provenance.replace("--", "- -"))
}

/// A PNG with a `tEXt` chunk (`key`, `text`) after its header, where image viewers show it; `None`
/// for bytes that are not a PNG.
pub fn png_with_text(png: &[u8], key: &str, text: &str) -> Option<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    // The signature, then IHDR: length (4), type (4), 13 bytes of data, CRC (4).
    let header_end = SIGNATURE.len() + 4 + 4 + 13 + 4;
    if png.len() < header_end || !png.starts_with(SIGNATURE) || &png[12..16] != b"IHDR" {
        return None;
    }
    // tEXt is Latin-1: anything else becomes '?'.
    let latin1 = |s: &str| s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect::<Vec<u8>>();
    let mut data = latin1(key);
    data.push(0);
    data.extend(latin1(text));
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend(u32::try_from(data.len()).ok()?.to_be_bytes());
    let typed: Vec<u8> = b"tEXt".iter().chain(&data).copied().collect();
    chunk.extend(&typed);
    chunk.extend(crc32fast::hash(&typed).to_be_bytes());
    Some([&png[..header_end], &chunk, &png[header_end..]].concat())
}

/// Reads a run file, checking its size, settings, points and fingerprint before anything is shown.
pub fn import(text: &str) -> Result<Imported, ImportError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(text.len()));
    }
    let file: RunFile = serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let config = read_settings(&file.settings).map_err(ImportError::Settings)?;
    let fork = match &file.fork {
        Some(f) => {
            let parent = read_settings(&f.parent).map_err(|e| ImportError::Settings(format!("its parent's {e}")))?;
            config.check_fork_of(&parent).map_err(|e| ImportError::Settings(format!("as a fork: {e}")))?;
            Some(ForkFrom { parent, at_step: f.at_step })
        }
        None => None,
    };
    if file.points.len() > MAX_POINTS {
        return Err(ImportError::TooManyPoints(file.points.len()));
    }
    let bad = |what: String| Err(ImportError::Inconsistent(what));
    let impossible = |what: String| Err(ImportError::Impossible(what));
    // The figures a run reports, in the ranges the sweep.csv reader holds them to.
    if let Some(problem) = digest_problem("fingerprint", &file.fingerprint) {
        return impossible(problem);
    }
    if let Some(problem) = summary_problem(&file.summary) {
        return impossible(format!("its summary's {problem}"));
    }
    let verdict = file.summary.outcome.verdict();
    for (i, (p, secs)) in file.points.iter().enumerate() {
        let problem = point_problem(p, verdict)
            .or_else(|| (!(secs.is_finite() && *secs >= 0.0)).then(|| format!("its time is {secs} s")));
        if let Some(problem) = problem {
            return impossible(format!("point {} (step {}): {problem}", i + 1, p.step));
        }
    }
    if file.seed != config.seed {
        return bad(format!("its seed {} is not its settings' {}", file.seed, config.seed));
    }
    if file.fingerprint != file.summary.digest {
        return bad(format!("its fingerprint {} is not its summary's {}", file.fingerprint, file.summary.digest));
    }
    if file.status != file.summary.outcome.status() {
        return bad(format!("its status “{}” is not its outcome's “{}”", file.status, file.summary.outcome.status()));
    }
    if !file.points.windows(2).all(|w| w[0].0.step <= w[1].0.step) {
        return bad("its points are not in step order".to_owned());
    }
    match file.points.last() {
        Some((p, _)) if p.step == file.summary.steps => {}
        Some((p, _)) => {
            return bad(format!("its last point is at step {}, its summary at {}", p.step, file.summary.steps))
        }
        None => return bad("it has no points".to_owned()),
    }
    // A fork's first point is its parent's, at the step it continues from.
    match (&fork, file.points.first()) {
        (Some(f), Some((p, _))) if p.step != f.at_step => {
            return bad(format!("it is a fork from step {}, but its first point is at step {}", f.at_step, p.step))
        }
        _ => {}
    }
    let kind = if file.summary.range_test.is_some() { RunKind::RangeTest } else { RunKind::Curve };
    Ok(Imported { config, kind, summary: file.summary, points: file.points, fork })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Lab, NotAdded, RunId};
    use batchlab_lab::testing::{config, drive};

    /// A lab with one finished run of `link`, trained through a worker's session.
    fn lab_with(link: &[(&str, &str)]) -> Lab {
        let mut config = RunConfig::default();
        assert_eq!(config.set_all(link.iter().copied()), []);
        let mut lab = Lab::new(1);
        let (_, commands) = lab.add_run(config, RunKind::Curve, 0.0).unwrap();
        drive(&mut lab, commands);
        lab
    }

    #[test]
    fn a_run_exports_and_imports_back_bit_for_bit() {
        let lab = lab_with(&[("bs", "64"), ("lr", "0.3"), ("epochs", "2"), ("seed", "4")]);
        let file = run_file(&lab.runs[0]).unwrap();
        let json = serde_json::to_string_pretty(&file).unwrap();
        let imported = import(&json).unwrap();
        assert_eq!(imported.config, lab.runs[0].config);
        let mut again = Lab::new(1);
        let id = again.import_run(imported, 0.0).unwrap();
        let json_again = serde_json::to_string_pretty(&run_file(again.run(id).unwrap()).unwrap()).unwrap();
        assert_eq!(json_again, json, "export → import → export is the same file");
        // The link in it trains the same run: its settings and seed, read back.
        let link = crate::deep_link::parse(&file.link);
        assert_eq!(link.runs[0].config, lab.runs[0].config);
        // Its weights came with its result, from the run they name.
        let weights = lab.runs[0].view.weights.as_ref().unwrap();
        assert_eq!((weights.fingerprint.as_str(), weights.seed), (file.fingerprint.as_str(), 4));
        // The CSV: a header row, then a row per point with the same number of fields, ending in its
        // provenance.
        let csv = run_csv(&lab.runs[0]).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert!(rows[0].starts_with("step,") && rows[0].ends_with(",batchlab,seed,fingerprint,status,link"), "{csv}");
        assert_eq!(rows.len(), 1 + file.points.len());
        let tail = format!(",{APP_VERSION},4,{},finished,\"{}\"", file.fingerprint, file.link);
        assert!(rows[1..].iter().all(|r| r.ends_with(&tail)), "{csv}");
        let fields = |r: &str| r.split(',').count();
        assert!(rows.iter().all(|r| fields(r) == fields(rows[0])), "{csv}");
    }

    /// A fork keeps its lineage when its parent leaves the page and when it goes out as a file and
    /// comes back: every link written after either replays it to the same fingerprint.
    #[test]
    fn a_fork_keeps_its_lineage_through_removal_export_import_and_link() {
        let mut lab = Lab::new(1);
        let (first, commands) = lab.add_run(config(&[("bs", "512"), ("epochs", "2")]), RunKind::Curve, 0.0).unwrap();
        drive(&mut lab, commands);
        let (fork, commands) =
            lab.fork(first, 3, &config(&[("bs", "512"), ("lr", "0.05"), ("epochs", "2")]), 0.0).unwrap();
        drive(&mut lab, commands);
        let digest = |l: &Lab, id: RunId| l.run(id).unwrap().view.summary.as_ref().unwrap().digest.clone();
        let original = digest(&lab, fork);
        // Replays a link in a fresh lab; returns the fingerprint of its last run.
        let replayed = |query: &str| {
            let opened = crate::deep_link::parse(query);
            assert!(opened.notices.is_empty(), "{query}: {:?}", opened.notices);
            let mut fresh = Lab::new(1);
            let commands = fresh.replay(&opened.runs, 0.0).unwrap();
            drive(&mut fresh, commands);
            let last = fresh.runs.last().unwrap().id;
            (digest(&fresh, last), fresh.label(last))
        };
        // Its file's link, and the session's link after an import of the file.
        let file = crate::export::run_file(lab.run(fork).unwrap()).unwrap();
        assert!(file.link.contains("fork:@3;parent-lr:0.1"), "{}", file.link);
        assert_eq!(replayed(&file.link).0, original, "{}", file.link);
        let json = serde_json::to_string(&file).unwrap();
        let mut other = Lab::new(1);
        let id = other.import_run(crate::export::import(&json).unwrap(), 0.0).unwrap();
        assert_eq!(other.label(id), "fork at step 3: η 0.05");
        // It replays its parent from the start: a fork of it would not continue its curve.
        assert_eq!(other.fork(id, 5, &RunConfig::default(), 0.0).unwrap_err(), NotAdded::ForkOfFork(id));
        let query = other.link(&RunConfig::default(), crate::share::ChartOptions::default()).to_query();
        assert_eq!(replayed(&query), (original.clone(), "fork at step 3: η 0.05".to_owned()), "{query}");
        // Its parent removed, the session's link still replays it.
        lab.delete(first);
        let query = lab.link(&RunConfig::default(), crate::share::ChartOptions::default()).to_query();
        assert_eq!(replayed(&query).0, original, "{query}");
        // A file whose first point is not at the fork's step does not hold together.
        let mut moved = file;
        moved.fork.as_mut().unwrap().at_step = 4;
        let e = crate::export::import(&serde_json::to_string(&moved).unwrap()).unwrap_err();
        assert!(e.to_string().contains("fork from step 4"), "{e}");
    }

    #[test]
    fn a_diverged_run_with_an_infinite_or_nan_loss_exports_and_imports_back() {
        let lab = lab_with(&[("bs", "64"), ("lr", "10"), ("epochs", "1"), ("seed", "1")]);
        let mut file = run_file(&lab.runs[0]).unwrap();
        assert_eq!(file.status, "diverged");
        // What a loss past f32's range reads as (the divergence rule `NotFinite`): JSON has no number
        // for it, so it must go as a word and come back the same.
        let last = file.points.len() - 1;
        file.points[last].0.train_loss = f64::INFINITY;
        file.points[last].0.val_loss = f64::NAN;
        file.summary.final_train_loss = f64::INFINITY;
        file.summary.final_val_loss = f64::NAN;
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains("loss\":null"), "{json}");
        let imported = import(&json).unwrap_or_else(|e| panic!("{e}"));
        assert!(imported.summary.final_train_loss.is_infinite() && imported.summary.final_val_loss.is_nan());
        let (point, _) = &imported.points[last];
        assert!(point.train_loss.is_infinite() && point.val_loss.is_nan());
    }

    #[test]
    fn a_png_gets_its_provenance_in_a_text_chunk() {
        // A 1×1 PNG.
        let png: Vec<u8> = [
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"[..],
            b"\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82",
        ]
        .concat();
        let out = png_with_text(&png, "Comment", "BatchLab η").unwrap();
        assert_eq!(out.len(), png.len() + 12 + "Comment".len() + 1 + "BatchLab ?".len());
        let at = 33;
        assert_eq!(&out[at + 4..at + 8], b"tEXt");
        let chunk_len = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) as usize;
        let crc = u32::from_be_bytes(out[at + 8 + chunk_len..at + 12 + chunk_len].try_into().unwrap());
        assert_eq!(crc, crc32fast::hash(&out[at + 4..at + 8 + chunk_len]));
        assert_eq!(&out[at + 12 + chunk_len..], &png[at..], "the rest is untouched");
        assert_eq!(png_with_text(b"GIF89a", "k", "v"), None);
        assert!(svg_with_provenance("<svg/>", "a -- b").starts_with("<!-- a - - b -->\n<svg"));
    }

    /// `file` changed by `f`, then imported: `Err` says why it was refused.
    fn import_changed(file: &RunFile, f: &dyn Fn(&mut RunFile)) -> Result<(), String> {
        let mut changed = file.clone();
        f(&mut changed);
        import(&serde_json::to_string(&changed).unwrap()).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_bad_file_is_refused_naming_what_is_wrong() {
        let lab = lab_with(&[("epochs", "1")]);
        let file = run_file(&lab.runs[0]).unwrap();
        let with = |f: &dyn Fn(&mut RunFile)| import_changed(&file, f).unwrap_err();
        assert!(import("{").unwrap_err().to_string().starts_with("not a BatchLab run file"));
        assert!(import(r#"{"hello": 1}"#).unwrap_err().to_string().contains("unknown field"));
        assert!(import(&" ".repeat(MAX_FILE_BYTES + 1)).unwrap_err().to_string().contains("at most"));
        let e = with(&|f| {
            f.settings.insert("bs".into(), "0".into());
        });
        assert!(e.contains("bs"), "{e}");
        assert!(with(&|f| f.seed += 1).contains("seed"));
        assert!(with(&|f| f.fingerprint = "0".repeat(16)).contains("fingerprint"));
        assert!(with(&|f| f.status = "finished!".into()).contains("status"));
        assert!(with(&|f| f.points.reverse()).contains("step order"));
        assert!(with(&|f| {
            f.points.pop();
        })
        .contains("last point"));
        assert!(with(&|f| f.points.clear()).contains("no points"));
    }

    /// Curves no run can produce: each refused naming the figure and where it is.
    #[test]
    fn a_file_with_figures_no_run_reports_is_refused() {
        let lab = lab_with(&[("epochs", "1")]);
        let file = run_file(&lab.runs[0]).unwrap();
        let with = |f: &dyn Fn(&mut RunFile)| import_changed(&file, f);
        let every_point =
            |set: fn(&mut Point, &mut f64)| move |f: &mut RunFile| f.points.iter_mut().for_each(|(p, s)| set(p, s));
        for (change, says) in [
            (with(&every_point(|p, _| p.val_acc = 7.0)), "point 1 (step 0): val_acc is 7, not between 0 and 1"),
            (with(&every_point(|p, _| p.train_loss = -5.0)), "point 1 (step 0): train_loss is -5"),
            (with(&every_point(|p, _| p.train_loss = 1.7e308)), "a loss is either at most"),
            (with(&every_point(|p, _| p.val_loss = -1e-9)), "val_loss is -0.000000001"),
            (with(&every_point(|p, _| p.lr = -1.0)), "lr is -1"),
            (with(&every_point(|_, s| *s = -3.0)), "its time is -3 s"),
            (with(&|f| f.summary.final_val_acc = 7.0), "its summary's final_val_acc is 7"),
            (with(&|f| f.summary.final_train_loss = -5.0), "its summary's final_train_loss is -5"),
            (
                with(&|f| {
                    f.fingerprint = "not-hex-0000000".into();
                    f.summary.digest = f.fingerprint.clone();
                }),
                "fingerprint is “not-hex-0000000”, not a run's fingerprint",
            ),
        ] {
            let e = change.unwrap_err();
            assert!(e.starts_with("it holds a figure no run reports: ") && e.contains(says), "{says}: {e}");
        }
        // A fingerprint of all zeros is one, as the sweep.csv reader takes it (only its own run's would
        // match, which only training again can tell).
        assert_eq!(
            with(&|f| {
                f.fingerprint = "0".repeat(16);
                f.summary.digest = f.fingerprint.clone();
            }),
            Ok(())
        );
    }
}

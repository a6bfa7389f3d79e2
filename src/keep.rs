//! What a page keeps between visits (in IndexedDB, `ui/store.rs`): the session's link, each run's
//! curves as far as they got and how it ended, and the sweep's results. Restored, a finished run is
//! as it was; a run that was training is stopped at its last point, and Retrain trains it again.

use batchlab_trainer::data::Table;
use batchlab_trainer::sweep::read_sweep_csv;
use batchlab_trainer::RunConfig;
use serde::{Deserialize, Serialize};

use crate::deep_link;
use crate::lab::{Lab, RestorableSession, StoredRun, Sweep};
use crate::share::ChartOptions;
use crate::APP_VERSION;

/// A page's session as kept: the JSON a page stores in IndexedDB, which [`SessionFile::read`] checks
/// into the lab's [`RestorableSession`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionFile {
    /// The version of BatchLab that kept it.
    pub batchlab: String,
    /// The session's link: the form, every run, the chart view and the sweep's grid.
    pub link: String,
    /// The runs, in the link's order.
    pub runs: Vec<StoredRun>,
    /// The sweep's `sweep.csv`, with its grid.
    pub sweep_csv: Option<String>,
    /// The CSV files' tables the runs and the sweep train on.
    #[serde(default)]
    pub tables: Vec<Table>,
}

impl SessionFile {
    pub fn of(lab: &Lab, config: &RunConfig, charts: ChartOptions) -> Self {
        let link = lab.link(config, charts);
        let runs =
            lab.runs.iter().map(|r| StoredRun { points: r.view.points(), summary: r.view.summary.clone() }).collect();
        SessionFile {
            batchlab: APP_VERSION.to_owned(),
            link: link.to_query(),
            runs,
            sweep_csv: lab.sweep.as_ref().and_then(Sweep::csv),
            tables: lab.tables_in_use(config).iter().map(|t| Table::clone(t)).collect(),
        }
    }

    pub fn write(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a kept session; its link is read like any link, and must name as many runs as it keeps;
    /// its tables are checked as any table from outside.
    pub fn read(text: &str) -> Result<RestorableSession, String> {
        let file: SessionFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let link = deep_link::parse(&file.link);
        if let Some(n) = link.notices.first() {
            return Err(n.clone());
        }
        if link.runs.len() != file.runs.len() {
            return Err(format!("its link names {} runs, it keeps {}", link.runs.len(), file.runs.len()));
        }
        if let Some(csv) = &file.sweep_csv {
            read_sweep_csv(csv).map_err(|e| e.to_string())?;
        }
        for t in &file.tables {
            t.check().map_err(|e| format!("{}: {e}", t.name))?;
        }
        Ok(RestorableSession { link, runs: file.runs, sweep_csv: file.sweep_csv, tables: file.tables })
    }

    /// What changes the kept session when it changes: the runs, their status and visibility, a sweep
    /// begun, cancelled or done (not every training point or cell: those are kept every few seconds).
    pub fn signature(lab: &Lab) -> String {
        let runs: Vec<String> =
            lab.runs.iter().map(|r| format!("{}{}{}", r.id, r.view.status.word(), u8::from(r.visible))).collect();
        let sweep = lab.sweep.as_ref().map(|s| (s.started_ms.to_bits(), s.is_cancelled(), s.is_finished()));
        format!("{} {sweep:?}", runs.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{NotAdded, RunKind};
    use crate::session::Session;
    use crate::view_state::Status;
    use batchlab_lab::testing::{config, csv_table, drive, row};

    #[test]
    fn a_kept_session_restores_finished_runs_as_they_were_and_a_training_one_stopped() {
        let mut lab = Lab::new(1);
        let config = |bs: &str| {
            let mut c = RunConfig::default();
            assert_eq!(c.set_all([("bs", bs), ("epochs", "1")]), []);
            c
        };
        let mut commands = lab.add_run(config("64"), RunKind::Curve, 0.0).unwrap().1;
        commands.extend(lab.add_seed(lab.runs[0].id, 0.0).unwrap().1);
        drive(&mut lab, commands);
        // A third run, stopped part way as a closed page would leave it.
        let (third, commands) = lab.add_run(config("8"), RunKind::Curve, 0.0).unwrap();
        let mut worker = Session::default();
        let mut t = 0.0;
        for c in commands {
            for m in worker.handle(c.msg, t) {
                lab.on_message(0, m, t);
            }
        }
        for _ in 0..3 {
            for m in worker.slice(|| {
                t += 1.0;
                t
            }) {
                lab.on_message(0, m, t);
            }
        }
        let form = config("32");
        let text = SessionFile::of(&lab, &form, ChartOptions::default()).write();
        let kept = SessionFile::read(&text).unwrap();
        assert_eq!((&kept.link.config, &kept.sweep_csv, &kept.tables), (&form, &None, &vec![]));
        let mut restored = Lab::new(1);
        let (commands, notices) = restored.restore(kept, 0.0);
        assert!(commands.is_empty() && notices.is_empty(), "{notices:?}");
        assert_eq!(restored.specs(), lab.specs());
        for (a, b) in restored.runs.iter().zip(&lab.runs).take(2) {
            assert_eq!(a.view.summary, b.view.summary);
            assert_eq!(a.view.status, b.view.status);
            assert_eq!(a.view.trace.buckets().len(), b.view.trace.buckets().len());
        }
        let stopped = &restored.runs[2];
        assert_eq!(stopped.view.status, Status::Stopped);
        let last = lab.run(third).unwrap().view.trace.last().unwrap().step;
        assert!(last > 0 && stopped.view.step == last, "stopped at its last point");
        // Retrain trains it again, to the same end as a run never interrupted.
        let id = stopped.id;
        let commands = restored.retrain(id, 0.0);
        drive(&mut restored, commands);
        let mut fresh = Lab::new(1);
        let commands = fresh.add_run(config("8"), RunKind::Curve, 0.0).unwrap().1;
        drive(&mut fresh, commands);
        assert_eq!(restored.run(id).unwrap().view.summary, fresh.runs[0].view.summary);
        assert!(SessionFile::read("{}").is_err() && SessionFile::read("not json").is_err());
    }

    #[test]
    fn a_kept_session_keeps_the_csv_files_its_runs_train_on_and_refuses_a_damaged_one() {
        let table = csv_table();
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("dataset", format!("csv:{}", table.shape).as_str()), ("epochs", "1")]), []);
        let mut lab = Lab::new(1);
        lab.add_table(table.clone());
        let commands = lab.add_run(c.clone(), RunKind::Curve, 0.0).unwrap().1;
        drive(&mut lab, commands);
        let text = SessionFile::of(&lab, &RunConfig::default(), ChartOptions::default()).write();
        let kept = SessionFile::read(&text).unwrap();
        assert_eq!((kept.tables, kept.link.runs[0].config.clone()), (vec![table.clone()], c));
        let damaged = text.replacen("\"y\":[", "\"y\":[7,", 1);
        assert!(SessionFile::read(&damaged).unwrap_err().contains("mine.csv"));
    }

    /// The 65th run would make a session no link carries, which could be neither kept nor shared:
    /// every way of adding one is refused with the limit, and the 64 stay a session that restores.
    #[test]
    fn the_65th_run_is_refused_and_the_page_stays_a_session_that_restores() {
        let mut lab = Lab::new(1);
        for seed in 1..=64 {
            lab.add_run(config(&[("seed", &seed.to_string())]), RunKind::Curve, 0.0).unwrap();
        }
        let e = lab.add_run(config(&[]), RunKind::Curve, 0.0).unwrap_err();
        assert_eq!(e, NotAdded::Full);
        assert!(e.to_string().contains("at most 64 runs"), "{e}");
        let first = lab.runs[0].id;
        assert_eq!(lab.add_seed(first, 0.0).unwrap_err(), NotAdded::Full);
        assert_eq!(lab.fork(first, 1, &config(&[("lr", "0.5")]), 0.0).unwrap_err(), NotAdded::Full);
        assert_eq!(lab.replay(&lab.specs()[..1], 0.0).unwrap_err(), NotAdded::Full);
        assert_eq!(lab.runs.len(), 64, "nothing was added");
        let text =
            crate::keep::SessionFile::of(&lab, &RunConfig::default(), crate::share::ChartOptions::default()).write();
        let mut restored = Lab::new(1);
        let (_, notices) = restored.restore(crate::keep::SessionFile::read(&text).unwrap(), 0.0);
        assert_eq!((restored.runs.len(), notices), (64, vec![]));
        // Deleting one makes room for one.
        lab.delete(first);
        assert!(lab.add_run(config(&[]), RunKind::Curve, 0.0).is_ok());
        assert_eq!(lab.add_run(config(&[]), RunKind::Curve, 0.0).unwrap_err(), NotAdded::Full);
    }

    /// A sweep opened from a plain sweep.csv (the CLI's) comes back after a reload as it was opened,
    /// unfinished if its file said so; a sweep kept before its first cell was done comes back as its
    /// grid with nothing done: no sweep is dropped without a word.
    #[test]
    fn every_kept_sweep_comes_back() {
        use batchlab_trainer::sweep::Unfinished;
        let rows: Vec<_> = (1..=40u32).map(|seed| row(8 * (1 + seed as usize % 3), 0.1, seed)).collect();
        let form = RunConfig { epochs: 3, ..RunConfig::default() };
        for unfinished in [None, Some(Unfinished { done: 40, cells: 120 })] {
            let mut lab = Lab::new(1);
            lab.import_sweep(rows.clone(), unfinished, &form, 0.0).unwrap();
            assert_eq!(lab.sweep.as_ref().unwrap().expected(), 3 * 40, "a grid over its seeds");
            let kept = SessionFile::read(&SessionFile::of(&lab, &form, ChartOptions::default()).write()).unwrap();
            let mut reloaded = Lab::new(1);
            let (_, notices) = reloaded.restore(kept, 0.0);
            assert!(notices.is_empty(), "{notices:?}");
            let (was, now) = (lab.sweep.as_ref().unwrap(), reloaded.sweep.as_ref().unwrap());
            assert_eq!(
                (&now.rows, &now.grid, now.unfinished(), now.is_imported()),
                (&was.rows, &was.grid, unfinished, true)
            );
            assert_eq!(now.progress(0.0), was.progress(0.0));
        }
        // A sweep started, then kept before any cell was done.
        let mut lab = Lab::new(1);
        let grid = batchlab_trainer::sweep::Grid::new(
            &form,
            &[batchlab_trainer::BatchSize::Examples(8)],
            &[0.1, 0.3],
            &[1],
            0.9,
        );
        lab.start_sweep(grid.clone(), batchlab_trainer::sweep::Shard::WHOLE, 0.0).unwrap();
        let kept = SessionFile::read(&SessionFile::of(&lab, &form, ChartOptions::default()).write()).unwrap();
        let mut reloaded = Lab::new(1);
        let (commands, notices) = reloaded.restore(kept, 0.0);
        let now = reloaded.sweep.as_ref().unwrap();
        assert!(commands.is_empty() && notices.is_empty() && now.grid == grid && now.is_cancelled() && now.done() == 0);
    }
}

//! The lab: every run on the page, the pool of workers that trains them, and the sweep — a pure
//! state machine from the person's actions and the workers' messages to messages for the workers
//! ([`Command`]), tested natively like the worker's `Session`. The page only carries the commands
//! out and renders the lab.
//!
//! Each worker runs one job at a time: a run on screen, or one cell of a sweep ([`Pool`] schedules
//! them). Every message about a job carries its id, so a late message of a job that was stopped is
//! dropped. A run's view changes only through [`RunView`]'s methods.
//!
//! This file holds the runs and their pool; beside it, `sweep.rs` (the sweep and its state),
//! `tables.rs` (the CSV files' tables the runs name) and `labels.rs` (what tells runs apart).

mod labels;
mod sweep;
mod tables;

use std::sync::Arc;

use batchlab_trainer::data::Table;
use batchlab_trainer::sweep::{read_sweep_csv, CellRow, SweepCsv};
use batchlab_trainer::train::Point;
use batchlab_trainer::{ConfigError, RunConfig, Summary};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::deep_link::DeepLink;
pub use crate::pool::{Command, RunId};
use crate::pool::{Job, Pool, Target};
use crate::protocol::{ForkFrom, FromWorker, Mode, ToWorker};
pub use crate::share::RunKind;
use crate::share::{ChartOptions, Origin, RunSpec, MAX_RUNS};
use crate::view_state::{RunView, Status};

pub use sweep::{Sweep, SweepState};

/// Why the lab added no run.
#[derive(Debug, Error, PartialEq)]
pub enum NotAdded {
    /// The page holds as many runs as a link carries: one more would make a session that could be
    /// neither kept nor shared.
    #[error(
        "the page holds at most {MAX_RUNS} runs, as many as its link (and so its kept session) can carry: delete a \
         run to add another"
    )]
    Full,
    #[error("run #{0} is not on the page")]
    NoRun(RunId),
    #[error("run #{0} and its seeds took the last seed there is")]
    NoSeed(RunId),
    /// A fork replays its parent from the start; a fork of a fork would replay the fork's settings
    /// from the start too, not the curve the fork drew, so it is refused rather than drawn wrong.
    #[error("run #{0} is itself a fork: fork the run it came from instead")]
    ForkOfFork(RunId),
    #[error(transparent)]
    Refused(#[from] ConfigError),
}

/// Looks a run can take: a colour and a glyph each.
const LOOKS: usize = batchlab_chart::DISTINCT_LOOKS;

/// One run on the page.
#[derive(Clone, Debug)]
pub struct Run {
    pub id: RunId,
    pub kind: RunKind,
    pub config: RunConfig,
    /// Where this run was forked from, when it was.
    pub fork: Option<Fork>,
    pub view: RunView,
    /// Its look: the index of its colour and glyph (`batchlab_chart::Theme::look`).
    pub look: usize,
    pub visible: bool,
    /// Runs that differ only in their seed share a group, and are drawn as an ensemble.
    pub group: u32,
}

/// A fork's lineage: the settings and step it replays, which hold whether or not its parent is still
/// on the page (it may have been removed, or the fork imported from its file), and that parent.
#[derive(Clone, Debug, PartialEq)]
pub struct Fork {
    /// The run on this page it was forked from; `None` for an imported fork.
    pub of: Option<RunId>,
    pub from: ForkFrom,
}

/// A run read back from its file (`export::import`), every part checked: what [`Lab::import_run`]
/// shows.
#[derive(Debug)]
pub struct Imported {
    pub config: RunConfig,
    pub kind: RunKind,
    pub summary: Summary,
    pub points: Vec<(Point, f64)>,
    /// For a fork, what it continues.
    pub fork: Option<ForkFrom>,
}

/// One run as a kept session stores it (a `keep::SessionFile`'s runs, and a [`RestorableSession`]'s):
/// its points so far, and its summary once it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRun {
    pub points: Vec<(Point, f64)>,
    pub summary: Option<Summary>,
}

/// A kept session, read from its file and checked (`keep::SessionFile::read`): the lab's state to
/// put back, which [`Lab::restore`] takes.
#[derive(Debug)]
pub struct RestorableSession {
    pub link: DeepLink,
    pub runs: Vec<StoredRun>,
    pub sweep_csv: Option<String>,
    pub tables: Vec<Table>,
}

/// The page's runs, pool and sweep.
#[derive(Clone, Debug)]
pub struct Lab {
    pub runs: Vec<Run>,
    pub sweep: Option<Sweep>,
    /// The run the Pause, Step and diagnostics read-outs act on.
    pub selected: Option<RunId>,
    /// The CSV files' tables this page has read, which jobs on them carry to their worker.
    tables: Vec<Arc<Table>>,
    pool: Pool,
    next_run: RunId,
    next_group: u32,
}

impl Lab {
    /// A lab with a pool of `workers` workers (at least one).
    pub fn new(workers: usize) -> Self {
        Self {
            runs: Vec::new(),
            sweep: None,
            selected: None,
            tables: Vec::new(),
            pool: Pool::new(workers),
            next_run: 1,
            next_group: 1,
        }
    }

    pub fn workers(&self) -> usize {
        self.pool.workers()
    }

    pub fn run(&self, id: RunId) -> Option<&Run> {
        self.runs.iter().find(|r| r.id == id)
    }

    fn run_mut(&mut self, id: RunId) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.id == id)
    }

    /// The selected run, or the newest one.
    pub fn current(&self) -> Option<&Run> {
        self.selected.and_then(|id| self.run(id)).or_else(|| self.runs.iter().rev().find(|r| r.kind == RunKind::Curve))
    }

    /// Runs whose curves are drawn.
    pub fn curves(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| r.kind == RunKind::Curve)
    }

    /// The classes of the first visible run's data (10, the digits', with none): the accuracy chart's
    /// chance level, drawn and said.
    pub fn chart_classes(&self) -> usize {
        self.curves().find(|r| r.visible).map_or(10, |r| r.config.dataset.classes())
    }

    pub fn range_tests(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| r.kind == RunKind::RangeTest)
    }

    fn free_look(&self) -> usize {
        (0..LOOKS).find(|c| !self.runs.iter().any(|r| r.look == *c)).unwrap_or(self.runs.len() % LOOKS)
    }

    /// Whether `more` runs fit on the page beside its runs ([`MAX_RUNS`]).
    pub fn room_for(&self, more: usize) -> Result<(), NotAdded> {
        if self.runs.len().saturating_add(more) > MAX_RUNS {
            Err(NotAdded::Full)
        } else {
            Ok(())
        }
    }

    /// Adds a run and queues it; returns its id and the commands to start what can start.
    pub fn add_run(
        &mut self,
        config: RunConfig,
        kind: RunKind,
        now_ms: f64,
    ) -> Result<(RunId, Vec<Command>), NotAdded> {
        self.room_for(1)?;
        let group = self.new_group();
        Ok(self.add(config, kind, None, group, now_ms))
    }

    /// A group no run is in yet.
    fn new_group(&mut self) -> u32 {
        self.next_group += 1;
        self.next_group - 1
    }

    /// Adds a run the caller has made room for.
    fn add(
        &mut self,
        config: RunConfig,
        kind: RunKind,
        fork: Option<Fork>,
        group: u32,
        now_ms: f64,
    ) -> (RunId, Vec<Command>) {
        let id = self.push_run(config, kind, fork, group, RunView::queued(now_ms));
        (id, self.submit(id))
    }

    /// Puts a run on the page with `view`, training nothing yet.
    fn push_run(&mut self, config: RunConfig, kind: RunKind, fork: Option<Fork>, group: u32, view: RunView) -> RunId {
        let id = self.next_run;
        self.next_run += 1;
        let look = self.runs.iter().find(|r| r.group == group).map_or_else(|| self.free_look(), |r| r.look);
        self.runs.push(Run { id, kind, config, fork, view, look, visible: true, group });
        if kind == RunKind::Curve {
            self.selected = Some(id);
        }
        id
    }

    /// Queues run `id`'s job (from its start, or its parent's step for a fork).
    fn submit(&mut self, id: RunId) -> Vec<Command> {
        let Some(run) = self.run(id) else { return Vec::new() };
        let fork_from = run.fork.as_ref().map(|f| Box::new(f.from.clone()));
        let config = run.config.clone();
        let table = config.dataset.table().and_then(|t| self.table(t));
        self.pool.submit(Target::Run(id), config, fork_from, Mode::Curves, table);
        self.dispatch()
    }

    /// Puts a kept session back: its CSV files' tables, its runs — each finished one as it ended, each
    /// that was training stopped at its last point ([`Lab::retrain`] trains it again) — and its sweep,
    /// as it was kept (one opened from a file read against the kept form, as it was opened). Returns the
    /// commands, and a notice for each part that could not be put back.
    pub fn restore(&mut self, session: RestorableSession, now_ms: f64) -> (Vec<Command>, Vec<String>) {
        let RestorableSession { link, runs, sweep_csv, tables } = session;
        let mut notices = Vec::new();
        for t in tables {
            self.add_table(t);
        }
        match self.room_for(link.runs.len()) {
            Ok(()) => self.put_back(&link.runs, runs, now_ms),
            Err(e) => notices.push(format!("The kept runs were not put back: {e}.")),
        }
        let read = sweep_csv.as_deref().map(read_sweep_csv);
        let out = match (read, link.sweep) {
            (Some(Ok(SweepCsv { part: Some((grid, shard)), rows, .. })), _) => {
                self.show_kept(grid, shard, &rows, now_ms)
            }
            (Some(Ok(SweepCsv { part: None, rows, unfinished })), _) => {
                match self.import_sweep(rows, unfinished, &link.config, now_ms) {
                    Ok(out) => out,
                    Err(e) => {
                        notices.push(format!("The kept sweep could not be shown: {e}."));
                        Vec::new()
                    }
                }
            }
            (Some(Err(e)), _) => {
                notices.push(format!("The kept sweep could not be read: {e}."));
                Vec::new()
            }
            // A sweep kept before any of its cells was done: its grid, with nothing done.
            (None, Some(s)) => self.show_kept(s.grid, s.shard, &[], now_ms),
            (None, None) => Vec::new(),
        };
        (out, notices)
    }

    /// Puts kept runs on the page, as they were.
    fn put_back(&mut self, specs: &[RunSpec], stored: Vec<StoredRun>, now_ms: f64) {
        let mut ids: Vec<RunId> = Vec::with_capacity(specs.len());
        for (spec, run) in specs.iter().zip(stored) {
            let (group, fork) = self.origin(&spec.origin, &ids);
            let view = match run.summary {
                Some(summary) => RunView::imported(summary, run.points),
                None => RunView::stopped_at(run.points),
            };
            let id =
                self.push_run(spec.config.clone(), spec.kind, fork, group, RunView { started_at_ms: now_ms, ..view });
            self.set_visible(id, spec.visible);
            ids.push(id);
        }
    }

    /// Trains a stopped run again from its start: the same curves, bit for bit, and on to its end.
    pub fn retrain(&mut self, id: RunId, now_ms: f64) -> Vec<Command> {
        match self.run_mut(id) {
            Some(r) if r.view.status == Status::Stopped => r.view = RunView::queued(now_ms),
            _ => return Vec::new(),
        }
        self.submit(id)
    }

    /// The group and fork of a run from its origin in a link, by the ids of the runs before it.
    fn origin(&mut self, origin: &Origin, ids: &[RunId]) -> (u32, Option<Fork>) {
        let earlier = |of: usize| ids.get(of).and_then(|id| self.run(*id));
        let (group, fork) = match origin {
            Origin::SeedOf(of) => (earlier(*of).map(|r| r.group), None),
            Origin::Fork { of, at_step } => (
                None,
                earlier(*of)
                    .map(|p| Fork { of: Some(p.id), from: ForkFrom { parent: p.config.clone(), at_step: *at_step } }),
            ),
            Origin::ForkOf(from) => (None, Some(Fork { of: None, from: (**from).clone() })),
            Origin::New => (None, None),
        };
        let group = group.unwrap_or_else(|| self.new_group());
        (group, fork)
    }

    /// Starts queued jobs on free workers; a run a worker took is starting.
    fn dispatch(&mut self) -> Vec<Command> {
        let (out, started) = self.pool.dispatch();
        for target in started {
            if let Some(r) = match target {
                Target::Run(id) => self.run_mut(id),
                Target::Cell(_) => None,
            } {
                r.view.sent();
            }
        }
        out
    }

    /// The workers that owe the page an answer: busy with a job that is not paused.
    pub fn busy_slots(&self) -> Vec<usize> {
        self.pool
            .jobs()
            .filter(|(_, j)| match j.target {
                Target::Run(id) => self.run(id).is_some_and(|r| r.view.status != Status::Paused),
                Target::Cell(_) => true,
            })
            .map(|(slot, _)| slot)
            .collect()
    }

    /// Jobs training right now.
    pub fn training(&self) -> usize {
        self.pool.running()
    }

    fn slot_of(&self, id: RunId) -> Option<usize> {
        self.pool.slot_of(Target::Run(id))
    }

    /// A message from the worker of `slot`. Returns the commands it leads to, and a message for the
    /// person if the worker refused something.
    pub fn on_message(&mut self, slot: usize, msg: FromWorker, now_ms: f64) -> (Vec<Command>, Option<String>) {
        let Some(job) = self.pool.job(slot).cloned() else { return (Vec::new(), None) };
        if msg.job().is_some_and(|id| id != job.id) {
            return (Vec::new(), None); // a late message of a job the page has moved on from
        }
        let ends = matches!(msg, FromWorker::Finished { .. } | FromWorker::Failed { job: Some(_), .. });
        let mut notice = None;
        match (job.target, msg) {
            (Target::Run(id), msg) => {
                if let Some(r) = self.run_mut(id) {
                    notice = r.view.apply(msg, now_ms);
                }
            }
            (Target::Cell(index), FromWorker::Finished { summary, steps_to_target, .. }) => {
                if let Some(sweep) = self.sweep.as_mut() {
                    let cell = sweep.grid.cells()[index];
                    sweep.rows[index] = Some(CellRow::new(cell, &summary, steps_to_target));
                    if sweep.done() == sweep.expected() {
                        sweep.state = SweepState::Finished { at_ms: now_ms };
                    }
                }
            }
            (Target::Cell(_), FromWorker::Failed { message, .. }) => {
                notice = Some(format!("A sweep cell failed: {message}"));
            }
            (Target::Cell(_), _) => {}
        }
        if ends {
            self.pool.end(slot);
        }
        (self.dispatch(), notice)
    }

    /// The worker of `slot` died: its run fails with the reason (its cell is given up), and the
    /// worker's next job gets a fresh one.
    pub fn on_death(&mut self, slot: usize, why: &str) -> (Vec<Command>, Option<String>) {
        let notice = match self.pool.end(slot) {
            Some(Job { target: Target::Run(id), .. }) => {
                if let Some(r) = self.run_mut(id) {
                    r.view.fail(why.to_owned());
                }
                None
            }
            Some(Job { target: Target::Cell(index), .. }) => {
                if let Some(s) = self.sweep.as_mut() {
                    s.state = SweepState::Cancelled;
                }
                Some(format!("The sweep stopped: a worker died while training cell {}: {why}.", index + 1))
            }
            None => None,
        };
        (self.dispatch(), notice)
    }

    fn post_to_run(&self, id: RunId, msg: ToWorker) -> Vec<Command> {
        self.slot_of(id).map(|slot| Command { slot, msg }).into_iter().collect()
    }

    pub fn pause(&self, id: RunId) -> Vec<Command> {
        self.post_to_run(id, ToWorker::Pause)
    }

    pub fn resume(&mut self, id: RunId) -> Vec<Command> {
        if let Some(r) = self.run_mut(id) {
            r.view.resumed();
        }
        self.post_to_run(id, ToWorker::Resume)
    }

    pub fn step(&self, id: RunId) -> Vec<Command> {
        self.post_to_run(id, ToWorker::Step)
    }

    /// Stops a run (queued or training); it stays on the page.
    pub fn stop(&mut self, id: RunId) -> Vec<Command> {
        let mut out = self.pool.cancel(|t| t == Target::Run(id));
        if let Some(r) = self.run_mut(id) {
            r.view.stopped();
        }
        out.extend(self.dispatch());
        out
    }

    /// Stops and removes a run.
    pub fn delete(&mut self, id: RunId) -> Vec<Command> {
        let out = self.stop(id);
        self.runs.retain(|r| r.id != id);
        if self.selected == Some(id) {
            self.selected = self.curves().last().map(|r| r.id);
        }
        out
    }

    /// Removes every run.
    pub fn clear(&mut self) -> Vec<Command> {
        let ids: Vec<RunId> = self.runs.iter().map(|r| r.id).collect();
        ids.into_iter().flat_map(|id| self.delete(id)).collect()
    }

    pub fn set_visible(&mut self, id: RunId, visible: bool) {
        if let Some(r) = self.run_mut(id) {
            r.visible = visible;
        }
    }

    /// The same run with the next seed its group has not used; drawn with the others as an ensemble.
    pub fn add_seed(&mut self, id: RunId, now_ms: f64) -> Result<(RunId, Vec<Command>), NotAdded> {
        let run = self.run(id).ok_or(NotAdded::NoRun(id))?.clone();
        let seeds = self.runs.iter().filter(|r| r.group == run.group).map(|r| r.config.seed);
        let seed = seeds.max().and_then(|s| s.checked_add(1)).ok_or(NotAdded::NoSeed(id))?;
        self.room_for(1)?;
        Ok(self.add(RunConfig { seed, ..run.config }, run.kind, None, run.group, now_ms))
    }

    /// A run that continues run `id` from step `at_step`, with the learning rate, batch size,
    /// schedule and length of `form` and everything else of the run.
    pub fn fork(
        &mut self,
        id: RunId,
        at_step: usize,
        form: &RunConfig,
        now_ms: f64,
    ) -> Result<(RunId, Vec<Command>), NotAdded> {
        let parent = self.run(id).ok_or(NotAdded::NoRun(id))?.clone();
        if parent.fork.is_some() {
            return Err(NotAdded::ForkOfFork(id));
        }
        let config = form.forked_from(&parent.config)?;
        self.room_for(1)?;
        let group = self.new_group();
        let fork = Fork { of: Some(id), from: ForkFrom { parent: parent.config, at_step } };
        Ok(self.add(config, RunKind::Curve, Some(fork), group, now_ms))
    }

    /// The runs as a link carries them: each one's settings, where it came from and whether it is
    /// shown. A fork whose parent is not on the page carries its parent's settings.
    pub fn specs(&self) -> Vec<RunSpec> {
        let index = |id: RunId| self.runs.iter().position(|r| r.id == id);
        self.runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let fork = r.fork.as_ref().map(|f| match f.of.and_then(index) {
                    Some(of) => Origin::Fork { of, at_step: f.from.at_step },
                    None => Origin::ForkOf(Box::new(f.from.clone())),
                });
                let seed_of = || self.runs[..i].iter().position(|e| e.group == r.group).map(Origin::SeedOf);
                RunSpec {
                    config: r.config.clone(),
                    kind: r.kind,
                    origin: fork.or_else(seed_of).unwrap_or(Origin::New),
                    visible: r.visible,
                }
            })
            .collect()
    }

    /// Shows a run read from its file, as it ended: no worker trains it.
    pub fn import_run(&mut self, run: Imported, now_ms: f64) -> Result<RunId, NotAdded> {
        self.room_for(1)?;
        let group = self.new_group();
        let view = RunView { started_at_ms: now_ms, ..RunView::imported(run.summary, run.points) };
        let fork = run.fork.map(|from| Fork { of: None, from });
        Ok(self.push_run(run.config, run.kind, fork, group, view))
    }

    /// The session as a link: the form's `config`, every run, the chart view and the sweep.
    pub fn link(&self, config: &RunConfig, charts: ChartOptions) -> DeepLink {
        DeepLink {
            runs: self.specs(),
            charts,
            sweep: self.sweep.as_ref().and_then(Sweep::link),
            ..DeepLink::of_config(config)
        }
    }

    /// Adds a link's runs in order, each forked from or grouped with the earlier run it names; none of
    /// them when they do not all fit.
    pub fn replay(&mut self, specs: &[RunSpec], now_ms: f64) -> Result<Vec<Command>, NotAdded> {
        self.room_for(specs.len())?;
        let mut ids: Vec<RunId> = Vec::with_capacity(specs.len());
        let mut out = Vec::new();
        for spec in specs {
            let (group, fork) = self.origin(&spec.origin, &ids);
            let (id, commands) = self.add(spec.config.clone(), spec.kind, fork, group, now_ms);
            self.set_visible(id, spec.visible);
            ids.push(id);
            out.extend(commands);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{config, csv_table, drive};

    #[test]
    fn a_run_on_a_csv_file_carries_its_table_to_the_worker_and_a_page_without_it_says_so() {
        let table = csv_table();
        let word = format!("csv:{}", table.shape);
        let c = config(&[("dataset", word.as_str()), ("hidden", "8"), ("epochs", "3"), ("bs", "8")]);
        let mut lab = Lab::new(1);
        assert!(lab.missing_table([&c]).is_some_and(|why| why.contains(&word)));
        lab.add_table(table.clone());
        lab.add_table(table.clone());
        assert_eq!((lab.tables().len(), lab.missing_table([&c])), (1, None));
        let commands = lab.add_run(c.clone(), RunKind::Curve, 0.0).unwrap().1;
        assert!(matches!(&commands[0].msg, ToWorker::Start { table: Some(t), .. } if **t == table));
        drive(&mut lab, commands);
        let summary = lab.runs[0].view.summary.clone().expect("it ended");
        let mut native = c.init_on(Some(&table)).unwrap();
        native.run(&mut ());
        assert_eq!(Some(&summary), native.summary(), "the page's run is the trainer's, bit for bit");
        // Its seed trains on the same table; the label names the file, not its digest.
        let commands = lab.add_seed(lab.runs[0].id, 0.0).unwrap().1;
        drive(&mut lab, commands);
        assert!(lab.runs[1].view.summary.is_some());
        assert_eq!(lab.tables_in_use(&RunConfig::default()).len(), 1);
        assert_eq!(lab.tables_in_use(&c).len(), 1);
        let mut other = config(&[("dataset", word.as_str()), ("bs", "16")]);
        other.seed = 9;
        lab.add_run(other, RunKind::Curve, 0.0).unwrap();
        assert!(lab.label(lab.runs[2].id).contains("B 16"));
        assert!(!lab.label(lab.runs[2].id).contains(&word));
    }

    #[test]
    fn runs_queue_for_the_pool_and_are_labelled_by_what_differs() {
        let mut lab = Lab::new(2);
        let mut commands = Vec::new();
        for (bs, lr) in [("32", "0.001"), ("128", "0.01"), ("512", "0.1")] {
            commands.extend(
                lab.add_run(config(&[("bs", bs), ("lr", lr), ("epochs", "1")]), RunKind::Curve, 0.0).unwrap().1,
            );
        }
        assert_eq!(commands.len(), 2, "two workers, two starts");
        assert_eq!(lab.runs[2].view.status, Status::Queued);
        drive(&mut lab, commands);
        assert!(lab.runs.iter().all(|r| !r.view.status.is_active() && r.view.summary.is_some()));
        let labels: Vec<String> = lab.runs.iter().map(|r| lab.label(r.id)).collect();
        assert_eq!(labels, ["B 32, η 0.001", "B 128, η 0.01", "B 512, η 0.1"]);
        assert_eq!(lab.runs.iter().map(|r| r.look).collect::<Vec<_>>(), [0, 1, 2]);
    }

    /// A session's link, opened in a fresh lab, replays the same runs to the same results bit for
    /// bit: forks, ensembles and hidden runs included.
    #[test]
    fn a_session_link_replays_the_same_runs() {
        let mut lab = Lab::new(2);
        let mut commands = Vec::new();
        for link in [&[("bs", "8"), ("epochs", "1")][..], &[("bs", "64"), ("lr", "0.4"), ("epochs", "1")]] {
            commands.extend(lab.add_run(config(link), RunKind::Curve, 0.0).unwrap().1);
        }
        let first = lab.runs[0].id;
        commands.extend(lab.add_seed(first, 0.0).unwrap().1);
        commands.extend(lab.fork(first, 90, &config(&[("lr", "0.5"), ("epochs", "2")]), 0.0).unwrap().1);
        lab.set_visible(lab.runs[1].id, false);
        drive(&mut lab, commands);
        let form = config(&[("bs", "64")]);
        let link = crate::deep_link::DeepLink { runs: lab.specs(), ..crate::deep_link::DeepLink::of_config(&form) };
        let query = link.to_query();
        let opened = crate::deep_link::parse(&query);
        assert!(opened.notices.is_empty(), "{:?}", opened.notices);
        let mut fresh = Lab::new(1);
        let commands = fresh.replay(&opened.runs, 0.0).unwrap();
        drive(&mut fresh, commands);
        let digest = |l: &Lab| -> Vec<String> {
            l.runs.iter().map(|r| r.view.summary.as_ref().unwrap().digest.clone()).collect()
        };
        assert_eq!(digest(&fresh), digest(&lab), "{query}");
        assert_eq!(fresh.runs[0].group, fresh.runs[2].group, "the seed joins its ensemble");
        assert_eq!(fresh.specs(), lab.specs());
    }

    #[test]
    fn seeds_make_an_ensemble_and_a_fork_continues_a_run() {
        let mut lab = Lab::new(1);
        let (first, mut commands) = lab.add_run(config(&[("epochs", "2")]), RunKind::Curve, 0.0).unwrap();
        let (second, more) = lab.add_seed(first, 0.0).unwrap();
        commands.extend(more);
        let form = config(&[("lr", "0.5"), ("epochs", "1")]);
        let (fork, more) = lab.fork(first, 45, &form, 0.0).unwrap();
        commands.extend(more);
        drive(&mut lab, commands);
        let (a, b) = (lab.run(first).unwrap(), lab.run(second).unwrap());
        assert_eq!((a.group, a.look), (b.group, b.look), "one ensemble, one colour");
        assert_eq!(b.config.seed, 2);
        assert_eq!(lab.label(second), "B 32, η 0.1, seed 2");
        let f = lab.run(fork).unwrap();
        assert_eq!(lab.label(fork), format!("fork of #{first} at step 45: η 0.5, epochs 1"));
        assert_eq!(f.view.trace.buckets()[0].last.step, 45);
        assert_eq!(f.view.summary.as_ref().unwrap().steps, 45 + 45);
        // A fork takes only η, B, the schedule and the length from the form; the rest is the run's.
        let (other, _) = lab.fork(first, 10, &config(&[("hidden", "16"), ("lr", "0.3")]), 0.0).unwrap();
        assert_eq!(lab.run(other).unwrap().config.model.hidden, [128]);
    }

    #[test]
    fn a_dead_worker_fails_its_run_and_the_next_job_takes_the_slot() {
        let mut lab = Lab::new(1);
        let (a, _) = lab.add_run(config(&[]), RunKind::Curve, 0.0).unwrap();
        let (b, _) = lab.add_run(config(&[("lr", "0.2")]), RunKind::Curve, 0.0).unwrap();
        let (commands, _) = lab.on_death(0, "panicked at x");
        assert_eq!(lab.run(a).unwrap().view.status, Status::Failed);
        assert!(matches!(&commands[..], [Command { slot: 0, msg: ToWorker::Start { .. } }]));
        assert_eq!(lab.run(b).unwrap().view.status, Status::Starting);
        // A late message of the failed job is dropped.
        let (c, _) = lab.on_message(0, FromWorker::Started { job: 1, total_steps: 9, plane: None }, 1.0);
        assert!(c.is_empty());
        assert_eq!(lab.run(a).unwrap().view.status, Status::Failed);
    }
}

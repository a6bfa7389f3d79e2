//! The pool of workers as a scheduler: each worker runs one job at a time, and jobs wait in a queue
//! (a person's runs before a sweep's cells) until a worker is free. It knows jobs by their target
//! only; what a job's messages mean to a run or a sweep is the lab's business.

use std::collections::VecDeque;
use std::sync::Arc;

use batchlab_trainer::data::Table;
use batchlab_trainer::RunConfig;

use crate::protocol::{ForkFrom, JobId, Mode, ToWorker};

pub type RunId = u32;

/// The most workers a pool has, whatever the machine reports: more would share too few cores.
pub const MAX_WORKERS: usize = 8;

/// A message for a worker of the pool; the page spawns the worker of a slot when it has none.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub slot: usize,
    pub msg: ToWorker,
}

/// What a job trains.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// A run on screen.
    Run(RunId),
    /// The sweep's cell of this index.
    Cell(usize),
}

#[derive(Clone, Debug)]
pub struct Job {
    pub id: JobId,
    pub target: Target,
    start: ToWorker,
}

#[derive(Clone, Debug)]
pub struct Pool {
    /// The job each worker is running.
    slots: Vec<Option<Job>>,
    queue: VecDeque<Job>,
    next_job: JobId,
}

impl Pool {
    /// A pool of `workers` workers (at least one, at most [`MAX_WORKERS`]).
    pub fn new(workers: usize) -> Self {
        Self { slots: vec![None; workers.clamp(1, MAX_WORKERS)], queue: VecDeque::new(), next_job: 1 }
    }

    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    /// Jobs running right now.
    pub fn running(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Queues a job; a run goes before every cell (a person waits for it).
    pub fn submit(
        &mut self,
        target: Target,
        config: RunConfig,
        fork: Option<Box<ForkFrom>>,
        mode: Mode,
        table: Option<Arc<Table>>,
    ) {
        let id = self.next_job;
        self.next_job += 1;
        let job = Job { id, target, start: ToWorker::Start { job: id, config: Box::new(config), fork, mode, table } };
        let at = match target {
            Target::Run(_) => self.queue.iter().position(|j| matches!(j.target, Target::Cell(_))),
            Target::Cell(_) => None,
        };
        self.queue.insert(at.unwrap_or(self.queue.len()), job);
    }

    /// Starts queued jobs on free workers: the commands, and the targets they started.
    pub fn dispatch(&mut self) -> (Vec<Command>, Vec<Target>) {
        let (mut out, mut started) = (Vec::new(), Vec::new());
        while let Some(slot) = self.slots.iter().position(Option::is_none) {
            let Some(job) = self.queue.pop_front() else { break };
            out.push(Command { slot, msg: job.start.clone() });
            started.push(job.target);
            self.slots[slot] = Some(job);
        }
        (out, started)
    }

    /// The job the worker of `slot` is running.
    pub fn job(&self, slot: usize) -> Option<&Job> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    /// The running jobs, by slot.
    pub fn jobs(&self) -> impl Iterator<Item = (usize, &Job)> {
        self.slots.iter().enumerate().filter_map(|(slot, j)| j.as_ref().map(|j| (slot, j)))
    }

    pub fn slot_of(&self, target: Target) -> Option<usize> {
        self.jobs().find(|(_, j)| j.target == target).map(|(slot, _)| slot)
    }

    /// The job of `slot` ended (or its worker died): the worker is free.
    pub fn end(&mut self, slot: usize) -> Option<Job> {
        self.slots.get_mut(slot).and_then(Option::take)
    }

    /// Drops the queued jobs that `which` picks and stops the running ones; returns the stops.
    pub fn cancel(&mut self, which: impl Fn(Target) -> bool) -> Vec<Command> {
        self.queue.retain(|j| !which(j.target));
        let mut out = Vec::new();
        for (slot, job) in self.slots.iter_mut().enumerate() {
            if job.as_ref().is_some_and(|j| which(j.target)) {
                *job = None;
                out.push(Command { slot, msg: ToWorker::Stop });
            }
        }
        out
    }

    /// The next job to start.
    #[cfg(test)]
    pub fn next_queued(&self) -> Option<Target> {
        self.queue.front().map(|j| j.target)
    }

    #[cfg(test)]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

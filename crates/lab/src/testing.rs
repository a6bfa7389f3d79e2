//! Helpers for tests, here and in the packages above (with the `testing` feature): a lab driven by
//! native workers, configs from link words, a CSV file's table and a read-back sweep's row.
#![allow(clippy::missing_panics_doc)] // a helper that cannot do its job fails the test

use batchlab_trainer::data::{CsvFile, Table};
use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::sweep::CellRow;
use batchlab_trainer::{BatchSize, RunConfig};

use crate::lab::{Command, Lab};
use crate::session::Session;

/// Carries the lab's commands out with one `Session` per slot, as the page would with workers,
/// until every job has ended.
pub fn drive(lab: &mut Lab, mut commands: Vec<Command>) {
    let mut workers: Vec<Session> = (0..lab.workers()).map(|_| Session::default()).collect();
    let mut t = 0.0;
    loop {
        let mut replies = Vec::new();
        for c in commands.drain(..) {
            replies.extend(workers[c.slot].handle(c.msg, t).into_iter().map(|m| (c.slot, m)));
        }
        for (slot, w) in workers.iter_mut().enumerate() {
            if w.wants_slice() {
                let mut clock = || {
                    t += 1.0;
                    t
                };
                replies.extend(w.slice(&mut clock).into_iter().map(|m| (slot, m)));
            }
        }
        for (slot, m) in replies {
            commands.extend(lab.on_message(slot, m, t).0);
        }
        if commands.is_empty() && !workers.iter().any(Session::wants_slice) {
            break;
        }
    }
}

/// The default config with a link's `key=value` words set.
pub fn config(link: &[(&str, &str)]) -> RunConfig {
    let mut c = RunConfig::default();
    assert_eq!(c.set_all(link.iter().copied()), []);
    c
}

/// A small CSV file's table: 60 rows, 3 features, 3 classes.
pub fn csv_table() -> Table {
    let text = (0..60)
        .map(|i| format!("{},{},{},{}\n", i % 3, (i * 7) % 11, i % 5, ["a", "b", "c"][i % 3]))
        .collect::<Vec<_>>()
        .concat();
    CsvFile::parse("mine.csv", &text).unwrap().table(&3.into()).unwrap()
}

/// A stand-in row of a read-back sweep: reading only moves rows, so they need not be real runs.
pub fn row(bs: usize, lr: f64, seed: u32) -> CellRow {
    CellRow {
        bs: BatchSize::Examples(bs),
        lr,
        seed,
        status: Verdict::Finished,
        final_train_loss: 0.5,
        final_val_loss: 0.6,
        final_val_acc: 0.8,
        steps_to_target: None,
        digest: "00000000000000ff".to_owned(),
    }
}

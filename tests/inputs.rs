//! Every input the page reads from outside — a link, a run's JSON, a sweep.csv, a kept session, a
//! person's own CSV file — is refused or read, never a panic: random text, and valid inputs with
//! random bytes changed. And what a person does with them: several shards opened together, a link that
//! names a sweep and runs, a file opened and the page reloaded — each read whole or refused naming
//! what, with no allocation past [`MAX_ALLOCATION`] however large a size a file states.

use std::alloc::{GlobalAlloc, Layout, System};

use batchlab::export;
use batchlab::keep::Saved;
use batchlab::lab::{Lab, RunKind};
use batchlab_trainer::data::CsvFile;
use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::settings::SETTINGS;
use batchlab_trainer::sweep::{merge, read_sweep_csv, to_csv_with_grid, CellRow, Grid, Shard, SweepCsv, MAX_FILE_ROWS};
use batchlab_trainer::{BatchSize, RunConfig};
use proptest::prelude::*;

/// The largest single allocation any reader may make here. Every size a file states (a shard count,
/// a grid, rows, seeds) is bounded before anything is sized by it, by limits far below this (a
/// sweep's 20,000 runs, an 8 MB sweep.csv, a 20 MB run file), and these inputs are small.
const MAX_ALLOCATION: usize = 64 << 20;

/// The system's allocator, refusing any single allocation past [`MAX_ALLOCATION`]: a size read from a
/// file fails the test (the process aborts, naming the size) instead of exhausting the machine.
struct Bounded;

// The one unsafe code of the workspace: an allocator must be, and this one only forwards to the
// system's within the bound.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's pointer, layout and size, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer and layout, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Bounded = Bounded;

/// A valid session link, a sweep file header and a run file to mutate.
const LINK: &str = "?bs=512&epochs=2&run=lr:0.001;bs:32&run=lr:0.01;bs:128;seed-of:1&run=fork:1@30;hidden&x=steps\
                    &sweep=batches:8,32;rates:0.02..4x12;seeds:1;target:0.9&shard=2/3&hide=lr&note=hi";
const SWEEP: &str =
    "# grid: {\"base\":[[\"epochs\",\"1\"]],\"batch_sizes\":[{\"Examples\":8}],\"lrs\":[0.1],\"seeds\":[1],\
                     \"target\":0.9}\n# shard: 1/1\nbs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,\
                     steps_to_target,digest\n8,0.1,1,finished,0.2,0.3,0.9,,00000000000000ff\n";

/// The grid a class's shards split, in the properties that open several at once.
fn class_grid() -> Grid {
    let base = RunConfig { epochs: 1, ..RunConfig::default() };
    Grid::new(&base, &[BatchSize::Examples(8), BatchSize::Full], &[0.1, 0.3, 1.0], &[1, 2], 0.9)
}

/// A stand-in row for a cell: opening and merging only move rows, so they need not be real runs.
fn row_of(bs: BatchSize, lr: f64, seed: u32) -> CellRow {
    CellRow {
        bs,
        lr,
        seed,
        status: Verdict::Finished,
        final_train_loss: lr,
        final_val_loss: 0.5,
        final_val_acc: 0.8,
        steps_to_target: None,
        digest: "00000000000000ff".to_owned(),
    }
}

/// A kept session: three runs (one another's seed), the form, and a sweep opened from a plain file.
fn kept_session() -> String {
    let mut lab = Lab::new(1);
    let form = RunConfig { epochs: 1, ..RunConfig::default() };
    let (first, _) = lab.add_run(form.clone(), RunKind::Curve, 0.0).unwrap();
    lab.add_seed(first, 0.0).unwrap();
    lab.add_run(RunConfig { lr: 0.3, ..form.clone() }, RunKind::RangeTest, 0.0).unwrap();
    let rows = vec![row_of(BatchSize::Examples(8), 0.1, 1), row_of(BatchSize::Full, 0.3, 2)];
    lab.import_sweep(rows, None, &form, 0.0).unwrap();
    Saved::of(&lab, &form, batchlab::share::ChartOptions::default()).write()
}

/// A person's CSV file, header and twelve rows, to mutate.
const OWN: &str = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n1.5,2.5,x\n3.5,4.5,y\n5.5,6.5,x\n7.5,8.5,y\n\
                   0,1,x\n2,3,y\n4,5,x\n6,7,y\n";

/// Reads a CSV file with every column as the label in turn; an accepted table is a sound one.
fn read_own(text: &str) {
    if let Ok(file) = CsvFile::parse("own.csv", text) {
        for label in 0..=file.columns.len() {
            if let Ok(t) = file.table(label) {
                assert_eq!(t.check(), Ok(()));
                let d = t.dataset();
                assert_eq!(d.train_len() + d.y_val.len(), t.shape.rows);
                // Written out and read back (label last), it is the same table.
                let again = CsvFile::parse("own.csv", &t.to_csv()).and_then(|f| f.table(f.columns.len() - 1));
                assert_eq!(again.map(|a| a.shape), Ok(t.shape), "{}", t.to_csv());
            }
        }
    }
}

/// `text` with the bytes at `at` replaced by `with` (kept UTF-8 by working on chars).
fn mutate(text: &str, edits: &[(usize, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, c) in edits {
        let i = at % chars.len();
        chars[i] = c;
    }
    chars.into_iter().collect()
}

/// 256 cases per property from a fixed seed in `cargo test`; `cargo xtask fuzz` sets
/// `BATCHLAB_FUZZ_CASES` (a million and more in all) and a new `BATCHLAB_FUZZ_SEED` each time.
fn config() -> ProptestConfig {
    let env = |key: &str| std::env::var(key).ok().and_then(|v| v.parse::<u64>().ok());
    ProptestConfig {
        cases: env("BATCHLAB_FUZZ_CASES").map_or(256, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        rng_seed: proptest::test_runner::RngSeed::Fixed(env("BATCHLAB_FUZZ_SEED").unwrap_or(20_261_130)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// A form field: any setting, any text; refused with a message, or a config that validates.
    #[test]
    fn any_form_edit_is_applied_or_refused(key in 0..SETTINGS.len(), value in "\\PC{0,40}") {
        let mut c = batchlab_trainer::RunConfig::default();
        if c.set(SETTINGS[key].key, &value).is_ok() {
            prop_assert!(c.validate().is_ok());
        }
    }

    #[test]
    fn random_text_is_read_or_refused(text in "\\PC{0,300}") {
        let _ = batchlab::deep_link::parse(&text);
        let _ = export::import(&text);
        let _ = read_sweep_csv(&text);
        let _ = Saved::read(&text);
        read_own(&text);
    }

    #[test]
    fn a_changed_csv_file_is_read_or_refused(edits in proptest::collection::vec((0usize..1000, any::<char>()), 1..6)) {
        read_own(&mutate(OWN, &edits));
    }

    #[test]
    fn a_changed_link_is_read_or_refused(edits in proptest::collection::vec((0usize..1000, any::<char>()), 1..6)) {
        let link = batchlab::deep_link::parse(&mutate(LINK, &edits));
        // Whatever was accepted writes itself back to a link that reads the same.
        let again = batchlab::deep_link::parse(&link.to_query());
        prop_assert_eq!(again.runs, link.runs);
        prop_assert_eq!(again.sweep, link.sweep);
    }

    #[test]
    fn a_changed_sweep_file_is_read_or_refused(edits in proptest::collection::vec((0usize..1000, any::<char>()), 1..6)) {
        let _ = read_sweep_csv(&mutate(SWEEP, &edits));
    }

    /// A class's shards opened together (some changed, some missing, any count however large): every
    /// file read whole and every row used in the merged sweep, or a refusal naming what.
    #[test]
    fn shards_opened_together_are_joined_whole_or_refused(
        count in prop_oneof![1usize..5, Just(u32::MAX as usize), Just(usize::MAX)],
        given in 1usize..6,
        damaged in 0usize..8,
        edits in proptest::collection::vec((0usize..2000, any::<char>()), 0..4),
    ) {
        let grid = class_grid();
        let files: Vec<String> = (1..=given.min(count))
            .map(|index| {
                let shard = Shard::new(index, count).unwrap();
                let rows: Vec<CellRow> = grid.shard(shard).iter().map(|c| row_of(c.batch_size, c.lr, c.seed)).collect();
                to_csv_with_grid(&grid, shard, &rows).unwrap()
            })
            .enumerate()
            .map(|(i, text)| if i == damaged && !edits.is_empty() { mutate(&text, &edits) } else { text })
            .collect();
        let mut parts = Vec::new();
        for text in &files {
            match read_sweep_csv(text) {
                Ok(SweepCsv { part: Some((g, s)), rows, .. }) => parts.push((g, s, rows)),
                Ok(SweepCsv { part: None, .. }) => return Ok(()), // a file no longer naming its grid: opened alone
                Err(e) => {
                    prop_assert!(e.to_string().starts_with("sweep.csv"), "{e}");
                    return Ok(());
                }
            }
        }
        let read: usize = parts.iter().map(|p| p.2.len()).sum();
        match merge(&parts) {
            Ok((merged_grid, rows)) => {
                prop_assert_eq!(rows.len(), read, "every row read is in the merged sweep");
                prop_assert_eq!(rows.len(), merged_grid.cells().len(), "and every cell has its row");
                let mut lab = Lab::new(1);
                lab.show_merged(merged_grid, &rows, 0.0);
                prop_assert_eq!(lab.sweep.as_ref().unwrap().done(), read);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// A link that names a sweep and runs, changed: it starts all it names, or (a notice naming each
    /// refusal) nothing at all.
    #[test]
    fn a_link_naming_a_sweep_and_runs_starts_all_of_it_or_nothing(
        edits in proptest::collection::vec((0usize..1000, any::<char>()), 1..6),
    ) {
        let link = batchlab::deep_link::parse(&mutate(LINK, &edits));
        let mut lab = Lab::new(2);
        if link.notices.is_empty() {
            let commands = lab.replay(&link.runs, 0.0).unwrap();
            prop_assert!(commands.len() <= lab.workers());
            prop_assert!(lab.runs.len() == link.runs.len() && lab.runs.len() <= batchlab::share::MAX_RUNS);
            if let Some(s) = link.sweep {
                prop_assert!(s.grid.check().is_ok() && s.grid.check_page_size().is_ok());
                let _ = lab.start_sweep(s.grid, s.shard, 0.0);
            }
        } else {
            prop_assert!(link.runs.is_empty() && link.sweep.is_none() && !link.autostart);
        }
    }

    /// A kept session, changed, then the page reloaded: restored whole (its runs, its sweep), or
    /// refused naming what.
    #[test]
    fn a_kept_session_then_a_reload_restores_whole_or_is_refused(
        edits in proptest::collection::vec((0usize..4000, any::<char>()), 0..4),
    ) {
        let text = kept_session();
        match Saved::read(&mutate(&text, &edits)) {
            Ok(kept) => {
                let (runs, sweep) = (kept.link.runs.len(), kept.sweep_csv.is_some());
                let mut lab = Lab::new(1);
                let (_, notices) = lab.restore(kept, 0.0);
                prop_assert!(notices.is_empty(), "{notices:?}");
                prop_assert_eq!(lab.runs.len(), runs);
                prop_assert_eq!(lab.sweep.is_some(), sweep);
                prop_assert!(lab.sweep.as_ref().map_or(0, |s| s.rows.len()) <= MAX_FILE_ROWS);
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    /// A sweep.csv opened, then the page reloaded: the same sweep, every row of the file, comes back;
    /// a file refused is refused naming its line or its size.
    #[test]
    fn a_sweep_file_opened_then_a_reload_is_the_same_sweep(
        cells in proptest::collection::vec((1usize..6, 0usize..4, 0u32..40), 1..40),
        partial in proptest::option::of(0usize..60),
    ) {
        let rows: Vec<String> = cells
            .iter()
            .map(|&(b, l, seed)| format!("{},{},{seed},finished,0.5,0.5,0.8,,00000000000000ff", 8 * b, [0.01, 0.1, 1.0, 10.0][l]))
            .collect();
        let head = partial.map(|done| format!("# partial: {done} of 100 cells done\n")).unwrap_or_default();
        let text = format!("{head}bs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,steps_to_target,digest\n{}\n", rows.join("\n"));
        let read = match read_sweep_csv(&text) {
            Ok(read) => read,
            Err(e) => {
                prop_assert!(e.to_string().contains("line"), "{e}");
                return Ok(());
            }
        };
        prop_assert_eq!(read.rows.len(), cells.len(), "every row read");
        let form = RunConfig::default();
        let mut lab = Lab::new(1);
        lab.import_sweep(read.rows, read.unfinished, &form, 0.0).unwrap();
        let kept = Saved::read(&Saved::of(&lab, &form, batchlab::share::ChartOptions::default()).write()).unwrap();
        let mut reloaded = Lab::new(1);
        let (_, notices) = reloaded.restore(kept, 0.0);
        prop_assert!(notices.is_empty(), "{notices:?}");
        let (was, now) = (lab.sweep.unwrap(), reloaded.sweep.unwrap());
        prop_assert_eq!(now.done(), cells.len());
        prop_assert_eq!((now.rows, now.grid, now.unfinished), (was.rows, was.grid, was.unfinished));
    }
}

//! Every input the page reads from outside — a link, a run's JSON, a sweep.csv, a kept session, a
//! person's own CSV file — is refused or read, never a panic: random text, and valid inputs with
//! random bytes changed. And what a person does with them: several shards opened together, a link that
//! names a sweep and runs, a file opened and the page reloaded — each read whole or refused naming
//! what, with no allocation past [`MAX_ALLOCATION`] however large a size a file states. A CSV file is
//! read whole or refused naming its line, within a bounded allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use batchlab::export;
use batchlab::keep::SessionFile;
use batchlab::lab::{Lab, RunKind};
use batchlab_trainer::data::table::{READ_BYTES_PER_FILE_BYTE, READ_BYTES_SLACK};
use batchlab_trainer::data::{CsvFile, TableError};
use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::settings::SETTINGS;
use batchlab_trainer::sweep::{merge, read_sweep_csv, to_csv_with_grid, CellRow, Grid, Shard, SweepCsv, MAX_FILE_ROWS};
use batchlab_trainer::{BatchSize, RunConfig};
use proptest::prelude::*;

/// The largest single allocation any reader may make here. Every size a file states (a shard count,
/// a grid, rows, seeds) is bounded before anything is sized by it, by limits far below this (a
/// sweep's 20,000 runs, an 8 MB sweep.csv, a 20 MB run file), and these inputs are small.
const MAX_ALLOCATION: usize = 64 << 20;

/// The system's allocator, refusing any single allocation past [`MAX_ALLOCATION`] (a size read from a
/// file fails the test, naming the size, instead of exhausting the machine) and counting what each
/// thread holds (for the CSV reader's bound).
struct Bounded;

// The one unsafe code of the workspace: an allocator must be, and this one only forwards to the
// system's within the bound, counting.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's pointer, layout and size, forwarded.
        let q = unsafe { System.realloc(ptr, layout, new_size) };
        if !q.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        q
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's pointer and layout, forwarded.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
}

#[global_allocator]
static ALLOCATOR: Bounded = Bounded;

/// A valid session link, a sweep file header and a run file to mutate.
const LINK: &str = "?bs=512&epochs=2&run=lr:0.001;bs:32&run=lr:0.01;bs:128;seed-of:1&run=fork:1@30;hidden&run=lr:0.05;fork:@9;parent-lr:0.2&x=steps\
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
    SessionFile::of(&lab, &form, batchlab::share::ChartOptions::default()).write()
}

/// A person's CSV file, header and twelve rows, to mutate.
const OWN: &str = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n1.5,2.5,x\n3.5,4.5,y\n5.5,6.5,x\n7.5,8.5,y\n\
                   0,1,x\n2,3,y\n4,5,x\n6,7,y\n";

thread_local! {
    /// Bytes this thread has allocated and not freed (less what it freed of other threads'), and
    /// their peak.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(by: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + by);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

/// `f`'s result and the most bytes it held at once.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    (out, usize::try_from(PEAK.with(Cell::get) - before).unwrap_or(0))
}

/// The lines of a text as an editor numbers them (CRLF, LF and CR each end one), without the blank
/// lines at its end.
fn lines(text: &str) -> usize {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines.len()
}

/// Reads a CSV file with its likeliest columns, and with every column as the label in turn: an
/// accepted file has a row for each line but its header (when no quoted cell spans lines), a
/// refused one names a line of it; an accepted table is a sound one, and written out and read back
/// it is the same table. Reading holds at most `READ_BYTES_PER_FILE_BYTE` bytes per byte of text.
fn read_own(text: &str) {
    let (file, held) = peak_during(|| {
        let file = CsvFile::parse("own.csv", text);
        if let Ok(f) = &file {
            let _ = f.table(&f.choice(None));
        }
        file
    });
    assert!(
        held <= READ_BYTES_PER_FILE_BYTE * text.len() + READ_BYTES_SLACK,
        "{held} bytes held for {} of text",
        text.len()
    );
    let file = match file {
        Ok(file) => file,
        Err(TableError::Line { line, .. }) => {
            assert!((1..=lines(text) as u64 + 1).contains(&line), "line {line} of {}: {text:?}", lines(text));
            return;
        }
        Err(_) => return,
    };
    if !text.contains('"') {
        assert_eq!(file.rows() + usize::from(file.has_header), lines(text), "{text:?}");
    }
    let choices = (0..=file.columns.len()).map(Into::into).chain([file.choice(None)]);
    for choice in choices {
        if let Ok(t) = file.table(&choice) {
            assert_eq!(t.check(), Ok(()));
            let d = t.dataset();
            assert_eq!(d.train_len() + d.y_val.len(), t.shape.rows);
            // Written out and read back (label last), it is the same table.
            let again = CsvFile::parse("own.csv", &t.to_csv()).and_then(|f| f.table(&(f.columns.len() - 1).into()));
            assert_eq!(again, Ok(t.clone()), "{}", t.to_csv());
        }
    }
}

/// Files at the limits and beyond them are read or refused holding a bounded multiple of their size:
/// every limit is checked as the file is read, before what it bounds is kept.
#[test]
fn a_large_or_hostile_csv_file_is_read_within_a_bounded_allocation() {
    use batchlab_trainer::data::table::{MAX_FILE_BYTES, MAX_ROWS};
    let row = |i: usize| {
        (0..50).map(|j| ((i * 31 + j * 17) % 997).to_string()).collect::<Vec<_>>().join(",") + &format!(",c{}\n", i % 7)
    };
    let largest: String = (0..MAX_ROWS).map(row).collect();
    let empty_cells = format!("1{},x\n", ",".repeat(998)).repeat(MAX_FILE_BYTES / 1002);
    let commas = format!("a,b,c\n1,2,x\n{}\n", ",".repeat(MAX_FILE_BYTES - 20));
    let rows = "1,x\n".repeat(MAX_ROWS + 1);
    let short_rows = "1,x\n".repeat(MAX_FILE_BYTES / 4);
    for (text, bound) in [
        (largest, READ_BYTES_PER_FILE_BYTE),
        (empty_cells, READ_BYTES_PER_FILE_BYTE),
        // A line's cells beyond the first line's width are counted, not kept.
        (commas, 0),
        (rows, READ_BYTES_PER_FILE_BYTE),
        (short_rows, READ_BYTES_PER_FILE_BYTE),
    ] {
        let (read, held) = peak_during(|| CsvFile::parse("big.csv", &text).and_then(|f| f.table(&f.choice(None))));
        let bound = bound * text.len() + READ_BYTES_SLACK;
        assert!(held <= bound, "{held} bytes held for {} of text ({:?})", text.len(), read.map(|t| t.shape));
    }
}

/// Numbers as spreadsheets write them (a decimal comma where cells are not comma-separated), and
/// cells that are not: a missing value, words, a formula, a quote.
const NUMBERS: [&str; 8] = ["1", "2.5", "-3", "0.125", "1.0", "7e3", "-0", "42"];
const ODD: [&str; 14] =
    ["", " ", "NaN", "#a", "x", "y", "=x", "-a", "\"q,\"\"\"", "3.5e38", "inf", ",,", "\"a\nb\"", "1.000,5"];
const SEPARATORS: [&str; 3] = [",", ";", "\t"];
const ENDS: [&str; 3] = ["\n", "\r\n", "\r"];

/// A CSV file of `width` columns, with or without a header, a word label column or not, its
/// separator, decimal mark and line ends, with a few odd cells put in.
fn csv_file() -> impl Strategy<Value = String> {
    (0..3usize, 0..3usize, 2..6usize, any::<(bool, bool, bool)>())
        .prop_flat_map(|(sep, end, width, flags)| {
            let row = proptest::collection::vec(proptest::sample::select(&NUMBERS[..]), width);
            let odd = proptest::collection::vec((any::<usize>(), proptest::sample::select(&ODD[..])), 0..3);
            (Just((sep, end, flags)), proptest::collection::vec(row, 8..30), odd)
        })
        .prop_map(|((sep, end, (header, words, comma)), mut rows, odd)| {
            let width = rows[0].len();
            let mut cells: Vec<String> = rows.iter_mut().flatten().map(|c| (*c).to_owned()).collect();
            for (i, c) in cells.iter_mut().enumerate() {
                if words && i % width == width - 1 {
                    ["x", "y", "#z"][i % 3].clone_into(c);
                } else if comma && sep > 0 {
                    *c = c.replace('.', ",");
                }
            }
            for (at, c) in odd {
                let i = at % cells.len();
                c.clone_into(&mut cells[i]);
            }
            let mut text = if header {
                (0..width).map(|j| format!("c{j}")).collect::<Vec<_>>().join(SEPARATORS[sep]) + ENDS[end]
            } else {
                String::new()
            };
            for row in cells.chunks(width) {
                text += &row.join(SEPARATORS[sep]);
                text += ENDS[end];
            }
            text
        })
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
        let _ = SessionFile::read(&text);
        read_own(&text);
    }

    #[test]
    fn a_csv_file_as_people_write_it_is_read_whole_or_refused_by_its_line(text in csv_file()) {
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
        match SessionFile::read(&mutate(&text, &edits)) {
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
        let kept = SessionFile::read(&SessionFile::of(&lab, &form, batchlab::share::ChartOptions::default()).write()).unwrap();
        let mut reloaded = Lab::new(1);
        let (_, notices) = reloaded.restore(kept, 0.0);
        prop_assert!(notices.is_empty(), "{notices:?}");
        let (was, now) = (lab.sweep.unwrap(), reloaded.sweep.unwrap());
        prop_assert_eq!(now.done(), cells.len());
        prop_assert_eq!((now.unfinished(), now.rows, now.grid), (was.unfinished(), was.rows, was.grid));
    }
}

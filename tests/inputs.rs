//! Every input the page reads from outside — a link, a run's JSON, a sweep.csv, a kept session, a
//! person's own CSV file — is refused or read, never a panic: random text, and valid inputs with
//! random bytes changed.

use batchlab::export;
use batchlab::keep::Saved;
use batchlab_trainer::data::CsvFile;
use batchlab_trainer::settings::SETTINGS;
use batchlab_trainer::sweep::read_sweep_csv;
use proptest::prelude::*;

/// A valid session link, a sweep file header and a run file to mutate.
const LINK: &str = "?bs=512&epochs=2&run=lr:0.001;bs:32&run=lr:0.01;bs:128;seed-of:1&run=fork:1@30;hidden&x=steps\
                    &sweep=batches:8,32;rates:0.02..4x12;seeds:1;target:0.9&shard=2/3&hide=lr&note=hi";
const SWEEP: &str =
    "# grid: {\"base\":[[\"epochs\",\"1\"]],\"batch_sizes\":[{\"Examples\":8}],\"lrs\":[0.1],\"seeds\":[1],\
                     \"target\":0.9}\n# shard: 1/1\nbs,lr,seed,status,final_train_loss,final_val_loss,final_val_acc,\
                     steps_to_target,digest\n8,0.1,1,finished,0.2,0.3,0.9,,00000000000000ff\n";

/// A person's CSV file, header and twelve rows, to mutate.
const OWN: &str = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n1.5,2.5,x\n3.5,4.5,y\n5.5,6.5,x\n7.5,8.5,y\n\
                   0,1,x\n2,3,y\n4,5,x\n6,7,y\n";

/// Reads a CSV file with every column as the label in turn; an accepted table is a sound one.
fn read_own(text: &str) {
    if let Ok(file) = CsvFile::parse("own.csv", text) {
        for label in 0..=file.columns.len() {
            if let Ok(t) = file.table(&label.into()) {
                assert_eq!(t.check(), Ok(()));
                let d = t.dataset();
                assert_eq!(d.train_len() + d.y_val.len(), t.shape.rows);
                // Written out and read back (label last), it is the same table.
                let again = CsvFile::parse("own.csv", &t.to_csv()).and_then(|f| f.table(&(f.columns.len() - 1).into()));
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
}

//! The run settings as flags, built from the trainer's settings table: one flag per key, the same word
//! as in a link (`--bs-growth 10x3` ⇔ `?bs_growth=10x3`), the same limits, applied by
//! `RunConfig::set_all`.

use std::io::Read;

use batchlab_trainer::data::table::{shortened, MAX_FILE_BYTES, SHOWN_NAME_CHARS};
use batchlab_trainer::data::{CsvFile, Table};
use batchlab_trainer::settings::{setting, SETTINGS};
use batchlab_trainer::DatasetKind;
use batchlab_trainer::{ConfigError, RunConfig};
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

/// The settings given on the command line, as `key=value` pairs.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub given: Vec<(&'static str, String)>,
    /// `--label`: the label column of `--dataset FILE.csv`, by name or number.
    pub label: Option<String>,
    /// `--drop`: columns of `--dataset FILE.csv` to leave out, by name or number.
    pub drop: Vec<String>,
}

impl FromArgMatches for Settings {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given =
            SETTINGS.iter().filter_map(|s| matches.get_one::<String>(s.key).map(|v| (s.key, v.clone()))).collect();
        Ok(Self {
            given,
            label: matches.get_one::<String>("label").cloned(),
            drop: matches.get_many::<String>("drop").map(|d| d.cloned().collect()).unwrap_or_default(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for Settings {
    fn augment_args(cmd: Command) -> Command {
        cmd.args(SETTINGS.iter().map(|s| {
            let unit = if s.unit.is_empty() { String::new() } else { format!(" ({})", s.unit) };
            Arg::new(s.key)
                .long(s.flag())
                .value_name("VALUE")
                .help(format!("{} Values: {}{unit}. Default: {}.", s.help, s.domain.describe(), s.default))
                .help_heading("Run settings (the same words as the page's links)")
        }))
        .arg(
            Arg::new("label")
                .long("label")
                .value_name("COLUMN")
                .help(
                    "With --dataset FILE.csv: the label column, by its name or number (1 is the first); default: the \
                     last column of words with 2 to 50 distinct values, else the last column of numbers",
                )
                .help_heading("Run settings (the same words as the page's links)"),
        )
        .arg(
            Arg::new("drop")
                .long("drop")
                .value_name("COLUMN[,COLUMN…]")
                .action(clap::ArgAction::Append)
                .help(
                    "With --dataset FILE.csv: columns to leave out (an id, a comment), by name or number; columns of \
                     words other than the label are always left out",
                )
                .help_heading("Run settings (the same words as the page's links)"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl Settings {
    /// The value given for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.given.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    /// These settings without `keys` (a sweep takes its lists of batch sizes and rates apart).
    pub fn without(&self, keys: &[&str]) -> Self {
        Self {
            given: self.given.iter().filter(|(k, _)| !keys.contains(k)).cloned().collect(),
            label: None,
            drop: Vec::new(),
        }
    }

    /// `--dataset FILE.csv` read into its table (the page's reader, the same limits; at most
    /// `MAX_FILE_BYTES` are read whatever the file says its length is: a device or a FIFO too), and
    /// these settings naming it as a link does (`dataset=csv:ROWSxFEATURESxCLASSES:DIGEST`). A data
    /// set's name or a `csv:` word is left as it is.
    pub fn with_table(&self) -> Result<(Self, Option<Table>), String> {
        let path = match self.get("dataset") {
            // The bare word `csv` is no file: the settings refuse it.
            Some(v) if v != "csv" && !v.starts_with("csv:") && DatasetKind::from_name(v).is_none() => {
                std::path::PathBuf::from(v)
            }
            _ if self.label.is_some() || !self.drop.is_empty() => {
                return Err("--label and --drop go with --dataset FILE.csv".to_owned())
            }
            _ => return Ok((self.clone(), None)),
        };
        let shown = path.display();
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("--dataset {shown}: {e}"))?;
        let name = path.file_name().map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
        let file = CsvFile::read(&name, &bytes).map_err(|e| format!("--dataset {shown}: {e}"))?;
        let label = self.label.as_deref().map(|l| column(&file, "--label", l)).transpose()?;
        let mut choice = file.choice(label);
        for d in self.drop.iter().flat_map(|d| d.split(',').map(str::trim)) {
            let j = column(&file, "--drop", d)?;
            if j == choice.label {
                return Err(format!("--drop {d}: that is the label column (choose another with --label)"));
            }
            if !choice.left_out.contains(&j) {
                choice.left_out.push(j);
            }
        }
        let table = file.table(&choice).map_err(|e| format!("--dataset {shown}: {e}"))?;
        eprintln!("{}", crate::printable(&table.summary()));
        eprintln!("{}", crate::printable(&file.reading(&choice)));
        let mut named = self.clone();
        for (k, v) in &mut named.given {
            if *k == "dataset" {
                *v = format!("csv:{}", table.shape);
            }
        }
        Ok((named, Some(table)))
    }

    /// `base` with these settings applied; every refusal is reported, with its flag.
    pub fn apply_to(&self, mut base: RunConfig) -> Result<RunConfig, String> {
        let errors = base.set_all(self.given.iter().map(|(k, v)| (*k, v.as_str())));
        if errors.is_empty() {
            Ok(base)
        } else {
            Err(errors.iter().map(with_flag).collect::<Vec<_>>().join("; "))
        }
    }

    /// The config these flags describe, from the table's defaults.
    pub fn config(&self) -> Result<RunConfig, String> {
        self.apply_to(RunConfig::default())
    }
}

/// The column `given` names in `file`: by its name, else by its number (1 is the first).
fn column(file: &CsvFile, flag: &str, given: &str) -> Result<usize, String> {
    let named: Vec<usize> = (0..file.columns.len()).filter(|&j| file.columns[j] == given).collect();
    match named[..] {
        [j] => Ok(j),
        [a, b, ..] => {
            Err(format!("{flag} {given}: columns {} and {} are both named so; give its number", a + 1, b + 1))
        }
        [] => given
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=file.columns.len()).contains(n))
            .map(|n| n - 1)
            .ok_or_else(|| {
                const LISTED: usize = 20;
                let mut names: Vec<_> =
                    file.columns.iter().take(LISTED).map(|c| shortened(c, SHOWN_NAME_CHARS)).collect();
                if file.columns.len() > LISTED {
                    names.push(format!("… {} columns in all", file.columns.len()).into());
                }
                format!(
                    "{flag} {given}: {} has no such column ({})",
                    shortened(&file.name, SHOWN_NAME_CHARS),
                    names.join(", ")
                )
            }),
    }
}

/// A refusal with the flag it concerns, for people at a terminal.
fn with_flag(e: &ConfigError) -> String {
    match e.key().and_then(setting) {
        Some(s) => format!("{e} (--{})", s.flag()),
        None => e.to_string(),
    }
}

/// Splits a comma-separated flag value (the setting's default when not given) and applies each item
/// to `key` of `base`, to check and parse it exactly as a single value would be; a value given twice
/// (`8,8`, `0.1,1e-1`) is refused, since a grid's rows and columns must differ.
pub fn list<T: PartialEq>(
    base: &RunConfig,
    key: &str,
    values: Option<&str>,
    read: impl Fn(&RunConfig) -> T,
) -> Result<Vec<T>, String> {
    let values = values.or_else(|| setting(key).map(|s| s.default)).ok_or_else(|| format!("no setting {key}"))?;
    let mut out: Vec<T> = Vec::new();
    for v in values.split(',') {
        let mut c = base.clone();
        let value = c.set(key, v).map(|()| read(&c)).map_err(|e| with_flag(&e))?;
        if out.contains(&value) {
            return Err(format!("--{} lists {} twice: each value may appear once", key.replace('_', "-"), v.trim()));
        }
        out.push(value);
    }
    Ok(out)
}

//! Data sets: the UCI digits, seeded 2-D toy problems and a person's own CSV file, already split into
//! training and validation, and the configuration that names them.

mod cells;
mod digits;
pub mod table;
mod toy;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use cells::{decode, Format};
pub use digits::{digits, DIGITS_ATTRIBUTION, DIGITS_ROWS, DIGITS_TRAIN_ROWS, DIGITS_VAL_ROWS};
pub use table::{Choice, CsvFile, Table, TableError, TableShape};

crate::named_enum! {
    /// A data set BatchLab has: the digits or a seeded toy set. (A person's CSV file is a
    /// [`DataSource::Csv`], named by its table.)
    pub enum DatasetKind {
        Digits => ("digits", "digits (UCI 8×8)"),
        Moons => ("moons", "moons"),
        Circles => ("circles", "circles"),
        Spiral => ("spiral", "spiral"),
        Xor => ("xor", "XOR"),
        Blobs => ("blobs", "blobs"),
    }
}

/// The word of a CSV source, where a named set has its [`DatasetKind::name`] (a link says
/// `dataset=csv:SHAPE`; serde writes `"kind": "csv"` beside the table).
const CSV: &str = "csv";

/// Where a run's data comes from: a data set BatchLab has, or a person's CSV file, which always
/// names its table (by its shape and digest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSource {
    Named(DatasetKind),
    Csv(TableShape),
}

impl DataSource {
    /// The source's word: a named set's, or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            DataSource::Named(kind) => kind.name(),
            DataSource::Csv(_) => CSV,
        }
    }

    /// One sentence for people about the set.
    pub fn about(self) -> String {
        match self {
            DataSource::Named(kind) => kind.about(),
            DataSource::Csv(_) => "Your own CSV file, read in this browser and never uploaded.".to_owned(),
        }
    }
}

/// The data set of a run: its source, and `points` and `noise`, which shape the toy sets. The
/// settings table's `dataset` entry writes the source.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DatasetFields", into = "DatasetFields")]
pub struct DatasetConfig {
    pub source: DataSource,
    /// Total points of a toy set (training + validation).
    pub points: usize,
    /// Standard deviation of the Gaussian noise added to each toy point.
    pub noise: f64,
}

/// [`DatasetConfig`] as serde writes it (in the worker's messages), field for field as it was before
/// the source was one enum: the kind's word (`csv` for a CSV file) and the table apart, so what was
/// written then reads the same. A `csv` without its table, or a table beside a named set, is refused
/// as `validate` refused it then.
#[derive(Serialize, Deserialize)]
struct DatasetFields {
    kind: KindWord,
    points: usize,
    noise: f64,
    table: Option<TableShape>,
}

/// [`DatasetFields`]'s `kind`: a named set, or `None` for `csv`; read and written as its word.
struct KindWord(Option<DatasetKind>);

impl Serialize for KindWord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.map_or(CSV, DatasetKind::name))
    }
}

impl<'de> Deserialize<'de> for KindWord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        if word == CSV {
            return Ok(KindWord(None));
        }
        DatasetKind::from_name(&word).map(|kind| KindWord(Some(kind))).ok_or_else(|| {
            let words: Vec<&str> = DatasetKind::NAMES.iter().copied().chain([CSV]).collect();
            serde::de::Error::custom(format!("expected one of {words:?}, got \"{word}\""))
        })
    }
}

impl TryFrom<DatasetFields> for DatasetConfig {
    type Error = &'static str;

    fn try_from(f: DatasetFields) -> Result<Self, Self::Error> {
        let source = match (f.kind.0, f.table) {
            (Some(kind), None) => DataSource::Named(kind),
            (None, Some(table)) => DataSource::Csv(table),
            _ => return Err("a CSV file's table goes with dataset=csv:…, and only with it"),
        };
        Ok(DatasetConfig { source, points: f.points, noise: f.noise })
    }
}

impl From<DatasetConfig> for DatasetFields {
    fn from(c: DatasetConfig) -> Self {
        let (kind, table) = match c.source {
            DataSource::Named(kind) => (Some(kind), None),
            DataSource::Csv(table) => (None, Some(table)),
        };
        DatasetFields { kind: KindWord(kind), points: c.points, noise: c.noise, table }
    }
}

impl DatasetKind {
    /// One sentence for people about the set.
    pub fn about(self) -> String {
        match self {
            DatasetKind::Digits => {
                format!(
                    "8×8 handwritten digits, 10 classes: {DIGITS_TRAIN_ROWS} to train, {DIGITS_VAL_ROWS} to validate."
                )
            }
            DatasetKind::Moons => "Two interleaved half-circles, 2 classes.".to_owned(),
            DatasetKind::Circles => "A ring around a disc, 2 classes.".to_owned(),
            DatasetKind::Spiral => "Three spiral arms, 3 classes.".to_owned(),
            DatasetKind::Xor => "Points labelled by the signs of x and y, 2 classes.".to_owned(),
            DatasetKind::Blobs => "Three Gaussian blobs, 3 classes.".to_owned(),
        }
    }

    /// The generator of a toy set; `None` for the digits, which are loaded.
    fn shape(self) -> Option<toy::Shape> {
        match self {
            DatasetKind::Digits => None,
            DatasetKind::Moons => Some(toy::moons),
            DatasetKind::Circles => Some(toy::circles),
            DatasetKind::Spiral => Some(toy::spiral),
            DatasetKind::Xor => Some(toy::xor),
            DatasetKind::Blobs => Some(toy::blobs),
        }
    }
}

impl DatasetConfig {
    /// The CSV file's table this data set is, when it is one.
    pub fn table(&self) -> Option<TableShape> {
        match self.source {
            DataSource::Csv(table) => Some(table),
            DataSource::Named(_) => None,
        }
    }

    /// Number of classes, known without loading the data.
    pub fn classes(&self) -> usize {
        match self.source {
            DataSource::Named(DatasetKind::Digits) => 10,
            DataSource::Named(DatasetKind::Spiral | DatasetKind::Blobs) => 3,
            DataSource::Named(DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Xor) => 2,
            DataSource::Csv(t) => t.classes,
        }
    }

    /// Input features: 64 pixels for the digits, 2 coordinates for the toy sets, a table's columns.
    pub fn features(&self) -> usize {
        match self.source {
            DataSource::Named(DatasetKind::Digits) => 64,
            DataSource::Named(
                DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs,
            ) => 2,
            DataSource::Csv(t) => t.features,
        }
    }

    /// Rows, training and validation together.
    pub fn rows(&self) -> usize {
        match self.source {
            DataSource::Named(DatasetKind::Digits) => DIGITS_ROWS,
            DataSource::Csv(t) => t.rows,
            DataSource::Named(
                DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs,
            ) => self.points,
        }
    }

    /// A toy set's points (training and validation) as a table to edit by hand; `None` for the
    /// digits, a CSV file (already a table) and a set too large for a table.
    pub fn toy_table(&self, seed: u32) -> Option<Table> {
        let DataSource::Named(kind) = self.source else { return None };
        let shape = kind.shape()?;
        if self.points > table::MAX_ROWS {
            return None;
        }
        let d = toy::generate(kind.name(), shape, self.classes(), self.points, self.noise, seed);
        let x = d.x_train.iter().chain(d.x_val.iter()).copied().collect();
        let y = d.y_train.iter().chain(&d.y_val).map(|&k| k as u16).collect();
        let names = |n: usize| (0..n).map(|k| k.to_string()).collect();
        let name = format!("{} (seed {seed})", kind.label());
        Some(Table::new(&name, vec!["x".to_owned(), "y".to_owned()], "class".to_owned(), names(self.classes()), x, y))
    }

    /// Training rows the data set will have, without generating it.
    pub fn train_len(&self) -> usize {
        match self.source {
            DataSource::Named(DatasetKind::Digits) => DIGITS_TRAIN_ROWS,
            DataSource::Csv(t) => t.train_len(),
            DataSource::Named(
                DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs,
            ) => toy::train_len(self.points),
        }
    }
}

/// A classification data set, split. Features are `f32` rows; labels are class indices.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub name: String,
    pub x_train: Array2<f32>,
    pub y_train: Vec<usize>,
    pub x_val: Array2<f32>,
    pub y_val: Vec<usize>,
    pub classes: usize,
}

#[derive(Debug, Error)]
pub enum DataError {
    #[error("the digits file is damaged: {0}")]
    Corrupt(String),
    #[error("this run trains on a CSV file ({0}) that was not given to it")]
    NoTable(String),
    #[error("the table given ({given}) is not the one this run names ({named})")]
    OtherTable { given: String, named: String },
    /// A kind neither loaded, generated nor read from a table: a new kind without its loader.
    #[error("BatchLab has no way to load the data set {0}")]
    NoLoader(DatasetKind),
    #[error(transparent)]
    Table(#[from] TableError),
}

impl Dataset {
    /// Builds the data set a config names. Toy sets are generated from `seed`; a CSV file's table
    /// must be `table`, the one the config names by its digest.
    pub fn load(config: &DatasetConfig, seed: u32, table: Option<&Table>) -> Result<Self, DataError> {
        let kind = match config.source {
            DataSource::Named(kind) => kind,
            DataSource::Csv(named) => {
                let t = table.ok_or_else(|| DataError::NoTable(named.to_string()))?;
                if t.shape != named {
                    return Err(DataError::OtherTable { given: t.shape.to_string(), named: named.to_string() });
                }
                t.check()?;
                return Ok(t.dataset());
            }
        };
        match kind.shape() {
            Some(shape) => Ok(toy::generate(kind.name(), shape, config.classes(), config.points, config.noise, seed)),
            None if kind == DatasetKind::Digits => digits(),
            None => Err(DataError::NoLoader(kind)),
        }
    }

    pub fn features(&self) -> usize {
        self.x_train.ncols()
    }

    pub fn train_len(&self) -> usize {
        self.y_train.len()
    }

    /// The training split.
    pub fn train(&self) -> crate::model::Examples<'_, f32> {
        crate::model::Examples::new(self.x_train.view(), &self.y_train)
    }

    /// Each class's share of the training labels.
    pub fn class_frequencies(&self) -> Vec<f64> {
        let mut counts = vec![0usize; self.classes];
        for &y in &self.y_train {
            counts[y] += 1;
        }
        counts.iter().map(|&c| c as f64 / self.train_len() as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunConfig;

    /// Configs as serde wrote them before a CSV source carried its table (written by the code of
    /// a450c22, kind and table apart) read back equal and are written again the same; a `csv` with
    /// no table, or a table beside a named set, is refused.
    #[test]
    fn a_config_written_before_the_source_carried_its_table_reads_back_equal() {
        let csv = r#"{"dataset":{"kind":"csv","points":500,"noise":0.1,"table":"60x3x3:00c0ffee12345678"},"model":{"hidden":[128],"activation":"relu","loss":"xent"},"optimizer":{"kind":"sgd","momentum":0.9,"beta2":0.999,"weight_decay":0.0,"clip_norm":null},"lr":0.05,"batch_size":{"Examples":16},"schedule":{"kind":"constant","step_every":3,"gamma":0.7,"end_lr":10.0,"warmup_epochs":0.0},"batch_growth":null,"epochs":10,"steps":null,"seed":1,"order":0,"eval_every":null,"diagnostics":{"sharpness":"Auto","noise_scale":"Auto","sharpness_rows":4096}}"#;
        let moons = r#"{"dataset":{"kind":"moons","points":300,"noise":0.2,"table":null},"model":{"hidden":[128],"activation":"relu","loss":"xent"},"optimizer":{"kind":"sgd","momentum":0.9,"beta2":0.999,"weight_decay":0.0,"clip_norm":null},"lr":0.1,"batch_size":{"Examples":32},"schedule":{"kind":"constant","step_every":3,"gamma":0.7,"end_lr":10.0,"warmup_epochs":0.0},"batch_growth":null,"epochs":10,"steps":null,"seed":1,"order":0,"eval_every":null,"diagnostics":{"sharpness":"Auto","noise_scale":"Auto","sharpness_rows":4096}}"#;
        for (text, settings) in [
            (csv, [("dataset", "csv:60x3x3:00c0ffee12345678"), ("bs", "16"), ("lr", "0.05")]),
            (moons, [("dataset", "moons"), ("n", "300"), ("noise", "0.2")]),
        ] {
            let mut want = RunConfig::default();
            assert_eq!(want.set_all(settings), []);
            let read: RunConfig = serde_json::from_str(text).unwrap();
            assert_eq!(read, want);
            assert_eq!(serde_json::to_string(&read).unwrap(), text);
        }
        let shape: TableShape = "60x3x3:00c0ffee12345678".parse().unwrap();
        assert_eq!(serde_json::from_str::<RunConfig>(csv).unwrap().dataset.source, DataSource::Csv(shape));
        for bad in [
            csv.replace(r#""table":"60x3x3:00c0ffee12345678""#, r#""table":null"#),
            moons.replace(r#""table":null"#, r#""table":"60x3x3:00c0ffee12345678""#),
        ] {
            let e = serde_json::from_str::<RunConfig>(&bad).unwrap_err().to_string();
            assert!(e.contains("only with it"), "{e}");
        }
        let e = serde_json::from_str::<RunConfig>(&moons.replace("moons", "lemons")).unwrap_err().to_string();
        assert!(
            e.contains(
                r#"expected one of ["digits", "moons", "circles", "spiral", "xor", "blobs", "csv"], got "lemons""#
            ),
            "{e}"
        );
    }
}

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
    /// Which data set a run trains on.
    pub enum DatasetKind {
        Digits => ("digits", "digits (UCI 8×8)"),
        Moons => ("moons", "moons"),
        Circles => ("circles", "circles"),
        Spiral => ("spiral", "spiral"),
        Xor => ("xor", "XOR"),
        Blobs => ("blobs", "blobs"),
        Csv => ("csv", "your CSV file"),
    }
}

/// The data set of a run. `points` and `noise` shape the toy sets; `table` names a CSV file's
/// table, and is there exactly when `kind` is [`DatasetKind::Csv`] (the settings table's `dataset`
/// entry writes both, and `validate` refuses one without the other).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetConfig {
    pub kind: DatasetKind,
    /// Total points of a toy set (training + validation).
    pub points: usize,
    /// Standard deviation of the Gaussian noise added to each toy point.
    pub noise: f64,
    pub table: Option<TableShape>,
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
            DatasetKind::Csv => "Your own CSV file, read in this browser and never uploaded.".to_owned(),
        }
    }

    /// The generator of a toy set; `None` for the digits, which are loaded.
    fn shape(self) -> Option<toy::Shape> {
        match self {
            DatasetKind::Digits | DatasetKind::Csv => None,
            DatasetKind::Moons => Some(toy::moons),
            DatasetKind::Circles => Some(toy::circles),
            DatasetKind::Spiral => Some(toy::spiral),
            DatasetKind::Xor => Some(toy::xor),
            DatasetKind::Blobs => Some(toy::blobs),
        }
    }
}

impl DatasetConfig {
    /// Number of classes, known without loading the data.
    pub fn classes(&self) -> usize {
        match self.kind {
            DatasetKind::Digits => 10,
            DatasetKind::Spiral | DatasetKind::Blobs => 3,
            DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Xor => 2,
            DatasetKind::Csv => self.table.map_or(2, |t| t.classes),
        }
    }

    /// Input features: 64 pixels for the digits, 2 coordinates for the toy sets, a table's columns.
    pub fn features(&self) -> usize {
        match self.kind {
            DatasetKind::Digits => 64,
            DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs => {
                2
            }
            DatasetKind::Csv => self.table.map_or(1, |t| t.features),
        }
    }

    /// Rows, training and validation together.
    pub fn rows(&self) -> usize {
        match self.kind {
            DatasetKind::Digits => DIGITS_ROWS,
            DatasetKind::Csv => self.table.map_or(0, |t| t.rows),
            DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs => {
                self.points
            }
        }
    }

    /// A toy set's points (training and validation) as a table to edit by hand; `None` for the
    /// digits, a CSV file (already a table) and a set too large for a table.
    pub fn toy_table(&self, seed: u32) -> Option<Table> {
        let shape = self.kind.shape()?;
        if self.points > table::MAX_ROWS {
            return None;
        }
        let d = toy::generate(self.kind.name(), shape, self.classes(), self.points, self.noise, seed);
        let x = d.x_train.iter().chain(d.x_val.iter()).copied().collect();
        let y = d.y_train.iter().chain(&d.y_val).map(|&k| k as u16).collect();
        let names = |n: usize| (0..n).map(|k| k.to_string()).collect();
        let name = format!("{} (seed {seed})", self.kind.label());
        Some(Table::new(&name, vec!["x".to_owned(), "y".to_owned()], "class".to_owned(), names(self.classes()), x, y))
    }

    /// Training rows the data set will have, without generating it.
    pub fn train_len(&self) -> usize {
        match self.kind {
            DatasetKind::Digits => DIGITS_TRAIN_ROWS,
            DatasetKind::Csv => self.table.map_or(1, |t| t.train_len()),
            DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Spiral | DatasetKind::Xor | DatasetKind::Blobs => {
                toy::train_len(self.points)
            }
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
        if config.kind == DatasetKind::Csv {
            let (Some(named), Some(t)) = (config.table, table) else {
                return Err(DataError::NoTable(
                    config.table.map_or_else(|| "none named".to_owned(), |t| t.to_string()),
                ));
            };
            if t.shape != named {
                return Err(DataError::OtherTable { given: t.shape.to_string(), named: named.to_string() });
            }
            t.check()?;
            return Ok(t.dataset());
        }
        match config.kind.shape() {
            Some(shape) => {
                Ok(toy::generate(config.kind.name(), shape, config.classes(), config.points, config.noise, seed))
            }
            None if config.kind == DatasetKind::Digits => digits(),
            None => Err(DataError::NoLoader(config.kind)),
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

//! Data sets: the UCI digits and seeded 2-D toy problems, already split into training and validation,
//! and the configuration that names them.

mod digits;
mod toy;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use digits::{digits, DIGITS_ATTRIBUTION, DIGITS_ROWS, DIGITS_TRAIN_ROWS, DIGITS_VAL_ROWS};

crate::named_enum! {
    /// Which data set a run trains on.
    pub enum DatasetKind {
        Digits => ("digits", "digits (UCI 8×8)"),
        Moons => ("moons", "moons"),
        Circles => ("circles", "circles"),
        Spiral => ("spiral", "spiral"),
        Xor => ("xor", "XOR"),
        Blobs => ("blobs", "blobs"),
    }
}

/// The data set of a run. `points` and `noise` shape the toy sets; the digits ignore them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetConfig {
    pub kind: DatasetKind,
    /// Total points of a toy set (training + validation).
    pub points: usize,
    /// Standard deviation of the Gaussian noise added to each toy point.
    pub noise: f64,
}

impl DatasetKind {
    /// Number of classes, known without generating the data.
    pub fn classes(self) -> usize {
        match self {
            DatasetKind::Digits => 10,
            DatasetKind::Spiral | DatasetKind::Blobs => 3,
            DatasetKind::Moons | DatasetKind::Circles | DatasetKind::Xor => 2,
        }
    }

    /// Input features: 64 pixels for the digits, 2 coordinates for the toy sets.
    pub fn features(self) -> usize {
        match self {
            DatasetKind::Digits => 64,
            _ => 2,
        }
    }

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
    pub fn classes(&self) -> usize {
        self.kind.classes()
    }

    /// Training rows the data set will have, without generating it.
    pub fn train_len(&self) -> usize {
        match self.kind {
            DatasetKind::Digits => DIGITS_TRAIN_ROWS,
            _ => toy::train_len(self.points),
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
}

impl Dataset {
    /// Builds the data set a config names. Toy sets are generated from `seed`.
    pub fn load(config: &DatasetConfig, seed: u32) -> Result<Self, DataError> {
        match config.kind.shape() {
            None => digits(),
            Some(shape) => {
                Ok(toy::generate(config.kind.name(), shape, config.classes(), config.points, config.noise, seed))
            }
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

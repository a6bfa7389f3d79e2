//! Data sets: the UCI digits and seeded 2-D toy problems, already split into training and validation.

mod digits;
mod toy;

use ndarray::Array2;
use thiserror::Error;

use crate::config::DatasetConfig;

pub use digits::{digits, DIGITS_ATTRIBUTION, DIGITS_TRAIN_ROWS};
pub use toy::train_len as toy_train_len;

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
        match *config {
            DatasetConfig::Digits => digits(),
            DatasetConfig::Toy { kind, n, noise } => Ok(toy::generate(kind, n, noise, seed)),
        }
    }

    pub fn features(&self) -> usize {
        self.x_train.ncols()
    }

    pub fn train_len(&self) -> usize {
        self.y_train.len()
    }
}

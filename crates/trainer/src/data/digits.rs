//! The UCI "Optical Recognition of Handwritten Digits" test split (8x8, 1797 images), as shipped in
//! `assets/digits.csv.gz`. Compiled into the binary so the worker needs no network fetch.

use flate2::read::GzDecoder;
use ndarray::Array2;
use std::io::Read;
use std::sync::OnceLock;

use super::{DataError, Dataset};

const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../../assets/digits.csv.gz");

/// The attribution the licence asks for, shown in the app and in `assets/ATTRIBUTION.md`.
pub const DIGITS_ATTRIBUTION: &str = "Digits: \"Optical Recognition of Handwritten Digits\" (E. Alpaydin, \
C. Kaynak, 1998), UCI Machine Learning Repository, CC BY 4.0; this copy as shipped by scikit-learn (BSD-3-Clause).";

/// Rows in the shipped file.
pub const DIGITS_ROWS: usize = 1797;
/// Rows in the reference training split (the first ones); the rest validate. Not shuffled.
pub const DIGITS_TRAIN_ROWS: usize = 1437;
pub const DIGITS_VAL_ROWS: usize = DIGITS_ROWS - DIGITS_TRAIN_ROWS;
const PIXELS: usize = 64;

/// Loads the digits with the reference split: pixels / 16, first 1437 rows train, last 360 validate.
/// Decoded once a process, then copied: a worker trains many jobs on them (a sweep's every cell).
pub fn digits() -> Result<Dataset, DataError> {
    static DECODED: OnceLock<Result<Dataset, String>> = OnceLock::new();
    DECODED.get_or_init(decode).clone().map_err(DataError::Corrupt)
}

/// The digits, or why the shipped file is damaged.
fn decode() -> Result<Dataset, String> {
    let mut text = String::new();
    GzDecoder::new(DIGITS_CSV_GZ).read_to_string(&mut text).map_err(|e| e.to_string())?;
    let mut pixels = Vec::with_capacity(DIGITS_ROWS * PIXELS);
    let mut labels = Vec::with_capacity(DIGITS_ROWS);
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != PIXELS + 1 {
            return Err(format!("row {} has {} fields", i + 1, fields.len()));
        }
        for f in &fields[..PIXELS] {
            let v: f32 = f.trim().parse().map_err(|_| format!("row {}: `{f}`", i + 1))?;
            pixels.push(v / 16.0);
        }
        let label: usize =
            fields[PIXELS].trim().parse().map_err(|_| format!("row {}: label `{}`", i + 1, fields[PIXELS]))?;
        labels.push(label);
    }
    let rows = labels.len();
    if rows <= DIGITS_TRAIN_ROWS {
        return Err(format!("only {rows} rows"));
    }
    let x = Array2::from_shape_vec((rows, PIXELS), pixels).map_err(|e| e.to_string())?;
    Ok(Dataset {
        name: "digits".to_owned(),
        x_train: x.slice(ndarray::s![..DIGITS_TRAIN_ROWS, ..]).to_owned(),
        y_train: labels[..DIGITS_TRAIN_ROWS].to_vec(),
        x_val: x.slice(ndarray::s![DIGITS_TRAIN_ROWS.., ..]).to_owned(),
        y_val: labels[DIGITS_TRAIN_ROWS..].to_vec(),
        classes: 10,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_split() {
        let d = digits().unwrap();
        assert_eq!(d.x_train.dim(), (DIGITS_TRAIN_ROWS, 64));
        assert_eq!(d.x_val.dim(), (DIGITS_VAL_ROWS, 64));
        assert_eq!((d.y_val.len(), DIGITS_VAL_ROWS), (360, 360));
        assert!(d.x_train.iter().all(|&p| (0.0..=1.0).contains(&p)));
        // Every class appears in both splits, and the first row is a 0 (as in the UCI file).
        for c in 0..10 {
            assert!(d.y_train.contains(&c) && d.y_val.contains(&c));
        }
        assert_eq!(d.y_train[0], 0);
    }
}

//! Seeded 2-D toy problems: moons, circles, spiral, XOR and Gaussian blobs, each a [`Shape`].
//!
//! Points are generated, shuffled and split 80/20 into training and validation, all from the seed.
//! Trigonometry comes from `libm` so the points are the same bits natively and in the browser.

use libm::{cos, sin};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::f64::consts::PI;

use super::Dataset;

/// Stream id that keeps data generation independent of the weight initialisation and shuffling.
const DATA_STREAM: u64 = 3;

/// Training points out of `n`: 80 %.
pub fn train_len(n: usize) -> usize {
    (n * 4 / 5).max(1)
}

/// Draws one point and its label: point `i` of a set with `classes` classes.
pub type Shape = fn(i: usize, classes: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize);

pub fn moons(i: usize, _classes: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let (label, a) = (i % 2, PI * rng.random::<f64>());
    (if label == 0 { [cos(a), sin(a)] } else { [1.0 - cos(a), 0.5 - sin(a)] }, label)
}

pub fn circles(i: usize, _classes: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let (label, a) = (i % 2, 2.0 * PI * rng.random::<f64>());
    let r = if label == 0 { 1.0 } else { 0.5 };
    ([r * cos(a), r * sin(a)], label)
}

pub fn spiral(i: usize, classes: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let (label, r) = (i % classes, rng.random::<f64>());
    let a = 4.0 * r + label as f64 * 2.0 * PI / classes as f64;
    ([r * sin(a), r * cos(a)], label)
}

/// Uniform in the square; the class is the XOR of the coordinates' signs.
pub fn xor(_i: usize, _classes: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let (x, y) = (2.0 * rng.random::<f64>() - 1.0, 2.0 * rng.random::<f64>() - 1.0);
    ([x, y], usize::from((x > 0.0) != (y > 0.0)))
}

pub fn blobs(i: usize, classes: usize, _rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let label = i % classes;
    let a = 2.0 * PI * label as f64 / classes as f64;
    ([cos(a), sin(a)], label)
}

/// `n` points of `shape` with Gaussian noise of standard deviation `noise`, shuffled and split.
pub fn generate(name: &str, shape: Shape, classes: usize, n: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
    rng.set_stream(DATA_STREAM);
    let gauss = Normal::new(0.0, noise.max(0.0)).unwrap_or_else(|_| Normal::new(0.0, 0.0).expect("σ = 0 is valid"));
    let mut points: Vec<([f64; 2], usize)> = (0..n).map(|i| shape(i, classes, &mut rng)).collect();
    for (p, _) in &mut points {
        p[0] += gauss.sample(&mut rng);
        p[1] += gauss.sample(&mut rng);
    }
    points.shuffle(&mut rng);
    let n_train = train_len(n);
    let to_array = |ps: &[([f64; 2], usize)]| Array2::from_shape_fn((ps.len(), 2), |(i, j)| ps[i].0[j] as f32);
    Dataset {
        name: name.to_owned(),
        x_train: to_array(&points[..n_train]),
        y_train: points[..n_train].iter().map(|p| p.1).collect(),
        x_val: to_array(&points[n_train..]),
        y_val: points[n_train..].iter().map(|p| p.1).collect(),
        classes,
    }
}

#[cfg(test)]
mod tests {
    use crate::data::{DataSource, Dataset, DatasetConfig, DatasetKind};

    #[test]
    fn every_kind_is_seeded_and_split() {
        for &kind in DatasetKind::ALL.iter().filter(|k| k.shape().is_some()) {
            let config = |seed| {
                Dataset::load(&DatasetConfig { source: DataSource::Named(kind), points: 200, noise: 0.1 }, seed, None)
                    .unwrap()
            };
            let (a, b, c) = (config(5), config(5), config(6));
            assert_eq!(a.x_train, b.x_train, "{kind:?} is not reproducible");
            assert_ne!(a.x_train, c.x_train, "{kind:?} ignores the seed");
            assert_eq!((a.train_len(), a.y_val.len()), (160, 40));
            assert!(a.y_train.iter().all(|&y| y < a.classes));
            for class in 0..a.classes {
                assert!(a.y_train.contains(&class), "{kind:?} lacks class {class}");
            }
        }
    }
}

//! Seeded 2-D toy problems: moons, circles, spiral, XOR and Gaussian blobs.
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
use crate::config::ToyKind;

/// Stream id that keeps data generation independent of the weight initialisation and shuffling.
const DATA_STREAM: u64 = 3;

/// Training points out of `n`: 80 %.
pub fn train_len(n: usize) -> usize {
    (n * 4 / 5).max(1)
}

pub fn generate(kind: ToyKind, n: usize, noise: f64, seed: u32) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
    rng.set_stream(DATA_STREAM);
    let gauss = Normal::new(0.0, noise.max(0.0)).unwrap_or_else(|_| Normal::new(0.0, 0.0).expect("σ = 0 is valid"));
    let classes = crate::config::DatasetConfig::Toy { kind, n, noise }.classes();
    let mut points: Vec<([f64; 2], usize)> = (0..n)
        .map(|i| {
            let label = i % classes;
            let t: f64 = rng.random();
            let p = match kind {
                ToyKind::Moons => {
                    let a = PI * t;
                    if label == 0 {
                        [cos(a), sin(a)]
                    } else {
                        [1.0 - cos(a), 0.5 - sin(a)]
                    }
                }
                ToyKind::Circles => {
                    let a = 2.0 * PI * t;
                    let r = if label == 0 { 1.0 } else { 0.5 };
                    [r * cos(a), r * sin(a)]
                }
                ToyKind::Spiral => {
                    let r = t;
                    let a = 4.0 * t + label as f64 * 2.0 * PI / 3.0;
                    [r * sin(a), r * cos(a)]
                }
                ToyKind::Xor => {
                    let u: f64 = rng.random();
                    let (x, y) = (2.0 * t - 1.0, 2.0 * u - 1.0);
                    // Relabel by quadrant so that the class is the XOR of the signs.
                    let p = [x, y];
                    return (p, usize::from((x > 0.0) != (y > 0.0)));
                }
                ToyKind::Blobs => {
                    let a = 2.0 * PI * label as f64 / classes as f64;
                    [cos(a), sin(a)]
                }
            };
            (p, label)
        })
        .collect();
    for (p, _) in &mut points {
        p[0] += gauss.sample(&mut rng);
        p[1] += gauss.sample(&mut rng);
    }
    points.shuffle(&mut rng);
    let n_train = train_len(n);
    let to_array = |ps: &[([f64; 2], usize)]| Array2::from_shape_fn((ps.len(), 2), |(i, j)| ps[i].0[j] as f32);
    Dataset {
        name: kind.name().to_owned(),
        x_train: to_array(&points[..n_train]),
        y_train: points[..n_train].iter().map(|p| p.1).collect(),
        x_val: to_array(&points[n_train..]),
        y_val: points[n_train..].iter().map(|p| p.1).collect(),
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_seeded_and_split() {
        for kind in ToyKind::ALL {
            let a = generate(kind, 200, 0.1, 5);
            let b = generate(kind, 200, 0.1, 5);
            let c = generate(kind, 200, 0.1, 6);
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

//! A run's curve as the page (or any host) keeps it: at most [`CAPACITY`] buckets whatever the settings. When full,
//! neighbouring buckets merge in pairs; a bucket keeps its last point and the smallest and largest
//! value of every curve in it, so a spike, a NaN or a divergence is never merged away.

use batchlab_trainer::train::Diagnostic;
use batchlab_trainer::Point;

/// Buckets kept per run: about two per pixel column of a wide chart.
pub const CAPACITY: usize = 2048;

batchlab_trainer::named_enum! {
    /// What the x-axis counts: a large batch needs fewer steps, but not fewer examples.
    pub enum XAxis {
        Steps => ("steps", "steps"),
        Epochs => ("epochs", "epochs"),
        Examples => ("examples", "examples seen"),
        Seconds => ("time", "time (s)"),
    }
}

impl XAxis {
    /// The x of a bucket.
    pub fn of(self, b: &Bucket) -> f64 {
        match self {
            XAxis::Steps => b.last.step as f64,
            XAxis::Epochs => b.last.epoch,
            XAxis::Examples => b.last.examples as f64,
            XAxis::Seconds => b.secs,
        }
    }
}

/// The range of one curve's values within a bucket. Non-finite values win the maximum, so they stay
/// visible (pinned to the top of the chart).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub min: f64,
    pub max: f64,
}

impl Span {
    fn of(x: f64) -> Self {
        Self { min: x, max: x }
    }

    fn merge(self, other: Span) -> Span {
        let max = if !self.max.is_finite() {
            self.max
        } else if !other.max.is_finite() {
            other.max
        } else {
            self.max.max(other.max)
        };
        Span { min: self.min.min(other.min), max }
    }
}

/// A diagnostic's value and the step (the bucket's last) it was measured by.
pub type Measured = (usize, f64);

/// Consecutive points merged into one.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// The last point of the bucket (its step, epoch and values are the curve's at that x).
    pub last: Point,
    /// Training time, in seconds, when the last point was made.
    pub secs: f64,
    /// Points merged into the bucket.
    pub count: usize,
    pub train_loss: Span,
    pub val_loss: Span,
    pub val_acc: Span,
    /// The latest value of each [`Diagnostic`] measured within the bucket, in `Diagnostic::ALL`'s order.
    measured: [Option<f64>; Diagnostic::COUNT],
}

impl Bucket {
    fn of(p: Point, secs: f64) -> Self {
        Self {
            train_loss: Span::of(p.train_loss),
            val_loss: Span::of(p.val_loss),
            val_acc: Span::of(p.val_acc),
            measured: std::array::from_fn(|k| Diagnostic::ALL[k].of(&p)),
            count: 1,
            secs,
            last: p,
        }
    }

    /// The latest value of `diagnostic` measured within the bucket.
    pub fn measured(&self, diagnostic: Diagnostic) -> Option<f64> {
        self.measured[diagnostic as usize]
    }

    fn absorb(&mut self, next: Bucket) {
        self.train_loss = self.train_loss.merge(next.train_loss);
        self.val_loss = self.val_loss.merge(next.val_loss);
        self.val_acc = self.val_acc.merge(next.val_acc);
        for (mine, theirs) in self.measured.iter_mut().zip(next.measured) {
            *mine = theirs.or(*mine);
        }
        self.count += next.count;
        self.secs = next.secs;
        self.last = next.last;
    }
}

/// The bounded curve of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    buckets: Vec<Bucket>,
    /// Points per full bucket (doubles at each merge).
    width: usize,
}

impl Default for Trace {
    fn default() -> Self {
        Self { buckets: Vec::new(), width: 1 }
    }
}

impl Trace {
    /// Adds a point made after `secs` seconds of training.
    pub fn push(&mut self, p: Point, secs: f64) {
        // The initial point stays on its own, so the curve always starts where the run did.
        let len = self.buckets.len();
        match self.buckets.last_mut() {
            Some(b) if len > 1 && b.count < self.width => b.absorb(Bucket::of(p, secs)),
            _ => self.buckets.push(Bucket::of(p, secs)),
        }
        if self.buckets.len() > CAPACITY {
            self.halve();
        }
    }

    /// Adds points made at the given training times.
    pub fn extend(&mut self, points: impl IntoIterator<Item = (Point, f64)>) {
        for (p, secs) in points {
            self.push(p, secs);
        }
    }

    /// The latest (step, value) of `diagnostic` measured, if any.
    pub fn latest(&self, diagnostic: Diagnostic) -> Option<Measured> {
        self.buckets.iter().rev().find_map(|b| b.measured(diagnostic).map(|v| (b.last.step, v)))
    }

    /// The last bucket at or before `x` on `axis`, if any.
    pub fn at(&self, axis: XAxis, x: f64) -> Option<&Bucket> {
        let i = self.buckets.partition_point(|b| axis.of(b) <= x);
        i.checked_sub(1).map(|i| &self.buckets[i])
    }

    /// Merges neighbouring buckets after the first, halving the resolution.
    fn halve(&mut self) {
        let mut merged = Vec::with_capacity(self.buckets.len() / 2 + 1);
        let mut rest = std::mem::take(&mut self.buckets).into_iter();
        merged.extend(rest.next());
        while let Some(mut a) = rest.next() {
            if let Some(b) = rest.next() {
                a.absorb(b);
            }
            merged.push(a);
        }
        self.buckets = merged;
        self.width *= 2;
    }

    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }

    pub fn last(&self) -> Option<&Point> {
        self.buckets.last().map(|b| &b.last)
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: usize, train_loss: f64) -> Point {
        Point {
            step,
            epoch: step as f64 / 100.0,
            examples: step as u64,
            batch_size: 1,
            lr: 0.1,
            train_loss,
            val_loss: train_loss,
            val_acc: 0.5,
            sharpness: (step % 1000 == 7).then_some(step as f64),
            noise_scale: None,
            grad_norm: None,
        }
    }

    #[test]
    fn a_million_points_stay_bounded_and_keep_spikes_and_the_end() {
        let mut t = Trace::default();
        for s in 0..1_000_000 {
            let loss = match s {
                123_457 => 1e6,
                999_999 => f64::NAN,
                _ => 1.0 / (1.0 + s as f64),
            };
            t.push(point(s, loss), s as f64 * 1e-3);
            assert!(t.buckets().len() <= CAPACITY);
        }
        let b = t.buckets();
        assert_eq!(b[0].last.step, 0, "the initial point stays");
        assert_eq!(b[0].count, 1);
        assert_eq!(b.iter().map(|b| b.count).sum::<usize>(), 1_000_000, "every point is in a bucket");
        assert!(b.iter().any(|b| b.train_loss.max == 1e6), "the spike survives merging");
        assert!(b.last().unwrap().train_loss.max.is_nan(), "the blow-up at the end survives");
        assert_eq!(t.last().unwrap().step, 999_999);
        assert!(b.windows(2).all(|w| w[0].last.step < w[1].last.step));
        assert_eq!(
            t.latest(Diagnostic::Sharpness).map(|d| d.1),
            Some(999_007.0),
            "the latest sharpness survives merging"
        );
        assert_eq!(t.at(crate::XAxis::Steps, 500_000.5).map(|b| b.last.step <= 500_000), Some(true));
        assert!(t.at(crate::XAxis::Steps, -1.0).is_none());
    }
}

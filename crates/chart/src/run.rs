//! The charts of one or more runs: losses (with the divergence marker), validation accuracy, and the
//! learning-rate schedule drawn under the loss.

use batchlab_trainer::outcome::Divergence;
use batchlab_trainer::schedule::Schedule;
use batchlab_trainer::Point;
use plotters::style::RGBColor;

use crate::line::{Bars, LineChart, Marker, Series};
use crate::trace::{Bucket, Span, Trace};

pub const TRAIN_COLOR: RGBColor = RGBColor(37, 99, 235);
pub const VAL_COLOR: RGBColor = RGBColor(234, 88, 12);
pub const ACC_COLOR: RGBColor = RGBColor(22, 163, 74);
pub const LR_COLOR: RGBColor = RGBColor(124, 58, 237);
pub const DIVERGED_COLOR: RGBColor = RGBColor(220, 38, 38);
pub const CHANCE_COLOR: RGBColor = RGBColor(148, 163, 184);

/// What the x-axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XAxis {
    #[default]
    Epochs,
    Steps,
}

impl XAxis {
    fn of(self, p: &Point) -> f64 {
        match self {
            XAxis::Epochs => p.epoch,
            XAxis::Steps => p.step as f64,
        }
    }

    fn label(self) -> &'static str {
        match self {
            XAxis::Epochs => "epoch",
            XAxis::Steps => "step",
        }
    }
}

/// One run's curves and how to show them.
#[derive(Clone, Copy, Debug)]
pub struct Curves<'a> {
    pub trace: &'a Trace,
    /// Where the run diverged, if it did.
    pub divergence: Option<&'a Divergence>,
    pub x_axis: XAxis,
    pub log_y: bool,
    /// Extent of the x-axis: the whole planned run, so the curve grows into a fixed frame.
    pub x_max: f64,
    /// Classes of the data set, for the chance-level line of the accuracy chart.
    pub classes: usize,
}

impl Curves<'_> {
    /// The line through each bucket's last value, and bars over the buckets that merged several.
    fn series(&self, label: &str, color: RGBColor, y: impl Fn(&Bucket) -> (f64, Span)) -> (Series, Bars) {
        let buckets = self.trace.buckets();
        let points = buckets.iter().map(|b| (self.x_axis.of(&b.last), y(b).0)).collect();
        let bars = buckets
            .iter()
            .filter(|b| b.count > 1)
            .map(|b| {
                let span = y(b).1;
                (self.x_axis.of(&b.last), span.min, span.max)
            })
            .collect();
        (Series { label: label.to_owned(), color, points, fill: false }, Bars { color, bars })
    }

    fn markers(&self) -> Vec<Marker> {
        self.divergence
            .map(|d| {
                let x = match self.x_axis {
                    XAxis::Steps => d.step as f64,
                    XAxis::Epochs => d.epoch,
                };
                Marker { x, label: format!("diverged at step {}", d.step), color: DIVERGED_COLOR }
            })
            .into_iter()
            .collect()
    }

    /// Training and validation loss.
    pub fn loss_chart(&self) -> LineChart {
        let (train, train_bars) =
            self.series("training loss (minibatch mean)", TRAIN_COLOR, |b| (b.last.train_loss, b.train_loss));
        let (val, val_bars) = self.series("validation loss", VAL_COLOR, |b| (b.last.val_loss, b.val_loss));
        LineChart {
            x_label: self.x_axis.label().to_owned(),
            y_label: "loss".to_owned(),
            log_y: self.log_y,
            x_range: Some((0.0, self.x_max)),
            series: vec![train, val],
            bars: vec![train_bars, val_bars],
            markers: self.markers(),
            ..LineChart::default()
        }
    }

    /// Validation accuracy on a fixed 0–1 scale.
    pub fn accuracy_chart(&self) -> LineChart {
        let (acc, acc_bars) = self.series("validation accuracy", ACC_COLOR, |b| (b.last.val_acc, b.val_acc));
        LineChart {
            x_label: self.x_axis.label().to_owned(),
            y_label: "validation accuracy".to_owned(),
            x_range: Some((0.0, self.x_max)),
            y_range: Some((0.0, 1.0)),
            bars: vec![acc_bars],
            series: vec![
                acc,
                Series {
                    label: format!("chance ({:.0} %)", 100.0 / self.classes.max(1) as f64),
                    color: CHANCE_COLOR,
                    points: vec![
                        (0.0, 1.0 / self.classes.max(1) as f64),
                        (self.x_max, 1.0 / self.classes.max(1) as f64),
                    ],
                    fill: false,
                },
            ],
            markers: self.markers(),
            ..LineChart::default()
        }
    }

    /// The learning rate η over the whole planned run, from the run's schedule (not from the points),
    /// so it is visible before training starts.
    pub fn lr_chart(&self, schedule: &Schedule) -> LineChart {
        let total_steps = schedule.total_steps;
        let samples = 200.min(total_steps.max(1));
        let points = (0..=samples)
            .map(|i| {
                let at = i * total_steps / samples;
                let x = match self.x_axis {
                    XAxis::Steps => at as f64,
                    XAxis::Epochs => schedule.epoch(at),
                };
                (x, schedule.lr(at.min(total_steps.saturating_sub(1))))
            })
            .collect();
        let peak =
            (0..total_steps.max(1)).step_by((total_steps / 400).max(1)).map(|s| schedule.lr(s)).fold(0.0, f64::max);
        LineChart {
            x_label: self.x_axis.label().to_owned(),
            y_label: "learning rate η".to_owned(),
            x_range: Some((0.0, self.x_max)),
            y_range: Some((0.0, peak * 1.1)),
            series: vec![Series { label: String::new(), color: LR_COLOR, points, fill: true }],
            markers: self.markers(),
            ..LineChart::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn divergence_marker_lands_on_the_step_even_when_the_batch_grows() {
        use batchlab_trainer::outcome::DivergenceRule;
        use batchlab_trainer::RunConfig;
        let mut config = RunConfig::default();
        assert_eq!(config.set_all([("bs", "16"), ("bs_growth", "1x4"), ("epochs", "5")]), []);
        let schedule = config.schedule();
        // 90 steps at B = 16, then 23 at B = 64: step 113 is two epochs in, not 113/90.
        let divergence = Divergence {
            step: 113,
            epoch: schedule.epoch(113),
            lr: 0.1,
            initial_loss: 2.3,
            rule: DivergenceRule::NotFinite,
        };
        assert_eq!(divergence.epoch, 2.0);
        let points = (0..=4).map(|s| Point {
            step: s * 34,
            epoch: schedule.epoch(s * 34),
            examples: 0,
            batch_size: 16,
            lr: 0.1,
            train_loss: if s == 4 { f64::NAN } else { 2.0 + s as f64 },
            val_loss: 2.0,
            val_acc: 0.1,
            sharpness: None,
            noise_scale: None,
            grad_norm: None,
        });
        let mut trace = Trace::default();
        trace.extend(points);
        let curves = Curves {
            trace: &trace,
            divergence: Some(&divergence),
            x_axis: XAxis::Epochs,
            log_y: true,
            x_max: 5.0,
            classes: 10,
        };
        let chart = curves.loss_chart();
        assert_eq!(chart.markers[0].x, 2.0);
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (600, 300)).into_drawing_area();
            crate::draw(&area, &chart).unwrap();
        }
        assert!(svg.contains("diverged at step 113"));
        let lr = curves.lr_chart(&schedule);
        assert_eq!(lr.y_range, Some((0.0, 0.1 * 1.1)));
        assert_eq!(lr.series[0].points.last().map(|p| p.0), Some(5.0), "the η strip spans the epochs, growth included");
    }
}

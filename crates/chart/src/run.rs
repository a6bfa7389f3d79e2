//! The charts of one or more runs: losses (with the divergence marker), validation accuracy, and the
//! learning-rate schedule drawn under the loss.

use batchlab_trainer::Point;
use plotters::style::RGBColor;

use crate::line::{LineChart, Marker, Series};

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
    pub points: &'a [Point],
    /// The step at which the run diverged, if it did.
    pub diverged_at: Option<usize>,
    pub x_axis: XAxis,
    pub log_y: bool,
    /// Extent of the x-axis: the whole planned run, so the curve grows into a fixed frame.
    pub x_max: f64,
    pub steps_per_epoch: usize,
    /// Classes of the data set, for the chance-level line of the accuracy chart.
    pub classes: usize,
}

impl Curves<'_> {
    fn series(&self, label: &str, color: RGBColor, y: impl Fn(&Point) -> f64) -> Series {
        Series {
            label: label.to_owned(),
            color,
            points: self.points.iter().map(|p| (self.x_axis.of(p), y(p))).collect(),
            fill: false,
        }
    }

    fn markers(&self) -> Vec<Marker> {
        self.diverged_at
            .map(|step| {
                let x = match self.x_axis {
                    XAxis::Steps => step as f64,
                    XAxis::Epochs => step as f64 / self.steps_per_epoch.max(1) as f64,
                };
                Marker { x, label: format!("diverged at step {step}"), color: DIVERGED_COLOR }
            })
            .into_iter()
            .collect()
    }

    /// Training and validation loss.
    pub fn loss_chart(&self) -> LineChart {
        LineChart {
            title: String::new(),
            x_label: self.x_axis.label().to_owned(),
            y_label: "loss".to_owned(),
            log_y: self.log_y,
            x_range: Some((0.0, self.x_max)),
            y_range: None,
            series: vec![
                self.series("training loss (minibatch mean)", TRAIN_COLOR, |p| p.train_loss),
                self.series("validation loss", VAL_COLOR, |p| p.val_loss),
            ],
            markers: self.markers(),
        }
    }

    /// Validation accuracy on a fixed 0–1 scale.
    pub fn accuracy_chart(&self) -> LineChart {
        LineChart {
            x_label: self.x_axis.label().to_owned(),
            y_label: "validation accuracy".to_owned(),
            x_range: Some((0.0, self.x_max)),
            y_range: Some((0.0, 1.0)),
            series: vec![
                self.series("validation accuracy", ACC_COLOR, |p| p.val_acc),
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

    /// The learning rate η over the whole planned run, from the schedule (not from the points), so
    /// it is visible before training starts. `lr_at_step` is the run's schedule.
    pub fn lr_chart(&self, total_steps: usize, lr_at_step: impl Fn(usize) -> f64) -> LineChart {
        let samples = 200.min(total_steps.max(1));
        let points = (0..=samples)
            .map(|i| {
                let step = (i * total_steps / samples).min(total_steps.saturating_sub(1));
                let x = match self.x_axis {
                    XAxis::Steps => (i * total_steps / samples) as f64,
                    XAxis::Epochs => (i * total_steps / samples) as f64 / self.steps_per_epoch.max(1) as f64,
                };
                (x, lr_at_step(step))
            })
            .collect();
        let peak = (0..total_steps.max(1)).step_by((total_steps / 400).max(1)).map(&lr_at_step).fold(0.0, f64::max);
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
    fn divergence_marker_lands_on_the_step() {
        let points: Vec<Point> = (0..=4)
            .map(|s| Point {
                step: s,
                epoch: s as f64 / 2.0,
                examples: 0,
                lr: 10.0,
                train_loss: if s == 4 { f64::NAN } else { 2.0 + s as f64 },
                val_loss: 2.0,
                val_acc: 0.1,
                sharpness: None,
                noise_scale: None,
                grad_norm: None,
            })
            .collect();
        let curves = Curves {
            points: &points,
            diverged_at: Some(4),
            x_axis: XAxis::Epochs,
            log_y: true,
            x_max: 10.0,
            steps_per_epoch: 2,
            classes: 10,
        };
        let chart = curves.loss_chart();
        assert_eq!(chart.markers[0].x, 2.0);
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (600, 300)).into_drawing_area();
            crate::draw(&area, &chart).unwrap();
        }
        assert!(svg.contains("diverged at step 4"));
        let lr = curves.lr_chart(20, |_| 10.0);
        assert_eq!(lr.y_range, Some((0.0, 11.0)));
    }
}

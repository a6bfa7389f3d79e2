//! The charts of several runs side by side: losses (with divergence markers), validation accuracy, the
//! learning rate η, and the sharpness λ_max against each run's stability edge. Each run is one colour
//! and one glyph (its [`Look`]); a seed ensemble is a mean line over a min–max band. Smoothing, when asked for, is a debiased
//! moving average drawn over the raw (faint) curve, and never hides a blow-up.

use batchlab_trainer::optim::OptimizerConfig;
use batchlab_trainer::outcome::Mark;
use batchlab_trainer::schedule::Schedule;
use batchlab_trainer::train::Diagnostic;
use plotters::style::RGBColor;

use crate::line::{Band, Bars, Level, LineChart, LineStyle, Marker, Series};
use crate::look::{Look, Theme};
use crate::trace::{Bucket, Span, Trace, XAxis};

/// The first run's colour (a single series: the CLI's range test).
pub const TRAIN_COLOR: RGBColor = crate::look::LIGHT[0];
pub const CHANCE_COLOR: RGBColor = RGBColor(148, 163, 184);

impl XAxis {
    /// The x of a mark, where the axis can place it (by steps or epochs; by examples or time,
    /// at the nearest bucket of the run).
    fn of_mark(self, m: Mark, trace: &Trace) -> Option<f64> {
        match self {
            XAxis::Steps => Some(m.step as f64),
            XAxis::Epochs => Some(m.epoch),
            XAxis::Examples | XAxis::Seconds => {
                trace.at(XAxis::Steps, m.step as f64).or(trace.buckets().first()).map(|b| self.of(b))
            }
        }
    }
}

/// One run as drawn.
#[derive(Clone, Debug)]
pub struct RunCurve<'a> {
    pub trace: &'a Trace,
    pub look: Look,
    /// Where the run diverged or blew up.
    pub mark: Option<Mark>,
    /// The run's planned schedule, for its η before it has trained; `None` to draw the η it used.
    pub schedule: Option<&'a Schedule>,
    pub optimizer: OptimizerConfig,
    pub lr: f64,
    /// Still training: its lines are drawn on the live layer (see [`crate::Part`]).
    pub live: bool,
    /// Its name in the chart's own legend; empty for none (the page's run list is the legend on
    /// screen, an exported image carries its own).
    pub label: String,
}

/// A seed ensemble: the same settings with different seeds, drawn as a mean over a min–max band.
#[derive(Clone, Debug)]
pub struct Ensemble<'a> {
    pub members: Vec<&'a Trace>,
    pub look: Look,
    /// A member still trains.
    pub live: bool,
    /// As [`RunCurve::label`].
    pub label: String,
}

/// The runs on screen and how to show them.
#[derive(Clone, Debug)]
pub struct Curves<'a> {
    pub runs: Vec<RunCurve<'a>>,
    pub ensembles: Vec<Ensemble<'a>>,
    pub x_axis: XAxis,
    pub log_y: bool,
    /// Weight of the debiased moving average of the training loss, in [0, 1); 0 draws it raw.
    pub smoothing: f64,
    /// Extent of the x-axis, so curves grow into a fixed frame.
    pub x_max: f64,
    /// Classes of the data set, for the chance-level line of the accuracy chart.
    pub classes: usize,
    /// Device pixels per CSS pixel.
    pub scale: f64,
    pub theme: Theme,
}

/// A debiased exponential moving average (weight `w` on the past): the first values are not pulled
/// towards zero. A non-finite value stays non-finite from there on: a blow-up is never averaged away.
pub fn smooth(values: &[f64], w: f64) -> Vec<f64> {
    let (mut avg, mut weight, mut broken) = (0.0, 0.0, false);
    values
        .iter()
        .map(|&v| {
            broken |= !v.is_finite();
            if broken {
                return f64::INFINITY;
            }
            avg = w * avg + (1.0 - w) * v;
            weight = w * weight + (1.0 - w);
            avg / weight
        })
        .collect()
}

impl<'a> Curves<'a> {
    /// One run, its loss on a log scale, not smoothed, at one device pixel per pixel (the CLI's
    /// figures).
    pub fn one(run: RunCurve<'a>, x_axis: XAxis, x_max: f64, classes: usize) -> Self {
        Curves {
            runs: vec![run],
            ensembles: Vec::new(),
            x_axis,
            log_y: true,
            smoothing: 0.0,
            x_max,
            classes,
            scale: 1.0,
            theme: Theme::Light,
        }
    }
}

impl Curves<'_> {
    fn line(&self, trace: &Trace, look: Look, y: impl Fn(&Bucket) -> f64) -> Series {
        let points = trace.buckets().iter().map(|b| (self.x_axis.of(b), y(b))).collect();
        Series::of(look, points)
    }

    fn bars(&self, trace: &Trace, color: RGBColor, span: impl Fn(&Bucket) -> Span) -> Bars {
        let bars = trace
            .buckets()
            .iter()
            .filter(|b| b.count > 1)
            .map(|b| {
                let s = span(b);
                (self.x_axis.of(b), s.min, s.max)
            })
            .collect();
        Bars { color, bars, live: false }
    }

    fn markers(&self) -> Vec<Marker> {
        self.runs
            .iter()
            .filter_map(|r| {
                let m = r.mark?;
                let x = self.x_axis.of_mark(m, r.trace)?;
                Some(Marker { x, label: format!("{} at step {}", m.what, m.step), color: r.look.color })
            })
            .collect()
    }

    /// The mean line and min–max band of an ensemble's members, point by point.
    fn ensemble(&self, e: &Ensemble, y: impl Fn(&Bucket) -> f64) -> (Series, Band) {
        let longest = e.members.iter().map(|t| t.buckets().len()).max().unwrap_or(0);
        let (mut mean, mut band) = (Vec::with_capacity(longest), Vec::with_capacity(longest));
        for i in 0..longest {
            let at: Vec<&Bucket> = e.members.iter().filter_map(|t| t.buckets().get(i)).collect();
            let values: Vec<f64> = at.iter().map(|b| y(b)).collect();
            let x = self.x_axis.of(at[0]);
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi =
                values
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, |a, b| if b.is_finite() { a.max(b) } else { f64::INFINITY });
            mean.push((x, values.iter().sum::<f64>() / values.len() as f64));
            band.push((x, lo, hi));
        }
        (Series::of(e.look, mean), Band { color: e.look.color, points: band })
    }

    /// Training loss (solid, smoothed if asked, over the raw one) and validation loss (dashed).
    pub fn loss_chart(&self) -> LineChart {
        let mut chart = self.frame("loss", self.log_y);
        for r in &self.runs {
            let mut train = Series { live: r.live, ..self.line(r.trace, r.look, |b| b.last.train_loss) };
            if self.smoothing > 0.0 {
                let ys: Vec<f64> = train.points.iter().map(|p| p.1).collect();
                let smoothed = smooth(&ys, self.smoothing);
                chart.series.push(Series { style: LineStyle::Faint, glyph: None, ..train.clone() });
                for (p, s) in train.points.iter_mut().zip(smoothed) {
                    p.1 = s;
                }
            }
            chart.series.push(Series { label: r.label.clone(), ..train });
            let val = self.line(r.trace, r.look, |b| b.last.val_loss);
            chart.series.push(Series { style: LineStyle::Dashed, live: r.live, ..val });
            chart.bars.push(Bars { live: r.live, ..self.bars(r.trace, r.look.color, |b| b.train_loss) });
        }
        for e in &self.ensembles {
            let (mean, band) = self.ensemble(e, |b| b.last.train_loss);
            chart.series.push(Series { live: e.live, label: e.label.clone(), ..mean });
            chart.bands.push(band);
            let (val, _) = self.ensemble(e, |b| b.last.val_loss);
            chart.series.push(Series { style: LineStyle::Dashed, live: e.live, ..val });
        }
        chart
    }

    /// Validation accuracy on a fixed 0–1 scale, with the chance level.
    pub fn accuracy_chart(&self) -> LineChart {
        let mut chart = self.frame("validation accuracy", false);
        chart.y_range = Some((0.0, 1.0));
        for r in &self.runs {
            let label = r.label.clone();
            chart.series.push(Series { live: r.live, label, ..self.line(r.trace, r.look, |b| b.last.val_acc) });
            chart.bars.push(Bars { live: r.live, ..self.bars(r.trace, r.look.color, |b| b.val_acc) });
        }
        for e in &self.ensembles {
            let (mean, band) = self.ensemble(e, |b| b.last.val_acc);
            chart.series.push(Series { live: e.live, label: e.label.clone(), ..mean });
            chart.bands.push(band);
        }
        let chance = 1.0 / self.classes.max(1) as f64;
        chart.levels.push(Level {
            y: chance,
            label: format!(" chance ({:.0} %)", 100.0 * chance),
            color: CHANCE_COLOR,
        });
        chart
    }

    /// Each run's learning rate η: its planned schedule (steps or epochs axis, not a fork), else
    /// the η its updates used; on a log scale when the rates span more than a decade.
    pub fn lr_chart(&self) -> LineChart {
        let mut chart = self.frame("η", false);
        for r in &self.runs {
            let planned = r.schedule.filter(|_| matches!(self.x_axis, XAxis::Steps | XAxis::Epochs));
            // A planned schedule is drawn whole from the start: only the η a run used still grows.
            let (points, live) = match planned {
                Some(s) => {
                    let total = s.total_steps;
                    let samples = 200.min(total.max(1));
                    let points = (0..=samples)
                        .map(|i| {
                            let at = i * total / samples;
                            let x = if self.x_axis == XAxis::Steps { at as f64 } else { s.epoch(at) };
                            (x, s.lr(at.min(total.saturating_sub(1))))
                        })
                        .collect();
                    (points, false)
                }
                None => (self.line(r.trace, r.look, |b| b.last.lr).points, r.live),
            };
            let fill = self.runs.len() == 1;
            chart.series.push(Series { fill, live, ..Series::of(r.look, points) });
        }
        let positive: Vec<f64> = chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        let peak = positive.iter().copied().fold(0.0, f64::max);
        let least = positive.iter().copied().fold(f64::INFINITY, f64::min);
        if peak > 10.0 * least {
            // Rates a decade or more apart: on a linear scale the smaller would lie on the axis.
            chart.log_y = true;
            chart.y_range = Some((least / 1.5, peak * 1.5));
        } else {
            chart.y_range = Some((0.0, if peak > 0.0 { peak * 1.1 } else { 1.0 }));
        }
        chart
    }

    /// Each run's measured sharpness λ_max, with its stability edge c/η (2/η for SGD) dashed: above
    /// the edge, full-batch descent on the local quadratic is unstable.
    pub fn sharpness_chart(&self) -> LineChart {
        let mut chart = self.frame("sharpness λ_max", true);
        for r in &self.runs {
            let points = r
                .trace
                .buckets()
                .iter()
                .filter_map(|b| b.measured(Diagnostic::Sharpness).map(|s| (self.x_axis.of(b), s)))
                .collect();
            chart.series.push(Series { style: LineStyle::Dots, live: r.live, ..Series::of(r.look, points) });
            let kind = r.optimizer.kind;
            if let (Some(c), Some(label)) = (kind.stability_constant(r.optimizer.momentum), kind.edge_formula("η")) {
                chart.levels.push(Level { y: c / r.lr, label: format!(" {label}"), color: r.look.color });
            }
        }
        chart
    }

    fn frame(&self, y_label: &str, log_y: bool) -> LineChart {
        LineChart {
            x_label: self.x_axis.label().to_owned(),
            y_label: y_label.to_owned(),
            log_y,
            x_range: Some((0.0, self.x_max.max(1e-9))),
            markers: self.markers(),
            scale: self.scale,
            theme: self.theme,
            ..LineChart::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::outcome::{Divergence, DivergenceRule, Outcome};
    use batchlab_trainer::{Point, RunConfig};
    use plotters::prelude::*;

    fn point(step: usize, epoch: f64, loss: f64) -> Point {
        Point {
            step,
            epoch,
            examples: step as u64 * 16,
            batch_size: 16,
            lr: 0.1,
            train_loss: loss,
            val_loss: 2.0,
            val_acc: 0.1,
            sharpness: None,
            noise_scale: None,
            grad_norm: None,
        }
    }

    /// A trace of `points`, all at time 0.
    fn trace(points: impl Iterator<Item = Point>) -> Trace {
        let mut t = Trace::default();
        t.extend(points.map(|p| (p, 0.0)));
        t
    }

    #[test]
    fn divergence_marker_lands_on_the_step_even_when_the_batch_grows() {
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
        let mut trace = Trace::default();
        trace
            .extend((0..=4).map(|s| (point(s * 28, schedule.epoch(s * 28), if s == 4 { f64::NAN } else { 2.0 }), 0.0)));
        let run = RunCurve {
            trace: &trace,
            look: Theme::Light.look(0),
            mark: Outcome::Diverged(divergence).mark(),
            schedule: Some(&schedule),
            optimizer: config.optimizer,
            lr: config.lr,
            live: false,
            label: String::new(),
        };
        let curves = Curves::one(run, XAxis::Epochs, 5.0, 10);
        let chart = curves.loss_chart();
        assert_eq!(chart.markers[0].x, 2.0);
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (600, 300)).into_drawing_area();
            crate::draw(&area, &chart).unwrap();
        }
        assert!(svg.contains("diverged at step 113"));
        let lr = curves.lr_chart();
        assert_eq!(lr.y_range, Some((0.0, 0.1 * 1.1)));
        assert_eq!(lr.series[0].points.last().map(|p| p.0), Some(5.0), "the η strip spans the epochs, growth included");
    }

    #[test]
    fn rates_a_decade_apart_get_a_log_scale() {
        let traces: Vec<Trace> =
            [0.001, 0.1].map(|lr| trace((0..3).map(|s| Point { lr, ..point(s, s as f64, 2.0) }))).to_vec();
        let runs = traces
            .iter()
            .map(|trace| RunCurve {
                trace,
                look: Theme::Light.look(0),
                mark: None,
                schedule: None,
                optimizer: RunConfig::default().optimizer,
                lr: 0.1,
                live: false,
                label: String::new(),
            })
            .collect();
        let curves = Curves {
            runs,
            ensembles: Vec::new(),
            x_axis: XAxis::Steps,
            log_y: true,
            smoothing: 0.0,
            x_max: 2.0,
            classes: 10,
            scale: 1.0,
            theme: Theme::Light,
        };
        let chart = curves.lr_chart();
        assert!(chart.log_y);
        let (lo, hi) = chart.y_range.unwrap();
        assert!(lo < 0.001 && hi > 0.1, "{lo} {hi}");
    }

    #[test]
    fn smoothing_is_debiased_and_never_hides_a_blow_up() {
        let s = smooth(&[2.0, 2.0, 2.0, f64::NAN, 1.0], 0.9);
        assert!((s[0] - 2.0).abs() < 1e-12 && (s[2] - 2.0).abs() < 1e-12, "no pull towards zero: {s:?}");
        assert!(s[3].is_infinite() && s[4].is_infinite(), "{s:?}");
        assert_eq!(smooth(&[1.0, 3.0], 0.0), [1.0, 3.0]);
    }

    #[test]
    fn an_ensemble_is_a_mean_over_a_band() {
        let traces: Vec<Trace> = [1.0, 3.0].map(|l| trace((0..3).map(|s| point(s, s as f64, l)))).to_vec();
        let curves = Curves {
            runs: Vec::new(),
            ensembles: vec![Ensemble {
                members: traces.iter().collect(),
                look: Theme::Light.look(1),
                live: false,
                label: String::new(),
            }],
            x_axis: XAxis::Steps,
            log_y: false,
            smoothing: 0.0,
            x_max: 2.0,
            classes: 10,
            scale: 1.0,
            theme: Theme::Light,
        };
        let chart = curves.loss_chart();
        assert_eq!(chart.series[0].points, [(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)]);
        assert_eq!(chart.bands[0].points[1], (1.0, 1.0, 3.0));
    }
}

//! A line chart with several series, optional log-y, and vertical markers.
//!
//! Nothing is smoothed. A value that is infinite, NaN or above the plotted range is drawn at the top
//! edge with an upward triangle, so a blow-up stays visible instead of being dropped.

use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

/// One curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// Shade the area under the curve (for context such as the learning-rate schedule).
    pub fill: bool,
}

/// Vertical bars from `lo` to `hi` at `x`, one per `(x, lo, hi)`: the spread of points merged into
/// one (see [`crate::Trace`]), drawn under the lines so a merged spike stays visible.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub color: RGBColor,
    pub bars: Vec<(f64, f64, f64)>,
}

/// A vertical line at `x` with a label (for example where a run diverged).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
    pub color: RGBColor,
}

/// Everything one chart shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    /// Fixed x range; by default the data's.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; by default the finite data's, padded.
    pub y_range: Option<(f64, f64)>,
    pub series: Vec<Series>,
    pub bars: Vec<Bars>,
    pub markers: Vec<Marker>,
}

#[derive(Debug, Error)]
#[error("drawing the chart failed: {0}")]
pub struct ChartError(String);

impl ChartError {
    /// Wraps a backend's error (plotters' errors are generic over the backend).
    pub fn from_debug(e: &impl std::fmt::Debug) -> Self {
        ChartError(format!("{e:?}"))
    }
}

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::from_debug(&e)
}

const FONT: &str = "sans-serif";
const GRID: RGBColor = RGBColor(236, 239, 244);

/// Axis numbers without float noise or needless exponents: 0.2, 1, 30, 1e-4, 2.5e3.
pub fn fmt_tick(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    if (1e-3..1e4).contains(&v.abs()) {
        let s = format!("{v:.3}");
        return s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    let s = format!("{v:.1e}");
    s.replace(".0e", "e")
}

impl LineChart {
    fn x_extent(&self) -> (f64, f64) {
        if let Some(r) = self.x_range {
            return r;
        }
        let xs = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|x| x.is_finite());
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if lo.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            (lo, lo + 1.0)
        } else {
            (0.0, 1.0)
        }
    }

    fn y_extent(&self) -> (f64, f64) {
        if let Some(r) = self.y_range {
            return r;
        }
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|y| y.is_finite() && (!self.log_y || *y > 0.0));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
        match (lo.is_finite(), self.log_y) {
            (false, true) => (0.01, 10.0),
            (false, false) => (0.0, 1.0),
            (true, true) => (lo / 1.3, hi * 1.3),
            (true, false) => {
                let pad = ((hi - lo) * 0.05).max(1e-9);
                (lo - pad, hi + pad)
            }
        }
    }
}

/// Tick values for a log axis: 1, 2 and 5 times the powers of ten in [lo, hi], thinned to 1 and 3
/// (then to 1) when that gives too many.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            // Dividing by 10^−e keeps 0.3 exactly 0.3 (3 × 0.1 is not).
            .flat_map(|e| mantissas.iter().map(move |m| if e >= 0 { m * 10f64.powi(e) } else { m / 10f64.powi(-e) }))
            .filter(|v| *v >= lo && *v <= hi)
            .collect()
    };
    [&[1.0, 2.0, 5.0][..], &[1.0, 3.0]].into_iter().map(within).find(|t| t.len() <= 8).unwrap_or_else(|| {
        let decades = within(&[1.0]);
        decades.iter().copied().step_by(decades.len().div_ceil(8).max(1)).collect()
    })
}

/// Draws `chart` filling `area`.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart) -> Result<(), ChartError> {
    area.fill(&WHITE).map_err(err)?;
    let (x0, x1) = chart.x_extent();
    let (y0, y1) = chart.y_extent();
    let (width_px, height_px) = area.dim_in_pixel();
    let x_labels = (width_px / 80).clamp(2, 12) as usize;
    let y_labels = (height_px / 36).clamp(2, 10) as usize;
    let mut builder = ChartBuilder::on(area);
    builder.margin(8).x_label_area_size(if height_px < 150 { 22 } else { 34 }).y_label_area_size(56);
    if !chart.title.is_empty() {
        builder.caption(&chart.title, (FONT, 16));
    }
    let labels = (x_labels, y_labels);
    if chart.log_y {
        let y = (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        let mut ctx = builder.build_cartesian_2d(x0..x1, y).map_err(err)?;
        plot(&mut ctx, chart, (y0, y1), labels)
    } else {
        let mut ctx = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        plot(&mut ctx, chart, (y0, y1), labels)
    }
}

/// Axes, markers, series and legend, for a linear or a logarithmic y-axis `Y`.
fn plot<'a, DB, Y>(
    ctx: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    chart: &LineChart,
    (y0, y1): (f64, f64),
    (x_labels, y_labels): (usize, usize),
) -> Result<(), ChartError>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let fmt = |v: &f64| fmt_tick(*v);
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_labels(x_labels)
        .y_labels(y_labels)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .light_line_style(GRID)
        .draw()
        .map_err(err)?;
    for m in &chart.markers {
        ctx.draw_series(LineSeries::new([(m.x, y0), (m.x, y1)], m.color.stroke_width(2))).map_err(err)?;
        ctx.draw_series([Text::new(format!(" {}", m.label), (m.x, y1), (FONT, 13).into_font().color(&m.color))])
            .map_err(err)?;
    }
    // A non-finite or out-of-range value is pinned to the top edge, never dropped.
    let pin = |y: f64| if y.is_finite() { y.clamp(y0, y1) } else { y1 };
    for b in &chart.bars {
        let style = b.color.mix(0.35).stroke_width(1);
        ctx.draw_series(b.bars.iter().map(|&(x, lo, hi)| PathElement::new(vec![(x, pin(lo)), (x, pin(hi))], style)))
            .map_err(err)?;
    }
    for s in &chart.series {
        let pinned = |&(x, y): &(f64, f64)| (x, pin(y));
        if s.fill {
            let shade = s.color.mix(0.15);
            ctx.draw_series(AreaSeries::new(s.points.iter().map(pinned), y0, shade)).map_err(err)?;
        }
        let style = s.color.stroke_width(2);
        let anno = ctx.draw_series(LineSeries::new(s.points.iter().map(pinned), style)).map_err(err)?;
        if !s.label.is_empty() {
            let color = s.color;
            anno.label(&s.label).legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        let over: Vec<(f64, f64)> = s.points.iter().filter(|p| !p.1.is_finite() || p.1 > y1).map(pinned).collect();
        ctx.draw_series(over.into_iter().map(|p| TriangleMarker::new(p, 6, s.color.filled()))).map_err(err)?;
    }
    if chart.series.iter().any(|s| !s.label.is_empty()) {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 13))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(chart: &LineChart) -> String {
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (640, 360)).into_drawing_area();
            draw(&area, chart).unwrap();
            area.present().unwrap();
        }
        out
    }

    #[test]
    fn blow_ups_are_pinned_not_dropped() {
        let series = |points| Series { label: "train".into(), color: BLUE, points, fill: false };
        let calm =
            svg(&LineChart { series: vec![series(vec![(0.0, 2.0), (1.0, 1.0), (2.0, 0.5)])], ..Default::default() });
        let wild = LineChart {
            log_y: true,
            series: vec![series(vec![(0.0, 2.0), (1.0, 1.0), (2.0, f64::INFINITY), (3.0, f64::NAN)])],
            markers: vec![Marker { x: 2.0, label: "diverged at step 2".into(), color: RED }],
            ..Default::default()
        };
        let wild = svg(&wild);
        assert!(wild.contains("diverged at step 2"));
        assert!(
            wild.matches("<polygon").count() >= 2 + calm.matches("<polygon").count(),
            "two triangles for two blow-ups"
        );
        assert!(!wild.contains("NaN") && !wild.contains("inf"));
    }

    #[test]
    fn log_axes_get_round_ticks() {
        assert_eq!(log_ticks(0.15, 3.3), [0.2, 0.5, 1.0, 2.0]);
        assert_eq!(log_ticks(0.05, 20.0), [0.1, 0.3, 1.0, 3.0, 10.0]);
        assert_eq!(log_ticks(0.01, 100.0), [0.01, 0.1, 1.0, 10.0, 100.0]);
        assert_eq!(log_ticks(1e-6, 1e6), [1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6]);
    }

    #[test]
    fn ticks_read_cleanly() {
        let got: Vec<String> = [0.0, 0.2, 1.0, 30.0, 0.125, 1e-4, 2500.0, 25_000.0].map(fmt_tick).to_vec();
        assert_eq!(got, ["0", "0.2", "1", "30", "0.125", "1e-4", "2500", "2.5e4"]);
    }

    #[test]
    fn empty_charts_draw() {
        let s = svg(&LineChart { log_y: true, ..Default::default() });
        assert!(s.starts_with("<svg"));
    }
}

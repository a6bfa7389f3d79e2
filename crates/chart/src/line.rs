//! A line chart with several series, optional log axes, bands, bars, and vertical and horizontal
//! guides.
//!
//! Nothing here smooths: a series is drawn as given (a caller may add a smoothed copy, keeping the
//! raw one). A value that is infinite, NaN or above the plotted range is drawn at the top edge with
//! an upward triangle, so a blow-up stays visible instead of being dropped. The legend, if any, sits
//! under the plot, never over a curve. A series with a glyph carries it along its line and in the
//! legend, so colour is never the only cue. Sizes scale with `scale`, so a canvas drawn at the
//! screen's pixel ratio stays sharp with text of the same apparent size; colours follow `theme`.

use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use thiserror::Error;

use crate::look::{Glyph, Look, Theme};
use crate::text::{shorten_on, size_on};

/// How a series' line is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LineStyle {
    #[default]
    Solid,
    Dashed,
    /// Thin and light: raw values under a smoothed line.
    Faint,
    /// A dot at each point, joined thinly: sparse measurements.
    Dots,
}

/// One curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// Shade the area under the curve (for context such as the learning-rate schedule).
    pub fill: bool,
    pub style: LineStyle,
    /// Drawn at a few points along the line and in the legend: which run this is, without colour.
    pub glyph: Option<Glyph>,
    /// Still growing (a run training): drawn on the live layer, over a base that is kept.
    pub live: bool,
}

impl Series {
    /// A run's line: its colour and glyph.
    pub fn of(look: Look, points: Vec<(f64, f64)>) -> Self {
        Series { color: look.color, glyph: Some(look.glyph), points, ..Series::default() }
    }
}

impl Default for Series {
    fn default() -> Self {
        Self {
            label: String::new(),
            color: BLACK,
            points: Vec::new(),
            fill: false,
            style: LineStyle::Solid,
            glyph: None,
            live: false,
        }
    }
}

/// Vertical bars from `lo` to `hi` at `x`, one per `(x, lo, hi)`: the spread of points merged into
/// one (see [`crate::Trace`]), drawn under the lines so a merged spike stays visible.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub color: RGBColor,
    pub bars: Vec<(f64, f64, f64)>,
    /// Still growing, like [`Series::live`].
    pub live: bool,
}

/// A shaded band between `lo` and `hi` at each `(x, lo, hi)`: the range of a seed ensemble.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub color: RGBColor,
    pub points: Vec<(f64, f64, f64)>,
}

/// A vertical line at `x` with a label (for example where a run diverged).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
    pub color: RGBColor,
}

/// A dashed horizontal line at `y` with a label (for example the stability edge 2/η).
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub y: f64,
    pub label: String,
    pub color: RGBColor,
}

/// Everything one chart shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub log_y: bool,
    /// Fixed x range; by default the data's.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; by default the finite data's, padded.
    pub y_range: Option<(f64, f64)>,
    pub series: Vec<Series>,
    pub bands: Vec<Band>,
    pub bars: Vec<Bars>,
    pub markers: Vec<Marker>,
    pub levels: Vec<Level>,
    /// Device pixels per CSS pixel (0 means 1): fonts, lines and margins scale with it.
    pub scale: f64,
    pub theme: Theme,
}

/// What of a chart to draw. A host that redraws a chart often draws its base once and keeps it,
/// and over a copy of it draws the live layer alone: the lines that still grow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Part {
    /// Everything.
    All,
    /// Everything but the live series and bars.
    Base,
    /// The live series and bars alone, without a background, in the frame the base was drawn in.
    Live(Frame),
}

impl Part {
    /// Whether a series or bars drawn `live` belong to this part.
    fn has(self, live: bool) -> bool {
        match self {
            Part::All => true,
            Part::Base => !live,
            Part::Live(_) => live,
        }
    }
}

/// Where the plot landed: its pixel rectangle and the x values at its left and right edges, so a
/// host can map a pointer back to x.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Frame {
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
    pub x_range: (f64, f64),
    pub log_x: bool,
}

impl Frame {
    /// The x value at pixel column `px` (device pixels), or `None` outside the plot.
    pub fn x_at(&self, px: f64) -> Option<f64> {
        let (l, r) = (f64::from(self.left), f64::from(self.right));
        if !(l..=r).contains(&px) || r <= l {
            return None;
        }
        let t = (px - l) / (r - l);
        let (a, b) = self.x_range;
        Some(if self.log_x { (a.ln() + t * (b.ln() - a.ln())).exp() } else { a + t * (b - a) })
    }
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

pub(crate) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::from_debug(&e)
}

pub(crate) const FONT: &str = "sans-serif";
/// Glyphs along one line: enough to follow it, few enough not to clutter it.
const GLYPHS_PER_LINE: usize = 6;

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

/// The finite extent of some values, padded if `pad` (a little on a linear axis, ×1.3 on a log one).
fn extent(values: impl Iterator<Item = f64>, log: bool, pad: bool, fallback: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return fallback;
    }
    let (lo, hi) = match (pad, log, hi > lo) {
        (false, _, true) => (lo, hi),
        (_, true, false) => (lo / 2.0, lo * 2.0),
        (false, false, false) => (lo, lo + 1.0),
        (true, true, true) => (lo / 1.3, hi * 1.3),
        (true, false, _) => {
            let pad = ((hi - lo) * 0.05).max(1e-9);
            (lo - pad, hi + pad)
        }
    };
    // Bounded: a value beyond the bounds is pinned to the edge like a blow-up, and an axis spanning
    // hundreds of decades would make ticks without end.
    let (min, max) = if log { (1e-30, 1e30) } else { (-1e12, 1e12) };
    let (lo, hi) = (lo.clamp(min, max), hi.clamp(min, max));
    if hi > lo {
        (lo, hi)
    } else if log {
        (lo / 2.0, hi * 2.0)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

impl LineChart {
    fn scale(&self) -> f64 {
        if self.scale > 0.0 {
            self.scale
        } else {
            1.0
        }
    }

    /// `v` CSS pixels in device pixels.
    pub(crate) fn px(&self, v: f64) -> u32 {
        (v * self.scale()).round().max(1.0) as u32
    }

    /// A digest of everything [`Part::Base`] draws (the plotted ranges, which the live lines help
    /// set, among it): a host keeps a drawn base while the key stays the same.
    pub fn base_key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        let f = |v: f64, h: &mut std::hash::DefaultHasher| v.to_bits().hash(h);
        let colour = |c: RGBColor, h: &mut std::hash::DefaultHasher| (c.0, c.1, c.2).hash(h);
        (&self.title, &self.x_label, &self.y_label, self.log_x, self.log_y, self.theme).hash(&mut h);
        let ((x0, x1), (y0, y1)) = (self.x_extent(), self.y_extent());
        for v in [x0, x1, y0, y1, self.scale] {
            f(v, &mut h);
        }
        for s in &self.series {
            // The legend shows every labelled series; the base draws the lines of those not live.
            (&s.label, s.glyph, s.live).hash(&mut h);
            colour(s.color, &mut h);
            if !s.live {
                (s.fill, s.style, s.points.len()).hash(&mut h);
                s.points.iter().for_each(|p| {
                    f(p.0, &mut h);
                    f(p.1, &mut h);
                });
            }
        }
        for b in self.bars.iter().filter(|b| !b.live) {
            colour(b.color, &mut h);
            b.bars.iter().for_each(|p| [p.0, p.1, p.2].into_iter().for_each(|v| f(v, &mut h)));
        }
        for b in &self.bands {
            colour(b.color, &mut h);
            b.points.iter().for_each(|p| [p.0, p.1, p.2].into_iter().for_each(|v| f(v, &mut h)));
        }
        for m in &self.markers {
            (&m.label, m.x.to_bits()).hash(&mut h);
            colour(m.color, &mut h);
        }
        for l in &self.levels {
            (&l.label, l.y.to_bits()).hash(&mut h);
            colour(l.color, &mut h);
        }
        h.finish()
    }

    fn x_extent(&self) -> (f64, f64) {
        if let Some(r) = self.x_range {
            return r;
        }
        // Not padded: a curve starts at the left edge.
        let xs = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        extent(xs, self.log_x, false, if self.log_x { (0.1, 1.0) } else { (0.0, 1.0) })
    }

    fn y_extent(&self) -> (f64, f64) {
        if let Some(r) = self.y_range {
            return r;
        }
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.bands.iter().flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])))
            .chain(self.levels.iter().map(|l| l.y));
        extent(ys, self.log_y, true, if self.log_y { (0.01, 10.0) } else { (0.0, 1.0) })
    }
}

/// Tick values for a log axis: 1, 2 and 5 times the powers of ten in [lo, hi], thinned to 1 and 3
/// (then to 1, then to every few decades) when that gives more than `max`.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let max = max.max(2);
    if !(lo > 0.0 && hi.is_finite() && lo <= hi) {
        return Vec::new();
    }
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            // Dividing by 10^−e keeps 0.3 exactly 0.3 (3 × 0.1 is not).
            .flat_map(|e| mantissas.iter().map(move |m| if e >= 0 { m * 10f64.powi(e) } else { m / 10f64.powi(-e) }))
            .filter(|v| *v >= lo && *v <= hi)
            .collect()
    };
    [&[1.0, 2.0, 5.0][..], &[1.0, 3.0]].into_iter().map(within).find(|t| t.len() <= max).unwrap_or_else(|| {
        let decades = within(&[1.0]);
        decades.iter().copied().step_by(decades.len().div_ceil(max).max(1)).collect()
    })
}

/// Draws `chart` filling `area`; returns where the plot landed.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart) -> Result<Frame, ChartError> {
    draw_part(area, chart, Part::All)
}

/// Draws `part` of `chart` filling `area`; returns where the plot landed.
pub fn draw_part<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    part: Part,
) -> Result<Frame, ChartError> {
    let (x0, x1) = chart.x_extent();
    let (y0, y1) = chart.y_extent();
    let area = match part {
        Part::Live(f) => {
            let size = ((f.right - f.left).max(0) as u32, (f.bottom - f.top).max(0) as u32);
            area.clone().shrink((f.left, f.top), size)
        }
        Part::All | Part::Base => {
            area.fill(&chart.theme.background()).map_err(err)?;
            let (_, full_height) = area.dim_in_pixel();
            match crate::legend::height_on(area, chart) {
                0 => area.clone(),
                legend_height => {
                    let (plot, legend) = area.split_vertically(full_height.saturating_sub(legend_height));
                    crate::legend::draw_legend(&legend, chart)?;
                    plot
                }
            }
        }
    };
    let area = if matches!(part, Part::Live(_)) { area } else { under_title(area, chart)? };
    let (width_px, height_px) = area.dim_in_pixel();
    let s = chart.scale();
    let x_labels = ((f64::from(width_px) / s / 90.0) as usize).clamp(2, 10);
    let y_labels = ((f64::from(height_px) / s / 36.0) as usize).clamp(2, 10);
    // A strip under another chart leaves the x-axis's name to the chart above it.
    let small = f64::from(height_px) / s < 150.0;
    let mut builder = ChartBuilder::on(&area);
    if !matches!(part, Part::Live(_)) {
        // Room, as measured, for the numbers (twice a tick's length off the axis) and the axis's name
        // under them; on the right for half the widest number, centred on the last tick.
        let font = TextStyle::from((FONT, chart.px(12.0)).into_font());
        let line = size_on(&area, "0", &font).1;
        let widest = [fmt_tick(x0), fmt_tick(x1), "0.00".to_owned()].iter().map(|t| size_on(&area, t, &font).0).max();
        let names = if small { 1 } else { 2 };
        builder
            .margin(chart.px(8.0))
            .margin_right((chart.px(8.0) as i32).max(widest.unwrap_or(0) / 2 + chart.px(2.0) as i32))
            .x_label_area_size(chart.px(12.0) as i32 + names * line)
            .y_label_area_size(chart.px(58.0));
    }
    let labels = (x_labels, y_labels, !small);
    let key = |lo: f64, hi: f64, max: usize| log_ticks(lo, hi, max);
    let frame = match (chart.log_x, chart.log_y) {
        (false, false) => {
            plot(&mut builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?, (chart, part), (y0, y1), labels)
        }
        (false, true) => plot(
            &mut builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale().with_key_points(key(y0, y1, y_labels)))
                .map_err(err)?,
            (chart, part),
            (y0, y1),
            labels,
        ),
        (true, false) => plot(
            &mut builder
                .build_cartesian_2d((x0..x1).log_scale().with_key_points(key(x0, x1, x_labels)), y0..y1)
                .map_err(err)?,
            (chart, part),
            (y0, y1),
            labels,
        ),
        (true, true) => plot(
            &mut builder
                .build_cartesian_2d(
                    (x0..x1).log_scale().with_key_points(key(x0, x1, x_labels)),
                    (y0..y1).log_scale().with_key_points(key(y0, y1, y_labels)),
                )
                .map_err(err)?,
            (chart, part),
            (y0, y1),
            labels,
        ),
    }?;
    match part {
        Part::Live(f) => Ok(f),
        Part::All | Part::Base => Ok(Frame { x_range: (x0, x1), log_x: chart.log_x, ..frame }),
    }
}

/// Draws the chart's title, shortened to fit, in a band of its own at the top of `area` (clear of the
/// top y number, which sits on the plot's edge), and returns the rest.
fn under_title<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    chart: &LineChart,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let font = (FONT, chart.px(16.0)).into_font().color(&chart.theme.text());
    let (width, _) = area.dim_in_pixel();
    let title = shorten_on(&area, &chart.title, width as i32 - 2 * chart.px(8.0) as i32, &font);
    if title.is_empty() {
        return Ok(area);
    }
    let pad = chart.px(6.0) as i32;
    let (band, rest) = area.split_vertically(size_on(&area, &title, &font).1 + pad);
    let top_centre = font.pos(Pos::new(HPos::Center, VPos::Top));
    band.draw(&Text::new(title, (width as i32 / 2, pad), top_centre)).map_err(err)?;
    Ok(rest)
}

/// Axes, guides, bands, bars and series, for linear or logarithmic axes `X` and `Y`.
fn plot<'a, DB, X, Y>(
    ctx: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    (chart, part): (&LineChart, Part),
    (y0, y1): (f64, f64),
    labels: (usize, usize, bool),
) -> Result<Frame, ChartError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let pin = |y: f64| pin(y, (y0, y1));
    if !matches!(part, Part::Live(_)) {
        guides(ctx, chart, (y0, y1), labels)?;
    }
    // More points than pixel columns draw no differently, only slower: each column keeps what shows.
    let column = |x: f64| ctx.backend_coord(&(x, y0)).0;
    let bars: Vec<_> = chart
        .bars
        .iter()
        .filter(|b| part.has(b.live))
        .map(|b| (b.color, merge_bars(b.bars.iter().map(|&(x, lo, hi)| (x, pin(lo), pin(hi))), column)))
        .collect();
    let series: Vec<&Series> = chart.series.iter().filter(|s| part.has(s.live)).collect();
    let lines: Vec<Vec<(f64, f64)>> =
        series.iter().map(|s| decimate(s.points.iter().map(|&(x, y)| (x, pin(y))), column)).collect();
    for (color, bars) in bars {
        let style = color.mix(0.35).stroke_width(chart.px(1.0));
        ctx.draw_series(bars.into_iter().map(|(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], style)))
            .map_err(err)?;
    }
    // A dense line (more points than every other pixel column) is a zigzag whose ink is its own
    // spread: drawn one pixel wide it reads as well, and a browser without a GPU rasterises it
    // several times faster than at two.
    let columns = ctx.plotting_area().get_pixel_range().0.len();
    let line_of = |c: RGBColor, points: usize| c.stroke_width(chart.px(if points * 2 > columns { 1.0 } else { 2.0 }));
    for (s, pinned) in series.into_iter().zip(lines) {
        let line = |c: RGBColor| line_of(c, pinned.len());
        if s.fill {
            ctx.draw_series(AreaSeries::new(pinned.iter().copied(), y0, s.color.mix(0.15))).map_err(err)?;
        }
        match s.style {
            LineStyle::Solid => {
                ctx.draw_series(LineSeries::new(pinned.iter().copied(), line(s.color))).map_err(err)?;
            }
            LineStyle::Dashed => {
                let dashed = DashedLineSeries::new(pinned.iter().copied(), chart.px(5.0), chart.px(4.0), line(s.color));
                ctx.draw_series(dashed).map_err(err)?;
            }
            LineStyle::Faint => {
                let faint = s.color.mix(0.3).stroke_width(chart.px(1.0));
                ctx.draw_series(LineSeries::new(pinned.iter().copied(), faint)).map_err(err)?;
            }
            LineStyle::Dots => {
                ctx.draw_series(LineSeries::new(pinned.iter().copied(), s.color.stroke_width(chart.px(1.0))))
                    .map_err(err)?;
                let dot = |p: (f64, f64)| Circle::new(p, chart.px(3.5), s.color.filled());
                ctx.draw_series(pinned.iter().copied().map(dot)).map_err(err)?;
            }
        }
        if let Some(g) = s.glyph {
            for p in glyph_points(&pinned, g, (y0, y1)) {
                draw_glyph(ctx.plotting_area(), p, g, s.color, chart)?;
            }
        }
        let over = s.points.iter().filter(|p| !p.1.is_finite() || p.1 > y1).map(|&(x, y)| (x, pin(y)));
        ctx.draw_series(over.map(|p| TriangleMarker::new(p, chart.px(6.0), s.color.filled()))).map_err(err)?;
    }
    let (xr, yr) = ctx.plotting_area().get_pixel_range();
    Ok(Frame { left: xr.start, right: xr.end, top: yr.start, bottom: yr.end, ..Frame::default() })
}

/// The base's axes, grid, bands, markers and levels.
fn guides<'a, DB, X, Y>(
    ctx: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    chart: &LineChart,
    (y0, y1): (f64, f64),
    (x_labels, y_labels, x_desc): (usize, usize, bool),
) -> Result<(), ChartError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let fmt = |v: &f64| fmt_tick(*v);
    let theme = chart.theme;
    let font = (FONT, chart.px(12.0)).into_font().color(&theme.text());
    ctx.configure_mesh()
        .x_desc(if x_desc { chart.x_label.as_str() } else { "" })
        .y_desc(&chart.y_label)
        .x_labels(x_labels)
        .y_labels(y_labels)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .light_line_style(theme.grid())
        .bold_line_style(theme.axis().mix(0.5))
        .axis_style(theme.axis())
        // Scaled like the text: numbers sit twice a tick's length off the axis, so at a high pixel
        // ratio the lowest y number stays clear of the x numbers under it.
        .set_all_tick_mark_size(chart.px(5.0))
        .draw()
        .map_err(err)?;
    let line = |c: RGBColor| c.stroke_width(chart.px(2.0));
    let pin = |y: f64| pin(y, (y0, y1));
    for b in &chart.bands {
        let upper = b.points.iter().map(|p| (p.0, pin(p.2)));
        let lower = b.points.iter().rev().map(|p| (p.0, pin(p.1)));
        ctx.draw_series([Polygon::new(upper.chain(lower).collect::<Vec<_>>(), b.color.mix(0.18).filled())])
            .map_err(err)?;
    }
    let (xr, yr) = ctx.plotting_area().get_pixel_range();
    // Each marker's label on a line of its own, so markers at nearby x never print over each other;
    // right of its line, or left of it where the plot ends first. A label with no line left in the
    // plot is not drawn: its line and the run's table still say where it diverged.
    for (i, m) in chart.markers.iter().enumerate() {
        ctx.draw_series(LineSeries::new([(m.x, y0), (m.x, y1)], line(m.color))).map_err(err)?;
        let font = (FONT, chart.px(13.0)).into_font().color(&m.color);
        let area = ctx.plotting_area();
        let (gap, x) = (chart.px(3.0) as i32, ctx.backend_coord(&(m.x, y1)).0);
        let dy = i as i32 * (chart.px(15.0) as i32).max(size_on(area, "0", &font).1 + 1);
        let (right, left) = (xr.end - x - gap, x - gap - xr.start);
        let text = shorten_on(area, &m.label, right.max(left), &font);
        let (w, h) = size_on(area, &text, &font);
        if text.is_empty() || yr.start + dy + h > yr.end {
            continue;
        }
        let (h, dx) = if w <= right { (HPos::Left, gap) } else { (HPos::Right, -gap) };
        let label = EmptyElement::at((m.x, y1)) + Text::new(text, (dx, dy), font.pos(Pos::new(h, VPos::Top)));
        ctx.draw_series([label]).map_err(err)?;
    }
    let (xa, xb) = {
        let r = ctx.x_range();
        (r.start, r.end)
    };
    for l in &chart.levels {
        let y = pin(l.y);
        ctx.draw_series(DashedLineSeries::new([(xa, y), (xb, y)], chart.px(6.0), chart.px(4.0), line(l.color)))
            .map_err(err)?;
        // Under its line, or over it near the plot's foot, so it never reaches the axis's numbers.
        let font = (FONT, chart.px(12.0)).into_font().color(&l.color);
        let area = ctx.plotting_area();
        let text = shorten_on(area, &l.label, xr.end - xr.start, &font);
        let below = ctx.backend_coord(&(xa, y)).1 + size_on(area, &text, &font).1 <= yr.end;
        let v = if below { VPos::Top } else { VPos::Bottom };
        ctx.draw_series([Text::new(text, (xa, y), font.pos(Pos::new(HPos::Left, v)))]).map_err(err)?;
    }
    Ok(())
}

/// `y` on a plot of `y0..y1`: a non-finite or out-of-range value is pinned to the edge (the top for a
/// non-finite one), never dropped.
fn pin(y: f64, (y0, y1): (f64, f64)) -> f64 {
    if y.is_finite() {
        y.clamp(y0, y1)
    } else {
        y1
    }
}

/// The points of a line that show at pixel columns `column(x)`: of the points falling in one column,
/// the first, the lowest, the highest and the last, in order (M4), so the line drawn is the same to
/// the pixel, every spike and pinned blow-up kept.
fn decimate(points: impl Iterator<Item = (f64, f64)>, column: impl Fn(f64) -> i32) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    // The current column's first, lowest, highest and last points.
    let mut group: Option<(i32, [(f64, f64); 4])> = None;
    let flush = |out: &mut Vec<(f64, f64)>, g: [(f64, f64); 4]| {
        let [first, low, high, last] = g;
        let (a, b) = if low.0 <= high.0 { (low, high) } else { (high, low) };
        for p in [first, a, b, last] {
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
    };
    for p in points {
        let c = column(p.0);
        match &mut group {
            Some((at, g)) if *at == c => {
                if p.1 < g[1].1 {
                    g[1] = p;
                }
                if p.1 > g[2].1 {
                    g[2] = p;
                }
                g[3] = p;
            }
            _ => {
                if let Some((_, g)) = group.take() {
                    flush(&mut out, g);
                }
                group = Some((c, [p; 4]));
            }
        }
    }
    if let Some((_, g)) = group {
        flush(&mut out, g);
    }
    out
}

/// Bars merged per pixel column: the lowest low and the highest high of the bars in it.
fn merge_bars(bars: impl Iterator<Item = (f64, f64, f64)>, column: impl Fn(f64) -> i32) -> Vec<(f64, f64, f64)> {
    let mut out: Vec<(i32, (f64, f64, f64))> = Vec::new();
    for (x, lo, hi) in bars {
        let c = column(x);
        match out.last_mut() {
            Some((at, b)) if *at == c => *b = (b.0, b.1.min(lo), b.2.max(hi)),
            _ => out.push((c, (x, lo, hi))),
        }
    }
    out.into_iter().map(|(_, b)| b).collect()
}

/// Where a line's glyphs go: [`GLYPHS_PER_LINE`] points spread over it, shifted along by the glyph, so
/// that runs with the same points do not hide each other's glyphs.
fn glyph_points(points: &[(f64, f64)], g: Glyph, (y0, y1): (f64, f64)) -> Vec<(f64, f64)> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let phase = Glyph::ALL.iter().position(|&a| a == g).unwrap_or(0) as f64 / Glyph::ALL.len() as f64;
    (0..GLYPHS_PER_LINE)
        .map(|j| (j as f64 + phase) / GLYPHS_PER_LINE as f64) // in [0, 1)
        .map(|at| points[((at * (n - 1) as f64).round() as usize).min(n - 1)])
        .filter(|p| p.1 > y0 && p.1 < y1)
        .collect()
}

/// Draws glyph `g` centred on `at`: filled in the series' colour with a rim of the background; the
/// ring hollow; the cross and the plus two strokes.
pub(crate) fn draw_glyph<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    g: Glyph,
    color: RGBColor,
    chart: &LineChart,
) -> Result<(), ChartError>
where
    CT::From: Clone,
{
    let shape = g.outline(chart.px(4.0) as i32);
    let closed = [&shape[..], &shape[..1]].concat();
    let stroke = color.stroke_width(chart.px(2.0));
    let background = chart.theme.background();
    let start = EmptyElement::at(at);
    match g {
        Glyph::Cross | Glyph::Plus => area.draw(
            &(start + PathElement::new(shape[..2].to_vec(), stroke) + PathElement::new(shape[2..].to_vec(), stroke)),
        ),
        Glyph::Ring => {
            area.draw(&(start + Polygon::new(shape, background.filled()) + PathElement::new(closed, stroke)))
        }
        _ => area.draw(
            &(start
                + Polygon::new(shape, color.filled())
                + PathElement::new(closed, background.stroke_width(chart.px(1.0)))),
        ),
    }
    .map_err(err)
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

    fn svg_part(chart: &LineChart, part: Part) -> (Vec<String>, Frame) {
        let mut out = String::new();
        let frame = {
            let area = SVGBackend::with_string(&mut out, (640, 360)).into_drawing_area();
            let frame = draw_part(&area, chart, part).unwrap();
            area.present().unwrap();
            frame
        };
        let mut elements: Vec<String> =
            out.lines().filter(|l| !l.starts_with("<svg") && !l.starts_with("</svg")).map(str::to_owned).collect();
        elements.sort();
        (elements, frame)
    }

    /// Two runs done and one training whose blow-up sets the y range: the base and the live layer
    /// drawn over it in the base's frame are, element for element, the whole chart.
    #[test]
    fn the_base_and_the_live_layer_draw_the_whole_chart() {
        let line = |color, ys: &[f64], live| Series {
            color,
            points: ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect(),
            glyph: Some(Glyph::Square),
            live,
            ..Series::default()
        };
        let bars = |color, live| Bars { color, bars: vec![(1.0, 0.5, 1.5), (2.0, 0.4, 0.9)], live };
        let mut chart = LineChart {
            log_y: true,
            series: vec![line(BLUE, &[2.0, 1.0, 0.5], false), line(RED, &[2.5, 9.0, f64::INFINITY], true)],
            bars: vec![bars(BLUE, false), bars(RED, true)],
            markers: vec![Marker { x: 2.0, label: "diverged at step 2".into(), color: RED }],
            levels: vec![Level { y: 0.3, label: "edge".into(), color: GREEN }],
            ..Default::default()
        };
        let (all, whole) = svg_part(&chart, Part::All);
        let (base, frame) = svg_part(&chart, Part::Base);
        assert_eq!(frame, whole);
        let (live, _) = svg_part(&chart, Part::Live(frame));
        assert!(!live.is_empty() && !live.iter().any(|e| e.contains("edge") || e.contains("<rect")));
        let mut both = [base, live].concat();
        both.sort();
        assert_eq!(both, all);

        // The base is kept while only the live line grows within the range, and redrawn when the
        // range moves or a line of the base changes.
        let key = chart.base_key();
        chart.series[1].points[2].1 = 3.0;
        assert_eq!(chart.base_key(), key, "a live line within the range");
        chart.series[1].points.push((3.0, 20.0));
        let wider = chart.base_key();
        assert_ne!(wider, key, "the live line widened the range");
        chart.series[0].points.push((3.0, 0.4));
        assert_ne!(chart.base_key(), wider, "a line of the base changed");
    }

    #[test]
    fn blow_ups_are_pinned_not_dropped() {
        let series = |points| Series { label: "train".into(), color: BLUE, points, ..Series::default() };
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

    /// Two range tests at other batch sizes suggest nearby rates: their markers' labels sit on lines
    /// of their own, never over each other.
    #[test]
    fn decimation_keeps_every_column_extreme_and_the_ends() {
        // 10,000 points over 100 columns, with a spike and a dip in the middle of columns.
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| {
                let y = match i {
                    4_321 => 1e9,
                    7_777 => -5.0,
                    _ => f64::from(i % 17),
                };
                (f64::from(i), y)
            })
            .collect();
        let column = |x: f64| (x / 100.0) as i32;
        let kept = decimate(points.iter().copied(), column);
        assert!(kept.len() <= 4 * 100, "{} points kept", kept.len());
        assert!(kept.windows(2).all(|w| w[0].0 <= w[1].0), "in x order");
        for c in 0..100 {
            let of = |ps: &[(f64, f64)]| {
                let ys: Vec<f64> = ps.iter().filter(|p| column(p.0) == c).map(|p| p.1).collect();
                (ys.iter().copied().fold(f64::INFINITY, f64::min), ys.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            };
            assert_eq!(of(&kept), of(&points), "column {c}");
        }
        assert_eq!((kept[0], *kept.last().unwrap()), (points[0], *points.last().unwrap()));
        let bars = merge_bars(points.iter().map(|&(x, y)| (x, y - 1.0, y + 1.0)), column);
        assert_eq!(bars.len(), 100);
        assert!(bars.iter().any(|b| b.2 == 1e9 + 1.0) && bars.iter().any(|b| b.1 == -6.0));
    }

    #[test]
    fn glyphs_sit_on_their_line_whatever_its_length() {
        for n in 0..40 {
            let points: Vec<(f64, f64)> = (0..n).map(|i| (f64::from(i), 0.5)).collect();
            for g in Glyph::ALL {
                let at = glyph_points(&points, g, (0.0, 1.0));
                assert!(at.len() <= GLYPHS_PER_LINE && at.iter().all(|p| points.contains(p)), "{n} points, {g:?}");
                assert_eq!(at.is_empty(), n == 0);
            }
        }
        // Off the plot (a blow-up pinned to the edge), no glyph.
        assert!(glyph_points(&[(0.0, 2.0)], Glyph::Star, (0.0, 1.0)).is_empty());
    }

    #[test]
    fn labels_of_nearby_markers_do_not_overlap() {
        let chart = LineChart {
            series: vec![Series {
                label: "B 32".into(),
                color: BLUE,
                points: vec![(0.1, 2.0), (1.0, 1.0)],
                ..Series::default()
            }],
            markers: vec![
                Marker { x: 0.39, label: "B 32: η 0.39".into(), color: BLUE },
                Marker { x: 0.27, label: "B 512: η 0.27".into(), color: RED },
            ],
            ..Default::default()
        };
        let out = svg(&chart);
        let y_of = |label: &str| {
            let at = out.find(label).unwrap_or_else(|| panic!("{label} drawn"));
            let tag = &out[out[..at].rfind("<text").unwrap()..at];
            let y = &tag[tag.find(" y=\"").unwrap() + 4..];
            y[..y.find('"').unwrap()].parse::<f64>().unwrap()
        };
        assert!((y_of("B 32: η 0.39") - y_of("B 512: η 0.27")).abs() >= 12.0, "{out}");
    }

    /// Losses from 0 to the largest float (an imported sweep.csv once froze the tab with them) draw
    /// on either scale, with finite ticks.
    #[test]
    fn extreme_values_draw_in_bounded_time() {
        for log_y in [true, false] {
            let series = Series { points: vec![(0.1, 0.0), (1.0, 1e308), (2.0, f64::MAX)], ..Series::default() };
            let out = svg(&LineChart { log_y, series: vec![series], ..Default::default() });
            assert!(out.starts_with("<svg"));
        }
        assert!(log_ticks(1e-300, f64::MAX, 10).len() <= 10);
        assert!(log_ticks(0.0, f64::INFINITY, 10).is_empty());
    }

    #[test]
    fn the_frame_maps_pixels_back_to_x() {
        let chart = LineChart {
            x_range: Some((0.0, 10.0)),
            series: vec![Series { points: vec![(0.0, 1.0), (10.0, 2.0)], ..Series::default() }],
            ..Default::default()
        };
        let mut out = String::new();
        let frame = draw(&SVGBackend::with_string(&mut out, (640, 360)).into_drawing_area(), &chart).unwrap();
        assert!(frame.left > 0 && frame.right < 640 && frame.left < frame.right);
        assert_eq!(frame.x_at(f64::from(frame.left)), Some(0.0));
        assert!((frame.x_at(f64::from(frame.left + frame.right) / 2.0).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(frame.x_at(0.0), None);
        let log = Frame { left: 0, right: 100, x_range: (0.01, 1.0), log_x: true, ..Frame::default() };
        assert!((log.x_at(50.0).unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn log_axes_get_round_ticks() {
        assert_eq!(log_ticks(0.15, 3.3, 8), [0.2, 0.5, 1.0, 2.0]);
        assert_eq!(log_ticks(0.05, 20.0, 8), [0.1, 0.3, 1.0, 3.0, 10.0]);
        assert_eq!(log_ticks(0.01, 100.0, 8), [0.01, 0.1, 1.0, 10.0, 100.0]);
        assert_eq!(log_ticks(1e-6, 1e6, 8), [1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6]);
        assert_eq!(log_ticks(0.0007, 0.15, 3), [0.001, 0.01, 0.1], "a short strip gets decades");
    }

    #[test]
    fn ticks_read_cleanly() {
        let got: Vec<String> = [0.0, 0.2, 1.0, 30.0, 0.125, 1e-4, 2500.0, 25_000.0].map(fmt_tick).to_vec();
        assert_eq!(got, ["0", "0.2", "1", "30", "0.125", "1e-4", "2500", "2.5e4"]);
    }

    #[test]
    fn empty_charts_draw_and_legends_stay_off_the_plot() {
        let s = svg(&LineChart { log_y: true, log_x: true, ..Default::default() });
        assert!(s.starts_with("<svg"));
        let labelled = svg(&LineChart {
            series: vec![Series { label: "a label".into(), points: vec![(0.0, 1.0), (1.0, 2.0)], ..Series::default() }],
            ..Default::default()
        });
        assert!(labelled.contains("a label"));
    }
}

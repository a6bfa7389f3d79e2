//! A sweep's heatmap: batch size × learning rate, each cell coloured by its measure (log scale),
//! diverged and stalled cells marked as such (never coloured as numbers), the best cell of each row
//! outlined and joined by a line, and the linear and square-root scaling rules drawn through the
//! smallest batch size's best cell, so where the best η follows a rule and where it stops is plain.
//! Drawn in a narrow box, it keeps every cell's colour and drops what does not fit: the figures in
//! the cells (the page's table carries them) and every other tick label.

use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::sweep::{CellSummary, SweepTable};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::line::{fmt_tick, ChartError, Frame};
use crate::look::Theme;
use crate::text::{shorten_on, size_on};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    pub title: String,
    /// Column labels (learning rates, ascending), left to right.
    pub columns: Vec<String>,
    pub column_label: String,
    /// Row labels (batch sizes), bottom to top.
    pub rows: Vec<String>,
    pub row_label: String,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<CellSummary>>,
    /// Reference lines in cell coordinates (column, row; a cell's centre is +0.5): the best η per
    /// batch size, and the linear and square-root rules from the smallest batch size's best η.
    pub best: Vec<(f64, f64)>,
    pub linear: Vec<(f64, f64)>,
    pub sqrt: Vec<(f64, f64)>,
    /// Device pixels per CSS pixel (0 means 1).
    pub scale: f64,
    pub theme: Theme,
    /// The cell the keyboard is on (column, row), outlined.
    pub focus: Option<(usize, usize)>,
}

/// Where η falls among the columns' learning rates `lrs` (ascending), in column units: log η
/// interpolated between neighbouring columns, extrapolated past the ends.
fn column_of(lrs: &[f64], lr: f64) -> f64 {
    match lrs {
        [] => 0.0,
        [_] => 0.5,
        _ => {
            let i = lrs.windows(2).position(|w| lr <= w[1]).unwrap_or(lrs.len() - 2);
            let (a, b) = (lrs[i].ln(), lrs[i + 1].ln());
            i as f64 + 0.5 + (lr.ln() - a) / (b - a)
        }
    }
}

impl Heatmap {
    /// The heatmap of a sweep's table; batch sizes are read as numbers on a training set of
    /// `train_len` rows (the whole set for `full`).
    pub fn of(table: &SweepTable, title: &str, train_len: usize) -> Self {
        let best_per_row = table.best_lr();
        let best: Vec<(f64, f64)> = best_per_row
            .iter()
            .enumerate()
            .filter_map(|(r, (_, best))| best.map(|(lr, _)| (column_of(&table.lrs, lr), r as f64 + 0.5)))
            .collect();
        // The rules start from the smallest batch size that has a best cell.
        let anchor = best_per_row
            .iter()
            .filter_map(|(b, best)| best.map(|(lr, _)| (b.resolve(train_len) as f64, lr)))
            .min_by(|x, y| x.0.total_cmp(&y.0));
        let rule = |power: f64| -> Vec<(f64, f64)> {
            let Some((b0, lr0)) = anchor else { return Vec::new() };
            let edge = table.lrs.len() as f64;
            table
                .batch_sizes
                .iter()
                .enumerate()
                .map(|(r, b)| {
                    let lr = lr0 * (b.resolve(train_len) as f64 / b0).powf(power);
                    (column_of(&table.lrs, lr).clamp(0.0, edge), r as f64 + 0.5)
                })
                .collect()
        };
        Heatmap {
            title: title.to_owned(),
            columns: table.lrs.iter().map(|&lr| fmt_tick(lr)).collect(),
            column_label: "learning rate η".to_owned(),
            rows: table.batch_sizes.iter().map(ToString::to_string).collect(),
            row_label: "batch size B".to_owned(),
            cells: table.cells.clone(),
            best,
            linear: rule(1.0),
            sqrt: rule(0.5),
            scale: 1.0,
            theme: Theme::Light,
            focus: None,
        }
    }

    fn px(&self, v: f64) -> u32 {
        (v * if self.scale > 0.0 { self.scale } else { 1.0 }).round().max(1.0) as u32
    }
}

const DIVERGED_FILL: RGBColor = RGBColor(127, 29, 29);
const STALLED_FILL: RGBColor = RGBColor(120, 113, 108);
const LINEAR_COLOR: RGBColor = RGBColor(236, 72, 153);
const SQRT_COLOR: RGBColor = RGBColor(14, 165, 233);
/// What the outlines and dashes mean, for a heatmap's title (the colours are the ones above).
pub const KEY: &str = "outlined: best η per B; pink dashes: linear rule; blue dashes: √ rule";

/// Dark blue (low) to yellow (high), a viridis-like ramp.
fn colour(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Every how many ticks to label, so that labels `extent` pixels wide (or tall) with their gap clear
/// each other on ticks `room` apart: narrow cells keep their colour and lose only words.
fn label_every(extent: i32, room: i32) -> usize {
    (extent.max(1) as u32).div_ceil(room.max(1) as u32) as usize
}

/// A cell's figure: its centre, its text, its cell's fill and its ink.
type Figure = ((f64, f64), String, RGBColor, RGBColor);

/// The figures over their cells, each on a patch of its cell's colour so no line strikes one
/// through — when every one fits its `cell` (width, height); otherwise none, for the colour scale
/// and the page's table carry them.
fn draw_figures<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    figures: Vec<Figure>,
    cell: (i32, i32),
    map: &Heatmap,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let font = ("sans-serif", map.px(12.0)).into_font().color(&map.theme.text());
    let pad = map.px(2.0) as i32;
    let patch = |text: &str| {
        let (w, h) = size_on(area, text, &font);
        (w / 2 + pad, h / 2)
    };
    let fits = |text: &str| {
        let (w, h) = patch(text);
        2 * w < cell.0 && 2 * h < cell.1
    };
    if !figures.iter().all(|f| fits(&f.1)) {
        return Ok(());
    }
    let centre = Pos::new(HPos::Center, VPos::Center);
    for (at, text, fill, ink) in figures {
        let (w, h) = patch(&text);
        let label = EmptyElement::at(at)
            + Rectangle::new([(-w, -h), (w, h)], fill.filled())
            + Text::new(text, (0, 0), font.color(&ink).pos(centre));
        chart.draw_series([label]).map_err(|e| ChartError::from_debug(&e))?;
    }
    Ok(())
}

/// Draws the heatmap; returns where the grid landed (x and y in cell units: column, row).
pub fn draw_heatmap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, map: &Heatmap) -> Result<Frame, ChartError> {
    let e = |e| ChartError::from_debug(&e);
    let theme = map.theme;
    area.fill(&theme.background()).map_err(e)?;
    let (nx, ny) = (map.columns.len().max(1), map.rows.len().max(1));
    let mean = |c: &CellSummary| match *c {
        CellSummary::Mean(v) if v.is_finite() => Some(v),
        _ => None,
    };
    let finite: Vec<f64> = map.cells.iter().flatten().filter_map(mean).filter(|v| *v > 0.0).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min).ln();
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max).ln();
    let norm = |v: f64| if hi > lo { (v.ln() - lo) / (hi - lo) } else { 0.5 };
    let font = |size: f64| ("sans-serif", map.px(size)).into_font().color(&theme.text());
    let mut builder = ChartBuilder::on(area);
    let margin = map.px(10.0);
    builder.margin(margin).x_label_area_size(map.px(40.0)).y_label_area_size(map.px(64.0));
    let title = shorten_on(area, &map.title, area.dim_in_pixel().0 as i32 - 2 * margin as i32, &font(15.0));
    if !title.is_empty() {
        builder.caption(&title, font(15.0));
    }
    let mut chart = builder.build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64).map_err(e)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let cell = ((xr.end - xr.start) / nx as i32, (yr.end - yr.start) / ny as i32);
    let size = |text: &str| size_on(area, text, &font(12.0));
    let gap = map.px(6.0) as i32;
    let x_every = label_every(map.columns.iter().map(|c| size(c).0).max().unwrap_or(0) + gap, cell.0);
    let y_every = label_every(map.rows.iter().map(|r| size(r).1).max().unwrap_or(0) + gap, cell.1);
    let label = |values: &[String], every: usize, v: &f64| {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 1e-9 && i % every == 0 {
            values.get(i).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&map.column_label)
        .y_desc(&map.row_label)
        .x_labels(nx * 2 + 1)
        .y_labels(ny * 2 + 1)
        .x_label_formatter(&|v| label(&map.columns, x_every, v))
        .y_label_formatter(&|v| label(&map.rows, y_every, v))
        .label_style(font(12.0))
        .axis_desc_style(font(12.0))
        .axis_style(theme.axis())
        .draw()
        .map_err(e)?;
    let mut labels = Vec::new();
    for (r, row) in map.cells.iter().enumerate() {
        // The table's best cell of this row (none for a row with cells still to run).
        let best =
            map.best.iter().find(|p| (p.1 - (r as f64 + 0.5)).abs() < 1e-9).map(|p| (p.0 - 0.5).round() as usize);
        for (c, v) in row.iter().enumerate() {
            let (x, y) = (c as f64, r as f64);
            let (fill, text) = match *v {
                CellSummary::Mean(v) if v.is_finite() => (colour(norm(v)), fmt_tick(v)),
                CellSummary::Mean(_) | CellSummary::Diverged => (DIVERGED_FILL, Verdict::Diverged.name().to_owned()),
                CellSummary::Stalled => (STALLED_FILL, Verdict::Stalled.name().to_owned()),
                CellSummary::Missing => (theme.grid(), "–".to_owned()),
                CellSummary::Pending => (theme.grid(), "…".to_owned()),
            };
            chart.draw_series([Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled())]).map_err(e)?;
            if best == Some(c) {
                let outline = WHITE.stroke_width(map.px(3.0));
                chart
                    .draw_series([Rectangle::new([(x + 0.04, y + 0.06), (x + 0.96, y + 0.94)], outline)])
                    .map_err(e)?;
            }
            let ink = if matches!(v, CellSummary::Missing | CellSummary::Pending) {
                theme.text()
            } else if mean(v).is_some_and(|v| norm(v) > 0.6) {
                BLACK
            } else {
                WHITE
            };
            labels.push(((x + 0.5, y + 0.5), text, fill, ink));
        }
    }
    for (points, color) in [(&map.linear, LINEAR_COLOR), (&map.sqrt, SQRT_COLOR)] {
        let dashed =
            DashedLineSeries::new(points.iter().copied(), map.px(6.0), map.px(4.0), color.stroke_width(map.px(2.0)));
        chart.draw_series(dashed).map_err(e)?;
    }
    chart.draw_series(LineSeries::new(map.best.iter().copied(), WHITE.stroke_width(map.px(2.0)))).map_err(e)?;
    if let Some((c, r)) = map.focus.filter(|&(c, r)| c < nx && r < ny) {
        let (x, y) = (c as f64, r as f64);
        let ring = |color: RGBColor, inset: f64, width: f64| {
            Rectangle::new(
                [(x + inset, y + inset), (x + 1.0 - inset, y + 1.0 - inset)],
                color.stroke_width(map.px(width)),
            )
        };
        // Two rings, dark and light, so the keyboard's cell shows on any fill.
        chart.draw_series([ring(BLACK, 0.0, 4.0), ring(WHITE, 0.02, 2.0)]).map_err(e)?;
    }
    draw_figures(&mut chart, labels, cell, map, area)?;
    Ok(Frame { left: xr.start, right: xr.end, top: yr.start, bottom: yr.end, x_range: (0.0, nx as f64), log_x: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::sweep::Measure;
    use batchlab_trainer::BatchSize;

    #[test]
    fn cells_are_labelled_divergence_shown_and_rules_drawn() {
        use CellSummary::{Diverged, Mean, Stalled};
        let table = SweepTable {
            batch_sizes: vec![BatchSize::Examples(16), BatchSize::Examples(64)],
            lrs: vec![0.01, 0.1, 1.0],
            measure: Measure::FinalTrainLoss,
            cells: vec![vec![Mean(0.5), Mean(0.1), Diverged], vec![Mean(1.2), Stalled, Mean(0.2)]],
        };
        let map = Heatmap::of(&table, "final training loss", 1437);
        // Best η: 0.1 at B = 16 (column 1), 1 at B = 64 (column 2); from (B 16, η 0.1) the linear
        // rule reaches η 0.4 at B = 64 (0.6 of the way from column 1 to 2), the √ rule η 0.2.
        assert_eq!(map.best, [(1.5, 0.5), (2.5, 1.5)]);
        assert!((map.linear[1].0 - (1.5 + 4f64.ln() / 10f64.ln())).abs() < 1e-12);
        assert!((map.sqrt[1].0 - (1.5 + 2f64.ln() / 10f64.ln())).abs() < 1e-12);
        let mut svg = String::new();
        let frame = {
            let area = SVGBackend::with_string(&mut svg, (500, 300)).into_drawing_area();
            draw_heatmap(&area, &map).unwrap()
        };
        assert!(svg.contains("diverged") && svg.contains("stalled") && svg.contains("0.1") && svg.contains("64"));
        assert_eq!(frame.x_range, (0.0, 3.0));
        assert!(frame.left < frame.right && frame.top < frame.bottom);
    }
}

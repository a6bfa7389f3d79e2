//! A chart's legend, in rows under the plot: each labelled series as its line, its glyph and its
//! label. Entries wrap onto another row instead of running off the edge, and a label wider than a
//! row is shortened, so an exported chart names every run whatever its width.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::line::{draw_glyph, err, ChartError, LineChart, Series, FONT};
use crate::text::{shorten, size_on};

/// CSS pixels: the line's length, the space after it, between entries, a row's height, the margin
/// at either end of a row.
const SWATCH: f64 = 18.0;
const GAP: f64 = 4.0;
const SPACING: f64 = 16.0;
const ROW: f64 = 20.0;
const MARGIN: f64 = 8.0;

/// One entry: where it starts (device pixels from the legend's left), its row and its label as it fits.
struct Entry<'a> {
    x: i32,
    row: i32,
    label: String,
    series: &'a Series,
}

fn font(chart: &LineChart) -> TextStyle<'static> {
    (FONT, chart.px(13.0)).into_font().color(&chart.theme.text())
}

/// The entries of the labelled series on a legend `width` device pixels wide, texts measured by `width_of`.
fn layout(chart: &LineChart, width: i32, width_of: impl Fn(&str) -> i32) -> Vec<Entry<'_>> {
    let px = |v: f64| chart.px(v) as i32;
    let (left, right) = (px(MARGIN), width - px(MARGIN));
    let (mut x, mut row) = (left, 0);
    let mut entries = Vec::new();
    for series in chart.series.iter().filter(|s| !s.label.is_empty()) {
        let label = shorten(&series.label, right - left - px(SWATCH + GAP), &width_of);
        let w = px(SWATCH + GAP) + width_of(&label);
        if x > left && x + w > right {
            (x, row) = (left, row + 1);
        }
        entries.push(Entry { x, row, label, series });
        x += w + px(SPACING);
    }
    entries
}

/// The legend's height in device pixels on a drawing `width` wide (0 when no series is labelled),
/// measured by `backend`: a host adds it to an exported image's height so the plot keeps its size.
pub fn legend_height<DB: DrawingBackend>(backend: &DB, chart: &LineChart, width: u32) -> u32 {
    let font = font(chart);
    let width_of = |s: &str| backend.estimate_text_size(s, &font).map_or(0, |(w, _)| w as i32);
    rows_height(chart, &layout(chart, width as i32, width_of))
}

fn rows_height(chart: &LineChart, entries: &[Entry]) -> u32 {
    entries.last().map_or(0, |e| (e.row as u32 + 1) * chart.px(ROW) + chart.px(MARGIN / 2.0))
}

/// The legend's height on `area` (see [`legend_height`]).
pub(crate) fn height_on<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart) -> u32 {
    let font = font(chart);
    rows_height(chart, &layout(chart, area.dim_in_pixel().0 as i32, |s| size_on(area, s, &font).0))
}

/// Draws the legend filling `area` (as tall as [`height_on`] says).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
) -> Result<(), ChartError> {
    let font = font(chart);
    let px = |v: f64| chart.px(v) as i32;
    let left_middle = font.pos(Pos::new(HPos::Left, VPos::Center));
    for e in layout(chart, area.dim_in_pixel().0 as i32, |s| size_on(area, s, &font).0) {
        let y = px(MARGIN / 2.0) + e.row * px(ROW) + px(ROW) / 2;
        let (x, s) = (e.x, e.series);
        area.draw(&PathElement::new(vec![(x, y), (x + px(SWATCH), y)], s.color.stroke_width(chart.px(2.0))))
            .map_err(err)?;
        if let Some(g) = s.glyph {
            draw_glyph(area, (x + px(SWATCH) / 2, y), g, s.color, chart)?;
        }
        area.draw(&Text::new(e.label, (x + px(SWATCH + GAP), y), left_middle.clone())).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{draw, Theme};

    /// An exported chart of eight runs at a phone's width: every run named in its colour, the
    /// entries wrapped onto rows that the image grows by.
    #[test]
    fn the_legend_names_every_run_in_its_colour_within_the_width() {
        let series = (0..8)
            .map(|k| Series {
                label: format!("#{} B {}, η 0.1", k + 1, 8 << k),
                ..Series::of(Theme::Light.look(k), vec![(0.0, 1.0), (1.0, 0.5)])
            })
            .collect();
        let chart = LineChart { series, ..LineChart::default() };
        let (width, plot) = (340, 240);
        let legend = legend_height(&SVGBackend::with_string(&mut String::new(), (width, plot)), &chart, width);
        assert!(legend >= 3 * 20, "eight entries wrap onto rows: {legend} px");
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (width, plot + legend)).into_drawing_area();
            draw(&area, &chart).unwrap();
            area.present().unwrap();
        }
        for s in &chart.series {
            assert!(svg.contains(&format!(">\n{}\n</text>", s.label)), "{} named", s.label);
            let colour = format!("#{:02X}{:02X}{:02X}", s.color.0, s.color.1, s.color.2);
            assert!(svg.contains(&colour), "{} in {colour}", s.label);
        }
        let unlabelled = LineChart { series: vec![Series::default()], ..LineChart::default() };
        assert_eq!(legend_height(&SVGBackend::with_string(&mut String::new(), (width, plot)), &unlabelled, width), 0);
    }
}

//! A sweep's heatmap: batch size × learning rate, each cell coloured by its measure (log scale),
//! diverged and stalled cells marked as such (never coloured as numbers), and the best cell of each
//! row outlined.

use batchlab_trainer::sweep::{CellSummary, SweepTable};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::line::{fmt_tick, ChartError};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    pub title: String,
    /// Column labels (learning rates), left to right.
    pub columns: Vec<String>,
    pub column_label: String,
    /// Row labels (batch sizes), bottom to top.
    pub rows: Vec<String>,
    pub row_label: String,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<CellSummary>>,
}

impl Heatmap {
    /// The heatmap of a sweep's table.
    pub fn of(table: &SweepTable, title: &str) -> Self {
        Heatmap {
            title: title.to_owned(),
            columns: table.lrs.iter().map(|&lr| fmt_tick(lr)).collect(),
            column_label: "learning rate η".to_owned(),
            rows: table.batch_sizes.iter().map(ToString::to_string).collect(),
            row_label: "batch size B".to_owned(),
            cells: table.cells.clone(),
        }
    }
}

const DIVERGED_FILL: RGBColor = RGBColor(127, 29, 29);
const STALLED_FILL: RGBColor = RGBColor(120, 113, 108);
const MISSING_FILL: RGBColor = RGBColor(241, 245, 249);

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

pub fn draw_heatmap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, map: &Heatmap) -> Result<(), ChartError> {
    let e = |e| ChartError::from_debug(&e);
    area.fill(&WHITE).map_err(e)?;
    let (nx, ny) = (map.columns.len().max(1), map.rows.len().max(1));
    let finite: Vec<f64> = map
        .cells
        .iter()
        .flatten()
        .filter_map(|c| match *c {
            CellSummary::Mean(v) if v.is_finite() && v > 0.0 => Some(v),
            _ => None,
        })
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min).ln();
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max).ln();
    let norm = |v: f64| if hi > lo { (v.ln() - lo) / (hi - lo) } else { 0.5 };
    let mut chart = ChartBuilder::on(area)
        .caption(&map.title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)
        .map_err(e)?;
    let label = |values: &[String], v: &f64| {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 1e-9 {
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
        .x_label_formatter(&|v| label(&map.columns, v))
        .y_label_formatter(&|v| label(&map.rows, v))
        .draw()
        .map_err(e)?;
    for (r, row) in map.cells.iter().enumerate() {
        let mean = |c: &CellSummary| match *c {
            CellSummary::Mean(v) if v.is_finite() => Some(v),
            _ => None,
        };
        let best =
            row.iter().enumerate().filter_map(|(c, v)| mean(v).map(|v| (c, v))).min_by(|a, b| a.1.total_cmp(&b.1));
        for (c, v) in row.iter().enumerate() {
            let (x, y) = (c as f64, r as f64);
            let (fill, text) = match *v {
                CellSummary::Mean(v) if v.is_finite() => (colour(norm(v)), fmt_tick(v)),
                CellSummary::Mean(_) | CellSummary::Diverged => (DIVERGED_FILL, "diverged".to_owned()),
                CellSummary::Stalled => (STALLED_FILL, "stalled".to_owned()),
                CellSummary::Missing => (MISSING_FILL, "…".to_owned()),
            };
            chart.draw_series([Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled())]).map_err(e)?;
            if best.is_some_and(|b| b.0 == c) {
                chart
                    .draw_series([Rectangle::new([(x + 0.04, y + 0.06), (x + 0.96, y + 0.94)], WHITE.stroke_width(3))])
                    .map_err(e)?;
            }
            let ink = if mean(v).is_some_and(|v| norm(v) > 0.6) || *v == CellSummary::Missing { BLACK } else { WHITE };
            chart
                .draw_series([Text::new(
                    text,
                    (x + 0.5, y + 0.5),
                    ("sans-serif", 12).into_font().color(&ink).pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
                )])
                .map_err(e)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_labelled_and_divergence_shown() {
        use CellSummary::{Diverged, Mean, Stalled};
        let map = Heatmap {
            title: "final training loss".into(),
            columns: vec!["0.01".into(), "0.1".into(), "1".into()],
            column_label: "η".into(),
            rows: vec!["16".into(), "256".into()],
            row_label: "B".into(),
            cells: vec![vec![Mean(0.5), Mean(0.1), Diverged], vec![Mean(1.2), Stalled, Mean(0.2)]],
        };
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (500, 300)).into_drawing_area();
            draw_heatmap(&area, &map).unwrap();
        }
        assert!(svg.contains("diverged") && svg.contains("stalled") && svg.contains("0.1") && svg.contains("256"));
    }
}

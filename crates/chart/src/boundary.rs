//! A 2-D classifier's decision boundary, as TensorFlow Playground shows it: the plane tinted by the
//! class the model gives each cell of a grid, under the data points in their class's colour. The grid
//! is computed from the model's weights alone ([`ModelWeights::classify`]), so the view shows the
//! model the run has at that moment.

use batchlab_trainer::model::ModelWeights;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::line::ChartError;
use crate::look::Theme;

#[derive(Clone, Debug, PartialEq)]
pub struct Boundary {
    pub title: String,
    /// The plane shown: x and y ranges.
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Cells per side of the grid.
    pub cells: usize,
    /// The class of each cell, row by row from the bottom.
    pub classes: Vec<usize>,
    /// The data: x, y and class.
    pub points: Vec<(f64, f64, usize)>,
    /// Device pixels per CSS pixel (0 means 1).
    pub scale: f64,
    pub theme: Theme,
}

/// The points' extent in x and in y, with a tenth's margin on each side.
fn extent(points: &[(f64, f64, usize)]) -> ((f64, f64), (f64, f64)) {
    let span = |f: fn(&(f64, f64, usize)) -> f64| {
        let (lo, hi) = points.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if lo.is_finite() && hi > lo {
            let m = 0.1 * (hi - lo);
            (lo - m, hi + m)
        } else {
            (-1.0, 1.0)
        }
    };
    (span(|p| p.0), span(|p| p.1))
}

/// Where a drawn plane lies on the canvas (device pixels), to turn a click into a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plane {
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Plane {
    /// The point at pixel (`px`, `py`), or `None` outside the plot.
    pub fn at(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        let (l, r, t, b) = (f64::from(self.left), f64::from(self.right), f64::from(self.top), f64::from(self.bottom));
        if r <= l || b <= t || !(l..=r).contains(&px) || !(t..=b).contains(&py) {
            return None;
        }
        let (u, v) = ((px - l) / (r - l), (b - py) / (b - t));
        Some((self.x.0 + u * (self.x.1 - self.x.0), self.y.0 + v * (self.y.1 - self.y.0)))
    }

    /// The size of one pixel in x and in y.
    pub fn pixel(&self) -> (f64, f64) {
        (
            (self.x.1 - self.x.0) / f64::from((self.right - self.left).max(1)),
            (self.y.1 - self.y.0) / f64::from((self.bottom - self.top).max(1)),
        )
    }
}

impl Boundary {
    /// The points alone, over their extent (with a margin): the data, with no model yet.
    pub fn points(points: &[(f64, f64, usize)], title: &str) -> Self {
        let (x, y) = extent(points);
        Self {
            title: title.to_owned(),
            x,
            y,
            cells: 0,
            classes: Vec::new(),
            points: points.to_vec(),
            scale: 1.0,
            theme: Theme::Light,
        }
    }

    /// The boundary of `model` over the points' extent (with a margin), on a grid of `cells` per side.
    pub fn of(model: &ModelWeights, points: &[(f64, f64, usize)], cells: usize, title: &str) -> Self {
        let (x, y) = extent(points);
        let at = |(lo, hi): (f64, f64), k: usize| lo + (hi - lo) * (k as f64 + 0.5) / cells as f64;
        let classes =
            (0..cells * cells).map(|i| model.classify(&[at(x, i % cells) as f32, at(y, i / cells) as f32])).collect();
        Self { title: title.to_owned(), x, y, cells, classes, points: points.to_vec(), scale: 1.0, theme: Theme::Light }
    }

    fn px(&self, v: f64) -> u32 {
        (v * if self.scale > 0.0 { self.scale } else { 1.0 }).round().max(1.0) as u32
    }
}

/// Class `k`'s colour, tinted towards the background by `tint` (0 the colour itself).
fn colour(theme: Theme, k: usize, tint: f64) -> RGBColor {
    let (RGBColor(r, g, b), RGBColor(br, bg, bb)) = (theme.look(k).color, theme.background());
    let mix = |c: u8, to: u8| (f64::from(c) + (f64::from(to) - f64::from(c)) * tint).round() as u8;
    RGBColor(mix(r, br), mix(g, bg), mix(b, bb))
}

/// Draws the boundary (or the points alone) and says where the plane lies.
pub fn draw_boundary<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, b: &Boundary) -> Result<Plane, ChartError> {
    let e = |e| ChartError::from_debug(&e);
    let theme = b.theme;
    area.fill(&theme.background()).map_err(e)?;
    let mut builder = ChartBuilder::on(area);
    builder.margin(b.px(8.0)).x_label_area_size(b.px(28.0)).y_label_area_size(b.px(36.0));
    if !b.title.is_empty() {
        builder.caption(&b.title, ("sans-serif", b.px(14.0)).into_font().color(&theme.text()));
    }
    let mut chart = builder.build_cartesian_2d(b.x.0..b.x.1, b.y.0..b.y.1).map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style(("sans-serif", b.px(11.0)).into_font().color(&theme.text()))
        .axis_style(theme.axis())
        .x_labels(5)
        .y_labels(5)
        .draw()
        .map_err(e)?;
    let (w, h) = ((b.x.1 - b.x.0) / b.cells.max(1) as f64, (b.y.1 - b.y.0) / b.cells.max(1) as f64);
    chart
        .draw_series(b.classes.iter().enumerate().map(|(i, &k)| {
            let (x0, y0) = (b.x.0 + w * (i % b.cells) as f64, b.y.0 + h * (i / b.cells) as f64);
            Rectangle::new([(x0, y0), (x0 + w, y0 + h)], colour(theme, k, 0.7).filled())
        }))
        .map_err(e)?;
    let r = b.px(3.0);
    chart
        .draw_series(b.points.iter().map(|&(x, y, k)| {
            EmptyElement::at((x, y))
                + Circle::new((0, 0), r, colour(theme, k, 0.0).filled())
                + Circle::new((0, 0), r, theme.background().stroke_width(1))
        }))
        .map_err(e)?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    Ok(Plane { left: xs.start, right: xs.end, top: ys.start, bottom: ys.end, x: b.x, y: b.y })
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchlab_trainer::model::{Activation, LayerWeights};

    /// A linear model that says class 1 right of x = 0.25.
    fn split() -> ModelWeights {
        ModelWeights {
            activation: Activation::Relu,
            layers: vec![LayerWeights { shape: [2, 2], weights: vec![-1.0, 1.0, 0.0, 0.0], bias: vec![0.25, -0.25] }],
        }
    }

    #[test]
    fn the_grid_is_the_models_classes() {
        let points = [(0.0, 0.0, 0), (1.0, 1.0, 1)];
        let b = Boundary::of(&split(), &points, 10, "");
        assert_eq!((b.x, b.y), ((-0.1, 1.1), (-0.1, 1.1)));
        for (i, &k) in b.classes.iter().enumerate() {
            let x = -0.1 + 1.2 * ((i % 10) as f64 + 0.5) / 10.0;
            assert_eq!(k, usize::from(x > 0.25), "cell {i} at x = {x}");
        }
        let mut svg = String::new();
        let plane = draw_boundary(&SVGBackend::with_string(&mut svg, (300, 300)).into_drawing_area(), &b).unwrap();
        assert!(svg.matches("<rect").count() >= 100, "a rectangle per cell");
        assert!(svg.contains("<circle"));
        // A click maps back to the plane: the corners to the ranges' ends, outside to nothing.
        let corner = |px: i32, py: i32| plane.at(f64::from(px), f64::from(py)).unwrap();
        let ((x0, y0), (x1, y1)) = (corner(plane.left, plane.bottom), corner(plane.right, plane.top));
        assert!(
            (x0 - b.x.0).abs() < 1e-9
                && (y0 - b.y.0).abs() < 1e-9
                && (x1 - b.x.1).abs() < 1e-9
                && (y1 - b.y.1).abs() < 1e-9
        );
        assert_eq!(plane.at(0.0, 0.0), None);
        // The points alone: no cells, the same extent.
        let alone = Boundary::points(&points, "");
        assert_eq!((alone.x, alone.y, alone.cells), (b.x, b.y, 0));
        let mut svg = String::new();
        draw_boundary(&SVGBackend::with_string(&mut svg, (300, 300)).into_drawing_area(), &alone).unwrap();
        assert!(svg.matches("<circle").count() >= 2);
    }
}

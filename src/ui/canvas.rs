//! The canvas every chart is drawn on: plotters' canvas backend, except for two things.
//! - Text is measured by the canvas itself. Plotters measures text by putting a `<span>` with a
//!   `style` attribute into the page, which the Content-Security-Policy (`style-src 'self'`) blocks —
//!   and which costs a layout per label.
//! - Lines drawn one after another in one colour and width are stroked as one path. Plotters draws
//!   every dash of a dashed line, every spread bar and every grid line as a path of its own; a chart
//!   of eight long runs made thousands of strokes a redraw, which the browser rasterises on the
//!   page's thread.

use plotters::prelude::DrawingBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// [`CanvasBackend`] with text measured by its own 2-D context and lines batched into paths.
pub struct Canvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
    /// The colour (red, green, blue, alpha's bits) and width of the path being collected, not yet
    /// stroked.
    open: Option<((u8, u8, u8), u64, u32)>,
}

impl Canvas {
    pub fn on(canvas: &HtmlCanvasElement) -> Option<Self> {
        let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        Some(Self { inner: CanvasBackend::with_canvas_object(canvas.clone())?, context, open: None })
    }

    /// Adds a line to the path of its colour and width, stroking the path before if it has another.
    fn add_line(&mut self, points: impl IntoIterator<Item = (f64, f64)>, style: &impl BackendStyle) {
        let (color, width) = (style.color(), style.stroke_width());
        if color.alpha == 0.0 {
            return;
        }
        let key = (color.rgb, color.alpha.to_bits(), width);
        if self.open != Some(key) {
            self.stroke();
            let (r, g, b) = color.rgb;
            self.context.set_stroke_style_str(&format!("rgba({r},{g},{b},{})", color.alpha));
            self.context.set_line_width(f64::from(width));
            self.context.begin_path();
            self.open = Some(key);
        }
        let mut points = points.into_iter();
        if let Some((x, y)) = points.next() {
            self.context.move_to(x, y);
            for (x, y) in points {
                self.context.line_to(x, y);
            }
        }
    }

    /// Strokes the path being collected, if any: before anything else is drawn over it.
    fn stroke(&mut self) {
        if self.open.take().is_some() {
            self.context.stroke();
        }
    }
}

impl Drop for Canvas {
    fn drop(&mut self) {
        self.stroke();
    }
}

/// A text's width as `context` measures it in the font `draw_text` sets, and the font's height (ascent
/// and descent: the line box plotters' own measure gives).
pub fn measure<T: BackendTextStyle>(context: &CanvasRenderingContext2d, text: &str, style: &T) -> (u32, u32) {
    context.set_font(&format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str()));
    match context.measure_text(text) {
        Ok(m) => (
            m.width().ceil().max(0.0) as u32,
            (m.font_bounding_box_ascent() + m.font_bounding_box_descent()).ceil().max(0.0) as u32,
        ),
        Err(_) => ((style.size() * 0.6 * text.chars().count() as f64) as u32, (style.size() * 1.2) as u32),
    }
}

/// A horizontal or vertical line half a pixel over, so that a one-pixel line covers one row or column
/// of pixels (as plotters' canvas backend draws it).
fn crisp(from: BackendCoord, to: BackendCoord) -> [(f64, f64); 2] {
    let (mut a, mut b) = ((f64::from(from.0), f64::from(from.1)), (f64::from(to.0), f64::from(to.1)));
    if from.0 == to.0 {
        a.0 -= 0.5;
        b.0 -= 0.5;
    }
    if from.1 == to.1 {
        a.1 -= 0.5;
        b.1 -= 0.5;
    }
    [a, b]
}

type Drawn = Result<(), DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

impl DrawingBackend for Canvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Drawn {
        self.stroke();
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        self.stroke();
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Drawn {
        self.add_line(crisp(from, to), style);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.stroke();
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Drawn {
        self.add_line(path.into_iter().map(|(x, y)| (f64::from(x), f64::from(y))), style);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Drawn {
        self.stroke();
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Drawn {
        self.stroke();
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Drawn {
        self.stroke();
        self.inner.draw_text(text, style, pos)
    }

    /// Measured by the canvas itself ([`measure`]).
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(measure(&self.context, text, style))
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn {
        self.stroke();
        self.inner.blit_bitmap(pos, size, src)
    }
}

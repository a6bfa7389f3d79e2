//! A plotters backend that draws nothing and records where each text lands, measured as the browser
//! measures it: the advance widths of DejaVu Sans (the `sans-serif` of the test browser, and wider than
//! the Arial or Helvetica most screens use) and its line box (ascent + descent), at the size plotters
//! asks for — the font the page's canvas sets. The charts lay out their text with the same measure
//! (`estimate_text_size`), so what is checked is what they decided.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind, FontTransform};

/// A text as drawn: its string and its box in device pixels (left, top, right, bottom).
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl TextBox {
    /// Whether two boxes share any area (touching edges do not count).
    pub fn overlaps(&self, o: &TextBox) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }

    /// Whether the box lies inside a `width` × `height` drawing.
    pub fn inside(&self, (width, height): (u32, u32)) -> bool {
        self.left >= 0.0 && self.top >= 0.0 && self.right <= f64::from(width) && self.bottom <= f64::from(height)
    }
}

/// Records the texts drawn on a `size` drawing, into a list the test keeps (a drawing area owns its
/// backend).
pub struct Recorder {
    size: (u32, u32),
    texts: Rc<RefCell<Vec<TextBox>>>,
}

impl Recorder {
    pub fn new(size: (u32, u32)) -> Self {
        Self { size, texts: Rc::default() }
    }

    /// The texts it records.
    pub fn texts(&self) -> Rc<RefCell<Vec<TextBox>>> {
        Rc::clone(&self.texts)
    }
}

/// DejaVu Sans's advance widths of the printable ASCII characters (space to `~`), in 1/2048 em, read
/// from DejaVuSans.ttf's `hmtx` table.
const ASCII: [u16; 95] = [
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303,
    1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587,
    1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403,
    799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298,
    1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];

/// A character's advance in em: the table's, a few symbols the charts use, a full em for any other.
fn advance(c: char) -> f64 {
    let units = match c {
        ' '..='~' => ASCII[c as usize - 32],
        'η' => 1298,
        'λ' => 1212,
        '×' | '−' | '≤' | '≥' => 1716,
        '–' => 1024,
        '√' => 1305,
        '·' => 651,
        _ => 2048,
    };
    f64::from(units) / 2048.0
}

/// DejaVu Sans's ascent and descent (1901 + 483 of 2048): the line box a canvas measures.
const LINE: f64 = (1901.0 + 483.0) / 2048.0;

/// A text's width and height at `size` pixels.
pub fn measure(text: &str, size: f64) -> (f64, f64) {
    (text.chars().map(advance).sum::<f64>() * size, LINE * size)
}

impl DrawingBackend for Recorder {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    /// The box as the canvas draws it: aligned on `pos` by the anchor, then turned about `pos`.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if text.trim().is_empty() || style.color().alpha == 0.0 {
            return Ok(());
        }
        let (w, h) = measure(text, style.size());
        let anchor = style.anchor();
        let x = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let y = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        // The corners (x, y) and (x + w, y + h) turned by the transform, in a y-down frame.
        let turn = |(u, v): (f64, f64)| match style.transform() {
            FontTransform::None => (u, v),
            FontTransform::Rotate90 => (-v, u),
            FontTransform::Rotate180 => (-u, -v),
            FontTransform::Rotate270 => (v, -u),
        };
        let (a, b) = (turn((x, y)), turn((x + w, y + h)));
        let (px, py) = (f64::from(pos.0), f64::from(pos.1));
        self.texts.borrow_mut().push(TextBox {
            text: text.to_owned(),
            left: px + a.0.min(b.0),
            right: px + a.0.max(b.0),
            top: py + a.1.min(b.1),
            bottom: py + a.1.max(b.1),
        });
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        let (w, h) = measure(text, style.size());
        Ok((w.ceil() as u32, h.ceil() as u32))
    }
}

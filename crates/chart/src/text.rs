//! Text measured on the backend it is drawn on (the browser's canvas measures its own font), so a
//! label is placed, thinned or shortened to fit rather than clipped at the canvas's edge.

use plotters::coord::CoordTranslate;
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::TextStyle;

/// A text's width and height in device pixels as `area`'s backend measures it; `(0, 0)` if it cannot.
pub(crate) fn size_on<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    text: &str,
    font: &TextStyle,
) -> (i32, i32) {
    area.estimate_text_size(text, font).map_or((0, 0), |(w, h)| (w as i32, h as i32))
}

/// `text`, or as much of it as fits in `room` pixels followed by "…" (nothing if not even that fits).
pub(crate) fn shorten(text: &str, room: i32, width: impl Fn(&str) -> i32) -> String {
    if width(text) <= room {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    (1..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>().trim_end()))
        .find(|s| width(s) <= room)
        .unwrap_or_default()
}

/// [`shorten`] measured on `area` in `font`.
pub(crate) fn shorten_on<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    text: &str,
    room: i32,
    font: &TextStyle,
) -> String {
    shorten(text, room, |s| size_on(area, s, font).0)
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn a_text_is_shortened_only_when_it_does_not_fit() {
        let width = |s: &str| 10 * s.chars().count() as i32;
        assert_eq!(shorten("diverged at step 9", 180, width), "diverged at step 9");
        assert_eq!(shorten("diverged at step 9", 100, width), "diverged…");
        assert_eq!(shorten("diverged", 15, width), "");
    }
}

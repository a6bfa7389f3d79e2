//! How a chart looks in the page's theme, and how one run is told apart from another: its colour and
//! its glyph, both from its colour index, so that colour is never the only cue. `palette.rs` tests
//! the colours for readers who see colour differently, on each theme's background.

#[cfg(feature = "draw")]
use plotters::style::RGBColor;

/// The page's colour scheme (`prefers-color-scheme`); charts are drawn for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// How many colours each theme's palette has.
const COLOURS: usize = 8;

/// Run colours on white: each at least 3:1 on the plot, every pair apart under simulated protanopia,
/// deuteranopia and tritanopia.
#[cfg(feature = "draw")]
pub(crate) const LIGHT: [RGBColor; COLOURS] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(119, 51, 102),
    RGBColor(170, 119, 204),
    RGBColor(0, 85, 34),
    RGBColor(204, 119, 153),
    RGBColor(85, 51, 153),
];

/// The same eight hues for the dark plot, lighter where they must be to keep 3:1 on it.
#[cfg(feature = "draw")]
const DARK: [RGBColor; COLOURS] = [
    RGBColor(39, 147, 249),
    RGBColor(249, 184, 6),
    RGBColor(172, 228, 131),
    RGBColor(218, 18, 95),
    RGBColor(226, 189, 255),
    RGBColor(38, 239, 193),
    RGBColor(191, 42, 149),
    RGBColor(116, 57, 255),
];

/// How many runs each look different (a colour and glyph of their own): every colour with every glyph.
pub const DISTINCT_LOOKS: usize = COLOURS * Glyph::ALL.len();

#[cfg(feature = "draw")]
impl Theme {
    /// The plot's background (the page's panel colour, `--panel` in `style/main.css`).
    pub fn background(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(255, 255, 255),
            Theme::Dark => RGBColor(23, 30, 40),
        }
    }

    /// Titles, ticks and axis names.
    pub fn text(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(30, 41, 59),
            Theme::Dark => RGBColor(229, 233, 240),
        }
    }

    /// The fine grid.
    pub fn grid(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(236, 239, 244),
            Theme::Dark => RGBColor(38, 47, 60),
        }
    }

    /// Axes and the coarse grid.
    pub fn axis(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(148, 163, 184),
            Theme::Dark => RGBColor(100, 116, 139),
        }
    }

    /// The run colours of this theme.
    pub fn palette(self) -> &'static [RGBColor; COLOURS] {
        match self {
            Theme::Light => &LIGHT,
            Theme::Dark => &DARK,
        }
    }

    /// How the run (or series) with colour index `k` is drawn.
    pub fn look(self, k: usize) -> Look {
        let palette = self.palette();
        Look { color: palette[k % palette.len()], glyph: Glyph::of(k) }
    }
}

/// A shape drawn along a run's curves, in its legend and beside its name in the run list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Glyph {
    Circle,
    Square,
    Diamond,
    Cross,
    Plus,
    Down,
    Star,
    Ring,
}

impl Glyph {
    pub const ALL: [Glyph; 8] = [
        Glyph::Circle,
        Glyph::Square,
        Glyph::Diamond,
        Glyph::Cross,
        Glyph::Plus,
        Glyph::Down,
        Glyph::Star,
        Glyph::Ring,
    ];

    /// The glyph of colour index `k`: after each round of the palette the glyphs shift by one, so the
    /// first [`DISTINCT_LOOKS`] runs each have a colour and glyph of their own.
    pub fn of(k: usize) -> Glyph {
        Glyph::ALL[(k + k / Glyph::ALL.len()) % Glyph::ALL.len()]
    }

    /// The glyph as a character, for text beside the chart (the run list, the hover read-out).
    pub fn symbol(self) -> char {
        match self {
            Glyph::Circle => '●',
            Glyph::Square => '■',
            Glyph::Diamond => '◆',
            Glyph::Cross => '✕',
            Glyph::Plus => '✚',
            Glyph::Down => '▼',
            Glyph::Star => '★',
            Glyph::Ring => '○',
        }
    }

    /// Its outline around (0, 0), `r` pixels from the centre: a closed polygon, or for the cross and
    /// the plus their two strokes' ends.
    pub fn outline(self, r: i32) -> Vec<(i32, i32)> {
        let polygon = |n: usize, radii: &[f64], turn: f64| -> Vec<(i32, i32)> {
            (0..n)
                .map(|i| {
                    let a = turn + i as f64 * std::f64::consts::TAU / n as f64;
                    let rr = f64::from(r) * radii[i % radii.len()];
                    ((rr * a.cos()).round() as i32, (rr * a.sin()).round() as i32)
                })
                .collect()
        };
        match self {
            Glyph::Circle | Glyph::Ring => polygon(16, &[1.0], 0.0),
            Glyph::Square => vec![(-r, -r), (r, -r), (r, r), (-r, r)],
            Glyph::Diamond => polygon(4, &[1.25], 0.0),
            Glyph::Down => polygon(3, &[1.25], std::f64::consts::FRAC_PI_2),
            Glyph::Star => polygon(10, &[1.35, 0.55], -std::f64::consts::FRAC_PI_2),
            Glyph::Cross => vec![(-r, -r), (r, r), (-r, r), (r, -r)],
            Glyph::Plus => vec![(-r, 0), (r, 0), (0, -r), (0, r)],
        }
    }
}

/// One run's colour and glyph.
#[cfg(feature = "draw")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Look {
    pub color: RGBColor,
    pub glyph: Glyph,
}

#[cfg(all(test, feature = "draw"))]
mod tests {
    use super::*;

    #[test]
    fn the_first_runs_each_look_different() {
        for theme in [Theme::Light, Theme::Dark] {
            let mut seen: Vec<Look> = Vec::new();
            for k in 0..DISTINCT_LOOKS {
                let look = theme.look(k);
                assert!(!seen.contains(&look), "run {k} looks like an earlier one");
                seen.push(look);
            }
        }
    }

    #[test]
    fn glyphs_have_distinct_symbols_and_shapes() {
        for (i, a) in Glyph::ALL.iter().enumerate() {
            for b in &Glyph::ALL[..i] {
                assert_ne!(a.symbol(), b.symbol());
            }
            assert!(a.outline(5).iter().all(|&(x, y)| x.abs() <= 7 && y.abs() <= 7), "{a:?} stays near its size");
        }
    }
}

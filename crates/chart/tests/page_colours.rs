//! The charts' colours are `look.rs`'s; two other files name some of them, and must agree: the page's
//! style (the plot sits on `--panel`, its text is `--ink`, its axes `--guide`, in each theme) and the
//! browser tests' palette (`tests/e2e/helpers.mjs`, which looks for run curves by colour).

use batchlab_chart::look::Theme;
use plotters::style::RGBColor;

const CSS: &str = include_str!("../../../style/main.css");
const E2E_HELPERS: &str = include_str!("../../../tests/e2e/helpers.mjs");

/// The `#rrggbb` value of `--name` in `css`.
fn css_colour(css: &str, name: &str) -> RGBColor {
    let at = css.find(&format!("--{name}: #")).unwrap_or_else(|| panic!("--{name} is not a #rrggbb colour"));
    let start = at + format!("--{name}: #").len();
    let hex = &css[start..start + 6];
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_else(|e| panic!("--{name}: {hex}: {e}"));
    RGBColor(byte(0), byte(2), byte(4))
}

#[test]
fn the_page_style_names_the_charts_colours_in_each_theme() {
    let dark_at = CSS.find("prefers-color-scheme: dark").expect("the style has a dark theme");
    for (theme, css) in [(Theme::Light, &CSS[..dark_at]), (Theme::Dark, &CSS[dark_at..])] {
        assert_eq!(css_colour(css, "panel"), theme.background(), "{theme:?} --panel");
        assert_eq!(css_colour(css, "ink"), theme.text(), "{theme:?} --ink");
        assert_eq!(css_colour(css, "guide"), theme.axis(), "{theme:?} --guide");
    }
}

#[test]
fn the_browser_tests_look_for_the_charts_run_colours() {
    let line = E2E_HELPERS.lines().find(|l| l.starts_with("export const PALETTE = ")).expect("helpers.mjs has PALETTE");
    let json = line.trim_start_matches("export const PALETTE = ").trim_end_matches(';');
    let palette: Vec<[u8; 3]> = serde_json::from_str(json).expect("PALETTE is a JSON array of [r, g, b]");
    assert!(!palette.is_empty());
    for (k, [r, g, b]) in palette.into_iter().enumerate() {
        assert_eq!(RGBColor(r, g, b), Theme::Light.look(k).color, "PALETTE[{k}]");
    }
}

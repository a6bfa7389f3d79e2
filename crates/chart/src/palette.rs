//! The run palettes checked for readers who see colour differently: in each theme, each pair of run
//! colours stays apart under simulated protanopia, deuteranopia and tritanopia (Machado, Oliveira and
//! Fernandes 2009, severity 1), measured as a CIELAB distance, and every colour has a 3:1 contrast
//! with the theme's plot (WCAG 2.1's non-text contrast). Test-only: the page draws with the palettes.

#[cfg(test)]
mod tests {
    use plotters::style::RGBColor;

    use crate::look::Theme;

    /// Linear-RGB matrices of full protanopia, deuteranopia and tritanopia (Machado et al. 2009).
    #[allow(clippy::unreadable_literal)] // the paper's figures, digit for digit
    const DEFICIENCIES: [(&str, [[f64; 3]; 3]); 3] = [
        (
            "protanopia",
            [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
        ),
        (
            "deuteranopia",
            [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
        ),
        (
            "tritanopia",
            [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
        ),
    ];

    fn linear(c: u8) -> f64 {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    /// CIELAB (D65) of a linear-RGB colour.
    fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
        let (x, y, z) = (
            0.4124 * r + 0.3576 * g + 0.1805 * b,
            0.2126 * r + 0.7152 * g + 0.0722 * b,
            0.0193 * r + 0.1192 * g + 0.9505 * b,
        );
        let f = |t: f64| if t > 216.0 / 24389.0 { t.cbrt() } else { (24389.0 / 27.0 * t + 16.0) / 116.0 };
        let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// The colour as a reader with `m`'s deficiency sees it, in CIELAB.
    fn seen(RGBColor(r, g, b): RGBColor, m: &[[f64; 3]; 3]) -> [f64; 3] {
        let c = [linear(r), linear(g), linear(b)];
        lab(m.map(|row| (row[0] * c[0] + row[1] * c[1] + row[2] * c[2]).clamp(0.0, 1.0)))
    }

    #[test]
    fn every_pair_of_run_colours_stays_apart_for_colour_blind_readers_and_reads_on_its_plot() {
        for theme in [Theme::Light, Theme::Dark] {
            check(theme);
        }
    }

    fn luminance(RGBColor(r, g, b): RGBColor) -> f64 {
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    fn check(theme: Theme) {
        const MIN_DISTANCE: f64 = 15.0;
        let palette = theme.palette();
        for (name, m) in &DEFICIENCIES {
            let seen: Vec<[f64; 3]> = palette.iter().map(|&c| seen(c, m)).collect();
            let mut worst = (f64::INFINITY, 0, 0);
            for (i, a) in seen.iter().enumerate() {
                for (j, b) in seen.iter().enumerate().take(i) {
                    let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
                    if d < worst.0 {
                        worst = (d, j, i);
                    }
                }
            }
            eprintln!(
                "{theme:?} {name}: the closest pair is colours {} and {}, {:.1} apart",
                worst.1, worst.2, worst.0
            );
            assert!(
                worst.0 >= MIN_DISTANCE,
                "{theme:?} {name}: colours {} and {} are only {:.1} apart",
                worst.1,
                worst.2,
                worst.0
            );
        }
        let background = luminance(theme.background());
        for (k, &c) in palette.iter().enumerate() {
            let (a, b) = (luminance(c), background);
            let contrast = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(contrast >= 3.0, "{theme:?}: colour {k} has a contrast of {contrast:.2}:1 on the plot");
        }
    }
}

//! BatchLab's charts, generic over plotters' drawing backend.
//!
//! [`line`] draws one [`LineChart`] description; [`run`] turns a run's [`Trace`] (its points, bounded
//! in number) into the loss, accuracy and learning-rate charts. The browser draws them on a canvas, the CLI and the tests to
//! SVG — the same code, so what the tests check is what a person sees.
//!
//! Without the default `draw` feature only what needs no plotters is built: a run's [`Trace`], the
//! [`XAxis`] and the count of [`DISTINCT_LOOKS`] (for the lab, which must not depend on a browser
//! crate: plotters uses web-sys in wasm).

#[cfg(feature = "draw")]
pub mod boundary;
#[cfg(feature = "draw")]
pub mod heatmap;
#[cfg(feature = "draw")]
mod legend;
#[cfg(feature = "draw")]
pub mod line;
pub mod look;
#[cfg(feature = "draw")]
mod palette;
#[cfg(feature = "draw")]
pub mod run;
#[cfg(feature = "draw")]
mod text;
pub mod trace;

pub use look::{Glyph, Theme, DISTINCT_LOOKS};
pub use trace::{Trace, XAxis};
#[cfg(feature = "draw")]
pub use {
    boundary::{draw_boundary, Boundary, Plane},
    heatmap::{draw_heatmap, Heatmap},
    legend::legend_height,
    line::{draw, draw_part, fmt_tick, Band, ChartError, Frame, Level, LineChart, LineStyle, Marker, Part, Series},
    look::Look,
    run::{smooth, Curves, Ensemble, RunCurve},
};

//! BatchLab's charts, generic over plotters' drawing backend.
//!
//! [`line`] draws one [`LineChart`] description; [`run`] turns a run's [`Trace`] (its points, bounded
//! in number) into the loss, accuracy and learning-rate charts. The browser draws them on a canvas, the CLI and the tests to
//! SVG — the same code, so what the tests check is what a person sees.

pub mod boundary;
pub mod heatmap;
mod legend;
pub mod line;
pub mod look;
mod palette;
pub mod run;
mod text;
pub mod trace;

pub use boundary::{draw_boundary, Boundary, Plane};
pub use heatmap::{draw_heatmap, Heatmap};
pub use legend::legend_height;
pub use line::{draw, draw_part, fmt_tick, Band, ChartError, Frame, Level, LineChart, LineStyle, Marker, Part, Series};
pub use look::{Glyph, Look, Theme, DISTINCT_LOOKS};
pub use run::{smooth, Curves, Ensemble, RunCurve, XAxis};
pub use trace::Trace;

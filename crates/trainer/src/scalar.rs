//! The floating-point type the model is generic over.
//!
//! Training runs in `f32` (fast, and what the browser runs); the gradient checks run the same code in
//! `f64`. Transcendental functions come from the `libm` crate rather than the platform's maths
//! library, so that `exp` and `ln` return the same bits natively and in WebAssembly.

use ndarray::{LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive};
use std::fmt::{Debug, Display};
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A float the model can run in: `f32` or `f64`. (ndarray's `NdFloat` needs its `std` feature,
/// which this workspace leaves off; see ARCHITECTURE.md, "Reproducibility".)
pub trait Scalar:
    Float
    + LinalgScalar
    + ScalarOperand
    + FromPrimitive
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Debug
    + Display
    + Default
    + Send
    + Sync
{
    /// `e^self`, identical on every platform.
    fn exp_(self) -> Self;
    /// Natural logarithm, identical on every platform.
    fn ln_(self) -> Self;
    /// Hyperbolic tangent, identical on every platform.
    fn tanh_(self) -> Self;
    /// Converts from `f64`, rounding to nearest.
    fn of(x: f64) -> Self;
    /// Widens to `f64` exactly.
    fn wide(self) -> f64;
}

impl Scalar for f32 {
    fn exp_(self) -> Self {
        libm::expf(self)
    }
    fn ln_(self) -> Self {
        libm::logf(self)
    }
    fn tanh_(self) -> Self {
        libm::tanhf(self)
    }
    fn of(x: f64) -> Self {
        x as f32
    }
    fn wide(self) -> f64 {
        f64::from(self)
    }
}

impl Scalar for f64 {
    fn exp_(self) -> Self {
        libm::exp(self)
    }
    fn ln_(self) -> Self {
        libm::log(self)
    }
    fn tanh_(self) -> Self {
        libm::tanh(self)
    }
    fn of(x: f64) -> Self {
        x
    }
    fn wide(self) -> f64 {
        self
    }
}

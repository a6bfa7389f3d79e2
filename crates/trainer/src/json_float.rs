//! A loss as data: a diverged run's loss can be infinite or NaN, for which JSON has no number
//! (serde_json writes `null` and then refuses to read it back, so such a run could be neither
//! exported nor kept). Use with `#[serde(with = "crate::json_float")]`: a finite value stays a plain
//! number, any other is written as the word `"inf"`, `"-inf"` or `"NaN"` and read back from it.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Writes `x` as a number, or as its word when it is not finite.
///
/// # Errors
/// Those of the serializer.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    match *x {
        x if x.is_finite() => s.serialize_f64(x),
        x if x.is_nan() => s.serialize_str("NaN"),
        x if x > 0.0 => s.serialize_str("inf"),
        _ => s.serialize_str("-inf"),
    }
}

/// Reads a number, or one of the words [`serialize`] writes.
///
/// # Errors
/// Anything else, named.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(Loss)
}

struct Loss;

impl Visitor<'_> for Loss {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, or \"inf\", \"-inf\" or \"NaN\"")
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
        Ok(x)
    }

    #[allow(clippy::cast_precision_loss)] // A whole-number loss in a file is read as JSON's numbers are.
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<f64, E> {
        Ok(x as f64)
    }

    #[allow(clippy::cast_precision_loss)] // As above.
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<f64, E> {
        Ok(x as f64)
    }

    fn visit_str<E: de::Error>(self, word: &str) -> Result<f64, E> {
        match word {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            _ => Err(E::invalid_value(de::Unexpected::Str(word), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Loss(#[serde(with = "super")] f64);

    #[test]
    fn every_float_goes_through_json_and_back() {
        for x in [0.0, -0.0, 1.5, 3.0, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            let json = serde_json::to_string(&Loss(x)).unwrap();
            let back: Loss = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0.to_bits(), x.to_bits(), "{x} as {json}");
        }
        assert_eq!(serde_json::to_string(&Loss(f64::INFINITY)).unwrap(), "\"inf\"");
        assert_eq!(serde_json::from_str::<Loss>("2").unwrap().0, 2.0);
        for bad in ["null", "\"infinity\"", "true", "[]"] {
            assert!(serde_json::from_str::<Loss>(bad).is_err(), "{bad}");
        }
    }
}

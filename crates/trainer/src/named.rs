//! Enums whose variants have a name (the word in links and on the command line) and a label for
//! people, declared once: the settings table, the CLI and the form all read them from here.

/// Declares a fieldless enum with `ALL`, `NAMES`, `name`, `label` and `from_name`. Each variant is
/// one line (`Variant => ("word", "Label for people")`), so adding one touches nothing else.
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($word:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The words of [`Self::ALL`], in the same order.
            pub const NAMES: &'static [&'static str] = &[$($word),+];
            /// The labels of [`Self::ALL`], in the same order.
            pub const LABELS: &'static [&'static str] = &[$($label),+];

            /// The word used in links and on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }

            /// A short label for people (the form's options).
            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }

            pub fn from_name(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.name() == word)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        /// Serialised as its word, the same as in links.
        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let word = <::std::string::String as $crate::__serde::Deserialize>::deserialize(d)?;
                Self::from_name(&word).ok_or_else(|| {
                    <D::Error as $crate::__serde::de::Error>::custom(format!("expected one of {:?}, got \"{word}\"", Self::NAMES))
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    named_enum! {
        enum Colour {
            Red => ("red", "Red"),
            Blue => ("blue", "Deep blue"),
        }
    }

    #[test]
    fn names_labels_and_lookup_agree() {
        assert_eq!(Colour::NAMES, ["red", "blue"]);
        assert_eq!(Colour::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(), Colour::NAMES);
        assert_eq!(Colour::from_name("blue"), Some(Colour::Blue));
        assert_eq!(Colour::from_name("green"), None);
        assert_eq!(Colour::Blue.label(), "Deep blue");
        assert_eq!(Colour::LABELS, ["Red", "Deep blue"]);
        assert_eq!(Colour::Red.to_string(), "red");
    }
}

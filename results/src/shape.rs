//! The shape of a design's results, read from `DesignResult`'s serde implementation: the
//! paths a metric may take, so assertions are checked at load time without a list to
//! maintain.

use super::DesignResult;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// A `DesignResult` as JSON with every optional part present, every map holding one entry
/// keyed `*`, numbers 0 and booleans false: the paths a metric may take. Read from the
/// type's `Deserialize` implementation.
pub fn results_shape() -> Option<Value> {
    let d = DesignResult::deserialize(Shape { depth: 0 }).ok()?;
    serde_json::to_value(d).ok()
}

/// Why a path is not a metric of the results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotAMetric {
    /// A segment that leads nowhere: `seg`, and the keys there were (if any).
    Unknown {
        /// The segment.
        seg: String,
        /// The keys at that place.
        known: Vec<String>,
    },
    /// A group of metrics, not one: its members.
    Group(Vec<String>),
    /// Neither a number nor a boolean.
    NotNumeric,
}

impl std::fmt::Display for NotAMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAMetric::Unknown { seg, known } if known.is_empty() => {
                write!(f, "`{seg}` is not a metric")
            }
            NotAMetric::Unknown { seg, known } => {
                write!(
                    f,
                    "`{seg}` is not a metric here (known: {})",
                    known.join(", ")
                )
            }
            NotAMetric::Group(members) => write!(
                f,
                "names a group of metrics; pick one of: {}",
                members.join(", ")
            ),
            NotAMetric::NotNumeric => f.write_str("is not a number or a boolean"),
        }
    }
}

impl std::error::Error for NotAMetric {}

/// Whether `path` leads to a number or a boolean in `shape`.
pub fn shape_has(shape: &Value, path: &[String]) -> Result<(), NotAMetric> {
    if path == ["messages", "lost"] {
        return Ok(());
    }
    let mut v = shape;
    for seg in path {
        let next = match v {
            Value::Object(m) => m.get(seg.as_str()).or_else(|| m.get("*")),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => {
                let known: Vec<String> = v
                    .as_object()
                    .map(|m| m.keys().filter(|k| *k != "*").cloned().collect())
                    .unwrap_or_default();
                return Err(NotAMetric::Unknown {
                    seg: seg.clone(),
                    known,
                });
            }
        }
    }
    match v {
        Value::Number(_) | Value::Bool(_) => Ok(()),
        Value::Object(m) => Err(NotAMetric::Group(m.keys().cloned().collect())),
        _ => Err(NotAMetric::NotNumeric),
    }
}

/// A deserializer that produces a sample of any derived type: zeros, `false`, `"*"`,
/// `Some`, one-entry maps, empty sequences, the first variant of enums.
struct Shape {
    depth: u32,
}

type ShapeError = de::value::Error;

const MAX_DEPTH: u32 = 12;

impl Shape {
    fn deeper(&self) -> Shape {
        Shape {
            depth: self.depth + 1,
        }
    }
}

macro_rules! shape_numbers {
    ($($method:ident => $visit:ident($v:expr)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
            visitor.$visit($v)
        })*
    };
}

impl<'de> Deserializer<'de> for Shape {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ShapeError> {
        Err(de::Error::custom(
            "a self-describing type cannot be sampled",
        ))
    }

    shape_numbers! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('*'),
        deserialize_str => visit_str("*"),
        deserialize_string => visit_str("*"),
        deserialize_identifier => visit_str("*"),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.depth > MAX_DEPTH {
            visitor.visit_none()
        } else {
            visitor.visit_some(self.deeper())
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self.deeper())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_seq(Elements {
            left: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_seq(Elements {
            left: len,
            depth: self.depth + 1,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let keys: &'static [&'static str] = if self.depth > MAX_DEPTH { &[] } else { &["*"] };
        visitor.visit_map(Members {
            keys,
            at: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_map(Members {
            keys: fields,
            at: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let first = variants
            .first()
            .ok_or_else(|| de::Error::custom("an enum without variants"))?;
        visitor.visit_enum(FirstVariant {
            name: first,
            depth: self.depth + 1,
        })
    }
}

struct Elements {
    left: usize,
    depth: u32,
}

impl<'de> de::SeqAccess<'de> for Elements {
    type Error = ShapeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(Shape { depth: self.depth }).map(Some)
    }
}

struct Members {
    keys: &'static [&'static str],
    at: usize,
    depth: u32,
}

impl<'de> de::MapAccess<'de> for Members {
    type Error = ShapeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        let Some(key) = self.keys.get(self.at) else {
            return Ok(None);
        };
        self.at += 1;
        seed.deserialize((*key).into_deserializer()).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        seed.deserialize(Shape { depth: self.depth })
    }
}

struct FirstVariant {
    name: &'static str,
    depth: u32,
}

impl<'de> de::EnumAccess<'de> for FirstVariant {
    type Error = ShapeError;
    type Variant = Shape;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Shape), ShapeError> {
        let v = seed.deserialize(self.name.into_deserializer())?;
        Ok((v, Shape { depth: self.depth }))
    }
}

impl<'de> de::VariantAccess<'de> for Shape {
    type Error = ShapeError;
    fn unit_variant(self) -> Result<(), ShapeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ShapeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

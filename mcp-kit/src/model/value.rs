//! Values bound to SQL parameters, converted from and to JSON by column kind.

use serde_json::{Number, Value};

use super::Kind;

/// A value for one column, typed as the column is, `None` for SQL `NULL`. Typed even when
/// null: PostgreSQL checks a parameter's type against its column.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    I16(Option<i16>),
    I32(Option<i32>),
    I64(Option<i64>),
    F32(Option<f32>),
    F64(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    #[cfg(feature = "chrono")]
    Date(Option<chrono::NaiveDate>),
    #[cfg(feature = "chrono")]
    DateTime(Option<chrono::DateTime<chrono::Utc>>),
}

macro_rules! from_rust {
    ($($ty:ty => $variant:ident),*) => {$(
        impl From<$ty> for SqlValue {
            fn from(value: $ty) -> Self {
                Self::$variant(Some(value))
            }
        }
        impl From<Option<$ty>> for SqlValue {
            fn from(value: Option<$ty>) -> Self {
                Self::$variant(value)
            }
        }
    )*};
}

from_rust!(i16 => I16, i32 => I32, i64 => I64, f32 => F32, f64 => F64, bool => Bool, String => Text);
#[cfg(feature = "chrono")]
from_rust!(chrono::NaiveDate => Date, chrono::DateTime<chrono::Utc> => DateTime);

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl SqlValue {
    /// Parses a JSON argument for a column of `kind`; the error says what was expected.
    pub(crate) fn from_json(kind: Kind, nullable: bool, value: &Value) -> Result<Self, String> {
        if value.is_null() {
            return if nullable {
                Ok(Self::null(kind))
            } else {
                Err("must not be null".into())
            };
        }
        let integer = |min: i64, max: i64| {
            value
                .as_i64()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| format!("expected an integer from {min} to {max}"))
        };
        Ok(match kind {
            Kind::I16 => Self::I16(Some(integer(i16::MIN.into(), i16::MAX.into())? as i16)),
            Kind::I32 => Self::I32(Some(integer(i32::MIN.into(), i32::MAX.into())? as i32)),
            Kind::I64 => Self::I64(Some(integer(i64::MIN, i64::MAX)?)),
            Kind::F32 => Self::F32(Some(number(value)? as f32)),
            Kind::F64 => Self::F64(Some(number(value)?)),
            Kind::Bool => Self::Bool(Some(value.as_bool().ok_or("expected true or false")?)),
            Kind::Text => {
                let text = value.as_str().ok_or("expected a string")?;
                // PostgreSQL's text cannot hold it; refused everywhere, so both backends agree.
                if text.contains('\0') {
                    return Err("must not contain the NUL character".into());
                }
                Self::Text(Some(text.to_owned()))
            }
            #[cfg(feature = "chrono")]
            Kind::Date => Self::Date(Some(
                value
                    .as_str()
                    .and_then(|text| text.parse().ok())
                    .ok_or("expected a date like 2026-01-31")?,
            )),
            #[cfg(feature = "chrono")]
            Kind::DateTime => Self::DateTime(Some(
                value
                    .as_str()
                    .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
                    .ok_or("expected a date and time like 2026-01-31T12:00:00Z")?
                    .to_utc(),
            )),
            #[cfg(not(feature = "chrono"))]
            Kind::Date | Kind::DateTime => unreachable!("date columns need the `chrono` feature"),
        })
    }

    pub(crate) fn null(kind: Kind) -> Self {
        match kind {
            Kind::I16 => Self::I16(None),
            Kind::I32 => Self::I32(None),
            Kind::I64 => Self::I64(None),
            Kind::F32 => Self::F32(None),
            Kind::F64 => Self::F64(None),
            Kind::Bool => Self::Bool(None),
            Kind::Text => Self::Text(None),
            #[cfg(feature = "chrono")]
            Kind::Date => Self::Date(None),
            #[cfg(feature = "chrono")]
            Kind::DateTime => Self::DateTime(None),
            #[cfg(not(feature = "chrono"))]
            Kind::Date | Kind::DateTime => unreachable!("date columns need the `chrono` feature"),
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        match self {
            Self::I16(v) => v.is_none(),
            Self::I32(v) => v.is_none(),
            Self::I64(v) => v.is_none(),
            Self::F32(v) => v.is_none(),
            Self::F64(v) => v.is_none(),
            Self::Bool(v) => v.is_none(),
            Self::Text(v) => v.is_none(),
            #[cfg(feature = "chrono")]
            Self::Date(v) => v.is_none(),
            #[cfg(feature = "chrono")]
            Self::DateTime(v) => v.is_none(),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::I16(_) => Kind::I16,
            Self::I32(_) => Kind::I32,
            Self::I64(_) => Kind::I64,
            Self::F32(_) => Kind::F32,
            Self::F64(_) => Kind::F64,
            Self::Bool(_) => Kind::Bool,
            Self::Text(_) => Kind::Text,
            #[cfg(feature = "chrono")]
            Self::Date(_) => Kind::Date,
            #[cfg(feature = "chrono")]
            Self::DateTime(_) => Kind::DateTime,
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let float = |f: f64| Number::from_f64(f).map_or(Value::Null, Value::Number);
        match self {
            Self::I16(v) => v.map_or(Value::Null, Value::from),
            Self::I32(v) => v.map_or(Value::Null, Value::from),
            Self::I64(v) => v.map_or(Value::Null, Value::from),
            Self::F32(v) => v.map_or(Value::Null, |f| float(f.into())),
            Self::F64(v) => v.map_or(Value::Null, float),
            Self::Bool(v) => v.map_or(Value::Null, Value::from),
            Self::Text(v) => v.clone().map_or(Value::Null, Value::from),
            #[cfg(feature = "chrono")]
            Self::Date(v) => v.map_or(Value::Null, |d| d.to_string().into()),
            #[cfg(feature = "chrono")]
            Self::DateTime(v) => v.map_or(Value::Null, |t| {
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    .into()
            }),
        }
    }

    /// The same value as a column of `kind` holds it, for scopes written with a wider type.
    pub(crate) fn coerce(self, kind: Kind) -> Option<Self> {
        if self.kind() == kind {
            return Some(self);
        }
        let json = self.to_json();
        Self::from_json(kind, true, &json).ok()
    }
}

fn number(value: &Value) -> Result<f64, String> {
    value.as_f64().ok_or_else(|| "expected a number".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_are_range_checked_per_width() {
        assert_eq!(
            SqlValue::from_json(Kind::I16, false, &json!(40000)).unwrap_err(),
            "expected an integer from -32768 to 32767"
        );
        assert_eq!(
            SqlValue::from_json(Kind::I32, false, &json!(7)),
            Ok(SqlValue::I32(Some(7)))
        );
        assert!(SqlValue::from_json(Kind::I64, false, &json!(1.5)).is_err());
        assert!(SqlValue::from_json(Kind::I64, false, &json!("7")).is_err());
    }

    #[test]
    fn null_only_where_the_column_allows_it() {
        assert_eq!(
            SqlValue::from_json(Kind::Text, false, &Value::Null).unwrap_err(),
            "must not be null"
        );
        assert_eq!(
            SqlValue::from_json(Kind::Text, true, &Value::Null),
            Ok(SqlValue::Text(None))
        );
    }

    #[test]
    fn round_trips_through_json() {
        for (kind, value) in [
            (Kind::F64, json!(2.5)),
            (Kind::Bool, json!(true)),
            (Kind::Text, json!("it's \"quoted\"; --")),
            (Kind::I64, json!(-9)),
        ] {
            let sql = SqlValue::from_json(kind, false, &value).unwrap();
            assert_eq!(sql.to_json(), value);
        }
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn dates_parse_and_print() {
        let date = SqlValue::from_json(Kind::Date, false, &json!("2026-01-31")).unwrap();
        assert_eq!(date.to_json(), json!("2026-01-31"));
        let time = SqlValue::from_json(Kind::DateTime, false, &json!("2026-01-31T13:00:00+01:00"));
        assert_eq!(time.unwrap().to_json(), json!("2026-01-31T12:00:00Z"));
        assert_eq!(
            SqlValue::from_json(Kind::Date, false, &json!("31/01/2026")).unwrap_err(),
            "expected a date like 2026-01-31"
        );
    }

    #[test]
    fn scope_values_coerce_to_the_column_kind() {
        assert_eq!(
            SqlValue::from(7_i64).coerce(Kind::I32),
            Some(SqlValue::I32(Some(7)))
        );
        assert_eq!(SqlValue::from("x").coerce(Kind::I64), None);
    }
}

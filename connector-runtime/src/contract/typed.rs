//! Rust values as field values and back: what [`ErpActor::with_field`] writes and
//! `ErpActor::get` reads, through the codec of [`FieldValue`] (spec §3.7).

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::primitives::{CompactString, StringDict};
use super::types::ErpActor;
use super::{FieldValue, LocalizedText};

/// A value a field can hold, encoded as the codec writes it: text and list keys as they are,
/// integers `[I:n]`, numbers `[F:n]`, checkboxes `[I:1]`/`[I:0]`, dates `[D:..]`, date-times
/// `[DT:..]`, multi-language text in its `[EN:..]` form, a [`FieldValue`] as itself. `None` is a
/// null value.
pub trait IntoFieldValue {
    /// The encoded value; `None` for null.
    fn into_field_value(self) -> Option<CompactString>;
}

macro_rules! text {
    ($($t:ty),*) => {$(
        impl IntoFieldValue for $t {
            fn into_field_value(self) -> Option<CompactString> {
                Some(CompactString::from(self))
            }
        }
    )*};
}
text!(&str, String, CompactString, Cow<'_, str>);

impl IntoFieldValue for &String {
    fn into_field_value(self) -> Option<CompactString> {
        Some(CompactString::from(self.as_str()))
    }
}

macro_rules! encoded {
    ($($t:ty => |$v:ident| $value:expr),* $(,)?) => {$(
        impl IntoFieldValue for $t {
            fn into_field_value(self) -> Option<CompactString> {
                let $v = self;
                Some(CompactString::from(($value).to_string()))
            }
        }
    )*};
}
encoded! {
    i64 => |n| FieldValue::Int(n),
    i32 => |n| FieldValue::Int(n.into()),
    i16 => |n| FieldValue::Int(n.into()),
    u32 => |n| FieldValue::Int(n.into()),
    u16 => |n| FieldValue::Int(n.into()),
    u8 => |n| FieldValue::Int(n.into()),
    f64 => |n| FieldValue::Float(n),
    f32 => |n| FieldValue::Float(n.into()),
    bool => |b| FieldValue::bool(b),
    NaiveDate => |d| FieldValue::Date(d),
    NaiveDateTime => |d| FieldValue::DateTime(d),
    NaiveTime => |t| FieldValue::Time(t),
    FieldValue => |v| v,
    &FieldValue => |v| v,
    LocalizedText => |t| t,
    &LocalizedText => |t| t,
}

impl<T: IntoFieldValue> IntoFieldValue for Option<T> {
    fn into_field_value(self) -> Option<CompactString> {
        self.and_then(IntoFieldValue::into_field_value)
    }
}

/// A Rust type a field value can be read as (the other way of [`IntoFieldValue`]). Reading is
/// lenient as the codec is: an integer may come as `[I:5]` or `5`, a checkbox as `[I:1]` or `true`.
pub trait FromFieldValue: Sized {
    /// What the value must look like, for the error naming it.
    const EXPECTED: &'static str;
    /// The value read from its encoded form; `None` if it is not one.
    fn from_field_value(raw: &str) -> Option<Self>;
}

impl FromFieldValue for String {
    const EXPECTED: &'static str = "text";
    fn from_field_value(raw: &str) -> Option<Self> {
        Some(raw.to_owned())
    }
}

macro_rules! integer {
    ($($t:ty => $expected:literal),*) => {$(
        impl FromFieldValue for $t {
            const EXPECTED: &'static str = $expected;
            fn from_field_value(raw: &str) -> Option<Self> {
                FieldValue::parse_lenient(raw).as_i64().and_then(|n| n.try_into().ok())
            }
        }
    )*};
}
integer! {
    i64 => "a whole number",
    i32 => "a whole number (32 bits)",
    i16 => "a whole number from -32768 to 32767",
    u64 => "a whole number, not negative",
    u32 => "a whole number, not negative (32 bits)",
    u16 => "a whole number from 0 to 65535",
    u8 => "a whole number from 0 to 255"
}

impl FromFieldValue for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_field_value(raw: &str) -> Option<Self> {
        FieldValue::parse_lenient(raw).as_f64()
    }
}

impl FromFieldValue for bool {
    const EXPECTED: &'static str = "a checkbox value ([I:1] or [I:0])";
    fn from_field_value(raw: &str) -> Option<Self> {
        FieldValue::parse_lenient(raw).as_bool()
    }
}

impl FromFieldValue for NaiveDate {
    const EXPECTED: &'static str = "a date ([D:MM/dd/yyyy])";
    fn from_field_value(raw: &str) -> Option<Self> {
        FieldValue::parse_lenient(raw).as_date()
    }
}

impl FromFieldValue for NaiveDateTime {
    const EXPECTED: &'static str = "a date and time ([DT:MM/dd/yyyy HH:mm:ss])";
    fn from_field_value(raw: &str) -> Option<Self> {
        FieldValue::parse_lenient(raw).as_datetime()
    }
}

impl FromFieldValue for FieldValue {
    const EXPECTED: &'static str = "an encoded value ([I:..], [F:..], [DT:..], ...)";
    fn from_field_value(raw: &str) -> Option<Self> {
        FieldValue::parse(raw).ok()
    }
}

impl FromFieldValue for LocalizedText {
    const EXPECTED: &'static str = "text";
    fn from_field_value(raw: &str) -> Option<Self> {
        Some(LocalizedText::parse(raw))
    }
}

impl ErpActor {
    /// Builder: sets one field to any value the codec knows ([`IntoFieldValue`]): text and list
    /// keys, integers, numbers, checkboxes, dates, date-times, multi-language text, or `None`
    /// (null).
    ///
    /// ```
    /// use erp_connector::prelude::*;
    /// let actor = ErpActor::new(ActorType::Customer, "1", "1")
    ///     .with_field("NAME", "Acme AS")
    ///     .with_field("NUMBER", 42)
    ///     .with_field("ACTIVE", true)
    ///     .with_field("CREATED", chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
    /// assert_eq!(actor.field("NUMBER"), Some("[I:42]"));
    /// assert_eq!(actor.field("ACTIVE"), Some("[I:1]"));
    /// ```
    pub fn with_field(mut self, key: impl Into<CompactString>, value: impl IntoFieldValue) -> Self {
        self.field_values.get_or_insert_with(StringDict::new).insert_opt(key, value.into_field_value());
        self
    }
}

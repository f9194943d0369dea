//! Rust values as field values and back: what [`ErpActor::with_field`] writes and
//! `ErpActor::get` reads, through the codec of [`FieldValue`] (spec §3.7).

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::primitives::{CompactString, StringDict};
use super::types::{ErpActor, FieldType};
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

/// A field key with the Rust type of its values: the one place a connector names a field.
/// [`ErpActor::with_field`] takes only values of that type (text for an Integer field, or a
/// hand-encoded `[F:12000,5]`, do not compile), and the connector's schema takes the field's
/// type from it ([`Key::field`](crate::connector::Schema)).
///
/// ```
/// use erp_connector::prelude::*;
///
/// const NAME: Key<String> = Key::new("NAME");
/// const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");
/// const COUNTRY: Key<ListItem> = Key::new("COUNTRY");
///
/// let actor = ErpActor::new(ActorType::Customer, "1", Stamp::counter(1))
///     .with_field(NAME, "Acme AS")
///     .with_field(EMPLOYEES, 12)
///     .with_field(COUNTRY, "NO");
/// assert_eq!(actor.field("EMPLOYEES"), Some("[I:12]"));
/// ```
///
/// ```compile_fail
/// # use erp_connector::prelude::*;
/// const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");
/// let n = 12;
/// ErpActor::new(ActorType::Customer, "1", Stamp::counter(1)).with_field(EMPLOYEES, n.to_string());
/// ```
pub struct Key<T> {
    name: &'static str,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    /// The key `name` (as SuperOffice sees it: `FieldKey`).
    pub const fn new(name: &'static str) -> Self {
        Key { name, kind: std::marker::PhantomData }
    }

    /// The key's text.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Key<T> {}

impl<T> std::fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl<T> PartialEq<str> for Key<T> {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl<T> PartialEq<Key<T>> for str {
    fn eq(&self, other: &Key<T>) -> bool {
        self == other.name
    }
}

impl<T> PartialEq<Key<T>> for String {
    fn eq(&self, other: &Key<T>) -> bool {
        self == other.name
    }
}

/// The value of a List field: the key of one of the list's items (`GetList`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListItem {}

/// A Rust type a field is declared with ([`Key`]): its `FieldType`, and what its values read as.
pub trait FieldKind {
    /// The field's type on the wire.
    const FIELD_TYPE: FieldType;
    /// What [`crate::connector::ActorValues::value`] reads a value as.
    type Read: FromFieldValue;
}

macro_rules! field_kinds {
    ($($t:ty => $field_type:ident, $read:ty;)*) => {$(
        impl FieldKind for $t {
            const FIELD_TYPE: FieldType = FieldType::$field_type;
            type Read = $read;
        }
    )*};
}
field_kinds! {
    String => Text, String;
    LocalizedText => Text, LocalizedText;
    ListItem => List, String;
    i64 => Integer, i64;
    f64 => Double, f64;
    bool => Checkbox, bool;
    NaiveDateTime => Datetime, NaiveDateTime;
    NaiveDate => Datetime, NaiveDate;
}

/// A value [`ErpActor::with_field`] takes for a field of type `T`: for text, any string; for a
/// list, the item key; for an integer, any integer type; for a number, `f64` or `f32`; and so on.
/// `None` of any of them is a null value.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of a `{T}` field",
    label = "this field is declared `Key<{T}>`",
    note = "give the value as a `{T}`: the framework encodes it (`[I:n]`, `[F:n]`, `[DT:..]`)"
)]
pub trait FieldInput<T> {
    /// The encoded value; `None` for null.
    fn encoded(self) -> Option<CompactString>;
}

macro_rules! field_inputs {
    ($($kind:ty: $($t:ty),*;)*) => {$($(
        impl FieldInput<$kind> for $t {
            fn encoded(self) -> Option<CompactString> {
                self.into_field_value()
            }
        }
    )*)*};
}
field_inputs! {
    String: &str, String, &String, CompactString, Cow<'_, str>;
    LocalizedText: LocalizedText, &LocalizedText;
    ListItem: &str, String, &String, CompactString;
    i64: i64, i32, i16, u32, u16, u8;
    f64: f64, f32;
    bool: bool;
    NaiveDateTime: NaiveDateTime;
    NaiveDate: NaiveDate;
}

impl FieldInput<NaiveDateTime> for chrono::DateTime<chrono::Utc> {
    fn encoded(self) -> Option<CompactString> {
        self.naive_utc().into_field_value()
    }
}

impl<T, V: FieldInput<T>> FieldInput<T> for Option<V> {
    fn encoded(self) -> Option<CompactString> {
        self.and_then(FieldInput::encoded)
    }
}

impl ErpActor {
    /// Builder: sets a field declared with a [`Key`] to a value of its type, encoded by the
    /// framework. `None` is a null value.
    pub fn with_field<T>(mut self, key: Key<T>, value: impl FieldInput<T>) -> Self {
        self.field_values.get_or_insert_with(StringDict::new).insert_opt(key.name, value.encoded());
        self
    }

    /// Builder: sets one field by its key's text to any value the codec knows
    /// ([`IntoFieldValue`]), for connectors whose fields are known only at run time (a
    /// schema read from the ERP). The framework checks the value against the field's type
    /// before the answer leaves.
    ///
    /// ```
    /// use erp_connector::prelude::*;
    /// let actor = ErpActor::new(ActorType::Customer, "1", Stamp::counter(1))
    ///     .with_value("NAME", "Acme AS")
    ///     .with_value("NUMBER", 42)
    ///     .with_value("ACTIVE", true)
    ///     .with_value("CREATED", chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
    /// assert_eq!(actor.field("NUMBER"), Some("[I:42]"));
    /// assert_eq!(actor.field("ACTIVE"), Some("[I:1]"));
    /// ```
    pub fn with_value(mut self, key: impl Into<CompactString>, value: impl IntoFieldValue) -> Self {
        self.field_values.get_or_insert_with(StringDict::new).insert_opt(key, value.into_field_value());
        self
    }
}

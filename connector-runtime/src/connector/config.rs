//! Typed connection configuration: what `#[derive(ConnectionConfig)]` implements.
//!
//! The derive describes the fields for `WSGetConfigData` and parses `ConnectionInfo` into the
//! struct; the value parsing itself lives here, per Rust type ([`ConfigValue`]).

use std::fmt;

use chrono::NaiveDateTime;
use zeroize::Zeroize;

use crate::contract::{FieldAccess, FieldMetadata, FieldType, FieldValue, StringDict};

/// A connection's typed configuration. Implement it with `#[derive(ConnectionConfig)]`.
///
/// ```
/// use erp_connector::prelude::*;
/// use erp_connector::connector::ConnectionConfig as _;
///
/// #[derive(ConnectionConfig)]
/// struct Config {
///     /// Host name of the ERP server.
///     #[field(display = "Server", rank = 1, mandatory, max_length = 100)]
///     server: String,
///     /// Port, if not the default.
///     #[field(rank = 2)]
///     port: Option<u16>,
///     #[field(rank = 3)]
///     password: Option<Password>,
/// }
///
/// let fields = Config::fields();
/// assert_eq!(fields[0].field_key.as_deref(), Some("SERVER"));
/// assert_eq!(fields[0].display_description.as_deref(), Some("Host name of the ERP server."));
/// let config = Config::from_info(&StringDict::new().with("SERVER", "erp.local").with("PORT", "[I:8443]")).unwrap();
/// assert_eq!((config.server.as_str(), config.port), ("erp.local", Some(8443)));
/// let error = Config::from_info(&StringDict::new().with("PORT", "x")).err().unwrap();
/// assert!(error.to_string().contains("SERVER"), "{error}");
/// ```
pub trait ConnectionConfig: Sized + Send + Sync + 'static {
    /// The fields of the "add connection" dialog (`WSGetConfigData`), ordered by rank.
    fn fields() -> Vec<FieldMetadata>;

    /// Parses and validates `ConnectionInfo`. Errors name the field. Allow-lists' `${NAME}`
    /// patterns are read from the process environment.
    fn from_info(info: &StringDict) -> Result<Self, ConfigError> {
        Self::from_info_in(info, &crate::connector::allow::Variables::default())
    }

    /// [`Self::from_info`] with `${NAME}` patterns read from `variables` (the service's
    /// `allow_variables`, then the environment): what the service calls.
    fn from_info_in(info: &StringDict, variables: &crate::connector::allow::Variables) -> Result<Self, ConfigError>;

    /// The values as SuperOffice sends them (`ConnectionInfo`, what [`Self::from_info`] reads
    /// back); an absent optional value is left out. For tests and tools: a connection to save
    /// or test, written as the typed struct.
    fn to_info(&self) -> StringDict;

    /// Keys whose values are secrets ([`Password`] fields): encrypted at rest, never logged.
    fn secret_keys() -> Vec<&'static str>;

    /// The fixed lists of the fields whose type is a `#[derive(ConfigList)]` enum.
    fn lists() -> Vec<&'static ConfigList> {
        Vec::new()
    }
}

/// The configuration of a connector without configuration fields (what `#[erp_connector]`
/// uses when the impl declares no `type Config`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoConfig;

impl ConnectionConfig for NoConfig {
    fn fields() -> Vec<FieldMetadata> {
        Vec::new()
    }
    fn from_info_in(_: &StringDict, _: &crate::connector::allow::Variables) -> Result<Self, ConfigError> {
        Ok(NoConfig)
    }
    fn to_info(&self) -> StringDict {
        StringDict::new()
    }
    fn secret_keys() -> Vec<&'static str> {
        Vec::new()
    }
}

/// A fixed list of choices for a configuration field (`FieldType::List`), from an enum with
/// `#[derive(ConfigList)]`. The service answers `WSGetList` / `WSGetListItems` for it, also
/// while a connection is being set up.
#[derive(Debug)]
pub struct ConfigList {
    /// The list name (`ListName` of the field).
    pub name: &'static str,
    /// `(key, display text)` of each item.
    pub items: &'static [(&'static str, &'static str)],
}

impl ConfigList {
    /// The items as the list answer carries them.
    pub fn to_dict(&self) -> StringDict {
        self.items.iter().map(|(k, v)| (*k, *v)).collect()
    }

    /// The item with key `key`, compared exactly.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.items.iter().position(|(k, _)| *k == key)
    }
}

/// A configuration value that does not parse or is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{display} ({key}): {message}")]
pub struct ConfigError {
    /// The field key.
    pub key: String,
    /// The field's label.
    pub display: String,
    /// What is wrong.
    pub message: String,
}

/// A Rust type a configuration field can have: its widget type, and how its value is read.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a configuration field",
    label = "use String, Password, ErpAddress, bool, an integer, f64, chrono::NaiveDateTime or a #[derive(ConfigList)] enum, or an Option of one",
    note = "or implement `erp_connector::connector::ConfigValue` for it"
)]
pub trait ConfigValue: Sized {
    /// The widget type in the dialog.
    const FIELD_TYPE: FieldType;
    /// Whether the value is a secret (encrypted at rest, never logged).
    const SECRET: bool = false;
    /// The list the value is chosen from, for enums with `#[derive(ConfigList)]`.
    const LIST: Option<&'static ConfigList> = None;
    /// Whether the value names a place the connector connects to: the derive then requires the
    /// field to carry an allow-list (`#[field(allow = "...")]`).
    const ADDRESS: bool = false;
    /// Reads the value SuperOffice sends (encoded or plain, spec §3.7).
    fn parse_value(raw: &str) -> Result<Self, String>;
    /// The value as SuperOffice sends it (what [`ConfigValue::parse_value`] reads back).
    fn to_value(&self) -> String;
}

impl ConfigValue for String {
    const FIELD_TYPE: FieldType = FieldType::Text;
    fn parse_value(raw: &str) -> Result<Self, String> {
        Ok(raw.to_owned())
    }
    fn to_value(&self) -> String {
        self.clone()
    }
}

/// `ConfigValue` of a type a `FieldValue` reads and writes: its field type, how the value is
/// read, made, and what it must be.
macro_rules! field_value_config {
    ($($t:ty: $field_type:ident, $read:ident, $make:path, $what:literal;)*) => {$(
        impl ConfigValue for $t {
            const FIELD_TYPE: FieldType = FieldType::$field_type;
            fn parse_value(raw: &str) -> Result<Self, String> {
                FieldValue::parse_lenient(raw).$read().ok_or_else(|| format!("`{raw}` is not {}", $what))
            }
            fn to_value(&self) -> String {
                $make(*self).to_string()
            }
        }
    )*};
}
field_value_config! {
    bool: Checkbox, as_bool, FieldValue::bool, "a checkbox value ([I:1] or [I:0])";
    f64: Double, as_f64, FieldValue::Float, "a number";
    NaiveDateTime: Datetime, as_datetime, FieldValue::DateTime, "a date and time";
}

macro_rules! integer_config_value {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            const FIELD_TYPE: FieldType = FieldType::Integer;
            fn parse_value(raw: &str) -> Result<Self, String> {
                let n = FieldValue::parse_lenient(raw).as_i64().ok_or_else(|| format!("`{raw}` is not a whole number"))?;
                <$t>::try_from(n).map_err(|_| format!("{n} is out of range for this field"))
            }
            fn to_value(&self) -> String {
                format!("[I:{self}]")
            }
        }
    )*};
}
integer_config_value!(i32, i64, u16, u32, u64);

/// A secret configuration value (`FieldType::Password`): masked in the dialog, encrypted at rest,
/// shown as `***` by `Debug`, wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Password(secret.into())
    }

    /// The secret, for the one place that needs it (e.g. the ERP login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ConfigValue for Password {
    const FIELD_TYPE: FieldType = FieldType::Password;
    const SECRET: bool = true;
    fn parse_value(raw: &str) -> Result<Self, String> {
        Ok(Password(raw.to_owned()))
    }
    fn to_value(&self) -> String {
        self.0.clone()
    }
}

/// Glue for the derive: the pieces of one field, with the parsing done here.
#[doc(hidden)]
pub mod derive_support {
    use super::*;
    pub use crate::connector::allow::Variables;

    /// One field's description as the derive writes it.
    pub struct FieldSpec {
        pub key: &'static str,
        pub display: &'static str,
        /// `None`: no description (nil); `Some("")`: declared empty.
        pub description: Option<&'static str>,
        pub rank: i32,
        pub access: FieldAccess,
        pub default: Option<&'static str>,
        pub max_length: i32,
        pub list: Option<&'static str>,
        /// `#[field(allow = "...")]`: the places the value may name (empty: any value).
        pub allow: &'static [&'static str],
    }

    /// What the derive needs of a field's Rust type, taken once per field (so that a type that
    /// is no `ConfigValue` gives one error, not one per use).
    pub struct FieldOps<T> {
        pub field_type: FieldType,
        pub secret: bool,
        /// Names a place to connect to: the field must have an allow-list.
        pub address: bool,
        pub list: Option<&'static ConfigList>,
        pub parse: fn(&str) -> Result<T, String>,
        pub to_value: fn(&T) -> String,
    }

    /// The [`FieldOps`] of `T`.
    pub const fn ops<T: ConfigValue>() -> FieldOps<T> {
        FieldOps {
            field_type: T::FIELD_TYPE,
            secret: T::SECRET,
            address: T::ADDRESS,
            list: T::LIST,
            parse: T::parse_value,
            to_value: T::to_value,
        }
    }

    /// The metadata of a field.
    pub fn metadata<T>(spec: &FieldSpec, ops: &FieldOps<T>) -> FieldMetadata {
        FieldMetadata {
            access: spec.access,
            default_value: spec.default.map(str::to_owned),
            display_description: spec.description.map(str::to_owned),
            display_name: Some(spec.display.to_owned()),
            field_key: Some(spec.key.to_owned()),
            // `list = ""` declares an empty ListName on a field that is no list.
            field_type: if spec.list.is_some_and(|l| !l.is_empty()) { FieldType::List } else { ops.field_type },
            list_name: spec.list.or(ops.list.map(|l| l.name)).map(str::to_owned),
            max_length: spec.max_length,
            rank: spec.rank,
        }
    }

    fn raw<'a>(info: &'a StringDict, spec: &FieldSpec) -> Option<&'a str> {
        info.get(spec.key).filter(|v| !v.is_empty()).or(spec.default)
    }

    fn error(spec: &FieldSpec, message: impl Into<String>) -> ConfigError {
        ConfigError { key: spec.key.to_owned(), display: spec.display.to_owned(), message: message.into() }
    }

    fn parse<T>(raw: &str, spec: &FieldSpec, ops: &FieldOps<T>, variables: &Variables) -> Result<T, ConfigError> {
        if spec.max_length > 0 && raw.chars().count() > spec.max_length as usize {
            return Err(error(spec, format!("longer than {} characters", spec.max_length)));
        }
        if !spec.allow.is_empty() && !crate::connector::allow::matches_any_in(raw, spec.allow, variables) {
            // The allowed places are the operator's to know, not the caller's (they may be every
            // customer's ERP address): the answer does not list them, the log does.
            tracing::warn!(
                field = spec.key,
                value = %crate::untrusted::shown(raw),
                allowed = %crate::connector::allow::described(spec.allow, variables),
                "a configuration value outside the field's allow-list"
            );
            return Err(error(
                spec,
                format!(
                    "`{}` is not an address this connector may connect to (its operator's allow-list says which are)",
                    crate::untrusted::shown(raw)
                ),
            ));
        }
        (ops.parse)(raw).map_err(|m| error(spec, m))
    }

    /// A field that must have a value (given or defaulted).
    pub fn required<T>(
        info: &StringDict,
        variables: &Variables,
        spec: &FieldSpec,
        ops: &FieldOps<T>,
    ) -> Result<T, ConfigError> {
        match raw(info, spec) {
            Some(raw) => parse(raw, spec, ops, variables),
            None => Err(error(spec, "a value is required")),
        }
    }

    /// An optional field (`Option<T>`): empty or absent is `None`.
    pub fn optional<T>(
        info: &StringDict,
        variables: &Variables,
        spec: &FieldSpec,
        ops: &FieldOps<T>,
    ) -> Result<Option<T>, ConfigError> {
        raw(info, spec).map(|raw| parse(raw, spec, ops, variables)).transpose()
    }

    /// Parses a list item key into the enum's variant index (for `#[derive(ConfigList)]`).
    pub fn list_item(list: &ConfigList, raw: &str) -> Result<usize, String> {
        list.position(raw.trim()).ok_or_else(|| {
            let keys: Vec<_> = list.items.iter().map(|(k, _)| *k).collect();
            format!("`{raw}` is not an item of the list {}; expected one of {}", list.name, keys.join(", "))
        })
    }
}

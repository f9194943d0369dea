//! Typed field values for connector code: reading a field as a Rust type, with an answer for
//! the user naming the field and the value when it is not one ([`ActorValues`]).

use crate::connector::{ActorChange, ConnectorError, NewActor};
use crate::contract::{ErpActor, FieldKind, FromFieldValue, Key};

/// `raw`, the value of field `key`, as a `T`; `None` when absent or null; an error for the user
/// naming the field and the value otherwise.
fn read<T: FromFieldValue>(raw: Option<&str>, key: &str) -> Result<Option<T>, ConnectorError> {
    let Some(raw) = raw else { return Ok(None) };
    T::from_field_value(raw).map(Some).ok_or_else(|| {
        ConnectorError::new(format!(
            "The value `{}` of field {} is not {}.",
            crate::untrusted::shown(raw),
            crate::untrusted::shown(key),
            T::EXPECTED
        ))
    })
}

/// Reading the values of an actor: what EIS sent ([`NewActor`], [`ActorChange`]) or what an
/// [`ErpActor`] holds, by key text or by typed [`Key`].
///
/// ```
/// use erp_connector::prelude::*;
///
/// const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");
/// let actor = ErpActor::new(ActorType::Customer, "1", Stamp::counter(1)).with_field(EMPLOYEES, 12);
/// assert_eq!(actor.value(EMPLOYEES).unwrap(), Some(12));
/// assert_eq!(actor.get::<String>("EMPLOYEES").unwrap().as_deref(), Some("[I:12]"));
/// ```
pub trait ActorValues {
    /// A field's encoded value, if present and not null.
    fn field(&self, key: &str) -> Option<&str>;

    /// A field's value as a `T` ([`FromFieldValue`]): `None` when absent or null, an error naming
    /// the field and its value when it is not a `T`.
    fn get<T: FromFieldValue>(&self, key: &str) -> Result<Option<T>, ConnectorError> {
        read(self.field(key), key)
    }

    /// A typed field's value, as [`Self::get`] reads it (a List field's as its item key).
    fn value<T: FieldKind>(&self, key: Key<T>) -> Result<Option<T::Read>, ConnectorError> {
        read(self.field(key.name()), key.name())
    }
}

impl ActorValues for ErpActor {
    fn field(&self, key: &str) -> Option<&str> {
        ErpActor::field(self, key)
    }
}

impl ActorValues for NewActor {
    fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key)
    }
}

impl ActorValues for ActorChange {
    fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::ActorValues as _;
    use crate::contract::{ActorType, ErpActor, FieldValue, LocalizedText, Stamp};

    #[test]
    fn values_go_in_typed_and_come_out_typed() {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let stamp = date.and_hms_opt(12, 30, 0).unwrap();
        let actor = ErpActor::new(ActorType::Customer, "1", Stamp::counter(1))
            .with_value("NAME", "Acme AS")
            .with_value("NUMBER", 42)
            .with_value("PRICE", 12.5)
            .with_value("ACTIVE", false)
            .with_value("SINCE", date)
            .with_value("SEEN", stamp)
            .with_value("TITLE", LocalizedText::new().with("EN", "Boss").with("NO", "Sjef"))
            .with_value("NOTHING", None::<i64>)
            .with_value("RAW", FieldValue::Money("10.00".into()));
        assert_eq!(actor.field("NUMBER"), Some("[I:42]"));
        assert_eq!(actor.field("ACTIVE"), Some("[I:0]"));
        assert_eq!(actor.field("PRICE"), Some("[F:12.5]"));
        assert_eq!(actor.get::<String>("NAME").unwrap().as_deref(), Some("Acme AS"));
        assert_eq!(actor.get::<i32>("NUMBER").unwrap(), Some(42));
        assert_eq!(actor.get::<f64>("PRICE").unwrap(), Some(12.5));
        assert_eq!(actor.get::<bool>("ACTIVE").unwrap(), Some(false));
        assert_eq!(actor.get::<chrono::NaiveDate>("SINCE").unwrap(), Some(date));
        assert_eq!(actor.get::<chrono::NaiveDateTime>("SEEN").unwrap(), Some(stamp));
        assert_eq!(actor.get::<LocalizedText>("TITLE").unwrap().unwrap().get("NO"), Some("Sjef"));
        assert_eq!(actor.get::<i64>("NOTHING").unwrap(), None, "null");
        assert_eq!(actor.get::<i64>("ABSENT").unwrap(), None, "absent");
        assert_eq!(actor.get::<FieldValue>("RAW").unwrap(), Some(FieldValue::Money("10.00".into())));
        let wrong = actor.get::<u8>("PRICE").unwrap_err().user_explanation;
        assert!(wrong.contains("PRICE") && wrong.contains("[F:12.5]") && wrong.contains("0 to 255"), "{wrong}");
        let hostile =
            ErpActor::new(ActorType::Customer, "1", Stamp::counter(1)).with_value("N", "\u{1b}[2J".repeat(1000));
        let shown = hostile.get::<i64>("N").unwrap_err().user_explanation;
        assert!(!shown.contains('\u{1b}') && shown.len() < 1200, "escaped and bounded: {}", shown.len());
    }
}

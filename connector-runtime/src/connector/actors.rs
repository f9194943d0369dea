//! What `WSCreateActor` and `WSSaveActors` hand the connector: actors checked against the fields
//! of their type before the connector sees them.

use crate::connector::ConnectorError;
use crate::contract::{
    ActorType, ErpActor, ErrorCode, FieldAccess, FieldMetadata, FieldType, FromFieldValue, StringDict,
};
use crate::untrusted::shown;

/// The parent an actor is created or saved under (a person's customer, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    /// The parent's actor type.
    pub actor_type: ActorType,
    /// The parent's ERP key.
    pub erp_key: String,
}

/// `WSCreateActor`: the actor to create, checked: its type is one the connector describes, every
/// field is a field of that type and not read-only, every value decodes for its field's type and
/// fits its `MaxLength`, and every mandatory field has a value.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActor {
    /// The actor type.
    pub actor_type: ActorType,
    /// The values sent, field key to encoded value (null values included).
    pub fields: StringDict,
    /// The parent, if one was sent.
    pub parent: Option<ParentRef>,
}

/// `WSSaveActors`: one actor to update, checked as [`NewActor`] is (mandatory fields may be left
/// out, only the values sent change, but not sent empty), with its ERP key.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorChange {
    /// The actor type.
    pub actor_type: ActorType,
    /// The actor's ERP key (never empty).
    pub erp_key: String,
    /// The values sent, field key to encoded value (null values included).
    pub fields: StringDict,
    /// The parent, if one was sent.
    pub parent: Option<ParentRef>,
}

macro_rules! field_access {
    ($($t:ty),*) => {$(
        impl $t {
            /// A field's encoded value, if sent and not null.
            pub fn field(&self, key: &str) -> Option<&str> {
                self.fields.get(key)
            }

            /// A field's value as a `T`: `None` when not sent or null, an error naming the field
            /// and its value when it is not a `T`.
            pub fn get<T: FromFieldValue>(&self, key: &str) -> Result<Option<T>, ConnectorError> {
                super::values::read(Some(&self.fields), key)
            }
        }
    )*};
}
field_access!(NewActor, ActorChange);

/// What a checked actor is made of.
struct Checked {
    actor_type: ActorType,
    erp_key: Option<String>,
    fields: StringDict,
    parent: Option<ParentRef>,
}

/// The problems of an actor: each a text, and whether it is an unknown field.
type Problems = Vec<(String, bool)>;

/// Checks `actor` against `fields`, the fields of its type; `Err` lists every problem.
fn check(actor: ErpActor, fields: &[FieldMetadata], creating: bool) -> Result<Checked, Problems> {
    let mut problems: Vec<(String, bool)> = Vec::new();
    let values = actor.field_values.unwrap_or_default();
    let of_type = actor.actor_type.as_ref().map_or("its actor type", ActorType::as_str);
    for (key, value) in values.iter() {
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else {
            problems.push((format!("{}: not a field of {of_type}", shown(key)), true));
            continue;
        };
        if field.access == FieldAccess::ReadOnly {
            problems.push((format!("{key}: is read-only"), false));
        } else if field.access == FieldAccess::Mandatory && value.is_none_or(|v| v.trim().is_empty()) {
            problems.push((format!("{key}: is required"), false));
        } else if let Some(value) = value
            && let Some(why) = fault(field, value)
        {
            problems.push((format!("{key}: `{}` {why}", shown(value)), false));
        }
    }
    if creating {
        for field in fields.iter().filter(|f| f.access == FieldAccess::Mandatory) {
            let key = field.field_key.as_deref().unwrap_or_default();
            if !values.contains_key(key) {
                problems.push((format!("{key}: is required"), false));
            }
        }
    }
    let parent = match (actor.parent_actor_type, actor.parent_erp_key.filter(|k| !k.is_empty())) {
        (Some(actor_type), Some(erp_key)) => Some(ParentRef { actor_type, erp_key }),
        (None, Some(key)) => {
            problems.push((format!("the parent {} has no ParentActorType", shown(&key)), false));
            None
        }
        _ => None,
    };
    let Some(actor_type) = actor.actor_type else {
        return Err(vec![("it has no ActorType".into(), false)]);
    };
    if problems.is_empty() {
        Ok(Checked { actor_type, erp_key: actor.erp_key, fields: values, parent })
    } else {
        Err(problems)
    }
}

/// Why `value` does not fit `field`, if it does not.
fn fault(field: &FieldMetadata, value: &str) -> Option<String> {
    let decodes = match field.field_type {
        FieldType::Integer => i64::from_field_value(value).is_some(),
        FieldType::Double => f64::from_field_value(value).is_some(),
        FieldType::Checkbox => bool::from_field_value(value).is_some(),
        FieldType::Datetime => value.is_empty() || chrono::NaiveDateTime::from_field_value(value).is_some(),
        FieldType::Text | FieldType::Password | FieldType::List | FieldType::Label => true,
    };
    if !decodes {
        let expected = match field.field_type {
            FieldType::Integer => i64::EXPECTED,
            FieldType::Double => f64::EXPECTED,
            FieldType::Checkbox => bool::EXPECTED,
            _ => chrono::NaiveDateTime::EXPECTED,
        };
        return Some(format!("is not {expected}"));
    }
    let max = usize::try_from(field.max_length).unwrap_or(0);
    let length = value.chars().count();
    (max > 0 && length > max).then(|| format!("is {length} characters long; at most {max}"))
}

/// The answer for the problems of the actors named: every problem, `UNKOWN_FIELDKEY` when a
/// key is not a field.
fn refused(problems: Vec<(String, Problems)>) -> ConnectorError {
    let unknown = problems.iter().any(|(_, p)| p.iter().any(|(_, unknown)| *unknown));
    let text: Vec<String> = problems
        .into_iter()
        .map(|(who, p)| {
            format!("{who} cannot be saved: {}.", p.into_iter().map(|(t, _)| t).collect::<Vec<_>>().join("; "))
        })
        .collect();
    let error = ConnectorError::new(text.join("\n"));
    if unknown { error.with_code(ErrorCode::UnknownFieldKey) } else { error }
}

impl NewActor {
    /// `actor` checked against `fields`, the fields of its type.
    pub(crate) fn checked(actor: ErpActor, fields: &[FieldMetadata]) -> Result<NewActor, ConnectorError> {
        let who =
            format!("The new {}", actor.actor_type.as_ref().map_or("actor".into(), |t| t.as_str().to_lowercase()));
        match check(actor, fields, true) {
            Ok(Checked { actor_type, fields, parent, .. }) => Ok(NewActor { actor_type, fields, parent }),
            Err(problems) => Err(refused(vec![(who, problems)])),
        }
    }
}

impl ActorChange {
    /// `actors` checked against the fields of their types (`fields_of`); every problem of every
    /// actor in one answer.
    pub(crate) fn checked<'f>(
        actors: Vec<ErpActor>,
        fields_of: impl for<'t> Fn(&'t ActorType) -> &'f [FieldMetadata],
    ) -> Result<Vec<ActorChange>, ConnectorError> {
        let mut changes = Vec::with_capacity(actors.len());
        let mut problems = Vec::new();
        for actor in actors {
            let key = actor.erp_key.clone().filter(|k| !k.is_empty());
            let who = match (&actor.actor_type, &key) {
                (Some(t), Some(k)) => format!("{t} {}", shown(k)),
                (Some(t), None) => format!("A {t} without ErpKey"),
                (None, _) => "An actor".to_owned(),
            };
            let fields = actor.actor_type.as_ref().map_or(&[][..], &fields_of);
            match check(actor, fields, false) {
                Ok(Checked { actor_type, erp_key: Some(erp_key), fields, parent }) if !erp_key.is_empty() => {
                    changes.push(ActorChange { actor_type, erp_key, fields, parent })
                }
                Ok(_) => problems.push((who, vec![("it has no ErpKey".to_owned(), false)])),
                Err(p) => problems.push((who, p)),
            }
        }
        if problems.is_empty() { Ok(changes) } else { Err(refused(problems)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FieldMetadata> {
        let mut name = FieldMetadata::new("NAME", "Name", FieldType::Text, 1);
        name.access = FieldAccess::Mandatory;
        name.max_length = 10;
        let mut number = FieldMetadata::new("NUMBER", "Number", FieldType::Text, 2);
        number.access = FieldAccess::ReadOnly;
        vec![
            name,
            number,
            FieldMetadata::new("EMPLOYEES", "Employees", FieldType::Integer, 3),
            FieldMetadata::new("ACTIVE", "Active", FieldType::Checkbox, 4),
            FieldMetadata::new("SINCE", "Since", FieldType::Datetime, 5),
        ]
    }

    #[test]
    fn a_new_actor_is_checked_against_its_fields() {
        let good = ErpActor::new(ActorType::Customer, "", "")
            .with_field("NAME", "Acme")
            .with_field("EMPLOYEES", 12)
            .with_field("ACTIVE", true)
            .with_parent(ActorType::Customer, "7");
        let new = NewActor::checked(good, &fields()).unwrap();
        assert_eq!(new.get::<i64>("EMPLOYEES").unwrap(), Some(12));
        assert_eq!(new.parent, Some(ParentRef { actor_type: ActorType::Customer, erp_key: "7".into() }));

        let bad = ErpActor::new(ActorType::Customer, "", "")
            .with_field("NUMBER", "10001")
            .with_field("EMPLOYEES", "many")
            .with_field("SINCE", "yesterday")
            .with_field("COLOUR", "red");
        let error = NewActor::checked(bad, &fields()).unwrap_err();
        let text = &error.user_explanation;
        for expected in [
            "NUMBER: is read-only",
            "EMPLOYEES: `many` is not a whole number",
            "SINCE: `yesterday`",
            "COLOUR: not a field",
            "NAME: is required",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert_eq!(error.error_code, Some(ErrorCode::UnknownFieldKey));
        let long = ErpActor::new(ActorType::Customer, "", "").with_field("NAME", "Æbeltoft & Søn ApS");
        assert!(NewActor::checked(long, &fields()).unwrap_err().user_explanation.contains("at most 10"));
    }

    #[test]
    fn changes_need_a_key_and_every_problem_is_named_once() {
        let actors = vec![
            ErpActor::new(ActorType::Customer, "1", "").with_field("EMPLOYEES", "[I:3]"),
            ErpActor::new(ActorType::Customer, "", "").with_field("ACTIVE", "[I:1]"),
            ErpActor::new(ActorType::Customer, "3", "").with_field("ACTIVE", "maybe"),
        ];
        let fields = fields();
        let error = ActorChange::checked(actors, |_| &fields).unwrap_err();
        let text = &error.user_explanation;
        assert!(text.contains("without ErpKey") && text.contains("Customer 3 cannot be saved: ACTIVE"), "{text}");
        assert_eq!(error.error_code, None, "no unknown field");
        let fine = ActorChange::checked(
            vec![ErpActor::new(ActorType::Customer, "1", "").with_field("ACTIVE", "[I:0]")],
            |_| &fields,
        );
        assert_eq!(fine.unwrap()[0].get::<bool>("ACTIVE").unwrap(), Some(false), "mandatory fields may be left out");
        let emptied =
            ActorChange::checked(vec![ErpActor::new(ActorType::Customer, "1", "").with_field("NAME", " ")], |_| {
                &fields
            });
        assert!(emptied.unwrap_err().user_explanation.contains("NAME: is required"), "but not emptied");
    }
}

//! What `WSCreateActor` and `WSSaveActors` hand the connector: actors checked against the fields
//! of their type before the connector sees them.

use crate::connector::ConnectorError;
use crate::contract::{
    ActorType, ErpActor, ErrorCode, FieldAccess, FieldMetadata, FieldType, FromFieldValue, Stamp, StringDict,
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
    /// The `LastModified` EIS sent: the stamp of the actor as SuperOffice last read it (a
    /// connector may refuse a save over a newer ERP record). `None` when EIS sent none.
    pub last_modified: Option<Stamp>,
}

/// The items of the lists List fields name, by list name, for checking incoming values: a list
/// not here, or without items, is not checked.
pub(crate) type ListItems = std::collections::HashMap<String, StringDict>;

/// What a checked actor is made of.
struct Checked {
    actor_type: ActorType,
    erp_key: Option<String>,
    fields: StringDict,
    parent: Option<ParentRef>,
    last_modified: Option<Stamp>,
}

/// The problems of an actor: each a text, and the code it calls for (an unknown field or list
/// item).
type Problems = Vec<(String, Option<ErrorCode>)>;

/// Checks `actor` against `fields`, the fields of its type, and its List values against
/// `lists`; `Err` lists every problem.
fn check(actor: ErpActor, fields: &[FieldMetadata], lists: &ListItems, creating: bool) -> Result<Checked, Problems> {
    let mut problems: Problems = Vec::new();
    let values = actor.field_values.unwrap_or_default();
    let of_type = actor.actor_type.as_ref().map_or("its actor type", ActorType::as_str);
    for (key, value) in values.iter() {
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else {
            problems.push((format!("{}: not a field of {of_type}", shown(key)), Some(ErrorCode::UnknownFieldKey)));
            continue;
        };
        if field.access == FieldAccess::ReadOnly {
            problems.push((format!("{key}: is read-only"), None));
        } else if field.access == FieldAccess::Mandatory && value.is_none_or(|v| v.trim().is_empty()) {
            problems.push((format!("{key}: is required"), None));
        } else if let Some(value) = value
            && let Some(why) = fault(field, value)
        {
            problems.push((format!("{key}: `{}` {why}", shown(value)), None));
        } else if let Some(value) = value.filter(|v| !v.is_empty())
            && let Some(list) = field.list_name.as_deref().filter(|_| field.field_type == FieldType::List)
            && let Some(items) = lists.get(list).filter(|items| !items.is_empty())
            && !items.contains_key(value)
        {
            let why = format!("{key}: `{}` is not an item of the list {}", shown(value), shown(list));
            problems.push((why, Some(ErrorCode::UnknownListItemId)));
        }
    }
    if creating {
        for field in fields.iter().filter(|f| f.access == FieldAccess::Mandatory) {
            let key = field.field_key.as_deref().unwrap_or_default();
            if !values.contains_key(key) {
                problems.push((format!("{key}: is required"), None));
            }
        }
    }
    let parent = match (actor.parent_actor_type, actor.parent_erp_key.filter(|k| !k.is_empty())) {
        (Some(actor_type), Some(erp_key)) => Some(ParentRef { actor_type, erp_key }),
        (None, Some(key)) => {
            problems.push((format!("the parent {} has no ParentActorType", shown(&key)), None));
            None
        }
        _ => None,
    };
    let Some(actor_type) = actor.actor_type else {
        return Err(vec![("it has no ActorType".into(), None)]);
    };
    let last_modified = actor.last_modified.as_deref().filter(|s| !s.trim().is_empty()).map(Stamp::parse);
    if problems.is_empty() {
        Ok(Checked { actor_type, erp_key: actor.erp_key, fields: values, parent, last_modified })
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

/// Checks a value the connector answers with against the type of its field: an Integer field
/// holds `[I:n]`, a Double `[F:n]`, a Checkbox `[I:0]` or `[I:1]`, a Datetime `[DT:..]` or
/// `[D:..]` (empty is null everywhere). Fields the schema lacks are not checked (EIS asked for
/// them by key).
///
/// A value that fails is a bug of the connector (text where a number belongs, a hand-encoded
/// `[F:12000,5]`), and the answer is refused, in production too: sent, it would write a wrong value
/// into SuperOffice, or fail in EIS with no word of the field; refused, the administrator reads
/// the field, the value and the type, and the connector's log has them.
pub(crate) fn check_outgoing(actor: &ErpActor, fields: &[FieldMetadata]) -> Result<(), ConnectorError> {
    let Some(values) = actor.field_values.as_ref() else { return Ok(()) };
    for (key, value) in values.iter() {
        let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else { continue };
        let fits = written_as(field.field_type, value);
        if !fits {
            let who = match (&actor.actor_type, &actor.erp_key) {
                (Some(t), Some(k)) => format!("{t} {}", shown(k)),
                _ => "an actor".to_owned(),
            };
            return Err(ConnectorError::new(format!(
                "The connector answered {who} with {} = `{}`, which is not {} {:?} value ({}); nothing was sent.",
                shown(key),
                shown(value),
                if field.field_type == FieldType::Integer { "an" } else { "a" },
                field.field_type,
                wire_form(field.field_type),
            )));
        }
    }
    Ok(())
}

/// Whether `value` is in the one form .NET's invariant reader takes for `field_type` (the
/// incoming reader is tolerant of decimal commas and ISO dates; what leaves must be exact).
fn written_as(field_type: FieldType, value: &str) -> bool {
    let payload = |moniker: &str| value.strip_prefix(moniker).and_then(|v| v.strip_suffix(']'));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let integer = |s: &str| digits(s.strip_prefix('-').unwrap_or(s));
    let date = |s: &str, format| chrono::NaiveDateTime::parse_from_str(s, format).is_ok();
    match field_type {
        FieldType::Integer => payload("[I:").is_some_and(integer),
        FieldType::Checkbox => matches!(value, "[I:0]" | "[I:1]"),
        FieldType::Double => payload("[F:").is_some_and(|p| {
            let (mantissa, exponent) = p.split_once(['e', 'E']).unwrap_or((p, "0"));
            let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
            integer(whole) && digits(fraction) && integer(exponent.strip_prefix('+').unwrap_or(exponent))
        }),
        FieldType::Datetime => {
            payload("[DT:").is_some_and(|p| date(p, "%m/%d/%Y %H:%M:%S%.f") && p.len() >= 19 && p.len() <= 27)
                || payload("[D:")
                    .is_some_and(|p| chrono::NaiveDate::parse_from_str(p, "%m/%d/%Y").is_ok() && p.len() == 10)
        }
        FieldType::Text | FieldType::Password | FieldType::List | FieldType::Label => true,
    }
}

/// How a value of `field_type` is written, for the answer naming a wrong one.
fn wire_form(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Integer => "[I:n]",
        FieldType::Double => "[F:n]",
        FieldType::Checkbox => "[I:1] or [I:0]",
        FieldType::Datetime => "[DT:MM/dd/yyyy HH:mm:ss] or [D:MM/dd/yyyy]",
        _ => "text",
    }
}

/// The answer for the problems of the actors named: every problem, `UNKOWN_FIELDKEY` when a
/// key is not a field, else `UNKOWN_LISTITEM_ID` when a value is not an item of its list.
fn refused(problems: Vec<(String, Problems)>) -> ConnectorError {
    let codes = || problems.iter().flat_map(|(_, p)| p.iter().filter_map(|(_, code)| code.clone()));
    let code = codes()
        .find(|c| *c == ErrorCode::UnknownFieldKey)
        .or_else(|| codes().find(|c| *c == ErrorCode::UnknownListItemId));
    let text: Vec<String> = problems
        .into_iter()
        .map(|(who, p)| {
            format!("{who} cannot be saved: {}.", p.into_iter().map(|(t, _)| t).collect::<Vec<_>>().join("; "))
        })
        .collect();
    let error = ConnectorError::new(text.join("\n"));
    match code {
        Some(code) => error.with_code(code),
        None => error,
    }
}

impl NewActor {
    /// `actor` checked against `fields`, the fields of its type, and `lists`.
    pub(crate) fn checked(
        actor: ErpActor,
        fields: &[FieldMetadata],
        lists: &ListItems,
    ) -> Result<NewActor, ConnectorError> {
        let who =
            format!("The new {}", actor.actor_type.as_ref().map_or("actor".into(), |t| t.as_str().to_lowercase()));
        match check(actor, fields, lists, true) {
            Ok(Checked { actor_type, fields, parent, .. }) => Ok(NewActor { actor_type, fields, parent }),
            Err(problems) => Err(refused(vec![(who, problems)])),
        }
    }
}

impl ActorChange {
    /// `actors` checked against the fields of their types (`fields_of`) and `lists`; every
    /// problem of every actor in one answer.
    pub(crate) fn checked<'f>(
        actors: Vec<ErpActor>,
        fields_of: impl for<'t> Fn(&'t ActorType) -> &'f [FieldMetadata],
        lists: &ListItems,
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
            match check(actor, fields, lists, false) {
                Ok(Checked { actor_type, erp_key: Some(erp_key), fields, parent, last_modified })
                    if !erp_key.is_empty() =>
                {
                    changes.push(ActorChange { actor_type, erp_key, fields, parent, last_modified })
                }
                Ok(_) => problems.push((who, vec![("it has no ErpKey".to_owned(), None)])),
                Err(p) => problems.push((who, p)),
            }
        }
        if problems.is_empty() { Ok(changes) } else { Err(refused(problems)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::ActorValues as _;

    fn no_lists() -> ListItems {
        ListItems::new()
    }

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
            FieldMetadata::new("TURNOVER", "Turnover", FieldType::Double, 6),
        ]
    }

    #[test]
    fn a_new_actor_is_checked_against_its_fields() {
        let good = ErpActor::new(ActorType::Customer, "", Stamp::text(""))
            .with_value("NAME", "Acme")
            .with_value("EMPLOYEES", 12)
            .with_value("ACTIVE", true)
            .with_parent(ActorType::Customer, "7");
        let new = NewActor::checked(good, &fields(), &no_lists()).unwrap();
        assert_eq!(new.get::<i64>("EMPLOYEES").unwrap(), Some(12));
        assert_eq!(new.parent, Some(ParentRef { actor_type: ActorType::Customer, erp_key: "7".into() }));

        let bad = ErpActor::new(ActorType::Customer, "", Stamp::text(""))
            .with_value("NUMBER", "10001")
            .with_value("EMPLOYEES", "many")
            .with_value("SINCE", "yesterday")
            .with_value("COLOUR", "red");
        let error = NewActor::checked(bad, &fields(), &no_lists()).unwrap_err();
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
        let long = ErpActor::new(ActorType::Customer, "", Stamp::text("")).with_value("NAME", "Æbeltoft & Søn ApS");
        assert!(NewActor::checked(long, &fields(), &no_lists()).unwrap_err().user_explanation.contains("at most 10"));
    }

    #[test]
    fn changes_need_a_key_and_every_problem_is_named_once() {
        let actors = vec![
            ErpActor::new(ActorType::Customer, "1", Stamp::text("")).with_value("EMPLOYEES", "[I:3]"),
            ErpActor::new(ActorType::Customer, "", Stamp::text("")).with_value("ACTIVE", "[I:1]"),
            ErpActor::new(ActorType::Customer, "3", Stamp::text("")).with_value("ACTIVE", "maybe"),
        ];
        let fields = fields();
        let error = ActorChange::checked(actors, |_| &fields, &no_lists()).unwrap_err();
        let text = &error.user_explanation;
        assert!(text.contains("without ErpKey") && text.contains("Customer 3 cannot be saved: ACTIVE"), "{text}");
        assert_eq!(error.error_code, None, "no unknown field");
        let fine = ActorChange::checked(
            vec![ErpActor::new(ActorType::Customer, "1", Stamp::text("")).with_value("ACTIVE", "[I:0]")],
            |_| &fields,
            &no_lists(),
        );
        assert_eq!(fine.unwrap()[0].get::<bool>("ACTIVE").unwrap(), Some(false), "mandatory fields may be left out");
        let emptied = ActorChange::checked(
            vec![ErpActor::new(ActorType::Customer, "1", Stamp::text("")).with_value("NAME", " ")],
            |_| &fields,
            &no_lists(),
        );
        assert!(emptied.unwrap_err().user_explanation.contains("NAME: is required"), "but not emptied");
    }

    #[test]
    fn list_values_are_items_of_their_list() {
        let mut fields = fields();
        let mut country = FieldMetadata::new("COUNTRY", "Country", FieldType::List, 6);
        country.list_name = Some("countries".into());
        fields.push(country);
        let mut items = StringDict::new();
        items.insert("NO", "Norway");
        let lists = ListItems::from([("countries".to_owned(), items)]);
        let actor = |c: &str| {
            ErpActor::new(ActorType::Customer, "", Stamp::text("")).with_value("NAME", "Acme").with_value("COUNTRY", c)
        };
        assert!(NewActor::checked(actor("NO"), &fields, &lists).is_ok());
        let error = NewActor::checked(actor("XX"), &fields, &lists).unwrap_err();
        assert_eq!(error.error_code, Some(ErrorCode::UnknownListItemId));
        assert!(error.user_explanation.contains("COUNTRY: `XX` is not an item of the list countries"), "{error:?}");
        assert!(NewActor::checked(actor("XX"), &fields, &no_lists()).is_ok(), "a list not read is not checked");
    }

    #[test]
    fn a_change_carries_the_stamp_eis_sent() {
        let fields = fields();
        let sent = ErpActor::new(ActorType::Customer, "1", Stamp::counter(41)).with_value("ACTIVE", true);
        let change = ActorChange::checked(vec![sent], |_| &fields, &no_lists()).unwrap().remove(0);
        assert_eq!(change.last_modified, Some(Stamp::counter(41)));
        let blank = ErpActor::new(ActorType::Customer, "1", Stamp::text(" "));
        assert_eq!(ActorChange::checked(vec![blank], |_| &fields, &no_lists()).unwrap()[0].last_modified, None);
    }

    #[test]
    fn outgoing_values_fit_their_fields() {
        let fields = fields();
        let answer = |key: &str, value: &str| {
            let actor = ErpActor::new(ActorType::Customer, "7", Stamp::counter(1)).with_value(key, value);
            check_outgoing(&actor, &fields)
        };
        for (key, value) in [
            ("EMPLOYEES", "[I:12]"),
            ("ACTIVE", "[I:0]"),
            ("SINCE", "[DT:01/15/2024 10:00:00]"),
            ("SINCE", "[D:01/15/2024]"),
            ("SINCE", "[DT:01/15/2024 10:00:00.1234567]"),
            ("TURNOVER", "[F:-1250000.5]"),
            ("TURNOVER", "[F:1.5E+15]"),
            ("NAME", "12"),
            ("EMPLOYEES", ""),
            ("UNDECLARED", "x"),
        ] {
            assert!(answer(key, value).is_ok(), "{key} = {value}");
        }
        for (key, value, names) in [
            ("EMPLOYEES", "12", "Integer value ([I:n])"),
            ("EMPLOYEES", "[F:12000,5]", "Integer"),
            ("ACTIVE", "[I:2]", "Checkbox"),
            ("SINCE", "[DT:15/01/2024 10:00:00]", "Datetime"),
            ("SINCE", "2024-01-15", "Datetime"),
            ("SINCE", "[DT:1998-03-15T00:00:00]", "Datetime"),
            ("TURNOVER", "[F:1250000,5]", "Double value ([F:n])"),
            ("TURNOVER", "[F:1 250 000]", "Double"),
        ] {
            let text = answer(key, value).unwrap_err().user_explanation;
            assert!(text.contains(&format!("Customer 7 with {key} = `{value}`")) && text.contains(names), "{text}");
        }
    }
}

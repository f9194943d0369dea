//! Advanced searches as Tryton domains.
//!
//! Tryton's `ilike` is case-insensitive for ASCII letters only on SQLite (its `LIKE`), and has no
//! escape for `%` and `_` there. So each criterion is rendered as a domain that finds *at least*
//! the matching records (non-ASCII letters and the wildcard characters become `_`, dates widen by
//! a day, negations and text ranges are left out), and the records read are then judged exactly
//! by the framework's own matcher (`AdvancedSearch::matches`). The answer is exact on every
//! backend; the domain only keeps the read small.

use erp_connector::chrono::NaiveDateTime;
use erp_connector::prelude::*;
use serde_json::{Value, json};

use crate::mapping::*;
use crate::rpc::datetime_value;

/// The domain (a list of conditions, ANDed) that finds at least the records meeting `criteria`.
pub fn superset(t: &ActorType, criteria: &[Criterion], person_relation: &str) -> Vec<Value> {
    criteria.iter().filter_map(|c| condition(t, c, person_relation)).collect()
}

fn condition(t: &ActorType, c: &Criterion, person_relation: &str) -> Option<Value> {
    match (&c.target, &c.condition) {
        // The framework hands the parent keys as list keys (`=` and `oneof` alike).
        (Target::ParentErpKey, Condition::OneOf(keys)) => {
            let ids = crate::mapping::ids(keys);
            Some(match t {
                ActorType::Project => json!(["party", "in", ids]),
                _ => json!(["relations", "where", [["type.name", "=", person_relation], ["to", "in", ids]]]),
            })
        }
        (Target::Field(key), Condition::Text(op)) => {
            // An empty text: every record meets it, those without the field too.
            if matches!(op, TextOp::Equals(q) | TextOp::Begins(q) | TextOp::Contains(q) | TextOp::Ends(q) if q.is_empty())
            {
                return None;
            }
            let pattern = match op {
                TextOp::Equals(q) => like(q),
                TextOp::Begins(q) => format!("{}%", like(q)),
                TextOp::Contains(q) => format!("%{}%", like(q)),
                TextOp::Ends(q) => format!("%{}", like(q)),
                // Negations and ranges: judged on what is read.
                _ => return None,
            };
            text_field(key.as_str(), pattern)
        }
        (Target::Field(key), Condition::Bool(wanted)) if *key == ACTIVE => Some(json!(["active", "=", wanted])),
        (Target::Field(key), Condition::OneOf(codes)) if *key == COUNTRY => {
            Some(json!(["addresses", "where", [["country.code", "in", codes]]]))
        }
        (Target::Field(key), Condition::DateTime(op)) if *key == CREATED => {
            let day = chrono::TimeDelta::days(1);
            let range = |low: Option<NaiveDateTime>, high: Option<NaiveDateTime>| {
                let mut parts = Vec::new();
                if let Some(low) = low {
                    parts.push(json!(["create_date", ">=", datetime_value(low)]));
                }
                if let Some(high) = high {
                    parts.push(json!(["create_date", "<=", datetime_value(high)]));
                }
                json!(parts)
            };
            Some(match *op {
                DateOp::On(at) => range(Some(at - day), Some(at + day)),
                DateOp::Before(at) | DateOp::BeforeOrEqual(at) => range(None, Some(at + day)),
                DateOp::After(at) | DateOp::AfterOrEqual(at) => range(Some(at - day), None),
                DateOp::Between(low, high) => range(Some(low - day), Some(high + day)),
            })
        }
        _ => None,
    }
}

/// An `ilike` pattern for `text`: the characters SQLite's `LIKE` would not compare as meant
/// (non-ASCII letters, the wildcards themselves) match any one character.
fn like(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii() && c != '%' && c != '_' && c != '\\' { c } else { '_' }).collect()
}

/// A text field's `ilike`, through the relation that holds it.
fn text_field(key: &str, pattern: String) -> Option<Value> {
    let address = |field| json!(["addresses", "where", [[field, "ilike", pattern]]]);
    Some(match key {
        k if *k == NAME => json!(["name", "ilike", pattern]),
        k if *k == CODE => json!(["code", "ilike", pattern]),
        k if *k == CITY => address("city"),
        k if *k == POSTAL_CODE => address("postal_code"),
        k if *k == STREET => address("street_unstructured"),
        _ => {
            let (_, kind) = MECHANISMS.iter().find(|(k, _)| *k == *key)?;
            json!(["contact_mechanisms", "where", [["type", "=", kind], ["value", "ilike", pattern]]])
        }
    })
}

/// The free-text search: name or code contains `text` (at least; judged exactly after reading).
pub fn free_text(text: &str) -> Value {
    let pattern = format!("%{}%", like(text.trim()));
    json!(["OR", ["name", "ilike", pattern], ["code", "ilike", pattern]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use erp_connector::contract::SearchRestriction;

    fn field(key: &str, condition: Condition) -> Criterion {
        Criterion { target: Target::Field(key.into()), condition }
    }

    #[test]
    fn criteria_become_domains_that_find_at_least_the_matches() {
        let t = ActorType::Customer;
        let c = |key: &str, condition| condition_of(&t, &field(key, condition));
        assert_eq!(
            c(NAME.name(), Condition::Text(TextOp::Begins("æbe".into()))),
            Some(json!(["name", "ilike", "_be%"]))
        );
        assert_eq!(
            c(NAME.name(), Condition::Text(TextOp::Contains("50%".into()))),
            Some(json!(["name", "ilike", "%50_%"]))
        );
        assert_eq!(c(NAME.name(), Condition::Text(TextOp::NotContains("x".into()))), None);
        assert_eq!(
            c(EMAIL.name(), Condition::Text(TextOp::Equals("a@b.c".into()))),
            Some(json!(["contact_mechanisms", "where", [["type", "=", "email"], ["value", "ilike", "a@b.c"]]]))
        );
        assert_eq!(c(ACTIVE.name(), Condition::Bool(false)), Some(json!(["active", "=", false])));
        assert_eq!(c(NAME.name(), Condition::Number(NumberOp::Equals(1.0))), None);
        // As the framework decodes `ParentErpKey = 7` from the wire.
        let restriction = SearchRestriction::new("ParentErpKey", "=", ["7"]);
        let parent = erp_connector::connector::search::criteria(&[restriction], &ActorType::Project, &[], &[]).unwrap();
        assert_eq!(condition(&ActorType::Project, &parent[0], "Employee of"), Some(json!(["party", "in", [7]])));
    }

    fn condition_of(t: &ActorType, c: &Criterion) -> Option<Value> {
        condition(t, c, "Employee of")
    }
}

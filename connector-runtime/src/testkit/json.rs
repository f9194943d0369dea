//! A JSON view of any message or carrier, for comparing answers across clients and runs
//! (`erp-connector replay`, the WCF and zeep interop tests).

use serde_json::{Map, Value};

use crate::contract::schema::{MemberOrder, Record, Ref};

/// `record` as JSON: an object of its members by wire name, base-class members included; nil as
/// `null`; enums and actor types by name; string arrays as arrays; dictionaries as
/// `[key, value]` pairs in wire order (order and nil values are part of the contract); carriers
/// as objects.
///
/// ```
/// use erp_connector::contract::ResponseStatus;
/// let json = erp_connector::testkit::to_json(&ResponseStatus::error("No."));
/// assert_eq!(json["State"], "Error");
/// assert_eq!(json["IsOk"], false);
/// assert!(json["ErrorCode"].is_null());
/// ```
pub fn to_json(record: &dyn Record) -> Value {
    let mut map = Map::new();
    record.schema().for_each_member(MemberOrder::BaseFirst, |level, index, member| {
        map.insert(member.name.to_owned(), value(record.member_at(level, index)));
    });
    Value::Object(map)
}

fn value(r: Ref<'_>) -> Value {
    match r {
        Ref::String(s) => s.map_or(Value::Null, |s| Value::String(s.to_owned())),
        Ref::Bool(b) => Value::Bool(b),
        Ref::Int(i) => Value::from(i),
        Ref::Enum(name) => Value::String(name.to_owned()),
        Ref::Guid(g) => g.map_or(Value::Null, |g| Value::String(g.to_string())),
        Ref::ActorType(t) => t.map_or(Value::Null, |t| Value::String(t.as_str().to_owned())),
        Ref::StringArray(items) => {
            items.map_or(Value::Null, |items| items.iter().map(|s| Value::String(s.clone())).collect())
        }
        Ref::Dictionary(d) => d.map_or(Value::Null, |d| {
            d.iter()
                .map(|(k, v)| Value::Array(vec![Value::String(k.to_owned()), v.map_or(Value::Null, |v| v.into())]))
                .collect()
        }),
        Ref::Record(r) => r.map_or(Value::Null, to_json),
        Ref::RecordArray(items) => {
            items.map_or(Value::Null, |items| (0..items.len()).map(|i| to_json(items.item(i))).collect())
        }
    }
}

//! Interoperability with Python's zeep, a SOAP stack no one here wrote: zeep loads our WSDL and,
//! for every operation and wire profile, builds a request that our reader must read to the same
//! values, and parses our writer's responses back to the same values.
//!
//! Needs a Python with zeep: `ERP_CONNECTOR_PYTHON` (set by `.ci/run` to its virtualenv). Without
//! it the test says so and skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::fill::{self, Samples};
use erp_connector::contract::schema::{Level, MemberOrder, Record, Ref};
use erp_connector::contract::{Operation, Response};
use erp_connector::soap::{Limits, WireProfile, read_request, write_response, wsdl};
use serde_json::{Map, Value, json};

fn python() -> Option<PathBuf> {
    match std::env::var_os("ERP_CONNECTOR_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("SKIPPED zeep interop: set ERP_CONNECTOR_PYTHON to a Python with zeep installed (.ci/run does)");
            None
        }
    }
}

/// A member value as zeep takes it in arguments and gives it back from `serialize_object`.
fn zeep_value(value: Ref<'_>) -> Value {
    match value {
        Ref::String(s) => s.map_or(Value::Null, |s| json!(s)),
        Ref::Guid(g) => g.map_or(Value::Null, |g| json!(g.to_string())),
        Ref::ActorType(a) => a.map_or(Value::Null, |a| json!(a.as_str())),
        Ref::Bool(b) => json!(b),
        Ref::Int(i) => json!(i),
        Ref::Enum(e) => json!(e),
        Ref::StringArray(items) => items.map_or(Value::Null, |items| json!({ "string": items })),
        Ref::Dictionary(d) => d.map_or(Value::Null, |d| {
            let entries: Vec<_> = d.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
            json!({ "KeyValueOfstringstring": entries })
        }),
        Ref::Record(r) => r.map_or(Value::Null, |r| Value::Object(zeep_members(r))),
        Ref::RecordArray(items) => items.map_or(Value::Null, |items| {
            let list: Vec<_> = (0..items.len()).map(|i| Value::Object(zeep_members(items.item(i)))).collect();
            let item_name = (0..items.len()).next().map(|i| items.item(i).schema().name);
            match item_name {
                Some(name) => json!({ name: list }),
                None => json!({}),
            }
        }),
    }
}

fn zeep_members(record: &dyn Record) -> Map<String, Value> {
    let mut map = Map::new();
    record.schema().for_each_member(MemberOrder::BaseFirst, |level, index, member| {
        let value = match level {
            Level::Own => record.member(index),
            Level::Base => record.base().unwrap().member(index),
        };
        map.insert(member.name.to_owned(), zeep_value(value));
    });
    map
}

/// Normalises, on both sides, what zeep cannot tell apart: it reads an empty string element as
/// None (lxml gives no text for `<X/>`), and a nil array, dictionary or carrier as an empty one
/// (it ignores `i:nil` on complex types). WCF and our reader keep all of these apart, as the WCF
/// reference and round-trip tests show; here they all become `{}`.
fn normalise(v: Value) -> Value {
    let empty = json!({});
    match v {
        Value::Null => empty,
        Value::String(s) if s.is_empty() => empty,
        Value::Object(map) => {
            let map: Map<String, Value> = map.into_iter().map(|(k, v)| (k, normalise(v))).collect();
            let hollow = map.values().all(|v| *v == empty || v.as_array().is_some_and(|a| a.is_empty()));
            if hollow { empty } else { Value::Object(map) }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}

fn run_profile(python: &Path, profile: WireProfile) {
    let dir = std::env::temp_dir().join(format!("erp-connector-zeep-{}-{profile}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("responses")).unwrap();
    let wsdl_path = dir.join("service.wsdl");
    std::fs::write(&wsdl_path, wsdl::wsdl(profile, "http://127.0.0.1:1/Services/ErpConnectorWS.svc")).unwrap();

    let mut requests = Map::new();
    let mut expected_requests = Vec::new();
    let mut expected_responses: Vec<(Operation, Response)> = Vec::new();
    for op in Operation::all() {
        let mut samples = Samples::new();
        let request = fill::request(op, &mut samples);
        let members = request.record().map(zeep_members).unwrap_or_default();
        let kwargs = if profile.is_wrapped() && request.record().is_some() {
            json!({ "request": members })
        } else {
            Value::Object(members)
        };
        requests.insert(op.name().to_owned(), json!({ "kwargs": kwargs }));
        expected_requests.push(request);

        let response = fill::response(op, &mut samples);
        let mut xml = Vec::new();
        write_response(profile, op, &response, &mut xml);
        std::fs::write(dir.join("responses").join(format!("{op}.xml")), xml).unwrap();
        expected_responses.push((op, response));
    }
    std::fs::write(dir.join("requests.json"), serde_json::to_vec(&requests).unwrap()).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/zeep_roundtrip.py");
    let out = dir.join("out");
    let status = Command::new(python)
        .arg(script)
        .arg(&wsdl_path)
        .arg(dir.join("requests.json"))
        .arg(dir.join("responses"))
        .arg(&out)
        .status()
        .expect("run python");
    assert!(status.success(), "{profile}: zeep failed (see its output above)");

    for request in expected_requests {
        let op = request.operation();
        let body = std::fs::read(out.join(format!("{op}.request.xml"))).unwrap();
        let action = std::fs::read_to_string(out.join(format!("{op}.action"))).unwrap();
        assert_eq!(action, op.action(), "{profile}: zeep's SOAPAction for {op}");
        let read = read_request(&body, Some(&action), &Limits::default())
            .unwrap_or_else(|e| panic!("{profile} {op}: {e}\n{}", String::from_utf8_lossy(&body)));
        assert_eq!(
            read,
            request,
            "{profile} {op}: zeep's request read differently\n{}",
            String::from_utf8_lossy(&body)
        );
    }

    for (op, response) in expected_responses {
        let text = std::fs::read_to_string(out.join(format!("{op}.response.json"))).unwrap();
        let mut parsed: Value = serde_json::from_str(&text).unwrap();
        // Wrapped styles: zeep unwraps the single `...Result` child.
        if let Some(inner) = parsed.get(format!("{op}Result")) {
            parsed = inner.clone();
        }
        let expected = Value::Object(zeep_members(response.record()));
        assert_eq!(normalise(parsed), normalise(expected), "{profile} {op}: zeep read our response differently");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zeep_interoperates_under_every_profile() {
    let Some(python) = python() else { return };
    for profile in WireProfile::ALL {
        run_profile(&python, profile);
    }
}

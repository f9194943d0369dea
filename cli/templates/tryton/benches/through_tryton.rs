//! What the connector adds to Tryton's own time: `WSGetActors` of 50 customers and the change
//! poll of 10,000, each through the connector (SOAP, as EIS calls) and as the same JSON-RPC calls
//! made to Tryton directly; and the connector's peak memory over the poll.
//!
//! ```text
//! TRYTON_TRYTOND=.venv-tryton/bin/trytond TRYTON_TEMPLATE=target/tryton-template/erp.sqlite \
//!     cargo bench -p tryton-connector --bench through_tryton
//! ```
//!
//! (A benchmark, not a test: it prints figures for docs/performance.md and judges nothing.)

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use erp_connector::contract::*;
use erp_connector::prelude::{ActorsSince, GetActors};
use erp_connector::testkit::{SoapClient, new_guid};
use serde_json::{Value, json};
use support::{ConnectorProcess, DATABASE, TrytonServer};

const PARTIES: usize = 10_000;
const RUNS: usize = 50;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let Some(mut tryton) = TrytonServer::start("bench") else { return };
    tryton.seed();
    let customer = tryton.rpc("model.party.category.search", json!([[["name", "=", "Customer"]], 0, 1, null]))[0]
        .as_i64()
        .unwrap();
    let norway =
        tryton.rpc("model.country.country.search", json!([[["code", "=", "NO"]], 0, 1, null]))[0].as_i64().unwrap();
    let started = Instant::now();
    for batch in 0..PARTIES / 500 {
        let parties: Vec<Value> = (0..500)
            .map(|i| {
                let n = batch * 500 + i;
                json!({
                    "name": format!("Customer {n:05} AS"),
                    "categories": [["add", [customer]]],
                    "addresses": [["create", [{"city": "Oslo", "postal_code": "0150", "street_unstructured": format!("Gate {n}"), "country": norway}]]],
                    "contact_mechanisms": [["create", [{"type": "phone", "value": format!("+47 22 {n:06}")}, {"type": "email", "value": format!("c{n}@example.com")}]]],
                })
            })
            .collect();
        tryton.rpc("model.party.party.create", json!([parties]));
    }
    println!("seeded {PARTIES} customers in {:.1} s", started.elapsed().as_secs_f64());

    let connector = ConnectorProcess::start(&tryton);
    let client = SoapClient::from_url(&connector.url()).unwrap();
    let guid = new_guid();
    let config = StringDict::new()
        .with("SERVER", tryton.url())
        .with("DATABASE", DATABASE)
        .with("USER", "admin")
        .with("PASSWORD", support::ADMIN_PASSWORD)
        .with("TIMEOUT_SECS", "[I:120]");
    assert!(client.save_connection(guid, &config).unwrap().is_ok);
    let ids: Vec<i64> = serde_json::from_value(tryton.rpc(
        "model.party.party.search",
        json!([[["categories", "in", [customer]], ["name", "like", "Customer %"]], 0, 50, [["id", "ASC"]]]),
    ))
    .unwrap();
    let fields: Vec<String> = tryton_connector::mapping::schema()
        .of(&ActorType::Customer)
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.key().to_owned())
        .collect();
    let get = GetActors {
        actor_type: ActorType::Customer,
        erp_keys: ids.iter().map(i64::to_string).collect(),
        field_keys: fields.clone(),
    };

    // WSGetActors of 50, through the connector and directly.
    for _ in 0..3 {
        assert_eq!(client.get_actors(guid, &get).unwrap().actors.unwrap().len(), 50);
    }
    let through: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            client.get_actors(guid, &get).unwrap();
            t.elapsed()
        })
        .collect();
    // The same context as the connector sends: the user's preferences, archived records included.
    let session = tryton.admin_session();
    let mut context = tryton.call_as(&session, "model.res.user.get_preferences", json!([true, {}]));
    context["active_test"] = json!(false);
    let party_fields =
        json!(["name", "code", "active", "phone", "email", "website", "addresses", "create_date", "last_modified_at"]);
    let address_fields = json!(["party", "street_unstructured", "postal_code", "city", "country.code"]);
    let direct_read = |domain: Value, limit: usize, order: Value| -> usize {
        let records = tryton.call_as(
            &session,
            "model.party.party.search_read",
            json!([domain, 0, limit, order, party_fields, context]),
        );
        let records = records.as_array().unwrap();
        let addresses: Vec<i64> =
            records.iter().filter_map(|r| r["addresses"].as_array()?.iter().filter_map(Value::as_i64).min()).collect();
        tryton.call_as(&session, "model.party.address.read", json!([addresses, address_fields, context]));
        records.len()
    };
    let by_ids = || json!([["id", "in", ids], ["categories", "in", [customer]]]);
    let direct: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(direct_read(by_ids(), 50, json!([["id", "ASC"]])), 50);
            t.elapsed()
        })
        .collect();
    let (through, direct) = (median(through), median(direct));
    // The connector's own time for each call, as it logs it (request read to answer written).
    let inside: Vec<Duration> = connector
        .log()
        .lines()
        .filter(|l| l.contains("operation=WSGetActors ") && l.contains(" answered "))
        .filter_map(|l| l.split("micros=").nth(1)?.split(' ').next()?.parse().ok())
        .map(Duration::from_micros)
        .collect();
    println!(
        "WSGetActors of 50: {:.1} ms through the connector ({:.1} ms of it in the connector's process), {:.1} ms the same calls to Tryton directly: connector and framework {:.1} % of the call",
        through.as_secs_f64() * 1e3,
        median(inside).as_secs_f64() * 1e3,
        direct.as_secs_f64() * 1e3,
        (through.as_secs_f64() - direct.as_secs_f64()) / through.as_secs_f64() * 100.0
    );

    // The change poll of everything, through the connector and as the same pages directly.
    let poll = ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: fields };
    let mut polls = Vec::new();
    let mut count = 0;
    for _ in 0..3 {
        let t = Instant::now();
        count = client.get_actors_by_timestamp(guid, &poll).unwrap().actors.unwrap().len();
        polls.push(t.elapsed());
    }
    let mut directs = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let mut cursor: Option<(Value, i64)> = None;
        let mut n = 0;
        loop {
            let mut domain = vec![json!(["categories", "in", [customer]])];
            if let Some((at, id)) = &cursor {
                domain.push(json!([
                    "OR",
                    ["last_modified_at", ">", at],
                    [["last_modified_at", "=", at], ["id", ">", id]]
                ]));
            }
            let records = tryton.call_as(
                &session,
                "model.party.party.search_read",
                json!([domain, 0, 500, [["last_modified_at", "ASC"], ["id", "ASC"]], party_fields, context]),
            );
            let records = records.as_array().unwrap().clone();
            let addresses: Vec<i64> = records
                .iter()
                .filter_map(|r| r["addresses"].as_array()?.iter().filter_map(Value::as_i64).min())
                .collect();
            tryton.call_as(&session, "model.party.address.read", json!([addresses, address_fields, context]));
            n += records.len();
            match records.last() {
                Some(last) if records.len() == 500 => {
                    cursor = Some((last["last_modified_at"].clone(), last["id"].as_i64().unwrap()))
                }
                _ => break,
            }
        }
        assert_eq!(n, count);
        directs.push(t.elapsed());
    }
    let (through, direct) = (median(polls), median(directs));
    let status = std::fs::read_to_string(format!("/proc/{}/status", connector.pid())).unwrap_or_default();
    let peak = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: ?").to_owned();
    println!(
        "WSGetActorsByTimestamp of {count}: {:.2} s through the connector, {:.2} s the same pages to Tryton directly: connector and framework {:.1} % of the call; connector peak RSS {}",
        through.as_secs_f64(),
        direct.as_secs_f64(),
        (through.as_secs_f64() - direct.as_secs_f64()) / through.as_secs_f64() * 100.0,
        peak.trim_start_matches("VmHWM:").trim()
    );
}

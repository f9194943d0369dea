//! The connector against a live Tryton server: the EIS emulator's whole session, each operation
//! on what Tryton holds, Tryton's own validation messages, and the failures a remote ERP has (a
//! restart, an ended session, a wrong password, a stopped or frozen server).

mod support;

use erp_connector::conformance::{Options, Report};
use erp_connector::contract::*;
use erp_connector::prelude::{ActorsSince, ConnectionConfig as _, GetActors, Password, SearchActors, SearchByParent};
use erp_connector::testkit::{SoapClient, new_guid};
use support::{ConnectorProcess, DATABASE, TrytonServer};
use tryton_connector::TrytonConfig;

/// The connection to `tryton`, written in the connector's configuration type: a field renamed or
/// retyped there fails these tests at compile time, naming it.
fn config(tryton: &TrytonServer) -> TrytonConfig {
    TrytonConfig {
        server: tryton.url(),
        database: DATABASE.into(),
        user: "admin".into(),
        password: Password::new(support::ADMIN_PASSWORD),
        customer_category: "Customer".into(),
        supplier_category: "Supplier".into(),
        person_relation: "Employee of".into(),
        timeout_secs: 30,
    }
}

/// A saved connection: the client and its GUID.
fn connected(connector: &ConnectorProcess, tryton: &TrytonServer) -> (SoapClient, ConnectionGuid) {
    let client = SoapClient::from_url(&connector.url()).unwrap();
    let guid = new_guid();
    let saved = client.save_config(guid, &config(tryton)).unwrap();
    assert!(saved.is_ok, "{saved:?}");
    (client, guid)
}

fn keys(actors: &[ErpActor]) -> Vec<String> {
    let mut keys: Vec<String> = actors.iter().filter_map(|a| a.erp_key.clone()).collect();
    keys.sort();
    keys
}

fn all_fields(t: &ActorType) -> Vec<String> {
    let schema = tryton_connector::mapping::schema();
    schema.of(t).map(|t| t.fields().iter().map(|f| f.key().to_owned()).collect()).unwrap_or_default()
}

#[test]
fn the_emulators_whole_session_passes() {
    let Some(mut tryton) = TrytonServer::start("session") else { return };
    tryton.seed();
    let connector = ConnectorProcess::start(&tryton);
    let options = Options {
        config: config(&tryton).to_info(),
        bad_config: vec![("PASSWORD".into(), "wrong".into()), ("DATABASE".into(), "nosuchdb".into())],
        ..Options::default()
    };
    let report: Report =
        erp_connector::conformance::check_with(&connector.url(), &options, &mut erp_connector::conformance::Silent);
    assert!(report.is_clean(), "{report}\n{}", connector.log());
    let step = |name: &str| report.steps.iter().find(|s| s.name == name).unwrap();
    assert_eq!(step("initial sync").note, "9 actors", "{report}");
    assert!(step("create and save").note.starts_with("created and saved Customer"), "{report}");
}

#[test]
fn each_operation_answers_from_tryton() {
    let Some(mut tryton) = TrytonServer::start("operations") else { return };
    let seeded = tryton.seed();
    let connector = ConnectorProcess::start(&tryton);
    let (client, guid) = connected(&connector, &tryton);
    let customers = ActorType::Customer;
    // The full poll, then one from the last stamp: equal stamps included.
    let all = client
        .get_actors_by_timestamp(
            guid,
            &ActorsSince { actor_type: customers.clone(), since: None, field_keys: all_fields(&customers) },
        )
        .unwrap();
    let all = all.actors.unwrap();
    assert_eq!(keys(&all), keys_of(&[seeded.orkdal, seeded.aebeltoft, seeded.both]));
    let orkdal = all.iter().find(|a| a.erp_key.as_deref() == Some(&seeded.orkdal.to_string())).unwrap();
    assert_eq!(orkdal.field("CITY"), Some("Orkdal"));
    assert_eq!(orkdal.field("COUNTRY"), Some("NO"));
    assert_eq!(orkdal.field("PHONE"), Some("+47 72 48 00 00"));
    assert_eq!(orkdal.field("ACTIVE"), Some("[I:1]"));
    assert!(orkdal.field("CREATED").is_some_and(|v| v.starts_with("[DT:")), "{orkdal:?}");
    let last = all.iter().filter_map(|a| a.last_modified.clone()).max().unwrap();
    assert_eq!(last.len(), "2026-01-01T00:00:00.0000000".len(), "one width: the framework's date-time stamps");
    let since = client
        .get_actors_by_timestamp(
            guid,
            &ActorsSince { actor_type: customers.clone(), since: Some(Stamp::text(last.clone())), field_keys: vec![] },
        )
        .unwrap();
    assert!(since.actors.unwrap().iter().all(|a| a.last_modified.as_deref() == Some(last.as_str())));
    // By keys: the known ones, of the asked type only.
    let q = GetActors {
        actor_type: customers.clone(),
        erp_keys: keys_of(&[seeded.orkdal, seeded.goteborg]).into_iter().chain(["x".into()]).collect(),
        field_keys: vec!["NAME".into()],
    };
    assert_eq!(keys(&client.get_actors(guid, &q).unwrap().actors.unwrap()), keys_of(&[seeded.orkdal]));
    // Search: non-ASCII in another case (Tryton's SQLite compares ASCII only; the connector judges).
    let q =
        SearchActors {
            actor_type: customers.clone(), search_text: "æBELTOFT".into(), field_keys: vec!["NAME".into()]
        };
    assert_eq!(keys(&client.search_actors(guid, &q).unwrap().actors.unwrap()), keys_of(&[seeded.aebeltoft]));
    // Persons under their company, projects under their customer.
    let q = SearchByParent {
        actor_type: ActorType::Person,
        search_text: String::new(),
        parent_actor_type: customers.clone(),
        parent_erp_key: seeded.orkdal.to_string(),
        field_keys: vec![],
    };
    assert_eq!(client.search_actor_by_parent(guid, &q).unwrap().actors.unwrap().len(), 2);
    let q = SearchByParent { actor_type: ActorType::Project, parent_erp_key: seeded.orkdal.to_string(), ..q };
    assert_eq!(keys(&client.search_actor_by_parent(guid, &q).unwrap().actors.unwrap()), keys_of(&[seeded.project]));
    // Advanced: two restrictions, through addresses and categories.
    let restrictions =
        [SearchRestriction::new("COUNTRY", "oneof", ["NO"]), SearchRestriction::new("NAME", "begins", ["nordic"])];
    let found = client.search_actors_advanced(guid, &customers, &restrictions, &[]).unwrap();
    assert_eq!(keys(&found.actors.unwrap()), keys_of(&[seeded.both]));
    // The countries list is Tryton's.
    let countries = client.get_list(guid, "countries").unwrap().list_items.unwrap();
    assert_eq!(countries.get("SE"), Some("Sweden"));
    // Deleting the connection logs its session out of Tryton.
    let before = tryton.sessions();
    assert!(client.delete_connection(guid).unwrap().is_ok);
    assert_eq!(tryton.sessions(), before - 1);
}

#[test]
fn writes_land_in_tryton_and_tryton_validates_them() {
    let Some(mut tryton) = TrytonServer::start("writes") else { return };
    let seeded = tryton.seed();
    let connector = ConnectorProcess::start(&tryton);
    let (client, guid) = connected(&connector, &tryton);
    let new = ErpActor::new(ActorType::Customer, "", Stamp::text(""))
        .with_value("NAME", "Trondheim Trading AS")
        .with_value("CITY", "Trondheim")
        .with_value("COUNTRY", "NO")
        .with_value("EMAIL", "post@trondheim.example");
    let created = client.create_actor(guid, &new).unwrap();
    assert!(created.result.is_ok, "{created:?}");
    let id: i64 = created.actor.unwrap().erp_key.unwrap().parse().unwrap();
    let party = tryton.rpc("model.party.party.read", serde_json::json!([[id], ["name", "email", "categories"]]));
    assert_eq!(party[0]["name"], "Trondheim Trading AS");
    assert_eq!(party[0]["email"], "post@trondheim.example");
    // A person under it, a project under it.
    let person = ErpActor::new(ActorType::Person, "", Stamp::text(""))
        .with_value("NAME", "Per Persen")
        .with_parent(ActorType::Customer, id.to_string());
    let person = client.create_actor(guid, &person).unwrap();
    assert_eq!(person.actor.as_ref().and_then(|a| a.parent_erp_key.clone()), Some(id.to_string()), "{person:?}");
    // A country Tryton does not have (the framework checks it against Tryton's list), and
    // Tryton's own uniqueness rule on codes.
    let bad = new.clone().with_value("COUNTRY", "XX");
    let refused = client.create_actor(guid, &bad).unwrap();
    assert_eq!(refused.result.error_code.as_deref(), Some("UNKOWN_LISTITEM_ID"), "{refused:?}");
    assert_eq!(
        refused.result.user_explanation.as_deref(),
        Some("The new customer cannot be saved: COUNTRY: `XX` is not an item of the list countries."),
        "{refused:?}"
    );
    let code = tryton.rpc("model.party.party.read", serde_json::json!([[seeded.orkdal], ["code"]]))[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let clash = ErpActor::new(ActorType::Customer, id.to_string(), Stamp::text("")).with_value("CODE", code);
    let refused = client.save_actors(guid, &[clash]).unwrap();
    assert_eq!(refused.result.user_explanation.as_deref(), Some("The code on party must be unique."), "{refused:?}");
    // A save changes the phone (a contact mechanism) and the stamp.
    let before = client
        .get_actors(
            guid,
            &GetActors { actor_type: ActorType::Customer, erp_keys: vec![id.to_string()], field_keys: vec![] },
        )
        .unwrap()
        .actors
        .unwrap();
    let change = ErpActor::new(ActorType::Customer, id.to_string(), Stamp::text(""))
        .with_value("PHONE", "+47 73 00 00 00")
        .with_value("ACTIVE", false);
    let saved = client.save_actors(guid, &[change]).unwrap();
    let saved = saved.actors.unwrap();
    assert_eq!(saved[0].field("PHONE"), Some("+47 73 00 00 00"));
    assert_eq!(saved[0].field("ACTIVE"), Some("[I:0]"));
    assert!(saved[0].last_modified > before[0].last_modified, "{saved:?} {before:?}");
}

#[test]
fn a_restart_an_ended_session_and_a_wrong_password_get_clear_answers() {
    let Some(mut tryton) = TrytonServer::start("failures") else { return };
    tryton.seed();
    let connector = ConnectorProcess::start(&tryton);
    let (client, guid) = connected(&connector, &tryton);
    assert!(client.test_connection(guid).unwrap().is_ok);
    // Tryton restarts: calls go on.
    tryton.restart();
    assert!(client.test_connection(guid).unwrap().is_ok, "{}", connector.log());
    // Tryton ends the session: the connector logs in again.
    tryton.forget_sessions();
    assert_eq!(tryton.sessions(), 0);
    let answer = client.get_supported_actor_types(guid).unwrap();
    assert!(answer.result.is_ok);
    assert!(client.test_connection(guid).unwrap().is_ok, "{}", connector.log());
    assert_eq!(tryton.sessions(), 1, "logged in again");
    // A wrong password is refused with a text for the user.
    let wrong = TrytonConfig { password: Password::new("wrong"), ..config(&tryton) };
    let refused = client.test_config(&wrong).unwrap();
    assert!(!refused.is_ok, "{refused:?}");
    assert_eq!(refused.user_explanation.as_deref(), Some("Tryton refused the login: check the user and password."));
    // An address the deployment does not allow never reaches the connector's code.
    let elsewhere = TrytonConfig { server: "http://169.254.169.254".into(), ..config(&tryton) };
    let refused = client.test_config(&elsewhere).unwrap();
    assert!(refused.user_explanation.unwrap().contains("is not an address this connector may connect to"));
    // A frozen Tryton: an answer after the connection's timeout (2 s here), not a hang.
    let impatient = new_guid();
    assert!(client.save_config(impatient, &TrytonConfig { timeout_secs: 2, ..config(&tryton) }).unwrap().is_ok);
    assert!(client.test_connection(impatient).unwrap().is_ok);
    tryton.freeze();
    let frozen = client.test_connection(impatient).unwrap();
    tryton.thaw();
    assert!(frozen.user_explanation.as_deref().is_some_and(|t| t.contains("did not answer within 2 s")), "{frozen:?}");
    // A stopped Tryton: unreachable.
    tryton.stop();
    let stopped = client.test_connection(guid).unwrap();
    assert!(
        stopped.user_explanation.as_deref().is_some_and(|t| t.starts_with("The ERP cannot be reached")),
        "{stopped:?}"
    );
}

#[test]
fn a_change_poll_longer_than_a_page_reads_each_record_once() {
    let Some(mut tryton) = TrytonServer::start("pages") else { return };
    tryton.seed();
    let customer =
        tryton.rpc("model.party.category.search", serde_json::json!([[["name", "=", "Customer"]]]))[0].clone();
    // 1,203 customers written in one call: pages of 500 meet records of one stamp, so the next
    // page must start after the last actor by stamp and then by id.
    let parties: Vec<_> = (0..1203)
        .map(|n| serde_json::json!({"name": format!("Bulk {n:04}"), "categories": [["add", [customer]]]}))
        .collect();
    tryton.rpc("model.party.party.create", serde_json::json!([parties]));
    let connector = ConnectorProcess::start(&tryton);
    let (client, guid) = connected(&connector, &tryton);
    let q = ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: vec!["NAME".into()] };
    let all = client.get_actors_by_timestamp(guid, &q).unwrap().actors.unwrap();
    let mut unique = keys(&all);
    unique.dedup();
    assert_eq!((all.len(), unique.len()), (1206, 1206), "the 3 seeded customers and the 1,203");
    let stamps: Vec<_> = all.iter().map(|a| a.last_modified.clone().unwrap()).collect();
    assert!(stamps.is_sorted(), "oldest first, as EIS keeps the last stamp it saw");
}

fn keys_of(ids: &[i64]) -> Vec<String> {
    let mut keys: Vec<String> = ids.iter().map(i64::to_string).collect();
    keys.sort();
    keys
}

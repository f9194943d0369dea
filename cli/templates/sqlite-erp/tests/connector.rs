//! The sqlite-erp connector over SOAP: it passes the EIS emulator's whole session, validates
//! what SuperOffice writes field by field, saves all or nothing, and seeds reproducibly.

use std::path::PathBuf;

use erp_connector::conformance::Options;
use erp_connector::contract::ResponseState;
use erp_connector::prelude::*;
use erp_connector::testkit::{Spawned, new_guid, spawn, spawn_with};
use sqlite_erp::{ErpConfig, SqliteErp};

/// A connection's values, written from the connector's configuration type: a field renamed or
/// retyped there fails these tests at compile time, naming it.
fn config(database: &str) -> StringDict {
    ErpConfig { database: database.into(), default_currency: None }.to_info()
}

fn seeded(name: &str, count: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlite-erp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("erp.sqlite");
    sqlite_erp::seed::seed(&path, count).unwrap();
    path
}

/// The connector on the folder of `db`.
fn serving(db: &std::path::Path) -> Spawned {
    spawn(SqliteErp::in_dir(db.parent().unwrap()))
}

fn connected(db: &std::path::Path) -> (Spawned, ConnectionGuid) {
    let connector = serving(db);
    let guid = new_guid();
    let info = config("erp.sqlite");
    assert!(connector.client().save_connection(guid, &info).unwrap().is_ok);
    (connector, guid)
}

#[test]
fn passes_the_eis_emulator() {
    let db = seeded("emulator", 150);
    // As deployed in Online (docs/security.md): a secret endpoint path and an allow-list.
    let connector = spawn_with(SqliteErp::in_dir(db.parent().unwrap()), |s| {
        s.endpoint.path = "/erp-SqliteSecretPath0123456789abcd".into();
        s.endpoint.allow_from = vec!["127.0.0.1/32".parse().unwrap()];
    });
    let report = connector.conformance(Options::default());
    assert!(report.is_clean(), "{report}");
    let step = |name: &str| report.steps.iter().find(|s| s.name == name).unwrap();
    assert_eq!(step("initial sync").note, "150 actors");
    assert!(step("advanced search").calls > 250, "{report}");
    assert!(step("create and save").note.starts_with("created and saved Customer"), "{report}");
    assert_eq!(step("lists").note, "3 lists, 14 items");
}

#[test]
fn a_missing_database_is_explained_at_test_time() {
    let connector = spawn(SqliteErp::in_dir("/nowhere"));
    let answer = connector.client().test_config_data(&config("erp.sqlite")).unwrap();
    assert!(!answer.is_ok);
    assert_eq!(
        answer.user_explanation.as_deref(),
        Some(
            "There is no ERP database named erp.sqlite in the connector's data folder. Create one with `sqlite-erp-connector seed --db <data folder>/erp.sqlite`."
        )
    );
    assert!(!format!("{answer:?}").contains("/nowhere"), "the server's folders are not named to the caller");
}

#[test]
fn a_database_is_a_file_in_the_data_folder_never_a_path() {
    let db = seeded("paths", 1);
    let connector = serving(&db);
    let client = connector.client();
    for hostile in ["/etc/passwd", "../erp.sqlite", "sub/erp.sqlite", "..", ".hidden", "C:\\erp.sqlite"] {
        let info = config(hostile);
        let tested = client.test_config_data(&info).unwrap();
        assert!(!tested.is_ok, "{hostile}");
        assert!(tested.user_explanation.unwrap().contains("not a path"), "{hostile}");
        let guid = new_guid();
        assert!(client.save_connection(guid, &info).unwrap().is_ok, "saving is not reading");
        let read = client.test_connection(guid).unwrap();
        assert!(!read.is_ok && read.user_explanation.unwrap().contains("not a path"), "{hostile}");
    }
}

#[test]
fn creating_and_saving_validate_every_field_and_save_all_or_nothing() {
    let db = seeded("write", 20);
    let (connector, guid) = connected(&db);
    let client = connector.client();
    let bad = ErpActor::new(ActorType::Customer, "", Stamp::text(""))
        .with_value("EMAIL", "not-an-address")
        .with_value("EMPLOYEES", "many")
        .with_value("COUNTRY", "XX")
        .with_value("CREATED", "[DT:01/01/2020 00:00:00.0000000]")
        .with_value("ZIP", "0150");
    let answer = client.create_actor(guid, &bad).unwrap();
    assert_eq!(answer.result.state, ResponseState::Error);
    assert_eq!(answer.result.error_code.as_deref(), Some(ErrorCode::UnknownFieldKey.wire()));
    assert_eq!(
        answer.result.user_explanation.as_deref(),
        Some(
            "The new customer cannot be saved: EMPLOYEES: `many` is not a whole number; COUNTRY: `XX` is not an \
             item of the list countries; CREATED: is read-only; ZIP: not a field of Customer; NAME: is required."
        ),
        "the framework's checks, against the fields the connector describes"
    );
    // What only the ERP knows: its own rules (its lists the framework checks against `get_list`).
    let unlisted = ErpActor::new(ActorType::Customer, "", Stamp::text(""))
        .with_value("NAME", "Acme")
        .with_value("EMAIL", "not-an-address")
        .with_value("COUNTRY", "NO");
    assert_eq!(
        client.create_actor(guid, &unlisted).unwrap().result.user_explanation.as_deref(),
        Some("The new customer cannot be saved: EMAIL: `not-an-address` is not an e-mail address.")
    );

    let good = ErpActor::new(ActorType::Person, "", Stamp::text(""))
        .with_parent(ActorType::Customer, "1")
        .with_value("LASTNAME", "Ås")
        .with_value("BIRTHDATE", "[D:1980-02-29]");
    let created = client.create_actor(guid, &good).unwrap().actor.unwrap();
    assert_eq!(created.field("BIRTHDATE"), Some("[DT:02/29/1980 00:00:00.0000000]"));
    assert_eq!(
        (created.parent_actor_type.as_ref(), created.parent_erp_key.as_deref()),
        (Some(&ActorType::Customer), Some("1"))
    );
    let key = created.erp_key.clone().unwrap();

    // One valid and one invalid actor: neither is saved.
    let rename = ErpActor::new(ActorType::Person, key.clone(), Stamp::text("")).with_value("LASTNAME", "Berg");
    let broken = ErpActor::new(ActorType::Customer, "1", Stamp::text("")).with_value("CREDIT_LIMIT", "lots");
    let answer = client.save_actors(guid, &[rename.clone(), broken]).unwrap();
    assert_eq!(
        answer.result.user_explanation.as_deref(),
        Some("Customer 1 cannot be saved: CREDIT_LIMIT: `lots` is not a number.")
    );
    let fields = vec!["LASTNAME".to_owned()];
    let now = client
        .get_actors(
            guid,
            &GetActors { actor_type: ActorType::Person, erp_keys: vec![key.clone()], field_keys: fields.clone() },
        )
        .unwrap()
        .actors
        .unwrap();
    assert_eq!(now[0].field("LASTNAME"), Some("Ås"));

    // Saved alone it is, with a later LastModified than anything before.
    let saved = client.save_actors(guid, &[rename]).unwrap().actors.unwrap();
    assert_eq!(saved[0].field("LASTNAME"), Some("Berg"));
    assert!(saved[0].last_modified > created.last_modified);
    let polled = client.get_actors_by_timestamp(
        guid,
        &ActorsSince { actor_type: ActorType::Person, since: saved[0].stamp(), field_keys: fields.clone() },
    );
    assert_eq!(polled.unwrap().actors.unwrap().iter().map(|a| a.erp_key.clone().unwrap()).collect::<Vec<_>>(), [key]);
}

#[test]
fn seeding_is_reproducible_and_proportioned() {
    let a = seeded("seed-a", 1000);
    let b = seeded("seed-b", 1000);
    let dump = |path: &std::path::Path| {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut statement = conn.prepare("SELECT kind, name, email, city FROM company ORDER BY id").unwrap();
        statement
            .query_map([], |r| {
                Ok(format!(
                    "{}|{}|{:?}|{:?}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?
                ))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let rows = dump(&a);
    assert_eq!(rows, dump(&b));
    assert_eq!(rows.iter().filter(|r| r.starts_with("C|")).count(), 400);
    assert_eq!(rows.iter().filter(|r| r.starts_with("S|")).count(), 100);
    let conn = rusqlite::Connection::open(&a).unwrap();
    let counter: i64 = conn.query_row("SELECT value FROM counter", [], |r| r.get(0)).unwrap();
    assert_eq!(counter, 1000, "one change per actor");
}

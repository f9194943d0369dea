//! hello-connector over real HTTP: every operation, implemented or not; the connection lifecycle
//! with `UNKNOWN_CONNECTION_ID` and EIS's resend; the store surviving a restart with the password
//! encrypted at rest; health and readiness; and the whole EIS emulator session.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use erp_connector::connector::{ConnectionConfig as _, Password};
use erp_connector::contract::*;
use erp_connector::testkit::{SoapClient, free_port, new_guid};
use hello_connector::HelloConfig;

/// A connection's values, written from the connector's configuration type: a field renamed or
/// retyped there fails these tests at compile time, naming it.
fn config(company: &str, password: Option<&str>) -> StringDict {
    HelloConfig { company: company.into(), password: password.map(Password::new) }.to_info()
}

struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hello-connector-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn start(dir: &std::path::Path) -> Running {
    start_with(dir, &[])
}

fn start_with(dir: &std::path::Path, env: &[(&str, &std::path::Path)]) -> Running {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_hello-connector"))
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .env("ERP_CONNECTOR_BIND", addr.to_string())
        .env("ERP_CONNECTOR_STORE_PATH", dir.join("connections.db"))
        .env("ERP_CONNECTOR_STORE_KEY_FILE", dir.join("store.key"))
        .env("ERP_CONNECTOR_DEV_KEYS_DIR", dir.join("dev-keys"))
        .env("ERP_CONNECTOR_LOG", "warn")
        .env_remove("ERP_CONNECTOR_STORE_KEY")
        .env_remove("ERP_CONNECTOR_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hello-connector");
    let running = Running { child, addr };
    let client = SoapClient::new(addr);
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get("/health").map(|r| r.status).ok() != Some(200) {
        assert!(Instant::now() < deadline, "hello-connector did not come up on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

fn save(client: &SoapClient, guid: ConnectionGuid, password: &str) -> Response {
    let info = config("C01", Some(password));
    let request =
        SaveConnectionRequest { base: RequestBase { connection_guid: Some(guid) }, connection_info: Some(info) };
    client.call(&Request::SaveConnection(request)).unwrap()
}

/// A request of `op` for connection `guid`, with plausible members.
fn request(op: Operation, guid: ConnectionGuid) -> Request {
    let mut request = Request::empty(op);
    if let Some(slot) = request.connection_guid_mut() {
        *slot = Some(guid);
    }
    match &mut request {
        Request::GetActors(r) => {
            r.actor_type = Some(ActorType::Customer);
            r.erp_keys = Some(vec!["1001".into()]);
            r.field_keys = Some(vec!["NAME".into()]);
        }
        Request::GetActorsByTimestamp(r) => {
            r.actor_type = Some(ActorType::Person);
            r.updated_on_or_after = Some(String::new());
            r.field_keys = Some(vec!["NAME".into()]);
        }
        Request::SearchActors(r) => {
            r.actor_type = Some(ActorType::Customer);
            r.search_text = Some("søn".into());
            r.field_keys = Some(vec!["NAME".into()]);
        }
        Request::SearchActorByParent(r) => {
            r.actor_type = Some(ActorType::Person);
            r.parent_actor_type = Some(ActorType::Customer);
            r.parent_actor_erp_key = Some("1001".into());
        }
        Request::SearchActorsAdvanced(r) => r.actor_type = Some(ActorType::Customer),
        Request::GetSupportedActorTypeFields(r) => r.actor_type = Some(ActorType::Customer),
        Request::GetSearchableFields(r) => r.actor_type = Some(ActorType::Customer),
        Request::CreateActor(r) => r.actor = Some(ErpActor::new(ActorType::Customer, "", Stamp::text(""))),
        Request::SaveActors(r) => r.actors = Some(vec![ErpActor::new(ActorType::Customer, "1001", Stamp::text(""))]),
        Request::GetList(r) => r.list_name = Some("Countries".into()),
        Request::GetListItems(r) => {
            r.list_name = Some("Countries".into());
            r.list_item_keys = Some(vec!["NO".into()]);
        }
        Request::TestConfigData(r) => r.connection_info = Some(config("C01", None)),
        Request::SaveConnection(r) => r.connection_info = Some(config("C01", None)),
        _ => {}
    }
    request
}

#[test]
fn every_operation_answers_before_and_after_the_connection_is_saved() {
    let dir = workdir("all");
    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    let guid = new_guid();

    let lifecycle = |op| matches!(op, Operation::SaveConnection | Operation::DeleteConnection);

    // Before SaveConnection: only what needs no connection succeeds.
    for op in Operation::all().filter(|op| !lifecycle(*op)) {
        let response = client.call(&request(op, guid)).unwrap_or_else(|e| panic!("{op}: {e}"));
        let result = response.result();
        if matches!(op, Operation::GetConfigData | Operation::TestConfigData) {
            assert!(result.is_ok, "{op}: {result:?}");
        } else {
            assert!(!result.is_ok, "{op} without a saved connection");
            assert_eq!(result.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()), "{op}");
        }
    }
    assert!(client.call(&request(Operation::SaveConnection, guid)).unwrap().result().is_ok);

    for op in Operation::all().filter(|op| !lifecycle(*op)) {
        let response = client.call(&request(op, guid)).unwrap_or_else(|e| panic!("{op}: {e}"));
        let read_only = matches!(op, Operation::CreateActor | Operation::SaveActors);
        assert_eq!(response.result().is_ok, !read_only, "{op}: {:?}", response.result());
        match (op, &response) {
            (Operation::GetConfigData, Response::FieldMetadata(r)) => {
                let fields = r.fields.as_ref().unwrap();
                assert_eq!(fields.len(), 2);
                assert_eq!(fields[0].access, FieldAccess::Mandatory);
                assert_eq!(fields[1].field_type, FieldType::Password);
            }
            (Operation::GetSupportedActorTypes, Response::StringArray(r)) => {
                assert_eq!(r.items.as_deref().unwrap(), ["Customer", "Person"]);
            }
            (Operation::GetSearchableFields, Response::StringArray(r)) => {
                assert_eq!(r.items, Some(vec![]), "not implemented: no advanced search");
            }
            (Operation::GetActors, Response::ActorArray(r)) => {
                let actors = r.actors.as_ref().unwrap();
                assert_eq!(actors[0].field("NAME"), Some("Orkdal Senter AS"));
            }
            (Operation::SearchActors, Response::ActorArray(r)) => {
                assert_eq!(r.actors.as_ref().unwrap()[0].erp_key.as_deref(), Some("1002"));
            }
            (Operation::GetActorsByTimestamp, Response::ActorArray(r)) => {
                let persons = r.actors.as_ref().unwrap();
                assert_eq!(persons.len(), 1);
                assert_eq!(persons[0].parent_erp_key.as_deref(), Some("1001"));
            }
            (Operation::GetList | Operation::GetListItems, Response::ListItems(r)) => {
                assert_eq!(r.list_items, Some(StringDict::new()), "not implemented: no lists");
            }
            (Operation::CreateActor, Response::Actor(r)) => {
                assert!(r.result.user_explanation.as_deref().unwrap().contains("read-only"));
                assert_eq!(r.result.state, ResponseState::Error);
            }
            (Operation::SearchActorsAdvanced | Operation::SearchActorByParent, Response::ActorArray(r)) => {
                assert_eq!(r.actors, Some(vec![]));
            }
            _ => {}
        }
    }

    assert!(client.call(&request(Operation::DeleteConnection, guid)).unwrap().result().is_ok);
    let gone = client.call(&request(Operation::TestConnection, guid)).unwrap();
    assert_eq!(gone.result().error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
}

#[test]
fn lists_answer_during_setup_with_the_all_zero_guid() {
    let dir = workdir("setup");
    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    let response = client.call(&request(Operation::GetList, ConnectionGuid::NIL)).unwrap();
    assert!(response.result().is_ok, "{:?}", response.result());
}

#[test]
fn unknown_connection_then_resend_as_eis_does() {
    let dir = workdir("resend");
    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    let guid = new_guid();
    assert!(save(&client, guid, "pw").result().is_ok);
    assert!(client.call(&request(Operation::TestConnection, guid)).unwrap().result().is_ok);
    assert!(client.call(&request(Operation::DeleteConnection, guid)).unwrap().result().is_ok);
    let lost = client.call(&request(Operation::GetActors, guid)).unwrap();
    assert_eq!(lost.result().error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
    // EIS resends the values it kept, then retries.
    assert!(save(&client, guid, "pw").result().is_ok);
    assert!(client.call(&request(Operation::GetActors, guid)).unwrap().result().is_ok);
}

#[test]
fn configuration_is_validated_and_tested_before_saving() {
    let dir = workdir("config");
    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    let test = |info: StringDict| {
        let r = client.call(&Request::TestConfigData(TestConfigDataRequest { connection_info: Some(info) })).unwrap();
        r.result().clone()
    };
    let missing = test(StringDict::new());
    assert!(!missing.is_ok);
    assert!(missing.user_explanation.unwrap().contains("Company (COMPANY)"));
    let too_long = test(config(&"x".repeat(41), None));
    assert!(too_long.user_explanation.unwrap().contains("40"));
    let refused = test(config("C01", Some("wrong")));
    assert_eq!(refused.user_explanation.as_deref(), Some("Cannot log in to company C01."));
    assert!(test(config("C01", None)).is_ok);
    // An invalid configuration is not saved.
    let guid = new_guid();
    let bad = SaveConnectionRequest {
        base: RequestBase { connection_guid: Some(guid) },
        connection_info: Some(StringDict::new()),
    };
    assert!(!client.call(&Request::SaveConnection(bad)).unwrap().result().is_ok);
    let after = client.call(&request(Operation::TestConnection, guid)).unwrap();
    assert_eq!(after.result().error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
}

#[test]
fn the_store_survives_a_restart_and_keeps_every_value_encrypted() {
    let dir = workdir("restart");
    let guid = new_guid();
    {
        let running = start(&dir);
        let client = SoapClient::new(running.addr);
        assert!(save(&client, guid, "Extremely-Secret-Password-7").result().is_ok);
        assert_eq!(client.get("/ready").unwrap().status, 200);
    }
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("connections.db") {
            stored.extend(std::fs::read(path).unwrap());
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains(&guid.to_string()), "the store files were found");
    assert!(!stored.contains("Extremely-Secret-Password-7"), "the password is encrypted at rest");
    assert!(!stored.contains("C01"), "and so is every other value");

    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    assert!(client.call(&request(Operation::TestConnection, guid)).unwrap().result().is_ok, "known after restart");
}

#[test]
fn connector_name_selects_and_unknown_names_fault() {
    const CONNECTOR: &str = "hello";
    let dir = workdir("names");
    let running = start(&dir);
    // Names match ignoring case, as in SuperOffice's host.
    let ok = SoapClient::new(running.addr).with_connector_name(&CONNECTOR.to_uppercase());
    assert!(ok.call(&Request::GetConfigData).unwrap().result().is_ok);
    let wrong = SoapClient::new(running.addr).with_path("/Services/ErpConnectorWS.svc?ConnectorName=nope");
    let reply = wrong.post(b"<x/>", &[]).unwrap();
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains(&format!("unknown connector `nope`; this endpoint hosts: {CONNECTOR}")),
        "{}",
        reply.text()
    );
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let dir = workdir("sigterm");
    let mut running = start(&dir);
    let client = SoapClient::new(running.addr);
    assert!(client.call(&Request::GetConfigData).unwrap().result().is_ok);
    let status = Command::new("kill").arg("-TERM").arg(running.child.id().to_string()).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = running.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running 20 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status after SIGTERM: {exit}");
}

#[test]
fn a_lost_store_key_makes_eis_resend_instead_of_failing() {
    let dir = workdir("lostkey");
    let guid = new_guid();
    {
        let running = start(&dir);
        assert!(save(&SoapClient::new(running.addr), guid, "pw").result().is_ok);
    }
    std::fs::remove_file(dir.join("store.key")).unwrap();
    let running = start(&dir);
    let client = SoapClient::new(running.addr);
    let lost = client.call(&request(Operation::TestConnection, guid)).unwrap();
    assert_eq!(lost.result().error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
    assert!(save(&client, guid, "pw").result().is_ok, "EIS's resend is stored under the new key");
    assert!(client.call(&request(Operation::TestConnection, guid)).unwrap().result().is_ok);
}

#[test]
fn passes_the_eis_emulator_with_authenticate() {
    use erp_connector::conformance::{AuthCheck, Options, Silent, check_with};
    let dir = workdir("emulator");
    let (issuer, _) = erp_connector::testkit::TestIssuer::load_or_create(&dir.join("issuer")).unwrap();
    // As deployed in Online (docs/security.md): a secret endpoint path and an allow-list.
    let path = "/erp-HelloSecretPath0123456789abcdef";
    let running = start_with(
        &dir,
        &[
            ("ERP_CONNECTOR_SUPEROFFICE_CERTS", &dir.join("issuer/issuer-cert.pem")),
            ("ERP_CONNECTOR_ENDPOINT_PATH", std::path::Path::new(path)),
            ("ERP_CONNECTOR_ALLOW_FROM", std::path::Path::new("127.0.0.1/32")),
        ],
    );
    let public = std::fs::read_to_string(dir.join("dev-keys/app-public-key.xml")).unwrap();
    let options = Options {
        authenticate: Some(AuthCheck {
            issuer: std::sync::Arc::new(issuer),
            app_id: "6cf25376616343b38d14ddcd804f2891".into(),
            app_public_key: Some(erp_connector::auth::parse_public_key_xml(&public, "dev key").unwrap()),
        }),
        ..Options::default()
    };
    let url = format!("http://{}{path}", running.addr);
    let report = check_with(&url, &options, &mut Silent);
    assert!(report.is_clean(), "{report}");
    let guessed = SoapClient::new(running.addr).post(b"<x/>", &[]).unwrap();
    assert_eq!((guessed.status, guessed.body.len()), (404, 0), "the well-known path says nothing");
}

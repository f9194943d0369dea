//! SOAP stacks no one here wrote, calling a running connector: a WCF client on Mono with the
//! contract declared as SuperOffice declares it, and Python's zeep loading our live WSDL. Each
//! calls all 17 operations (WCF also Authenticate) with a fixed plan; every member of every
//! answer must arrive with the value our own reader reads from the same connector.
//!
//! Needs `mcs` and `mono` (Debian: mono-mcs, libmono-system-servicemodel4.0a-cil) and
//! `ERP_CONNECTOR_PYTHON` with zeep; `.ci/run` installs both and sets
//! `ERP_CONNECTOR_REQUIRE_INTEROP=1`, which turns a missing tool into a failure instead of SKIPPED.

use erp_connector_tests::ledger;

use std::path::{Path, PathBuf};
use std::process::Command;

use erp_connector::auth::verify_partner_token;
use erp_connector::connector::{ActorsSince, GetActors, SearchActors, SearchByParent};
use erp_connector::contract::*;
use erp_connector::soap::{Limits, Shape, WireProfile};
use erp_connector::testkit::{SoapClient, Spawned, spawn_with, to_json};
use ledger::Ledger;
use serde_json::{Value, json};

fn tool(name: &str, hint: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        assert!(std::env::var_os("ERP_CONNECTOR_REQUIRE_INTEROP").is_none(), "{name} is required: {hint}");
        eprintln!("SKIPPED: {name} not found ({hint})");
    }
    found
}

fn connector() -> Spawned {
    spawn_with(Ledger::new(None), |s| s.tech_explanations = true)
}

const GUID: &str = "5f3e8a4e-2b7c-4f7e-9d61-0c9a3c1e7b20";

fn customer_fields() -> Vec<String> {
    ["NAME", "EMPLOYEES", "TURNOVER", "CURRENCY", "ACTIVE", "FOUNDED"].map(String::from).to_vec()
}

fn person_fields() -> Vec<String> {
    ["FIRSTNAME", "LASTNAME"].map(String::from).to_vec()
}

fn config() -> StringDict {
    let mut d = StringDict::new().with("COMPANY", "Acme & <Co>").with("CURRENCY", "NOK");
    d.insert_opt("PASSWORD", None);
    d
}

/// The plan of ErpClient.cs, called with our own client: (call, answer as JSON).
fn our_answers(client: &SoapClient) -> Vec<(String, Value)> {
    let guid = ConnectionGuid::parse(GUID).unwrap();
    let customer = ActorType::Customer;
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut push = |name: &str, record: &dyn erp_connector::contract::schema::Record| {
        out.push((name.to_owned(), to_json(record)));
    };
    push("WSGetConfigData", &client.get_config_data().unwrap());
    push("WSTestConfigData", &client.test_config_data(&config()).unwrap());
    push("WSSaveConnection", &client.save_connection(guid, &config()).unwrap());
    push("WSTestConnection", &client.test_connection(guid).unwrap());
    push("WSGetSupportedActorTypes", &client.get_supported_actor_types(guid).unwrap());
    push("WSGetSupportedActorTypeFields", &client.get_supported_actor_type_fields(guid, &customer).unwrap());
    push("WSGetSearchableFields", &client.get_searchable_fields(guid, &customer).unwrap());
    push(
        "WSGetActors",
        &client
            .get_actors(
                guid,
                &GetActors {
                    actor_type: customer.clone(),
                    erp_keys: s(&["1001", "1002", "1003"]),
                    field_keys: customer_fields(),
                },
            )
            .unwrap(),
    );
    push(
        "WSSearchActors",
        &client
            .search_actors(
                guid,
                &SearchActors {
                    actor_type: customer.clone(),
                    search_text: "senter".into(),
                    field_keys: customer_fields(),
                },
            )
            .unwrap(),
    );
    push(
        "WSSearchActorByParent",
        &client
            .search_actor_by_parent(
                guid,
                &SearchByParent {
                    actor_type: ActorType::Person,
                    search_text: String::new(),
                    parent_actor_type: customer.clone(),
                    parent_erp_key: "1001".into(),
                    field_keys: person_fields(),
                },
            )
            .unwrap(),
    );
    let restriction = SearchRestriction::new("EMPLOYEES", ">=", ["[I:10]"]);
    push(
        "WSSearchActorsAdvanced",
        &client.search_actors_advanced(guid, &customer, &[restriction], &s(&["NAME", "EMPLOYEES"])).unwrap(),
    );
    let new = ErpActor::new(customer.clone(), "", Stamp::text(""))
        .with_value("NAME", "Ny Kunde & Co")
        .with_value("EMPLOYEES", "[I:5]");
    push("WSCreateActor", &client.create_actor(guid, &new).unwrap());
    let changed =
        ErpActor::new(customer.clone(), "1002", Stamp::text("0000000002")).with_value("NAME", "Æbeltoft & Søn A/S");
    push("WSSaveActors", &client.save_actors(guid, &[changed]).unwrap());
    push("WSGetList", &client.get_list(guid, "currencies").unwrap());
    push("WSGetList", &client.get_list(guid, "regions").unwrap());
    push("WSGetListItems", &client.get_list_items(guid, "currencies", &s(&["SEK", "XXX"])).unwrap());
    push(
        "WSGetActorsByTimestamp",
        &client
            .get_actors_by_timestamp(
                guid,
                &ActorsSince {
                    actor_type: ActorType::Person,
                    since: Some(Stamp::counter(4)),
                    field_keys: person_fields(),
                },
            )
            .unwrap(),
    );
    push("WSDeleteConnection", &client.delete_connection(guid).unwrap());
    push("WSTestConnection", &client.test_connection(guid).unwrap());
    push("WSGetConfigData", &client.get_config_data().unwrap());
    out
}

/// Every member of every answer kind is exercised with a value, so a dropped member shows.
fn assert_plan_covers_every_member(answers: &[(String, Value)]) {
    let text = serde_json::to_string(answers.iter().map(|(_, v)| v).collect::<Vec<_>>().as_slice()).unwrap();
    for needle in [
        "\"ErrorCode\":\"UNKNOWN_CONNECTION_ID\"",
        "\"TechExplanation\":\"",
        "\"DisplayDescription\":\"",
        "\"DefaultValue\":\"NOK\"",
        "\"ListName\":\"currencies\"",
        "\"MaxLength\":40",
        "\"Access\":\"Mandatory\"",
        "\"ParentActorType\":\"Customer\"",
        "\"ParentErpKey\":\"1001\"",
        "\"FieldType\":\"Datetime\"",
    ] {
        assert!(text.contains(needle), "the plan never shows {needle}");
    }
}

fn compare(client_name: &str, theirs: &[(String, Value)], ours: &[(String, Value)]) {
    assert_eq!(theirs.len(), ours.len(), "{client_name}: number of calls");
    for ((call, their), (our_call, our)) in theirs.iter().zip(ours) {
        assert_eq!(call, our_call);
        assert_eq!(their, our, "{client_name} {call}: answer differs\n{client_name}: {their}\nours: {our}");
    }
}

/// The three declarations of the contract a WCF client is built with (tests/interop/wcf/).
const WCF_DECLARATIONS: [(WireProfile, &str); 3] = [
    (WireProfile::MessageContract, "MessageContract.cs"),
    (WireProfile::WrappedEis, "WrappedEis.cs"),
    (WireProfile::WrappedPoco, "WrappedPoco.cs"),
];

/// Builds the WCF client declared as `declaration`, runs it against a connector in `auto` (its
/// default) with a fallback of message-contract, and checks every member of every answer; the
/// requests it sent are compared with the reference files under tests/interop/wcf-requests/
/// (`UPDATE_WCF_REQUESTS=1` rewrites them) and must show its shape.
fn wcf_client_in(profile: WireProfile, declaration: &str) {
    let (Some(mcs), Some(mono)) = (
        tool("mcs", "apt-get install mono-mcs libmono-system-servicemodel4.0a-cil"),
        tool("mono", "apt-get install mono-runtime"),
    ) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("erp-connector-wcf-{}-{profile}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("ErpClient.exe");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/wcf");
    let built = Command::new(mcs)
        .args(["-r:System.ServiceModel.dll", "-r:System.Runtime.Serialization.dll", "-nologo"])
        .arg(format!("-out:{}", exe.display()))
        .args(["ErpClient.cs", "Shared.cs", declaration].map(|f| sources.join(f)))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "mcs: {}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );

    let capture = dir.join("capture");
    let theirs_connector = spawn_with(Ledger::new(None), |s| {
        s.tech_explanations = true;
        s.capture_dir = Some(capture.clone());
    });
    let nonce = "wcf-nonce-1";
    let token = theirs_connector.token(nonce);
    let run = Command::new(mono).arg(&exe).arg(theirs_connector.url()).arg(GUID).arg(&token).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the WCF client failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let mut theirs: Vec<(String, Value)> = stdout
        .lines()
        .map(|line| {
            let (call, json) = line.split_once('\t').unwrap_or_else(|| panic!("unexpected output: {line}"));
            (call.to_owned(), serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}")))
        })
        .collect();
    let (call, auth) = theirs.pop().unwrap();
    assert_eq!(call, "Authenticate");
    assert_eq!(auth["Succeeded"], true, "{profile}: {auth}");
    assert!(auth["Reason"].is_null(), "{auth}");
    let partner = auth["SignedApplicationToken"].as_str().unwrap();
    let now = std::time::SystemTime::now().into();
    verify_partner_token(&theirs_connector.app_key().public_key(), partner, nonce, now).unwrap();

    let mut ours = our_answers(&connector().client());
    assert_plan_covers_every_member(&ours);
    // The first WSGetConfigData of a brand-new deployment shows no shape: it is answered in the
    // fallback (message-contract), which only that client reads. Every later call shows one.
    let (first, first_theirs) = theirs.remove(0);
    let (_, first_ours) = ours.remove(0);
    assert_eq!(first, "WSGetConfigData");
    if profile == WireProfile::MessageContract {
        assert_eq!(first_theirs, first_ours);
    } else {
        assert!(first_theirs.get("unreadable").is_some(), "{profile}: read the fallback answer: {first_theirs}");
    }
    compare(&format!("WCF {profile}"), &theirs, &ours);
    drop(theirs_connector);
    check_recorded_requests(profile, &capture);
    // `erp-connector capture inspect` on the same folder.
    let inspection = erp_connector::capture::inspect::inspect(&capture).unwrap();
    assert_eq!(inspection.verdict(), format!("this caller speaks {profile}; nothing unknown"), "{inspection}");
    let actions = &inspection.operations["WSGetActors"].actions;
    assert_eq!(
        actions.keys().collect::<Vec<_>>(),
        ["\"http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/<op>\""]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The requests the WCF client sent (tokens redacted by the capture) equal the reference files,
/// and each shows the client's shape with nothing unknown. `WSGetConfigData` has no parameter:
/// its body is the same in every shape, the one of the shared WCF reference, which is not copied
/// here but read from `ERP_CONNECTOR_SHARED_DIR`.
fn check_recorded_requests(profile: WireProfile, capture: &Path) {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/wcf-requests").join(profile.name());
    let shared_config_data = std::env::var_os("ERP_CONNECTOR_SHARED_DIR")
        .map(|dir| PathBuf::from(dir).join("fixtures/wcf-reference/WSGetConfigData.request.xml"));
    let mut recorded: Vec<_> = std::fs::read_dir(capture)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".request.xml"))
        .collect();
    recorded.sort();
    assert_eq!(recorded.len(), 21, "{profile}: 20 calls and Authenticate");
    let is_config_data = |name: &str| name.ends_with("-WSGetConfigData.request.xml");
    if std::env::var_os("UPDATE_WCF_REQUESTS").is_some() {
        let _ = std::fs::remove_dir_all(&reference);
        std::fs::create_dir_all(&reference).unwrap();
        for path in recorded.iter().filter(|p| !is_config_data(&p.file_name().unwrap().to_string_lossy())) {
            std::fs::copy(path, reference.join(path.file_name().unwrap())).unwrap();
        }
    }
    for path in &recorded {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let expected = match (&shared_config_data, is_config_data(&name)) {
            (Some(shared), true) => Some(std::fs::read(shared).unwrap()),
            (None, true) => None,
            (_, false) => Some(
                std::fs::read(reference.join(&name))
                    .unwrap_or_else(|e| panic!("{profile} {name}: {e} (UPDATE_WCF_REQUESTS=1 records it)")),
            ),
        };
        if let Some(expected) = expected {
            assert!(
                bytes == expected,
                "{profile} {name} differs from the reference:\n{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        if name.contains("Authenticate") {
            continue;
        }
        let operation = name.split(['-', '.']).nth(1).and_then(Operation::from_name).unwrap();
        let (request, trace) =
            erp_connector::soap::read_request_traced(&bytes, Some(operation.action()), &Limits::default())
                .unwrap_or_else(|e| panic!("{profile} {name}: {e}"));
        let shown =
            if request.operation() == Operation::GetConfigData { Shape::Undetermined } else { Shape::Known(profile) };
        assert_eq!(trace.shape, shown, "{profile} {name}: {trace}");
        assert!(trace.skipped.is_empty(), "{profile} {name}: {:?}", trace.skipped);
    }
}

#[test]
fn wcf_message_contract_client_reads_every_member_of_every_answer() {
    let (profile, declaration) = WCF_DECLARATIONS[0];
    wcf_client_in(profile, declaration);
}

#[test]
fn wcf_wrapped_eis_client_reads_every_member_of_every_answer() {
    let (profile, declaration) = WCF_DECLARATIONS[1];
    wcf_client_in(profile, declaration);
}

#[test]
fn wcf_wrapped_poco_client_reads_every_member_of_every_answer() {
    let (profile, declaration) = WCF_DECLARATIONS[2];
    wcf_client_in(profile, declaration);
}

#[test]
fn zeep_calls_every_operation_from_the_live_wsdl_of_each_profile() {
    let python = match std::env::var_os("ERP_CONNECTOR_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            assert!(std::env::var_os("ERP_CONNECTOR_REQUIRE_INTEROP").is_none(), "ERP_CONNECTOR_PYTHON is required");
            eprintln!("SKIPPED: set ERP_CONNECTOR_PYTHON to a Python with zeep (.ci/run does)");
            return;
        }
    };
    let ours: Vec<(String, Value)> =
        our_answers(&connector().client()).into_iter().map(|(c, v)| (c, zeep_normalise(v))).collect();
    for profile in WireProfile::ALL {
        // A brand-new deployment in `auto` describes its fallback in the WSDL; zeep then speaks
        // that shape and is answered in it.
        let theirs_connector = spawn_with(Ledger::new(None), |s| {
            s.tech_explanations = true;
            s.wire_profile_fallback = profile;
        });
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/zeep_live.py");
        let run = Command::new(&python).arg(&script).arg(theirs_connector.url()).arg(GUID).output().unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "zeep {profile} failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
        let theirs: Vec<(String, Value)> = stdout
            .lines()
            .map(|line| {
                let (call, json) = line.split_once('\t').unwrap_or_else(|| panic!("unexpected output: {line}"));
                (call.to_owned(), serde_json::from_str(json).unwrap())
            })
            .collect();
        compare(&format!("zeep {profile}"), &theirs, &ours);
    }
    let _ = json!(null);
}

/// What zeep cannot tell apart (see connector-runtime/tests/zeep.rs): an empty string element
/// reads as None, and a nil array or dictionary as an empty one. Both sides are normalised the
/// same way by the script and here.
fn zeep_normalise(v: Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::Array(items) if items.is_empty() => Value::Null,
        Value::Array(items) => Value::Array(items.into_iter().map(zeep_normalise).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, zeep_normalise(v))).collect()),
        other => other,
    }
}

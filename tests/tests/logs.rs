//! Logs for log pipelines: with `ERP_CONNECTOR_LOG_FORMAT=json` every line is one JSON object,
//! and every line of a call carries its request id (from a trusted proxy's `X-Request-Id`, else
//! generated), with the call's operation and connection; the answer names the id.

use erp_connector_tests::process;

use erp_connector::contract::*;
use erp_connector::store::crypto::StoreKey;
use erp_connector::testkit::{SoapClient, new_guid};
use process::{Connector, temp_dir};
use serde_json::Value;

/// The request ids of a JSON line (from its spans).
fn request_id(line: &Value) -> Option<&str> {
    line["spans"].as_array()?.iter().find_map(|s| s["request_id"].as_str())
}

#[test]
fn json_lines_carry_the_request_id_of_their_call() {
    let dir = temp_dir("json-logs");
    let key = StoreKey::generate().unwrap().to_base64();
    let connector = Connector::start(
        &dir,
        &dir.join("store.db"),
        &key,
        &[
            ("ERP_CONNECTOR_LOG_FORMAT", "json"),
            ("ERP_CONNECTOR_LOG", "debug"),
            ("ERP_CONNECTOR_TRUSTED_PROXIES", "127.0.0.1/32"),
        ],
    );
    let guid = new_guid();
    let info = StringDict::new().with("COMPANY", "Acme").with("PASSWORD", "secret-Pw-1");
    // Through a trusted proxy that names the request.
    let proxied = SoapClient::new(connector.addr).with_header("X-Request-Id", "eis-7f3a-0001");
    let save = Request::SaveConnection(SaveConnectionRequest {
        base: RequestBase { connection_guid: Some(guid) },
        connection_info: Some(info),
    });
    let (answer, http) = proxied.exchange(&save).unwrap();
    assert!(answer.result().is_ok, "{answer:?}");
    assert_eq!(http.header("x-request-id"), Some("eis-7f3a-0001"));
    // An id that is no id is replaced by a generated one.
    let odd = SoapClient::new(connector.addr).with_header("X-Request-Id", "<script>");
    let (_, http) = odd.exchange(&Request::TestConnection(RequestBase { connection_guid: Some(guid) })).unwrap();
    let generated = http.header("x-request-id").unwrap().to_owned();
    assert!(generated.len() == 32 && generated.bytes().all(|b| b.is_ascii_hexdigit()), "{generated}");

    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = std::fs::read_to_string(dir.join("stdout.log")).unwrap();
    let lines: Vec<Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let of = |id: &str| lines.iter().filter(|l| request_id(l) == Some(id)).collect::<Vec<_>>();
    let saved = of("eis-7f3a-0001");
    assert!(saved.len() >= 3, "request received, connection saved, answered: {saved:#?}");
    // The lines inside the call name the operation and the connection.
    let answered = saved.iter().find(|l| l["fields"]["message"] == "answered").expect("an `answered` line");
    assert_eq!(answered["span"]["operation"], "WSSaveConnection");
    assert!(answered["span"]["connection"].as_str().is_some_and(|c| c.contains(&guid.to_string())), "{answered}");
    assert!(!of(&generated).is_empty());
    // Every line of an anonymous call names the client it came from.
    let client = |line: &Value| {
        line["spans"].as_array().and_then(|s| s.iter().find_map(|s| s["client"].as_str().map(str::to_owned)))
    };
    assert_eq!(client(answered).as_deref(), Some("127.0.0.1"), "{answered}");
    assert!(!log.contains("secret-Pw-1"), "a password in the log");
    assert!(!log.contains("<script>"));
}

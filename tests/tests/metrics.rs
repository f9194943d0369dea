//! `/metrics` on the admin listener: behind its bearer token, never on the SOAP listener, in
//! Prometheus's text format (read here by a parser of that format), and counting what was done.

use erp_connector_tests::process;

use std::collections::HashSet;

use erp_connector::conformance::{Options, Silent, check_with};
use erp_connector::contract::StringDict;
use erp_connector::store::crypto::StoreKey;
use erp_connector::testkit::SoapClient;
use process::{Connector, temp_dir};

const TOKEN: &str = "admin-token-7f3a9c2e41";

/// The samples of a scrape.
fn scrape(addr: std::net::SocketAddr, token: Option<&str>) -> (u16, Vec<prometheus_parse::Sample>) {
    let client = SoapClient::new(addr);
    let headers: Vec<(&str, String)> = token.map(|t| ("Authorization", format!("Bearer {t}"))).into_iter().collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = client.get_with("/metrics", &headers).unwrap();
    if reply.status != 200 {
        return (reply.status, Vec::new());
    }
    let lines = reply.text().lines().map(|l| Ok(l.to_owned())).collect::<Vec<_>>();
    let scrape = prometheus_parse::Scrape::parse(lines.into_iter()).expect("the Prometheus text format");
    (200, scrape.samples)
}

fn value(sample: &prometheus_parse::Sample) -> f64 {
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => 0.0,
    }
}

/// The ledger connector with an admin listener asking for [`TOKEN`], in a folder named `name`.
fn with_admin(name: &str) -> (Connector, std::net::SocketAddr) {
    let dir = temp_dir(name);
    let admin = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let key = StoreKey::generate().unwrap().to_base64();
    let admin_bind = admin.to_string();
    let env = [("ERP_CONNECTOR_ADMIN_BIND", admin_bind.as_str()), ("ERP_CONNECTOR_ADMIN_TOKEN", TOKEN)];
    (Connector::start(&dir, &dir.join("store.db"), &key, &env), admin)
}

#[test]
fn metrics_count_the_calls_behind_a_token() {
    let (connector, admin) = with_admin("metrics");
    let url = format!("http://{}/Services/ErpConnectorWS.svc", connector.addr);
    let options = Options { config: StringDict::new().with("COMPANY", "Acme"), ..Options::default() };
    let report = check_with(&url, &options, &mut Silent);
    assert!(report.is_clean(), "{report}");

    // No token, a wrong one: 401. The SOAP listener has no /metrics.
    assert_eq!(scrape(admin, None).0, 401);
    assert_eq!(scrape(admin, Some("admin-token-7f3a9c2e40")).0, 401);
    assert_eq!(SoapClient::new(connector.addr).get("/metrics").unwrap().status, 404);

    let (status, samples) = scrape(admin, Some(TOKEN));
    assert_eq!(status, 200);
    let sum = |metric: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(value)
            .sum()
    };
    // The session's calls, by operation and outcome (the emulator's own counts).
    let get_actors = report.steps.iter().find(|s| s.name == "get actors").unwrap().calls as f64;
    assert!(sum("erp_connector_calls_total", &[("operation", "WSGetActors"), ("state", "Ok")]) >= get_actors);
    assert!(sum("erp_connector_calls_total", &[("operation", "WSSearchActorsAdvanced")]) >= 30.0);
    assert_eq!(
        sum("erp_connector_calls_total", &[("operation", "WSTestConnection"), ("error_code", "UNKNOWN_CONNECTION_ID")]),
        1.0
    );
    assert!(sum("erp_connector_streamed_actors_total", &[]) >= 6.0, "the full sync's actors");
    assert!(sum("erp_connector_connection_cache_total", &[("result", "hit")]) > 0.0);
    assert!(samples.iter().any(|s| s.metric == "erp_connector_call_duration_seconds_count"
        && s.labels.get("operation") == Some("WSGetActorsByTimestamp")));
    // The store's operations, timed: the session saved its connection and read it back (a
    // delete keeps a tombstone: a save).
    for op in ["save", "load"] {
        assert!(sum("erp_connector_store_duration_seconds_count", &[("operation", op)]) >= 1.0, "store {op} timed");
    }
    assert_eq!(sum("erp_connector_store_errors_total", &[]), 0.0);
    // The session's connection, deleted at its end: its tombstone is still a stored record.
    assert_eq!(sum("erp_connector_connections", &[("connector", "ledger")]), 1.0);
    // Labels come from bounded sets: no GUID, no value of a request.
    let labels: HashSet<String> = samples.iter().flat_map(|s| s.labels.values().cloned()).collect();
    let from_requests = |l: &String| erp_connector::contract::ConnectionGuid::parse(l).is_ok() || l.contains("Acme");
    assert!(!labels.iter().any(from_requests), "{labels:?}");
    assert!(labels.len() < 120, "{} label values", labels.len());
}

/// The ledger connector started with an admin listener asking for `token`: it must not start;
/// what it said.
fn refused_start(dir: &std::path::Path, token: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ledger-connector"))
        .current_dir(dir)
        .env("ERP_CONNECTOR_BIND", "127.0.0.1:0")
        .env("ERP_CONNECTOR_STORE_KEY", StoreKey::generate().unwrap().to_base64())
        .env("ERP_CONNECTOR_ADMIN_BIND", "127.0.0.1:0")
        .env("ERP_CONNECTOR_ADMIN_TOKEN", token)
        .output()
        .unwrap();
    assert!(!out.status.success(), "started with the admin token {token:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_admin_listener_without_a_token_does_not_start() {
    let dir = temp_dir("metrics-no-token");
    let stderr = refused_start(&dir, "short");
    assert!(stderr.contains("ERP_CONNECTOR_ADMIN_TOKEN must be 16 characters or more"), "{stderr}");
    // Long enough, but guessable: 16 repeated characters.
    assert!(refused_start(&dir, "aaaaaaaaaaaaaaaaaaaaaaaa").contains("8 of them different"));
}

/// Wrong tokens are answered 429 after ten a minute from one address, the token then not even
/// compared (3,500 guesses a second were answered before).
#[test]
fn wrong_admin_tokens_are_throttled_per_source() {
    let (_connector, admin) = with_admin("metrics-throttle");
    assert_eq!(scrape(admin, None).0, 401, "no token is no guess");
    for guess in 0..10 {
        assert_eq!(scrape(admin, Some(&format!("guess-{guess}-0123456789"))).0, 401, "guess {guess}");
    }
    assert_eq!(scrape(admin, Some("guess-10-0123456789")).0, 429);
    assert_eq!(scrape(admin, Some(TOKEN)).0, 429, "not compared for the rest of the minute");
    // The login form too.
    use std::io::{Read as _, Write as _};
    let mut socket = std::net::TcpStream::connect(admin).unwrap();
    socket
        .write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\nConnection: close\r\n\r\ntoken=guess")
        .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
}

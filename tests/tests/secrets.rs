//! Secrets stay secret (issue 8): a full EIS session, with `Authenticate`, against the connector
//! running as a process with debug logging and capture mode on. No token, password, store key or
//! private key may appear in any log line or captured file.

use erp_connector_tests::process;

use std::path::Path;

use erp_connector::conformance::{Options, Silent, check_with};
use erp_connector::contract::StringDict;
use erp_connector::store::crypto::StoreKey;
use erp_connector::testkit::new_guid;
use process::{Connector, Online, temp_dir};

const APP_ID: &str = "0123456789abcdef0123456789abcdef";
const PASSWORD: &str = "Pw-7f3a9c-hunter2";

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            all.push((path.display().to_string(), text));
        }
    }
    all
}

/// The parts of a PEM or XML key that are secret: every base64 run of 16 characters or more.
fn secret_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'))
        .filter(|run| run.len() >= 16)
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_secret_reaches_a_log_line_or_a_captured_file() {
    let dir = temp_dir("secrets");
    let capture = dir.join("capture");
    let store_key = StoreKey::generate().unwrap().to_base64();
    let online = Online::new(&dir, APP_ID);
    let (app_key, issuer) = (&online.app_key, &online.issuer);
    let mut env = online.vars();
    env.extend([
        ("ERP_CONNECTOR_LOG", "debug".to_owned()),
        ("ERP_CONNECTOR_PROFILE", "production".to_owned()),
        ("ERP_CONNECTOR_CAPTURE_DIR", capture.display().to_string()),
    ]);
    let env = env.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>();
    let connector = Connector::start(&dir, &dir.join("store.db"), &store_key, &env);
    let url = format!("http://{}/Services/ErpConnectorWS.svc", connector.addr);

    // The session: set-up with the password, every operation, Authenticate with the issuer.
    let options = Options {
        config: StringDict::new().with("COMPANY", "Acme").with("PASSWORD", PASSWORD),
        authenticate: Some(online.check()),
        ..Options::default()
    };
    let report = check_with(&url, &options, &mut Silent);
    assert!(report.stopped.is_none() && report.violations.is_empty(), "{report:?}");
    // And the tokens this test knows: one more handshake, and a save with the password.
    let client = connector.client();
    let token = issuer.token(APP_ID, "nonce-for-the-secrets-test");
    let answer = client.authenticate(&token).unwrap();
    assert!(answer.succeeded, "{answer:?}");
    let partner_token = answer.signed_application_token.clone().expect("a partner token");
    let guid = new_guid();
    let info = StringDict::new().with("COMPANY", "Acme").with("PASSWORD", PASSWORD);
    assert!(client.save_connection(guid, &info).unwrap().is_ok);
    assert!(client.test_connection(guid).unwrap().is_ok);
    connector.kill();

    let mut secrets = vec![
        ("the password", PASSWORD.to_owned()),
        ("SuperOffice's token", token.clone()),
        ("the token's signature", token.rsplit('.').next().unwrap().to_owned()),
        ("the partner token", partner_token.clone()),
        ("the partner token's signature", partner_token.rsplit('.').next().unwrap().to_owned()),
        ("the store key", store_key.clone()),
    ];
    for run in secret_runs(&app_key.private_key_pem()).into_iter().chain(secret_runs(&app_key.private_key_xml())) {
        // The public parts (modulus, exponent) are no secret.
        if !app_key.public_key_xml().contains(&run) {
            secrets.push(("the application's private key", run));
        }
    }
    let logs = files(&dir).into_iter().filter(|(path, _)| path.ends_with(".log")).collect::<Vec<_>>();
    let captured = files(&capture);
    let debug_lines =
        logs.iter().map(|(_, text)| text.lines().filter(|l| l.contains(" DEBUG ")).count()).sum::<usize>();
    assert!(debug_lines > 100, "debug logging was on: {debug_lines} debug lines");
    assert!(captured.len() > 100, "the session was captured: {} files", captured.len());
    for (path, text) in logs.iter().chain(&captured) {
        for (what, secret) in &secrets {
            assert!(!text.contains(secret.as_str()), "{what} appears in {path}");
        }
    }
}

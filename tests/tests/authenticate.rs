//! SuperOffice Online's `Authenticate` handshake end to end over HTTP, with a test issuer made
//! here (its own key and certificate, trusted through the service settings): accepted tokens are
//! answered with a partner token that verifies with the application's public key; refused ones
//! with `Succeeded=false` and a reason, never a fault. Development mode creates a key; a bad key
//! file stops start-up naming the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use erp_connector::auth::{AppKey, verify_partner_token};
use erp_connector::contract::auth::AuthenticationResponse;
use erp_connector::prelude::*;
use erp_connector::service::{AuthSettings, Profile, Service, Settings, StoreSettings};
use erp_connector::soap::Limits;
use erp_connector::testkit::{SoapClient, TestIssuer, free_port};

const APP_ID: &str = "6cf25376616343b38d14ddcd804f2891";
const ACTION: &str =
    "\"http://www.superoffice.com/superid/connectorauth/0.1/IIntegrationServiceConnectorAuth/Authenticate\"";

struct Online;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "online")]
impl ErpConnector for Online {}

fn issuer() -> TestIssuer {
    TestIssuer::new()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A token from `issuer` for `audience` (the whole `aud` claim) and `nonce`.
fn token(issuer: &TestIssuer, audience: &str, nonce: &str) -> String {
    let mut claims = TestIssuer::claims(APP_ID, nonce, now());
    claims["aud"] = serde_json::json!(audience);
    issuer.sign(&claims, |_| {})
}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("erp-auth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(dir: &Path, auth: AuthSettings, profile: Profile) -> Settings {
    Settings {
        bind: format!("127.0.0.1:{}", free_port()),
        workers: Some(1),
        log: "off".into(),
        profile,
        auth,
        store: StoreSettings { path: dir.join("c.db"), key_file: dir.join("c.key"), ..StoreSettings::default() },
        ..Settings::default()
    }
}

fn serve(settings: Settings) -> SocketAddr {
    let addr: SocketAddr = settings.bind.parse().unwrap();
    std::thread::spawn(move || Service::new().connector(Online).settings(settings).run());
    let client = SoapClient::new(addr);
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get("/ready").map(|r| r.status).ok() != Some(200) {
        assert!(Instant::now() < deadline, "the service did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    addr
}

fn authenticate(addr: SocketAddr, body: &str, action: Option<&str>) -> (u16, AuthenticationResponse) {
    let envelope = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#
    );
    let headers: Vec<(&str, &str)> = action.map(|a| vec![("SOAPAction", a)]).unwrap_or_default();
    let reply = SoapClient::new(addr).post(envelope.as_bytes(), &headers).unwrap();
    let mut response = AuthenticationResponse::default();
    erp_connector::soap::read_message(&reply.body, &mut response, "", &Limits::default())
        .unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
    (reply.status, response)
}

fn request(token: &str) -> String {
    format!(
        r#"<AuthenticationRequest xmlns="http://www.superoffice.com/superid/connectorauth/0.1"><SignedToken>{token}</SignedToken></AuthenticationRequest>"#
    )
}

#[test]
fn accepted_tokens_get_a_partner_token_and_refused_ones_a_reason() {
    let dir = dir("main");
    let superoffice = issuer();
    let app_key = AppKey::generate();
    std::fs::write(dir.join("superoffice.crt"), &superoffice.cert_pem).unwrap();
    std::fs::write(dir.join("app.xml"), app_key.private_key_xml()).unwrap();
    let auth = AuthSettings {
        private_key_file: Some(dir.join("app.xml")),
        superoffice_certs: vec![dir.join("superoffice.crt")],
        ..AuthSettings::default()
    };
    let addr = serve(settings(&dir, auth, Profile::Production));

    let nonce = "0123456789ABCDEF0123456789ABCDEF";
    let (status, ok) =
        authenticate(addr, &request(&token(&superoffice, &format!("spn:{APP_ID}"), nonce)), Some(ACTION));
    assert_eq!(status, 200);
    assert!(ok.succeeded, "{:?}", ok.reason);
    assert_eq!(ok.reason, None);
    let partner = ok.signed_application_token.unwrap();
    let at = chrono::DateTime::from_timestamp(now(), 0).unwrap();
    verify_partner_token(&app_key.public_key(), &partner, nonce, at).expect("verifies with the app's public key");

    // Found by the body element when there is no SOAPAction.
    let first = token(&superoffice, &format!("spn:{APP_ID}"), "FEDCBA9876543210");
    let (_, ok) = authenticate(addr, &request(&first), None);
    assert!(ok.succeeded, "{:?}", ok.reason);
    // The same token again (captured and replayed): refused before any signature.
    let (status, replayed) = authenticate(addr, &request(&first), Some(ACTION));
    assert_eq!(status, 200);
    assert!(!replayed.succeeded && replayed.signed_application_token.is_none());
    assert_eq!(replayed.reason.as_deref(), Some("token already used"));

    for (what, jwt, reason) in [
        ("another audience", token(&superoffice, "spn:0123456789abcdef0123456789abcdef", nonce), "wrong audience"),
        ("an untrusted issuer", token(&issuer(), &format!("spn:{APP_ID}"), nonce), "unknown key"),
        ("garbage", "not-a-jwt".to_owned(), "malformed"),
    ] {
        let (status, refused) = authenticate(addr, &request(&jwt), Some(ACTION));
        assert_eq!(status, 200, "{what}: an answer, not a fault");
        assert!(!refused.succeeded, "{what}");
        assert_eq!(refused.signed_application_token, None);
        assert!(refused.reason.as_deref().unwrap().contains(reason), "{what}: {:?}", refused.reason);
    }
    let (_, empty) = authenticate(addr, r#"<AuthenticationRequest xmlns="urn:x"/>"#, Some(ACTION));
    assert!(empty.reason.unwrap().contains("no SignedToken"));

    // Whatever namespace and shape the request uses, the answer uses them, and is accepted.
    let member_ns = "http://schemas.datacontract.org/2004/07/Some.Contracts.V3";
    for (i, namespace) in
        ["urn:auth:one", "http://www.superoffice.com/superid/connectorauth/1.0", "http://example.com/a/b"]
            .into_iter()
            .enumerate()
    {
        let action = format!("\"{namespace}/IIntegrationServiceConnectorAuth/Authenticate\"");
        let shapes = [
            ("AuthenticationRequest", "", format!(r#"<AuthenticationResponse xmlns="{namespace}"><Reason"#)),
            (
                "Authenticate",
                "",
                format!(
                    r#"<AuthenticateResponse xmlns="{namespace}"><AuthenticateResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Reason"#
                ),
            ),
            (
                "Authenticate",
                member_ns,
                format!(
                    r#"<AuthenticateResponse xmlns="{namespace}"><AuthenticateResult xmlns:a="{member_ns}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:Reason"#
                ),
            ),
        ];
        for (j, (element, members, expected)) in shapes.into_iter().enumerate() {
            let jwt = token(&superoffice, &format!("spn:{APP_ID}"), &format!("NONCE{i}{j}"));
            let token_element = if members.is_empty() {
                format!("<SignedToken>{jwt}</SignedToken>")
            } else {
                format!(r#"<m:SignedToken xmlns:m="{members}">{jwt}</m:SignedToken>"#)
            };
            let body = if element == "Authenticate" {
                format!(r#"<Authenticate xmlns="{namespace}"><request>{token_element}</request></Authenticate>"#)
            } else {
                format!(r#"<AuthenticationRequest xmlns="{namespace}">{token_element}</AuthenticationRequest>"#)
            };
            let envelope = format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#
            );
            let reply = SoapClient::new(addr).post(envelope.as_bytes(), &[("SOAPAction", &action)]).unwrap();
            let text = reply.text();
            assert!(text.contains(&expected), "{namespace} {element} {members}: {text}");
            assert!(text.contains("Succeeded>true<"), "{text}");
        }
    }
}

#[test]
fn development_mode_creates_a_key_and_a_bad_key_file_stops_start_up() {
    let dir = dir("dev");
    let superoffice = issuer();
    std::fs::write(dir.join("superoffice.crt"), &superoffice.cert_pem).unwrap();
    let auth = AuthSettings {
        superoffice_certs: vec![dir.join("superoffice.crt")],
        dev_keys_dir: dir.join("dev-keys"),
        ..AuthSettings::default()
    };
    let addr = serve(settings(&dir, auth.clone(), Profile::Development));
    assert!(dir.join("dev-keys/app-private-key.pem").exists());
    let public = std::fs::read_to_string(dir.join("dev-keys/app-public-key.xml")).unwrap();
    assert!(public.starts_with("<RSAKeyValue><Modulus>") && !public.contains("<D>"));
    let (_, ok) = authenticate(addr, &request(&token(&superoffice, &format!("spn:{APP_ID}"), "AB")), Some(ACTION));
    assert!(ok.succeeded, "{:?}", ok.reason);

    std::fs::write(dir.join("broken.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
        .unwrap();
    let broken = AuthSettings { private_key_file: Some(dir.join("broken.pem")), ..auth };
    let err = Service::new().connector(Online).settings(settings(&dir, broken, Profile::Production)).run().unwrap_err();
    let err = err.to_string();
    assert!(err.contains("broken.pem") && err.contains("PKCS#1"), "{err}");
}

/// Serves `/jwks` from a document that the test can change.
fn jwks_server(doc: std::sync::Arc<std::sync::Mutex<String>>) -> u16 {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = doc.lock().unwrap().clone();
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

fn jwk(issuer: &TestIssuer, der: &[u8]) -> serde_json::Value {
    use base64::Engine as _;
    let (n, e) = issuer.key.public_jwk_components();
    serde_json::json!({
        "kty": "RSA", "use": "sig", "kid": issuer.cert.thumbprint, "x5t": issuer.cert.x5t, "n": n, "e": e,
        "x5c": [base64::engine::general_purpose::STANDARD.encode(der)],
    })
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn der_of(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

#[test]
fn keys_from_a_pinned_jwks_are_fetched_at_start_and_again_on_an_unknown_key() {
    let dir = dir("jwks");
    let (first, second, unpinned) = (issuer(), issuer(), issuer());
    let doc = std::sync::Arc::new(std::sync::Mutex::new(
        serde_json::json!({ "keys": [jwk(&first, &der_of(&first.cert_pem))] }).to_string(),
    ));
    let port = jwks_server(doc.clone());
    let app_key = AppKey::generate();
    std::fs::write(dir.join("app.pem"), app_key.private_key_pem()).unwrap();
    let auth = AuthSettings {
        private_key_file: Some(dir.join("app.pem")),
        jwks_url: Some(format!("http://127.0.0.1:{port}/jwks")),
        jwks_pins: [&first, &second].map(|i| format!("sha256/{}", base64_std(&i.key_pin()))).to_vec(),
        ..AuthSettings::default()
    };
    let addr = serve(settings(&dir, auth, Profile::Production));
    let audience = format!("spn:{APP_ID}");
    let (_, ok) = authenticate(addr, &request(&token(&first, &audience, "N1")), Some(ACTION));
    assert!(ok.succeeded, "key from the JWKS fetched at start-up: {:?}", ok.reason);

    // SuperOffice rotates: the new key appears in the JWKS, with one that is not pinned.
    *doc.lock().unwrap() = serde_json::json!({ "keys": [
        jwk(&first, &der_of(&first.cert_pem)),
        jwk(&second, &der_of(&second.cert_pem)),
        jwk(&unpinned, &der_of(&unpinned.cert_pem)),
    ]})
    .to_string();
    let (_, rotated) = authenticate(addr, &request(&token(&second, &audience, "N2")), Some(ACTION));
    assert!(rotated.succeeded, "refetched on the unknown key: {:?}", rotated.reason);
    let (_, refused) = authenticate(addr, &request(&token(&unpinned, &audience, "N3")), Some(ACTION));
    assert!(!refused.succeeded, "a key that is not pinned is never trusted");
}

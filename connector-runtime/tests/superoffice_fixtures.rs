//! Real SuperOffice data (`../shared/fixtures/superoffice`, found through
//! `ERP_CONNECTOR_SHARED_DIR`): the public sample application key and the signing test vector
//! of auth-protocol.md §3.3, which must be reproduced byte for byte.

mod common;

use chrono::TimeZone;
use erp_connector::auth::{AppKey, verify_partner_token};

const NONCE: &str = "BDB65A558F193A8DD88E50E7416C0D86";
const EXPECTED: &str = "BDB65A558F193A8DD88E50E7416C0D86.202109161125.lxgpSKb+GFF0m+UDllEd9Vki5+gJF1emPhiqJBPJ6m9xYUmj6Z7Oieb3+XkySXYdraxfvAAEZDBBkRK3H5+GvRV5z7hcjDgpN6EVNGXkOSvSrUF7K5+FvZMG3+sZPvNjlK+3+RqVD5AwfIJNOwY1oedi9iUkiaZqU+1VtCImmoM=";

#[test]
fn the_signing_test_vector_is_reproduced_byte_for_byte() {
    let Some(shared) = common::shared_dir("superoffice_fixtures") else { return };
    let path = shared.join("fixtures/superoffice/sample-app-private-key.xml");
    let key = AppKey::parse(&std::fs::read_to_string(&path).unwrap(), &path.display().to_string()).unwrap();
    assert_eq!(key.bits(), 1024);
    assert!(key.is_weak(), "1024-bit keys are accepted with a warning");
    let at = chrono::Utc.with_ymd_and_hms(2021, 9, 16, 11, 25, 31).unwrap();
    let token = key.sign_partner_token(NONCE, at);
    assert_eq!(token, EXPECTED);
    verify_partner_token(&key.public_key(), &token, NONCE, at).unwrap();
    // The same key converted to PEM signs the same.
    let again = AppKey::parse(&key.private_key_pem(), "pem").unwrap();
    assert_eq!(again.sign_partner_token(NONCE, at), EXPECTED);
}

const APP_ID: &str = "6cf25376616343b38d14ddcd804f2891";

fn cert(shared: &std::path::Path, env: &str) -> erp_connector::auth::TrustedCert {
    let path = shared.join(format!("fixtures/superoffice/certs/SuperOfficeFederatedLogin.{env}.crt"));
    let pem = std::fs::read_to_string(&path).unwrap();
    erp_connector::auth::TrustedCert::from_pem(&pem, &path.display().to_string()).unwrap().remove(0)
}

/// The `SignedToken` of the captured SOD request, trimmed as the spec says.
fn captured_token(shared: &std::path::Path) -> String {
    let xml = std::fs::read_to_string(shared.join("fixtures/superoffice/mirroring-captures/authenticate-request.xml"))
        .unwrap();
    let start = xml.find("SignedToken").unwrap();
    let open_end = xml[start..].find('>').unwrap() + start + 1;
    let close = xml[open_end..].find('<').unwrap() + open_end;
    xml[open_end..close].trim().to_owned()
}

#[test]
fn the_captured_sod_token_is_valid_at_its_time_and_expired_now() {
    use erp_connector::auth::{Rejection, TokenValidator};
    let Some(shared) = common::shared_dir("superoffice_fixtures") else { return };
    let dev = cert(&shared, "development");
    assert_eq!(dev.thumbprint, "16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C");
    assert_eq!(dev.x5t, "Frf7jD-asGiFqADGTmTJfEq16Yw");
    assert_eq!(cert(&shared, "stage").thumbprint, "484903A7732B928C7980A39D38E947EA119F1089");
    assert_eq!(cert(&shared, "production").thumbprint, "60B61583DBB2B7EEC46FD01EC0056E62451D61F3");

    let token = captured_token(&shared);
    let at = chrono::Utc.with_ymd_and_hms(2021, 9, 16, 11, 25, 0).unwrap().timestamp();
    let validator = TokenValidator::new(APP_ID, vec![dev.clone()]);
    let valid = validator.validate(&token, at).unwrap();
    assert_eq!(valid.nonce, NONCE);
    assert_eq!(valid.tenant.as_deref(), Some("Cust10003"));

    assert_eq!(
        validator.validate(
            &token,
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
        ),
        Err(Rejection::Expired)
    );
    let production_only = TokenValidator::new(APP_ID, vec![cert(&shared, "production")]);
    assert_eq!(production_only.validate(&token, at), Err(Rejection::UnknownKey), "another environment's key");
    let other_app = TokenValidator::new("0123456789abcdef0123456789abcdef", vec![dev]);
    assert_eq!(other_app.validate(&token, at), Err(Rejection::Audience));
    // Any changed byte of the signed part is a forgery.
    let mut forged = token.clone().into_bytes();
    let i = forged.iter().position(|b| *b == b'.').unwrap() + 5;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert!(matches!(validator.validate(&forged, at), Err(Rejection::Signature | Rejection::Malformed(_))));
}

/// The SubjectPublicKeyInfo of an RSA certificate (DER), found by its rsaEncryption algorithm
/// identifier inside the SEQUENCE that holds it.
fn spki(der: &[u8]) -> &[u8] {
    const RSA_ENCRYPTION: [u8; 15] =
        [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
    let at = der.windows(RSA_ENCRYPTION.len()).position(|w| w == RSA_ENCRYPTION).expect("an RSA key");
    let start = at - 4;
    assert_eq!(&der[start..start + 2], &[0x30, 0x82], "a long-form SEQUENCE holds it");
    let len = u16::from_be_bytes([der[start + 2], der[start + 3]]) as usize;
    &der[start..start + 4 + len]
}

#[test]
fn the_compiled_in_key_pins_are_the_federated_login_certificates_keys() {
    use base64::Engine as _;
    use erp_connector::auth::Environment;
    use rsa::sha2::{Digest as _, Sha256};
    let Some(shared) = common::shared_dir("superoffice_fixtures") else { return };
    for (env, name) in
        [(Environment::Sod, "development"), (Environment::Stage, "stage"), (Environment::Production, "production")]
    {
        let path = shared.join(format!("fixtures/superoffice/certs/SuperOfficeFederatedLogin.{name}.crt"));
        let pem = std::fs::read_to_string(&path).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        let pin = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki(&der)));
        assert_eq!(pin, env.pinned_key_sha256(), "{name}");
        assert_eq!(cert(&shared, name).thumbprint, env.pinned_thumbprint(), "{name}");
    }
}

/// The DER of a fixture certificate.
fn der(shared: &std::path::Path, env: &str) -> Vec<u8> {
    use base64::Engine as _;
    let path = shared.join(format!("fixtures/superoffice/certs/SuperOfficeFederatedLogin.{env}.crt"));
    let body: String = std::fs::read_to_string(&path).unwrap().lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

/// A JWK: `n` and `e` of `key`, labelled with a certificate.
fn jwk(key: &rsa::PublicKey, kid: &str, x5c: &[u8]) -> serde_json::Value {
    use base64::Engine as _;
    use rsa::traits::PublicKeyParts as _;
    let url = |n: &rsa::BoxedUint| {
        let bytes = n.to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(0);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[first..])
    };
    serde_json::json!({
        "kty": "RSA", "kid": kid, "n": url(key.n().as_ref()), "e": url(key.e()),
        "x5c": [base64::engine::general_purpose::STANDARD.encode(x5c)],
    })
}

#[test]
fn the_real_sod_key_from_a_jwks_verifies_the_captured_token_and_a_relabelled_key_does_not() {
    use erp_connector::auth::jwks::parse_jwks;
    use erp_connector::auth::{Environment, TokenValidator};
    use rsa::pkcs8::DecodePublicKey as _;
    let Some(shared) = common::shared_dir("superoffice_fixtures") else { return };
    let sod = der(&shared, "development");
    let sod_key = rsa::PublicKey::from_public_key_der(spki(&sod)).unwrap();
    let pins = [Environment::Sod.pin(), Environment::Production.pin()];
    // SOD's real key, under any label: trusted, and named by its pin.
    let doc = serde_json::json!({ "keys": [jwk(&sod_key, "whatever", &sod)] }).to_string();
    let trusted = parse_jwks(&doc, &pins, "test").unwrap();
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].thumbprint, Environment::Sod.pinned_thumbprint());
    let at = chrono::Utc.with_ymd_and_hms(2021, 9, 16, 11, 25, 0).unwrap().timestamp();
    let valid = TokenValidator::new(APP_ID, trusted).validate(&captured_token(&shared), at).unwrap();
    assert_eq!(valid.nonce, NONCE);
    // The forgery of the issue: the real production certificate as label, another key in n/e.
    let attacker = erp_connector::auth::AppKey::generate_with_bits(2048).unwrap().public_key();
    let production = Environment::Production.pinned_thumbprint();
    let forged = serde_json::json!({ "keys": [jwk(&attacker, production, &der(&shared, "production"))] }).to_string();
    assert!(parse_jwks(&forged, &pins, "test").unwrap().is_empty(), "not the pinned key: ignored");
}

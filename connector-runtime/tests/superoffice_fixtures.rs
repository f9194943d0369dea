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

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

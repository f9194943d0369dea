//! The key loaders on any text: the application key (RSAKeyValue XML, PKCS#1 or PKCS#8 PEM),
//! a public key in XML, SuperOffice certificates (PEM) and a JWKS document. Each answers a key
//! or an error that names its source, never a panic.
#![no_main]

use erp_connector::auth::jwks::parse_jwks;
use erp_connector::auth::{AppKey, TrustedCert, parse_public_key_xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = AppKey::parse(text, "fuzz-input") {
        assert!(e.to_string().contains("fuzz-input"), "{e}");
    }
    if let Err(e) = parse_public_key_xml(text, "fuzz-input") {
        assert!(e.to_string().contains("fuzz-input"), "{e}");
    }
    let _ = TrustedCert::from_pem(text, "fuzz-input");
    let pins = [erp_connector::auth::Environment::Production.pin()];
    let _ = parse_jwks(text, &pins, "fuzz-input");
});

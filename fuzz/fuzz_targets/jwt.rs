//! SuperOffice token validation on any text: every input is a `Rejection` with a reason (or, for
//! a real signature by the trusted key, a token), never a panic.
#![no_main]

use std::sync::LazyLock;

use erp_connector::auth::{AppKey, TokenValidator, TrustedCert};
use libfuzzer_sys::fuzz_target;

static VALIDATOR: LazyLock<TokenValidator> = LazyLock::new(|| {
    // A trusted key of our own, so that the path through signature checking is reachable.
    let key = AppKey::generate_with_bits(1024).expect("a key");
    let (n, e) = key.public_jwk_components();
    let cert = TrustedCert::from_rsa_components(&n, &e, "FUZZTHUMBPRINT", "fuzz").expect("a cert");
    TokenValidator::new("6cf25376616343b38d14ddcd804f2891", vec![cert])
});

fuzz_target!(|text: &str| {
    if let Err(rejection) = VALIDATOR.validate(text, 1_700_000_000) {
        assert!(!rejection.reason().is_empty());
    }
});

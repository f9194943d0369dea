//! Partner-token verification (`NONCE.yyyyMMddHHmm.BASE64`) on any text and time.
#![no_main]

use std::sync::LazyLock;

use erp_connector::auth::{AppKey, verify_partner_token};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<AppKey> = LazyLock::new(|| AppKey::generate_with_bits(1024).expect("a key"));

fuzz_target!(|input: (i64, &str)| {
    let (seconds, token) = input;
    let Some(now) = chrono::DateTime::from_timestamp(seconds % 400_000_000_000, 0) else { return };
    let nonce = token.split('.').next().unwrap_or_default();
    let _ = verify_partner_token(&KEY.public_key(), token, nonce, now);
});

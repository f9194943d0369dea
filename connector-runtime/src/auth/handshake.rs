//! The `Authenticate` answer: validate SuperOffice's token, then sign its nonce with the
//! application key (auth-protocol.md §1.1, §3). Signing happens only after validation, so the
//! private key never operates on data an unauthenticated caller chose.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use super::keys::AppKey;
use super::token::{TokenValidator, TrustedCert};
use crate::contract::auth::AuthenticationResponse;

/// What a connector needs to answer `Authenticate`: its application id, key and the trusted
/// SuperOffice certificates.
#[derive(Debug)]
pub struct Handshake {
    validator: TokenValidator,
    key: std::sync::Arc<AppKey>,
}

impl Handshake {
    /// A handshake for application `app_id`.
    pub fn new(app_id: &str, key: std::sync::Arc<AppKey>, certs: Vec<TrustedCert>) -> Self {
        Handshake { validator: TokenValidator::new(app_id, certs), key }
    }

    /// The answer to `signed_token` at time `now`.
    pub fn answer(&self, signed_token: &str, now: SystemTime) -> AuthenticationResponse {
        let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        match self.validator.validate(signed_token, secs) {
            Ok(valid) => {
                // The request span (if the caller opened one with a `tenant` field) names the tenant.
                tracing::Span::current().record("tenant", valid.tenant.as_deref().unwrap_or(""));
                let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
                tracing::info!(tenant = valid.tenant.as_deref().unwrap_or(""), signed_by = %valid.signed_by, "Authenticate accepted");
                AuthenticationResponse::success(self.key.sign_partner_token(&valid.nonce, at))
            }
            Err(rejection) => {
                tracing::warn!(reason = %rejection, "Authenticate refused");
                AuthenticationResponse::refused(rejection.reason())
            }
        }
    }
}

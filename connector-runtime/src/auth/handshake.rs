//! The `Authenticate` answer: validate SuperOffice's token, then sign its nonce with the
//! application key (auth-protocol.md §1.1, §3). Signing happens only after validation, so the
//! private key never operates on data an unauthenticated caller chose.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use super::keys::AppKey;
use super::token::{Rejection, TokenValidator, TrustedCert};
use crate::contract::auth::AuthenticationResponse;

/// Fetches SuperOffice's current keys again (e.g. from a JWKS endpoint) when a token names a key
/// this process does not know.
pub type KeyRefresh = Arc<dyn Fn() -> Result<Vec<TrustedCert>, String> + Send + Sync>;

/// Keys are fetched again at most this often, whatever tokens arrive.
const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// What a connector needs to answer `Authenticate`: its application id, key and the trusted
/// SuperOffice certificates (optionally refreshed on an unknown key).
pub struct Handshake {
    app_id: String,
    validator: RwLock<TokenValidator>,
    key: Arc<AppKey>,
    refresh: Option<KeyRefresh>,
    last_refresh: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake").field("app_id", &self.app_id).field("refresh", &self.refresh.is_some()).finish()
    }
}

impl Handshake {
    /// A handshake for application `app_id`.
    pub fn new(app_id: &str, key: Arc<AppKey>, certs: Vec<TrustedCert>) -> Self {
        Handshake {
            app_id: app_id.to_owned(),
            validator: RwLock::new(TokenValidator::new(app_id, certs)),
            key,
            refresh: None,
            last_refresh: Mutex::new(None),
        }
    }

    /// Builder: fetch the keys again through `refresh` when a token names an unknown key.
    pub fn with_refresh(mut self, refresh: KeyRefresh) -> Self {
        self.refresh = Some(refresh);
        self
    }

    fn validate(&self, token: &str, now: i64) -> Result<super::ValidToken, Rejection> {
        self.validator.read().unwrap_or_else(|p| p.into_inner()).validate(token, now)
    }

    /// Replaces the keys from the refresh source, at most once per [`REFRESH_INTERVAL`].
    fn refresh_keys(&self) -> bool {
        let Some(refresh) = &self.refresh else { return false };
        {
            let mut last = self.last_refresh.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < REFRESH_INTERVAL) {
                return false;
            }
            *last = Some(Instant::now());
        }
        match refresh() {
            Ok(certs) if !certs.is_empty() => {
                tracing::info!(keys = certs.len(), "SuperOffice keys refreshed");
                *self.validator.write().unwrap_or_else(|p| p.into_inner()) = TokenValidator::new(&self.app_id, certs);
                true
            }
            Ok(_) => {
                tracing::warn!("SuperOffice key refresh found no pinned key");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "SuperOffice key refresh failed");
                false
            }
        }
    }

    /// The answer to `signed_token` at time `now`.
    pub fn answer(&self, signed_token: &str, now: SystemTime) -> AuthenticationResponse {
        let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let result = match self.validate(signed_token, secs) {
            Err(Rejection::UnknownKey) if self.refresh_keys() => self.validate(signed_token, secs),
            other => other,
        };
        match result {
            Ok(valid) => {
                // The request span (if the caller opened one with a `tenant` field) names the tenant.
                tracing::Span::current().record("tenant", valid.tenant.as_deref().unwrap_or(""));
                let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
                // Never the token or the nonce: with the signature they are the partner token.
                tracing::debug!(signed_at = %at, token_bytes = signed_token.len(), "signing the partner token");
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

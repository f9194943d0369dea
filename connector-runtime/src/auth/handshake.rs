//! The `Authenticate` answer: validate SuperOffice's token, then sign its nonce with the
//! application key (auth-protocol.md §1.1, §3). Signing happens only after validation, so the
//! private key never operates on data an unauthenticated caller chose.
//!
//! A token is accepted once: its nonce is remembered until the token expires, so that a captured
//! token replayed to this process is refused before the (expensive) signature. The memory is per
//! process; replicas each keep their own (docs/security.md).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use super::keys::AppKey;
use super::token::{Rejection, TokenValidator, TrustedCert};
use crate::contract::auth::AuthenticationResponse;

/// The answer to a handshake, and the tenant a successful one named (escaped, at most 64 bytes),
/// for the status page: returned with the answer, not left beside it.
#[derive(Clone, Debug)]
pub struct HandshakeAnswer {
    /// What goes back to SuperOffice.
    pub response: AuthenticationResponse,
    /// The tenant of an accepted token (its customer id claim).
    pub tenant: Option<String>,
}

impl HandshakeAnswer {
    /// A refusal for `reason`, naming no tenant.
    pub fn refused(reason: &str) -> HandshakeAnswer {
        HandshakeAnswer { response: AuthenticationResponse::refused(reason), tenant: None }
    }
}

/// Fetches SuperOffice's current keys again (e.g. from a JWKS endpoint) when a token names a key
/// this process does not know.
pub type KeyRefresh = Arc<dyn Fn() -> Result<Vec<TrustedCert>, String> + Send + Sync>;

/// Keys are fetched again at most this often, whatever tokens arrive.
const REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// How long a token with an unknown key waits for the fetch; the fetch goes on after that on
/// its own thread, so that a slow key server holds no `Authenticate` slot for long.
const REFRESH_WAIT: Duration = Duration::from_secs(2);
/// Nonces remembered at most (tokens live minutes; SuperOffice sends a few per tenant and hour).
const MAX_REMEMBERED_NONCES: usize = 100_000;

/// What a connector needs to answer `Authenticate`: its application id, key and the trusted
/// SuperOffice certificates (optionally refreshed on an unknown key).
pub struct Handshake {
    app_id: String,
    /// The configured certificates, always trusted; a refresh adds to them.
    configured: Vec<TrustedCert>,
    validator: Arc<RwLock<TokenValidator>>,
    key: Arc<AppKey>,
    refresh: Option<KeyRefresh>,
    last_refresh: Mutex<Option<Instant>>,
    /// Nonces of accepted tokens, with the last second their token is valid.
    seen: Mutex<HashMap<String, i64>>,
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
            validator: Arc::new(RwLock::new(TokenValidator::new(app_id, certs.clone()))),
            configured: certs,
            key,
            refresh: None,
            last_refresh: Mutex::new(None),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Builder: fetch the keys again through `refresh` when a token names an unknown key.
    pub fn with_refresh(mut self, refresh: KeyRefresh) -> Self {
        self.refresh = Some(refresh);
        self
    }

    fn validate(&self, token: &str, now: i64) -> Result<super::ValidToken, Rejection> {
        crate::sync::read(&self.validator).validate(token, now)
    }

    /// Fetches the keys from the refresh source, at most once per [`REFRESH_INTERVAL`], and
    /// trusts them beside the configured ones. Waits [`REFRESH_WAIT`] at most; returns whether
    /// the keys changed by then.
    fn refresh_keys(&self) -> bool {
        let Some(refresh) = &self.refresh else { return false };
        {
            let mut last = crate::sync::lock(&self.last_refresh);
            if last.is_some_and(|t| t.elapsed() < REFRESH_INTERVAL) {
                return false;
            }
            *last = Some(Instant::now());
        }
        let (refresh, validator) = (refresh.clone(), self.validator.clone());
        let (configured, app_id) = (self.configured.clone(), self.app_id.clone());
        let (done, finished) = std::sync::mpsc::channel();
        let fetch = move || {
            let changed = match refresh() {
                Ok(fetched) if !fetched.is_empty() => {
                    tracing::info!(keys = fetched.len(), "SuperOffice keys refreshed");
                    let mut certs = configured;
                    for cert in fetched {
                        if !certs.iter().any(|c| c.thumbprint.eq_ignore_ascii_case(&cert.thumbprint)) {
                            certs.push(cert);
                        }
                    }
                    *crate::sync::write(&validator) = TokenValidator::new(&app_id, certs);
                    true
                }
                Ok(_) => {
                    tracing::warn!("SuperOffice key refresh found no pinned key");
                    false
                }
                Err(e) => {
                    tracing::warn!(error = %crate::untrusted::shown(&e), "SuperOffice key refresh failed");
                    false
                }
            };
            let _ = done.send(changed);
        };
        if std::thread::Builder::new().name("jwks-refresh".into()).spawn(fetch).is_err() {
            return false;
        }
        finished.recv_timeout(REFRESH_WAIT).unwrap_or(false)
    }

    /// Remembers the nonce of an accepted token; `false` if it was accepted before.
    fn first_use(&self, nonce: &str, valid_until: i64, now: i64) -> bool {
        let mut seen = crate::sync::lock(&self.seen);
        if seen.get(nonce).is_some_and(|until| *until >= now) {
            return false;
        }
        if seen.len() >= MAX_REMEMBERED_NONCES {
            seen.retain(|_, until| *until >= now);
            if seen.len() >= MAX_REMEMBERED_NONCES {
                // Only SuperOffice-signed tokens get here; forget the one closest to expiry.
                if let Some(oldest) = seen.iter().min_by_key(|(_, until)| **until).map(|(n, _)| n.clone()) {
                    seen.remove(&oldest);
                }
            }
        }
        seen.insert(nonce.to_owned(), valid_until);
        true
    }

    /// The answer to `signed_token` at time `now`.
    pub fn answer(&self, signed_token: &str, now: SystemTime) -> HandshakeAnswer {
        let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let result = match self.validate(signed_token, secs) {
            Err(Rejection::UnknownKey) if self.refresh_keys() => self.validate(signed_token, secs),
            other => other,
        };
        let result = result.and_then(|valid| {
            if self.first_use(&valid.nonce, valid.valid_until, secs) { Ok(valid) } else { Err(Rejection::Replayed) }
        });
        match result {
            Ok(valid) => {
                let tenant = valid.tenant.as_deref().map(crate::untrusted::shown).unwrap_or_default();
                // The request span (if the caller opened one with a `tenant` field) names the tenant.
                tracing::Span::current().record("tenant", tenant.as_ref());
                let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
                // Never the token or the nonce: with the signature they are the partner token.
                tracing::debug!(signed_at = %at, token_bytes = signed_token.len(), "signing the partner token");
                tracing::info!(tenant = %tenant, signed_by = %valid.signed_by, "Authenticate accepted");
                let response = AuthenticationResponse::success(self.key.sign_partner_token(&valid.nonce, at));
                let tenant = Some(crate::untrusted::shown_within(&tenant, 64).into_owned());
                HandshakeAnswer { response, tenant }
            }
            Err(rejection) => {
                tracing::warn!(reason = %rejection, "Authenticate refused");
                HandshakeAnswer::refused(&rejection.reason())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestIssuer;

    const APP: &str = "6cf25376616343b38d14ddcd804f2891";

    #[test]
    fn a_token_is_accepted_once() {
        let issuer = TestIssuer::new();
        let key = Arc::new(AppKey::generate_with_bits(1024).unwrap());
        let handshake = Handshake::new(APP, key, vec![issuer.cert.clone()]);
        let token = issuer.token(APP, "N1");
        let accepted = handshake.answer(&token, SystemTime::now());
        assert!(accepted.response.succeeded);
        assert_eq!(accepted.tenant.as_deref(), Some("Cust10003"), "the tenant comes back with the answer");
        let again = handshake.answer(&token, SystemTime::now());
        assert_eq!(again.tenant, None, "a refusal names no tenant");
        let again = again.response;
        assert!(!again.succeeded);
        assert_eq!(again.reason.as_deref(), Some("token already used"));
        // Another nonce is another token.
        assert!(handshake.answer(&issuer.token(APP, "N2"), SystemTime::now()).response.succeeded);
    }

    #[test]
    fn a_key_server_that_hangs_does_not_hold_the_handshake() {
        let (file, rotated) = (TestIssuer::new(), TestIssuer::new());
        let (release, hung) = std::sync::mpsc::channel::<()>();
        let hung = Mutex::new(hung);
        let fetched = rotated.cert.clone();
        let refresh: KeyRefresh = Arc::new(move || {
            // Hangs until the test lets it answer.
            let _ = hung.lock().unwrap().recv();
            Ok(vec![fetched.clone()])
        });
        let key = Arc::new(AppKey::generate_with_bits(1024).unwrap());
        let handshake = Handshake::new(APP, key, vec![file.cert.clone()]).with_refresh(refresh);
        // Answered (refused) although the fetch has not returned: the test would hang otherwise.
        let first = handshake.answer(&rotated.token(APP, "N1"), SystemTime::now()).response;
        assert_eq!(first.reason.as_deref(), Some("token signed with an unknown key"));
        assert!(
            handshake.answer(&file.token(APP, "N2"), SystemTime::now()).response.succeeded,
            "others are served meanwhile"
        );
        // When the fetch does return, its keys are trusted.
        release.send(()).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut n = 3;
        while !handshake.answer(&rotated.token(APP, &format!("N{n}")), SystemTime::now()).response.succeeded {
            assert!(std::time::Instant::now() < deadline, "the late keys were never applied");
            std::thread::sleep(Duration::from_millis(20));
            n += 1;
        }
    }

    #[test]
    fn a_refresh_adds_keys_and_never_drops_the_configured_ones() {
        let (file, rotated, other) = (TestIssuer::new(), TestIssuer::new(), TestIssuer::new());
        let fetched = rotated.cert.clone();
        let refresh: KeyRefresh = Arc::new(move || Ok(vec![fetched.clone()]));
        let key = Arc::new(AppKey::generate_with_bits(1024).unwrap());
        let handshake = Handshake::new(APP, key, vec![file.cert.clone()]).with_refresh(refresh);
        // A token with a key nobody knows triggers the refresh ...
        assert!(!handshake.answer(&other.token(APP, "N1"), SystemTime::now()).response.succeeded);
        // ... after which both the fetched and the file's key are trusted.
        assert!(handshake.answer(&rotated.token(APP, "N2"), SystemTime::now()).response.succeeded);
        assert!(handshake.answer(&file.token(APP, "N3"), SystemTime::now()).response.succeeded, "the file's key stays");
    }
}

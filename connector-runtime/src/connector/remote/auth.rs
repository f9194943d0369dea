//! How an [`ErpApi`](super::ErpApi) proves who it is: an API key header, HTTP basic, a bearer
//! token, or OAuth2: client credentials, or a refresh token the ERP rotates (each refresh answers
//! a new one and the old one stops working). An OAuth2 access token is cached until shortly before
//! it expires and fetched once for all the callers that need it at the same moment; a rotated
//! refresh token is kept in the connection's state, where every replica finds it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::api::ApiError;
use super::{ErpAddress, Incoming, Outgoing, Remote, Retry};
use crate::connector::ConnectionState;

/// The credentials an [`ErpApi`](super::ErpApi) sends with every call.
///
/// ```
/// use erp_connector::connector::remote::Auth;
/// let key = Auth::header("X-Api-Key", "k-123");
/// let basic = Auth::basic("sync", "s3cret");
/// let token = Auth::bearer("eyJ...");
/// ```
#[derive(Clone)]
pub struct Auth(Kind);

#[derive(Clone)]
enum Kind {
    None,
    /// A header name and its value (an API key, a bearer token, basic credentials).
    Header(String, Arc<Zeroizing<String>>),
    OAuth2(Arc<Flow>),
}

impl Auth {
    /// No credentials (an API open on a private network, or credentials in the base address's
    /// own header of a proxy).
    pub fn none() -> Auth {
        Auth(Kind::None)
    }

    /// An API key sent in a header of its own, e.g. `X-Api-Key`.
    pub fn header(name: &str, value: &str) -> Auth {
        Auth(Kind::Header(name.to_owned(), Arc::new(Zeroizing::new(value.to_owned()))))
    }

    /// HTTP basic authentication.
    pub fn basic(user: &str, password: &str) -> Auth {
        let pair = Zeroizing::new(format!("{user}:{password}"));
        Auth::header("Authorization", &format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(&*pair)))
    }

    /// A bearer token that does not change (a personal access token).
    pub fn bearer(token: &str) -> Auth {
        Auth::header("Authorization", &format!("Bearer {token}"))
    }

    /// OAuth2 client credentials (RFC 6749 §4.4): a token fetched from `token_url` with the
    /// client's id and secret, sent as `Authorization: Bearer`, cached until 60 s before it
    /// expires (or a 401 says it no longer works) and fetched once for concurrent callers.
    pub fn client_credentials(token_url: &ErpAddress, client_id: &str, client_secret: &str) -> OAuth2 {
        OAuth2::new(token_url, client_id, client_secret, Grant::ClientCredentials)
    }

    /// OAuth2 with a refresh token (RFC 6749 §6) that the ERP may rotate. `pasted` is the refresh
    /// token the administrator saved with the connection; each refresh's new refresh token (and
    /// its access token) goes into `state` by compare-and-swap, so it survives restarts, every
    /// replica uses it, two replicas refreshing at once keep the one that works (the loser reads
    /// the winner's), and EIS resending the old configuration does not bring the pasted one back.
    /// A new value saved by an administrator clears the state: the new pasted token is used.
    ///
    /// ```no_run
    /// # use erp_connector::prelude::*;
    /// # fn demo(conn: &Connection<()>, token_url: &ErpAddress, base: &ErpAddress) {
    /// let auth = Auth::refresh_token(token_url, "client-id", "client-secret", "pasted-refresh-token", &conn.state);
    /// let erp = ErpApi::new(base, std::time::Duration::from_secs(10)).with_auth(auth);
    /// # }
    /// ```
    pub fn refresh_token(
        token_url: &ErpAddress,
        client_id: &str,
        client_secret: &str,
        pasted: &str,
        state: &ConnectionState,
    ) -> OAuth2 {
        let grant = Grant::RefreshToken { pasted: Zeroizing::new(pasted.to_owned()), state: state.clone() };
        OAuth2::new(token_url, client_id, client_secret, grant)
    }

    /// The header to send, fetching a token first if there is none (or none that lasts).
    pub(crate) async fn header_value(&self, remote: &Remote) -> Result<Option<(String, Credential)>, ApiError> {
        match &self.0 {
            Kind::None => Ok(None),
            Kind::Header(name, value) => Ok(Some((name.clone(), Credential(value.clone())))),
            Kind::OAuth2(flow) => Ok(Some(("Authorization".into(), flow.token(remote).await?))),
        }
    }

    /// Whether a 401 may mean the credential expired (one that can be fetched anew).
    pub(crate) fn renewable(&self) -> bool {
        matches!(self.0, Kind::OAuth2(_))
    }

    /// Forgets `used` if it is still the cached token, so the next call fetches a new one (and
    /// does not take the same token from the connection's state again).
    pub(crate) async fn forget(&self, used: &Credential) {
        if let Kind::OAuth2(flow) = &self.0 {
            let mut cache = flow.cache.lock().await;
            if cache.token.as_ref().is_some_and(|t| Arc::ptr_eq(&t.header.0, &used.0)) {
                cache.token = None;
                cache.refused = Some(Zeroizing::new(used.as_str().to_owned()));
            }
        }
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Kind::None => "Auth::None",
            Kind::Header(..) => "Auth::Header(***)",
            Kind::OAuth2(_) => "Auth::OAuth2(***)",
        })
    }
}

/// A header value that carries a credential (compared by identity: which token was used).
#[derive(Clone)]
pub(crate) struct Credential(Arc<Zeroizing<String>>);

impl Credential {
    pub(crate) fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// An OAuth2 credential being set up ([`Auth::client_credentials`], [`Auth::refresh_token`]).
pub struct OAuth2 {
    token_url: ErpAddress,
    client_id: String,
    client_secret: Zeroizing<String>,
    scope: Option<String>,
    secret_in_body: bool,
    grant: Grant,
}

enum Grant {
    ClientCredentials,
    RefreshToken { pasted: Zeroizing<String>, state: ConnectionState },
}

impl OAuth2 {
    fn new(token_url: &ErpAddress, client_id: &str, client_secret: &str, grant: Grant) -> OAuth2 {
        OAuth2 {
            token_url: token_url.clone(),
            client_id: client_id.to_owned(),
            client_secret: Zeroizing::new(client_secret.to_owned()),
            scope: None,
            secret_in_body: false,
            grant,
        }
    }

    /// The scopes asked for (separated by spaces).
    pub fn scope(mut self, scope: &str) -> Self {
        self.scope = Some(scope.to_owned());
        self
    }

    /// Sends the client's id and secret in the form body (`client_secret_post`) instead of HTTP
    /// basic authentication (`client_secret_basic`, the default RFC 6749 asks servers to accept).
    pub fn secret_in_body(mut self) -> Self {
        self.secret_in_body = true;
        self
    }
}

impl From<OAuth2> for Auth {
    fn from(setup: OAuth2) -> Auth {
        Auth(Kind::OAuth2(Arc::new(Flow { setup, cache: tokio::sync::Mutex::default() })))
    }
}

struct Flow {
    setup: OAuth2,
    /// Held while a token is fetched: concurrent callers wait for that one fetch.
    cache: tokio::sync::Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    token: Option<Token>,
    /// The header of a token the ERP refused (a 401): not taken from the state again.
    refused: Option<Zeroizing<String>>,
}

struct Token {
    header: Credential,
    renew_at: Instant,
}

impl Token {
    /// A token that expires `expires_in` seconds after `fetched` (an hour when the server did
    /// not say: the common lifetime, and a 401 ends it sooner).
    fn new(access_token: &str, fetched: Instant, expires_in: Option<u64>) -> Token {
        let lifetime = Duration::from_secs(expires_in.unwrap_or(3600));
        let renew_at = fetched + lifetime.saturating_sub(RENEW_BEFORE.min(lifetime / 2));
        Token { header: Credential(Arc::new(Zeroizing::new(format!("Bearer {access_token}")))), renew_at }
    }
}

/// How long before its expiry a token is fetched anew (a call must not start with a token that
/// expires on its way).
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// What [`Auth::refresh_token`] keeps in the connection's state.
#[derive(serde::Serialize, serde::Deserialize)]
struct Rotated {
    refresh_token: String,
    access_token: String,
    /// When the access token expires, in seconds since the Unix epoch.
    expires_at: u64,
}

impl Drop for Rotated {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
        self.access_token.zeroize();
    }
}

impl Rotated {
    /// The stored access token as a token of this process, if it lasts and was not refused.
    fn usable(&self, refused: Option<&str>) -> Option<Token> {
        let left = self.expires_at.checked_sub(crate::store::now_secs())?;
        let token = Token::new(&self.access_token, Instant::now(), Some(left));
        let fresh = Instant::now() < token.renew_at && refused != Some(token.header.as_str());
        fresh.then_some(token)
    }
}

impl Flow {
    async fn token(&self, remote: &Remote) -> Result<Credential, ApiError> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.token.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.header.clone());
        }
        let refused = cache.refused.take();
        let token = match &self.setup.grant {
            Grant::ClientCredentials => {
                let started = Instant::now();
                let granted = self.fetch(remote, &[("grant_type", "client_credentials")]).await?;
                Token::new(&granted.access_token, started, granted.expires_in)
            }
            Grant::RefreshToken { pasted, state } => {
                self.refreshed(remote, pasted, state, refused.as_deref().map(|r| r.as_str())).await?
            }
        };
        let header = token.header.clone();
        cache.token = Some(token);
        Ok(header)
    }

    /// A token of the refresh-token grant: another replica's from the state while it lasts,
    /// else a refresh with the state's refresh token (the pasted one before the first), its
    /// rotation swapped into the state.
    async fn refreshed(
        &self,
        remote: &Remote,
        pasted: &str,
        state: &ConnectionState,
        refused: Option<&str>,
    ) -> Result<Token, ApiError> {
        let host = self.setup.token_url.host();
        let state_failed = |e: crate::connector::ConnectorError| ApiError::Call {
            host: host.clone(),
            reason: format!("the connection's state: {}", e.user_explanation),
        };
        // A refusal after another replica rotated the token is tried again with its token.
        for _ in 0..3 {
            let stored = state.load::<Rotated>().await.map_err(state_failed)?;
            if let Some(token) = stored.as_ref().and_then(|s| s.value.usable(refused)) {
                return Ok(token);
            }
            let refresh_token = stored.as_ref().map_or(pasted, |s| s.value.refresh_token.as_str());
            let started = Instant::now();
            let granted =
                match self.fetch(remote, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await {
                    Ok(granted) => granted,
                    Err(refusal @ ApiError::Credentials { .. }) => {
                        // Refused: maybe another replica used this token a moment ago, and its
                        // new one reaches the state a moment after the ERP answered it.
                        let seen = stored.as_ref().map(|s| s.version);
                        if rotated_meanwhile(state, seen).await.map_err(state_failed)? {
                            continue;
                        }
                        return Err(refusal);
                    }
                    Err(e) => return Err(e),
                };
            let token = Token::new(&granted.access_token, started, granted.expires_in);
            let rotated = Rotated {
                // No new refresh token: the ERP does not rotate; the one used stays good.
                refresh_token: granted.refresh_token.clone().unwrap_or_else(|| refresh_token.to_owned()),
                access_token: granted.access_token.clone(),
                expires_at: crate::store::now_secs() + granted.expires_in.unwrap_or(3600),
            };
            // Lost (another replica swapped first, the ERP having accepted both): this token
            // works now; the state keeps the other's.
            let _ = state.swap(stored.map_or(0, |s| s.version), &rotated).await.map_err(state_failed)?;
            return Ok(token);
        }
        Err(ApiError::Busy { host, status: None, retry_after: None })
    }

    /// A token from the token endpoint for `grant`.
    async fn fetch(&self, remote: &Remote, grant: &[(&str, &str)]) -> Result<Granted, ApiError> {
        let setup = &self.setup;
        let host = setup.token_url.host();
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(grant);
        if let Some(scope) = &setup.scope {
            form.append_pair("scope", scope);
        }
        let mut headers = vec![("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned())];
        if setup.secret_in_body {
            form.append_pair("client_id", &setup.client_id);
            form.append_pair("client_secret", &setup.client_secret);
        } else {
            // RFC 6749 §2.3.1: each part form-encoded before the basic encoding.
            let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = Zeroizing::new(format!("{}:{}", encode(&setup.client_id), encode(&setup.client_secret)));
            let basic = base64::engine::general_purpose::STANDARD.encode(&*pair);
            headers.push(("Authorization".to_owned(), format!("Basic {basic}")));
        }
        let outgoing = Outgoing {
            method: ureq::http::Method::POST,
            url: setup.token_url.as_str().to_owned(),
            headers,
            body: Some(Zeroizing::new(form.finish()).as_bytes().to_vec()),
            timeout: None,
        };
        // Not sent again after a connection failure: a refresh the ERP took but whose answer
        // was lost has rotated the token already; the caller's next call reads the state again.
        let answer: Incoming = remote.exchange(outgoing, Retry::Never).await?;
        if !(200..300).contains(&answer.status) {
            return Err(super::api::token_refused(&host, &answer));
        }
        let granted: Granted = serde_json::from_slice(&answer.body).map_err(|e| {
            ApiError::from(super::RemoteError::BadAnswer { host: host.clone(), reason: format!("no token ({e})") })
        })?;
        if !granted.token_type.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(ApiError::from(super::RemoteError::BadAnswer {
                host,
                reason: "a token of a type other than Bearer".into(),
            }));
        }
        Ok(granted)
    }
}

/// How long a refused refresh waits for another replica's rotation to reach the state.
const ROTATION_SETTLES: Duration = Duration::from_secs(3);

/// Whether the state's version moves away from `seen` within [`ROTATION_SETTLES`].
async fn rotated_meanwhile(
    state: &ConnectionState,
    seen: Option<u64>,
) -> Result<bool, crate::connector::ConnectorError> {
    let until = Instant::now() + ROTATION_SETTLES;
    loop {
        if state.load::<Rotated>().await?.map(|s| s.version) != seen {
            return Ok(true);
        }
        if Instant::now() >= until {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A token endpoint's answer (RFC 6749 §5.1).
#[derive(serde::Deserialize)]
struct Granted {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
}

impl Drop for Granted {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.refresh_token.zeroize();
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;

//! How an [`ErpApi`](super::ErpApi) proves who it is: an API key header, HTTP basic, a bearer
//! token, or OAuth2 client credentials (a token fetched, cached until shortly before it expires,
//! and fetched once for all the callers that need it at the same moment).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use zeroize::Zeroizing;

use super::api::ApiError;
use super::{ErpAddress, Outgoing, Remote, Retry};

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
    ClientCredentials(Arc<ClientCredentials>),
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
    pub fn client_credentials(
        token_url: &ErpAddress,
        client_id: &str,
        client_secret: &str,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            token_url: token_url.clone(),
            client_id: client_id.to_owned(),
            client_secret: Zeroizing::new(client_secret.to_owned()),
            scope: None,
            secret_in_body: false,
        }
    }

    /// The header to send, fetching a token first if there is none (or none that lasts).
    pub(crate) async fn header_value(&self, remote: &Remote) -> Result<Option<(String, Credential)>, ApiError> {
        match &self.0 {
            Kind::None => Ok(None),
            Kind::Header(name, value) => Ok(Some((name.clone(), Credential(value.clone())))),
            Kind::ClientCredentials(flow) => Ok(Some(("Authorization".into(), flow.token(remote).await?))),
        }
    }

    /// Whether a 401 may mean the credential expired (one that can be fetched anew).
    pub(crate) fn renewable(&self) -> bool {
        matches!(self.0, Kind::ClientCredentials(_))
    }

    /// Forgets `used` if it is still the cached token, so the next call fetches a new one.
    pub(crate) async fn forget(&self, used: &Credential) {
        if let Kind::ClientCredentials(flow) = &self.0 {
            let mut cached = flow.cached.lock().await;
            if cached.as_ref().is_some_and(|t| Arc::ptr_eq(&t.header.0, &used.0)) {
                *cached = None;
            }
        }
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Kind::None => "Auth::None",
            Kind::Header(..) => "Auth::Header(***)",
            Kind::ClientCredentials(_) => "Auth::ClientCredentials(***)",
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

/// [`Auth::client_credentials`] being set up.
pub struct ClientCredentialsBuilder {
    token_url: ErpAddress,
    client_id: String,
    client_secret: Zeroizing<String>,
    scope: Option<String>,
    secret_in_body: bool,
}

impl ClientCredentialsBuilder {
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

impl From<ClientCredentialsBuilder> for Auth {
    fn from(b: ClientCredentialsBuilder) -> Auth {
        Auth(Kind::ClientCredentials(Arc::new(ClientCredentials { setup: b, cached: tokio::sync::Mutex::new(None) })))
    }
}

struct ClientCredentials {
    setup: ClientCredentialsBuilder,
    /// Held while a token is fetched: concurrent callers wait for that one fetch.
    cached: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    header: Credential,
    renew_at: Instant,
}

/// How long before its expiry a token is fetched anew (a call must not start with a token that
/// expires on its way).
const RENEW_BEFORE: Duration = Duration::from_secs(60);

impl ClientCredentials {
    async fn token(&self, remote: &Remote) -> Result<Credential, ApiError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.header.clone());
        }
        let token = self.fetch(remote).await?;
        let header = token.header.clone();
        *cached = Some(token);
        Ok(header)
    }

    async fn fetch(&self, remote: &Remote) -> Result<Token, ApiError> {
        let setup = &self.setup;
        let host = setup.token_url.host();
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
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
        let started = Instant::now();
        // A token request changes nothing: sent again after a connection failure.
        let answer = remote.exchange(outgoing, Retry::Safe).await?;
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
        // No `expires_in`: the server did not say; an hour, the common lifetime, and a 401 ends it
        // sooner.
        let lifetime = Duration::from_secs(granted.expires_in.unwrap_or(3600));
        let renew_at = started + lifetime.saturating_sub(RENEW_BEFORE.min(lifetime / 2));
        let access_token = Zeroizing::new(granted.access_token);
        let header = Credential(Arc::new(Zeroizing::new(format!("Bearer {}", access_token.as_str()))));
        Ok(Token { header, renew_at })
    }
}

/// A token endpoint's answer (RFC 6749 §5.1).
#[derive(serde::Deserialize)]
struct Granted {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<u64>,
}

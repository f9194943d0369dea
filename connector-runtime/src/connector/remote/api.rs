//! [`ErpApi`]: a client for an ERP's web API (REST and the like) on top of [`Remote`]'s
//! guarantees: every method, encoded path segments and query parameters, JSON and form bodies,
//! credentials ([`Auth`]), a deadline per call that covers waiting for the ERP's rate limit, a
//! bound on calls in flight, and HTTP statuses turned into answers for the user ([`ApiError`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::Method;

use super::{Auth, ErpAddress, Incoming, Outgoing, Remote, RemoteError, Retry};
use crate::connector::ConnectorError;

/// The default bound on calls in flight to one ERP (per [`ErpApi`], which a connector keeps per
/// connection): ERPs with rate limits count per client, and a sync sends few calls at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;

/// A client for one ERP's web API: its base address, credentials, deadline and bounds. Cheap to
/// clone; clones share the connection pool, the cached token and the bound on calls in flight.
///
/// ```no_run
/// use std::time::Duration;
/// use erp_connector::connector::ConfigValue;
/// use erp_connector::connector::remote::{Auth, ErpAddress, ErpApi};
///
/// #[derive(serde::Deserialize)]
/// struct Customer { id: u64, name: String }
///
/// # async fn demo() -> erp_connector::connector::ConnectorResult<()> {
/// let base = ErpAddress::parse_value("https://erp.example/api/v1/").unwrap(); // from the configuration
/// let erp = ErpApi::new(&base, Duration::from_secs(10)).with_auth(Auth::header("X-Api-Key", "k-123"));
/// let page: Vec<Customer> = erp.get("customers").query("page", 2).query("modified_since", "2026-12-01").read().await?;
/// let one: Customer = erp.get("customers").segment(42).read().await?;
/// erp.put("customers").segment(one.id).json(&serde_json::json!({"name": "Acme"})).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ErpApi {
    remote: Remote,
    base: url::Url,
    host: String,
    auth: Auth,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl ErpApi {
    /// A client for the API at `base` whose every call ends within `timeout` (waiting for a free
    /// slot, a token, the ERP's rate limit and the answer included).
    pub fn new(base: &ErpAddress, timeout: Duration) -> ErpApi {
        let mut base = base.url().clone();
        // Paths are appended below the base: `https://erp/api` and `https://erp/api/` alike.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        ErpApi {
            remote: Remote::new(timeout),
            host: super::host_of(base.as_str()),
            base,
            auth: Auth::none(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
        }
    }

    /// Builder: the credentials sent with every call.
    pub fn with_auth(mut self, auth: impl Into<Auth>) -> ErpApi {
        self.auth = auth.into();
        self
    }

    /// Builder: at most `calls` in flight at once (at least 1); the others wait, within their
    /// deadline, for a free slot.
    pub fn with_max_in_flight(mut self, calls: usize) -> ErpApi {
        self.in_flight = Arc::new(tokio::sync::Semaphore::new(calls.max(1)));
        self
    }

    /// Builder: answers larger than `bytes` fail as unreadable.
    pub fn with_max_answer_bytes(mut self, bytes: u64) -> ErpApi {
        self.remote = self.remote.with_max_answer_bytes(bytes);
        self
    }

    /// The ERP's host and port, as messages name it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The base address, ending in `/`.
    pub(crate) fn base(&self) -> &url::Url {
        &self.base
    }

    /// A GET of `path` (below the base address; the author's own text, e.g. `"customers"`: put
    /// values from elsewhere in with [`ApiCall::segment`]).
    pub fn get(&self, path: &str) -> ApiCall<'_> {
        self.call(Method::GET, path)
    }

    /// A POST of `path`; not sent again after a connection failure.
    pub fn post(&self, path: &str) -> ApiCall<'_> {
        self.call(Method::POST, path)
    }

    /// A PUT of `path`.
    pub fn put(&self, path: &str) -> ApiCall<'_> {
        self.call(Method::PUT, path)
    }

    /// A PATCH of `path`; not sent again after a connection failure.
    pub fn patch(&self, path: &str) -> ApiCall<'_> {
        self.call(Method::PATCH, path)
    }

    /// A DELETE of `path`.
    pub fn delete(&self, path: &str) -> ApiCall<'_> {
        self.call(Method::DELETE, path)
    }

    fn call(&self, method: Method, path: &str) -> ApiCall<'_> {
        // Idempotent methods (RFC 9110 §9.2.2) may be sent again after a connection failure.
        let retry =
            if matches!(method, Method::GET | Method::PUT | Method::DELETE) { Retry::Safe } else { Retry::Never };
        let mut url = self.base.clone();
        let mut fault = None;
        if path.split('/').any(|s| s == "." || s == "..") || path.contains(['?', '#', '\\']) {
            fault = Some(format!(
                "the path `{}` is not a plain path below the base address",
                crate::untrusted::shown(path)
            ));
        } else {
            let joined = format!("{}{}", url.path(), path.trim_start_matches('/'));
            url.set_path(&joined);
        }
        let timeout = self.remote.timeout();
        ApiCall { api: self, method, url, headers: Vec::new(), body: None, retry, timeout, fault }
    }
}

impl std::fmt::Debug for ErpApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErpApi").field("host", &self.host).field("auth", &self.auth).finish_non_exhaustive()
    }
}

/// One call being put together; nothing is sent before [`ApiCall::send`] or [`ApiCall::read`].
#[must_use = "a call is sent by .send() or .read()"]
pub struct ApiCall<'a> {
    api: &'a ErpApi,
    method: Method,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    retry: Retry,
    timeout: Duration,
    /// A mistake found while building, answered by `send` (the builder stays chainable).
    fault: Option<String>,
}

impl ApiCall<'_> {
    /// Appends one path segment, percent-encoded (`/`, `?` and `%` included), so that a value
    /// from EIS or the ERP cannot leave the path it is put into. `.` and `..` are refused.
    pub fn segment(mut self, value: impl std::fmt::Display) -> Self {
        let value = value.to_string();
        if value.is_empty() || value == "." || value == ".." {
            self.fault.get_or_insert_with(|| format!("`{}` is not a path segment", crate::untrusted::shown(&value)));
        } else if let Ok(mut segments) = self.url.path_segments_mut() {
            segments.pop_if_empty().push(&value);
        }
        self
    }

    /// The address as it stands.
    pub(crate) fn url(&self) -> &url::Url {
        &self.url
    }

    /// Sends the call to `url` instead (a next page's link, already checked to be below the base).
    pub(crate) fn at(mut self, url: url::Url) -> Self {
        self.url = url;
        self
    }

    /// Adds a query parameter, encoded.
    pub fn query(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.url.query_pairs_mut().append_pair(key, &value.to_string());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self.headers.push(("Content-Type".into(), "application/json".into()));
            }
            Err(e) => {
                self.fault.get_or_insert_with(|| format!("the body is not JSON: {e}"));
            }
        }
        self
    }

    /// Sends `pairs` as a form (`application/x-www-form-urlencoded`).
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.body = Some(form.into_bytes());
        self.headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
        self
    }

    /// Overrides whether the call is sent again after a connection failure (by default: GET,
    /// PUT and DELETE are, POST and PATCH are not). Say `Retry::Safe` for a POST that the ERP
    /// makes idempotent (an idempotency key).
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Overrides the client's deadline for this call (a long export, a quick probe).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends the call and reads a 2xx answer as JSON into `T`.
    pub async fn read<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        self.send().await?.json()
    }

    /// Sends the call: a 2xx answer is returned, any other status is an [`ApiError`]. A 429 or 503
    /// is waited out (its `Retry-After`, or a short backoff) and the call sent again while the
    /// deadline allows; a 401 with renewable credentials fetches a new token and sends it once more.
    pub async fn send(self) -> Result<ApiAnswer, ApiError> {
        let api = self.api;
        if let Some(fault) = self.fault {
            return Err(ApiError::Call { host: api.host.clone(), reason: fault });
        }
        let deadline = Instant::now() + self.timeout;
        let busy = || ApiError::Busy { host: api.host.clone(), status: None, retry_after: None };
        let _slot = tokio::time::timeout_at(deadline.into(), api.in_flight.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let mut renewed = false;
        let mut backoff = Duration::from_millis(250);
        loop {
            let credential = api.auth.header_value(&api.remote).await?;
            let mut headers = self.headers.clone();
            if let Some((name, value)) = &credential {
                headers.push((name.clone(), value.as_str().to_owned()));
            }
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            let outgoing = Outgoing {
                method: self.method.clone(),
                url: self.url.to_string(),
                headers,
                body: self.body.clone(),
                timeout: Some(left),
            };
            let answer = api.remote.exchange(outgoing, self.retry).await?;
            match answer.status {
                200..=299 => return Ok(ApiAnswer { answer, host: api.host.clone() }),
                401 if api.auth.renewable() && !renewed => {
                    renewed = true;
                    if let Some((_, used)) = &credential {
                        api.auth.forget(used).await;
                    }
                }
                429 | 503 => {
                    let wait = answer.retry_after.unwrap_or(backoff);
                    if Instant::now() + wait >= deadline {
                        return Err(ApiError::Busy {
                            host: api.host.clone(),
                            status: Some(answer.status),
                            retry_after: answer.retry_after,
                        });
                    }
                    tracing::debug!(host = %api.host, status = answer.status, wait_ms = wait.as_millis() as u64, "the ERP asks to wait");
                    tokio::time::sleep(wait).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                _ => return Err(refused(&api.host, &answer)),
            }
        }
    }
}

/// A 2xx answer of the ERP.
#[derive(Debug)]
pub struct ApiAnswer {
    answer: Incoming,
    host: String,
}

impl ApiAnswer {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.answer.status
    }

    /// The body as it came.
    pub fn bytes(&self) -> &[u8] {
        &self.answer.body
    }

    /// The body read as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        // An empty body reads as JSON `null` (a 204 to a call whose answer is `()` or an Option).
        let body: &[u8] =
            if self.answer.body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &self.answer.body };
        serde_json::from_slice(body).map_err(|e| {
            ApiError::Remote(RemoteError::BadAnswer {
                host: self.host.clone(),
                reason: format!("not the JSON expected ({e})"),
            })
        })
    }

    /// The `rel="next"` target of the answer's `Link` header (RFC 8288), for APIs that page so.
    pub fn next_link(&self) -> Option<String> {
        next_link(self.answer.link.as_deref()?)
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "rel=\"next\"" || p == "rel=next" || p.starts_with("rel=\"next ") || p.contains(" next\"")
        });
        next.then(|| target.to_owned())
    })
}

/// Why a call to an ERP's API did not succeed. Converts into a [`ConnectorError`] whose text
/// names the ERP's host (never the path or query, which may carry keys) and, where the ERP
/// explained a refusal, the ERP's own words, escaped and bounded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApiError {
    /// No answer: a timeout, no connection, or an answer that could not be read.
    Remote(RemoteError),
    /// The call was not made: a path segment that is not one, a body that is not JSON.
    Call {
        /// The ERP's host.
        host: String,
        /// What was wrong.
        reason: String,
    },
    /// 401 or 403: the credentials are wrong or lack a right (after a fresh token, where one can
    /// be fetched).
    Credentials {
        /// The ERP's host.
        host: String,
        /// The status.
        status: u16,
        /// The ERP's own explanation, if it gave one.
        text: Option<String>,
    },
    /// 404: the ERP has no such record (or the base address is wrong).
    NotFound {
        /// The ERP's host.
        host: String,
    },
    /// 400, 409 or 422: the ERP refused the call's content; its text is for the user.
    Rejected {
        /// The ERP's host.
        host: String,
        /// The status.
        status: u16,
        /// The ERP's own explanation, if it gave one.
        text: Option<String>,
    },
    /// 429 or 503 beyond the call's deadline, or no free slot for the call in time.
    Busy {
        /// The ERP's host.
        host: String,
        /// The status; `None` when the connector's own bound on calls in flight held the call.
        status: Option<u16>,
        /// When the ERP said to try again.
        retry_after: Option<Duration>,
    },
    /// Any other status (5xx: the ERP failing).
    Status {
        /// The ERP's host.
        host: String,
        /// The status.
        status: u16,
        /// The ERP's own explanation, if it gave one.
        text: Option<String>,
    },
}

impl ApiError {
    /// Whether the ERP answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }
}

impl From<RemoteError> for ApiError {
    fn from(e: RemoteError) -> Self {
        ApiError::Remote(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let said = |text: &Option<String>| text.as_ref().map(|t| format!(": {t}")).unwrap_or_default();
        match self {
            ApiError::Remote(e) => e.fmt(f),
            ApiError::Call { host, reason } => write!(f, "The call to the ERP at {host} was not sent: {reason}."),
            ApiError::Credentials { host, status, text } => write!(
                f,
                "The ERP at {host} refused the connector's credentials (HTTP {status}){}. Check them in the connection's settings.",
                said(text)
            ),
            ApiError::NotFound { host } => write!(f, "The ERP at {host} has no such record (HTTP 404)."),
            ApiError::Rejected { host, status, text } => {
                write!(f, "The ERP at {host} refused the change (HTTP {status}){}", said(text))
            }
            ApiError::Busy { host, status: None, .. } => {
                write!(f, "The connector has too many calls in flight to the ERP at {host}. Try again later.")
            }
            ApiError::Busy { host, status: Some(status), retry_after } => {
                let when = retry_after.map_or(String::from("later"), |after| format!("in {} s", after.as_secs()));
                write!(f, "The ERP at {host} refuses more requests for now (HTTP {status}). Try again {when}.")
            }
            ApiError::Status { host, status, text } => {
                write!(f, "The ERP at {host} failed (HTTP {status}){}", said(text))
            }
        }
    }
}

impl From<ApiError> for ConnectorError {
    /// The text for the user (bounded and escaped: it carries the ERP's words).
    fn from(e: ApiError) -> Self {
        let text = crate::untrusted::shown_within(&e.to_string(), 500).into_owned();
        ConnectorError::new(text.clone()).with_tech(text)
    }
}

/// The error of a non-2xx answer.
fn refused(host: &str, answer: &Incoming) -> ApiError {
    let (host, status, text) = (host.to_owned(), answer.status, erp_text(answer));
    match status {
        401 | 403 => ApiError::Credentials { host, status, text },
        404 => ApiError::NotFound { host },
        400 | 409 | 422 => ApiError::Rejected { host, status, text },
        429 | 503 => ApiError::Busy { host, status: Some(status), retry_after: answer.retry_after },
        _ => ApiError::Status { host, status, text },
    }
}

/// A token endpoint's refusal: 400 and 401 (RFC 6749 §5.2: `invalid_client`, `invalid_grant`)
/// are the credentials.
pub(crate) fn token_refused(host: &str, answer: &Incoming) -> ApiError {
    match answer.status {
        400 | 401 | 403 => {
            ApiError::Credentials { host: host.to_owned(), status: answer.status, text: erp_text(answer) }
        }
        _ => refused(host, answer),
    }
}

/// The longest ERP text carried into an answer.
const MAX_ERP_TEXT: usize = 300;

/// What the ERP said about a refusal: the first text among the common JSON error shapes
/// (`message`, `error_description`, `error`, `detail`, `title`, `errors[..]`), or a short plain-text
/// body; escaped and bounded (the ERP's words reach SuperOffice users).
fn erp_text(answer: &Incoming) -> Option<String> {
    let text = match serde_json::from_slice::<serde_json::Value>(&answer.body) {
        Ok(json) => json_text(&json)?,
        Err(_) => {
            let plain = answer.content_type.as_deref().is_some_and(|t| t.starts_with("text/plain"));
            let body = std::str::from_utf8(&answer.body).ok().filter(|_| plain)?;
            body.trim().to_owned()
        }
    };
    let text = text.trim();
    (!text.is_empty()).then(|| crate::untrusted::shown_within(text, MAX_ERP_TEXT).into_owned())
}

fn json_text(json: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match json {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => ["message", "error_description", "detail", "title", "error", "errors"]
            .iter()
            .find_map(|key| json_text(map.get(*key)?)),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().take(5).filter_map(json_text).collect();
            (!texts.is_empty()).then(|| texts.join("; "))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;

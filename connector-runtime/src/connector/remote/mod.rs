//! Calls to the ERP over HTTP, for connectors whose ERP has a web API: a deadline on every call,
//! a bounded answer, no redirects (a redirect would lead past the allow-list the ERP's address was
//! checked against), a second attempt only where that is safe, and failures that become clear
//! answers rather than hangs or stack traces.
//!
//! Two levels:
//!
//! * [`ErpApi`], for REST-style APIs: a base address from the configuration ([`ErpAddress`], a
//!   field the derive requires an allow-list on), every method, path segments and query
//!   parameters encoded, JSON and form bodies, credentials ([`Auth`]: API key, basic, bearer,
//!   OAuth2 client credentials), a deadline per call that covers waiting out the ERP's rate limit
//!   (429 and 503 with `Retry-After`), a bound on calls in flight, and statuses turned into
//!   answers ([`ApiError`]: 401/403 the credentials, 404 no such record, 400/409/422 the ERP's own
//!   words for the user, 5xx the ERP failing), naming the ERP's host, never the path or query;
//! * [`Remote`], one JSON POST with any status as an answer, for RPC protocols whose statuses mean
//!   something of their own (Tryton's JSON-RPC).
//!
//! ```no_run
//! use std::time::Duration;
//! use erp_connector::connector::remote::{Remote, Retry};
//!
//! # async fn demo() -> Result<(), erp_connector::connector::ConnectorError> {
//! let erp = Remote::new(Duration::from_secs(10));
//! let answer = erp
//!     .post_json("http://erp.example:8000/db/rpc/", &[], &serde_json::json!({"method": "common.version"}), Retry::Safe)
//!     .await?;
//! println!("{} {}", answer.status, answer.json);
//! # Ok(()) }
//! ```
//!
//! The calls run on the blocking pool (ureq, the HTTP client the runtime already had: small,
//! rustls, no second async stack to build), so a slow ERP holds a pool thread, never the worker
//! that answers other connections; [`ErpApi`]'s bound on calls in flight bounds those threads per
//! connection too.

use std::time::Duration;

use super::ConnectorError;

mod address;
mod api;
mod auth;
mod paging;
#[cfg(test)]
mod test_erp;

pub use address::ErpAddress;
pub use api::{ApiAnswer, ApiCall, ApiError, DEFAULT_MAX_IN_FLIGHT, ErpApi};
pub use auth::{Auth, OAuth2};
pub use paging::{Pages, Paging};

/// Whether a call may be sent again after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// A read: sent once more, after a short pause, when the connection failed before an answer
    /// (the ERP restarting). Not after a timeout: a hung ERP would double the wait.
    Safe,
    /// A write: sent once; whether it took effect when the connection broke is not known, so the
    /// failure is answered as it is.
    Never,
}

/// An answer of the ERP: its HTTP status and its body as JSON (`Null` for an empty or non-JSON
/// body of a non-2xx status).
#[derive(Debug, Clone)]
pub struct RemoteAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body, read as JSON.
    pub json: serde_json::Value,
    /// The `Retry-After` of a 429 or 503 answer (seconds, or an HTTP date as the wait until it).
    pub retry_after: Option<Duration>,
}

impl RemoteAnswer {
    /// The answer for the user when the ERP refuses requests for now: HTTP 429 (too many
    /// requests, often its own bound on failed logins) or 503 (unavailable), with when to try
    /// again if it said so; `None` for any other status.
    ///
    /// ```
    /// # use erp_connector::connector::remote::RemoteAnswer;
    /// let answer = RemoteAnswer { status: 429, json: serde_json::Value::Null, retry_after: Some(std::time::Duration::from_secs(60)) };
    /// let e = answer.refused_for_now().unwrap();
    /// assert!(e.to_string().contains("too many requests") && e.to_string().contains("60 s"));
    /// ```
    pub fn refused_for_now(&self) -> Option<ConnectorError> {
        let why = match self.status {
            429 => {
                "The ERP refuses more requests from the connector for now (HTTP 429: too many requests; \
                    an ERP answers so after repeated failed logins, too)"
            }
            503 => "The ERP is unavailable for now (HTTP 503)",
            _ => return None,
        };
        let when = self.retry_after.map_or(String::from("later"), |after| format!("in {} s", after.as_secs()));
        Some(ConnectorError::new(format!("{why}. Try again {when}.")))
    }
}

/// One request as the client sends it.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: ureq::http::Method,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    /// This request's deadline, where it is not the client's.
    pub(crate) timeout: Option<Duration>,
}

/// One answer as the client read it: any status, the body bounded.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) content_type: Option<String>,
    pub(crate) link: Option<String>,
}

/// A `Retry-After` value: seconds, or an HTTP date (as a wait from `now`, none if past).
fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - now).to_std().ok()
}

/// Why a call to the ERP failed. Not a `std::error::Error`: it converts into a
/// [`ConnectorError`] of its own (a text for the user), not the general conversion that keeps an
/// error's text out of the user's sight.
#[derive(Debug, Clone)]
pub enum RemoteError {
    /// No answer before the deadline.
    Timeout {
        /// The ERP's host (and port).
        host: String,
        /// The deadline.
        after: Duration,
    },
    /// No connection (refused, reset, unknown host, TLS).
    Unreachable {
        /// The ERP's host (and port).
        host: String,
        /// What failed.
        reason: String,
    },
    /// A 2xx answer that is not JSON, or one larger than the limit.
    BadAnswer {
        /// The ERP's host (and port).
        host: String,
        /// What was wrong with it.
        reason: String,
    },
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteError::Timeout { host, after } => {
                write!(f, "The ERP at {host} did not answer within {} s.", after.as_secs_f32())
            }
            RemoteError::Unreachable { host, reason } => write!(f, "The ERP cannot be reached at {host}: {reason}."),
            RemoteError::BadAnswer { host, reason } => {
                write!(f, "The ERP at {host} answered something unreadable: {reason}.")
            }
        }
    }
}

impl From<RemoteError> for ConnectorError {
    /// A text for the user, said once (the host is the connection's own configured address,
    /// shown escaped), and the same as the technical explanation.
    fn from(e: RemoteError) -> Self {
        let text = crate::untrusted::shown_within(&e.to_string(), 300).into_owned();
        ConnectorError::new(text.clone()).with_tech(text)
    }
}

/// The default limit on an answer's size.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 64 << 20;

/// An HTTP client for the ERP's API (cheap to clone: the connection pool is shared).
#[derive(Clone)]
pub struct Remote {
    agent: ureq::Agent,
    timeout: Duration,
    max_answer_bytes: u64,
}

impl Remote {
    /// A client whose every call ends within `timeout` (connecting, sending and reading).
    pub fn new(timeout: Duration) -> Remote {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        Remote { agent, timeout, max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES }
    }

    /// Builder: answers larger than `bytes` fail as [`RemoteError::BadAnswer`].
    pub fn with_max_answer_bytes(mut self, bytes: u64) -> Remote {
        self.max_answer_bytes = bytes;
        self
    }

    /// The deadline of each call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs `body` as JSON to `url` with `headers`. Any HTTP status is an answer (the caller
    /// knows what its ERP means by a 401); a 2xx body must be JSON.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
        retry: Retry,
    ) -> Result<RemoteAnswer, RemoteError> {
        let mut headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        headers.push(("Content-Type".into(), "application/json".into()));
        let outgoing = Outgoing {
            method: ureq::http::Method::POST,
            url: url.to_owned(),
            headers,
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
            timeout: None,
        };
        let host = host_of(url);
        let answer = self.exchange(outgoing, retry).await?;
        let ok = (200..300).contains(&answer.status);
        let json = match serde_json::from_slice(&answer.body) {
            Ok(json) => json,
            Err(e) if ok => return Err(RemoteError::BadAnswer { host, reason: format!("not JSON ({e})") }),
            Err(_) => serde_json::Value::Null,
        };
        Ok(RemoteAnswer { status: answer.status, json, retry_after: answer.retry_after })
    }

    /// Sends `outgoing` on the blocking pool, once more after a connection failure when `retry`
    /// allows. Any HTTP status is an answer.
    pub(crate) async fn exchange(&self, outgoing: Outgoing, retry: Retry) -> Result<Incoming, RemoteError> {
        let host = host_of(&outgoing.url);
        let outgoing = std::sync::Arc::new(outgoing);
        let attempts = if retry == Retry::Safe { 2 } else { 1 };
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            let (this, outgoing) = (self.clone(), outgoing.clone());
            let outcome = tokio::task::spawn_blocking(move || this.exchange_blocking(&outgoing)).await;
            let outcome = outcome.unwrap_or_else(|_| {
                Err(RemoteError::Unreachable { host: host.clone(), reason: "the call was cancelled".into() })
            });
            match outcome {
                Err(e @ RemoteError::Unreachable { .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| RemoteError::Unreachable { host, reason: "no attempt".into() }))
    }

    fn exchange_blocking(&self, outgoing: &Outgoing) -> Result<Incoming, RemoteError> {
        let host = host_of(&outgoing.url);
        let mut request = ureq::http::Request::builder().method(outgoing.method.clone()).uri(outgoing.url.as_str());
        let has_accept = outgoing.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept"));
        if !has_accept {
            request = request.header("Accept", "application/json");
        }
        for (k, v) in &outgoing.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let bad_request = |e: ureq::http::Error| RemoteError::Unreachable { host: host.clone(), reason: e.to_string() };
        let response = match &outgoing.body {
            Some(body) => self.run(request.body(&body[..]).map_err(bad_request)?, outgoing.timeout),
            None => self.run(request.body(()).map_err(bad_request)?, outgoing.timeout),
        };
        let timeout = outgoing.timeout.unwrap_or(self.timeout);
        let mut response = response.map_err(|e| failure(&host, timeout, e))?;
        let status = response.status().as_u16();
        let body =
            response.body_mut().with_config().limit(self.max_answer_bytes).read_to_vec().map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(n) => {
                    RemoteError::BadAnswer { host: host.clone(), reason: format!("larger than {n} bytes") }
                }
                e => failure(&host, timeout, e),
            })?;
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = header("retry-after").and_then(|v| retry_after(&v, std::time::SystemTime::now().into()));
        let content_type = header("content-type");
        let link = header("link");
        Ok(Incoming { status, body, retry_after, content_type, link })
    }

    fn run<S: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<S>,
        timeout: Option<Duration>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let request = match timeout {
            Some(t) => self.agent.configure_request(request).timeout_global(Some(t)).build(),
            None => request,
        };
        self.agent.run(request)
    }
}

/// The error of a call that got no answer within `timeout`, or none at all.
fn failure(host: &str, timeout: Duration, e: ureq::Error) -> RemoteError {
    let host = host.to_owned();
    match e {
        ureq::Error::Timeout(_) => RemoteError::Timeout { host, after: timeout },
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            RemoteError::Timeout { host, after: timeout }
        }
        ureq::Error::HostNotFound => RemoteError::Unreachable { host, reason: "unknown host".into() },
        // The kind alone ("connection refused"): the whole error repeats what failed and adds
        // the OS's error number.
        ureq::Error::Io(io) => RemoteError::Unreachable { host, reason: io.kind().to_string() },
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            RemoteError::Unreachable { host, reason: "it redirects elsewhere (not followed)".into() }
        }
        e => RemoteError::Unreachable { host, reason: e.to_string() },
    }
}

/// The host and port of `url`, for messages (never the path: it may carry a database name or
/// a token).
pub(crate) fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').map_or(authority, |(_, h)| h).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().to_utc();
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Mon, 07 Dec 2026 10:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Mon, 07 Dec 2026 09:00:00 GMT", now), None, "a date past");
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn messages_name_the_host_only() {
        assert_eq!(host_of("http://user:pw@erp.example:8000/db/rpc/?x"), "erp.example:8000");
        assert_eq!(host_of("erp.example"), "erp.example");
        let e: ConnectorError =
            RemoteError::Timeout { host: "erp.example:8000".into(), after: Duration::from_secs(3) }.into();
        assert_eq!(e.to_string(), "The ERP at erp.example:8000 did not answer within 3 s.");
    }

    /// A one-answer HTTP server; the connections it accepted.
    fn serve(answer: &'static [u8], delay: Duration) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                std::thread::spawn(move || {
                    use std::io::{Read, Write};
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    std::thread::sleep(delay);
                    let _ = stream.write_all(answer);
                });
            }
        });
        (format!("http://{addr}/db/rpc/"), accepted)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn answers_timeouts_and_refusals() {
        let rt = runtime();
        let body = serde_json::json!({"method": "x"});
        let (ok, _) = serve(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\": 1.5}",
            Duration::ZERO,
        );
        let remote = Remote::new(Duration::from_millis(500));
        let answer = rt.block_on(remote.post_json(&ok, &[("Authorization", "x")], &body, Retry::Safe)).unwrap();
        assert_eq!((answer.status, answer.json["id"].as_f64()), (200, Some(1.5)));
        // A 401 with an HTML body is an answer, its body Null.
        let (denied, _) = serve(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\n<html>", Duration::ZERO);
        let answer = rt.block_on(remote.post_json(&denied, &[], &body, Retry::Never)).unwrap();
        assert_eq!((answer.status, answer.json.is_null()), (401, true));
        // A 200 that is not JSON, and one too large.
        let (html, _) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<html>", Duration::ZERO);
        let e = rt.block_on(remote.post_json(&html, &[], &body, Retry::Never)).unwrap_err();
        assert!(matches!(e, RemoteError::BadAnswer { .. }), "{e}");
        let e =
            rt.block_on(remote.clone().with_max_answer_bytes(4).post_json(&ok, &[], &body, Retry::Never)).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        // A hung ERP: the deadline, once (no second attempt after a timeout).
        let (hung, accepted) = serve(b"HTTP/1.1 200 OK\r\n\r\n", Duration::from_secs(3));
        let e = rt.block_on(remote.post_json(&hung, &[], &body, Retry::Safe)).unwrap_err();
        assert!(matches!(e, RemoteError::Timeout { .. }), "{e}");
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Nobody listening: unreachable, after the second attempt of a safe call.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e =
            rt.block_on(remote.post_json(&format!("http://127.0.0.1:{port}/"), &[], &body, Retry::Safe)).unwrap_err();
        assert!(matches!(e, RemoteError::Unreachable { .. }), "{e}");
        let said = ConnectorError::from(e).to_string();
        assert!(said.starts_with("The ERP cannot be reached at 127.0.0.1:"), "{said}");
        assert!(said.ends_with(": connection refused.") && said.matches("reached").count() == 1, "said once: {said}");
        // Refused for now: a 429 with Retry-After is its own answer.
        let (busy, _) =
            serve(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n", Duration::ZERO);
        let answer = rt.block_on(remote.post_json(&busy, &[], &body, Retry::Never)).unwrap();
        assert_eq!((answer.status, answer.retry_after), (429, Some(Duration::from_secs(120))));
        let said = answer.refused_for_now().unwrap().to_string();
        assert!(said.contains("HTTP 429") && said.ends_with("Try again in 120 s."), "{said}");
        assert!(
            RemoteAnswer { status: 401, json: serde_json::Value::Null, retry_after: None }.refused_for_now().is_none()
        );
    }

    /// At trace level a call logs no byte of what it sent: not the session's `Authorization`
    /// header, not the body (the HTTP client's protocol layer dumps both, as hex rows).
    #[test]
    fn trace_logs_carry_no_erp_credentials() {
        let (url, _) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", Duration::ZERO);
        let remote = Remote::new(Duration::from_secs(5));
        let outgoing = Outgoing {
            method: ureq::http::Method::POST,
            url,
            headers: vec![("Authorization".to_owned(), "Session c2VjcmV0LXNlc3Npb24=".to_owned())],
            body: Some(serde_json::to_vec(&serde_json::json!({"password": "Very-Secret-42"})).unwrap()),
            timeout: None,
        };
        let call = || drop(remote.exchange_blocking(&outgoing).unwrap());
        // The protocol layer does dump what it sends at trace level, unfiltered (hex rows with
        // the text beside them)...
        let raw = crate::test_logs::logged_through(tracing_subscriber::EnvFilter::new("trace"), call);
        assert!(raw.contains("ureq_proto::util") && raw.contains("Sess"), "the test sees the dump it guards against");
        // ...and the service's filter keeps it out, whatever level is asked for.
        let logged = crate::test_logs::logged_through(crate::service::log_filter("trace"), call);
        assert!(logged.contains("ureq::run"), "trace logging was on: {logged}");
        assert!(!logged.contains("ureq_proto::util"), "{logged}");
        for secret in ["Session", "c2VjcmV0", "Very-Secret-42", "Very"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
    }
}

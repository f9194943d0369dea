//! The admin listener (`ERP_CONNECTOR_ADMIN_BIND`): what the people who run a connector read,
//! apart from the SOAP listener and behind a token (`ERP_CONNECTOR_ADMIN_TOKEN`), sent as
//! `Authorization: Bearer <token>` or typed once into the login form, which sets an HttpOnly
//! cookie. Serves the status page (`/`, [`page`]) and `/metrics` (Prometheus text format).

mod page;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::header, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::bounded::Bounded;
use crate::store::ConnectionStore;
use crate::sync::lock;

/// The shortest token accepted: a guessable one would open the page to anyone.
pub(super) const MIN_TOKEN_CHARS: usize = 16;
/// The cookie the login form sets.
const COOKIE: &str = "erp_connector_admin";
/// How long a login lasts.
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);
/// Most logins kept at once (the oldest is dropped first).
const MAX_SESSIONS: usize = 32;
/// How often the metrics recorder folds its histograms' pending samples.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);
/// A wrong token waits this long before its answer (slows guessing; the token is long anyway).
const WRONG_TOKEN_DELAY: Duration = Duration::from_millis(250);
/// Wrong tokens one source may send a minute; then it is answered 429, its tokens not compared.
const WRONG_TOKENS_PER_MINUTE: u32 = 10;
/// The fewest different characters a token must have: `aaaaaaaaaaaaaaaa` is 16 characters.
pub(super) const MIN_TOKEN_DISTINCT_CHARS: usize = 8;

/// What is wrong with `token` as the admin token, if anything.
pub(super) fn token_problem(token: &str) -> Option<String> {
    let distinct = token.chars().collect::<std::collections::HashSet<_>>().len();
    (token.chars().count() < MIN_TOKEN_CHARS || distinct < MIN_TOKEN_DISTINCT_CHARS).then(|| {
        format!(
            "ERP_CONNECTOR_ADMIN_TOKEN must be {MIN_TOKEN_CHARS} characters or more, {MIN_TOKEN_DISTINCT_CHARS} of them \
             different (random ones: `openssl rand -base64 24`), the bearer token the admin listener asks for"
        )
    })
}

/// Whether a request may read the admin listener.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    Granted,
    /// No token, or a wrong one.
    Refused,
    /// Too many wrong tokens from this source lately: not compared.
    Throttled,
}

/// A connector hosted by the service, as the status page shows it.
pub(super) struct ConnectorView {
    /// Its name.
    pub name: String,
    /// The configuration fields that may be shown, as (key, display name): never a secret.
    pub shown_fields: Vec<(String, String)>,
    /// The keys of its secret fields (their values are blotted out of error texts too).
    pub secret_keys: Vec<String>,
}

/// What the admin listener needs.
pub(super) struct Admin {
    /// Where it listens.
    pub bind: String,
    /// The token it asks for.
    pub token: Arc<str>,
    /// The metrics recorder's handle.
    pub metrics: &'static PrometheusHandle,
    /// The store, for the connections' display values, the counts and the health.
    pub store: Arc<dyn ConnectionStore>,
    /// Whether the store is shared by replicas (PostgreSQL): the page says it shows one.
    pub shared_store: bool,
    /// The hosted connectors, in the order the service mounted them.
    pub hosted: Vec<ConnectorView>,
}

/// The listener's state: the settings and the logins made through the form.
struct State {
    admin: Admin,
    activity: &'static crate::activity::Activity,
    /// Session ids and when each began.
    sessions: Mutex<Bounded<String, Instant>>,
    /// Wrong tokens per source.
    wrong: super::per_source::PerSource,
}

/// Whether `given` equals `expected`, in time that does not depend on where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for (i, e) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
    }
    diff == 0
}

impl State {
    /// Whether `req` carries the token (`Authorization: Bearer <token>`) or a login's cookie; a
    /// source that sent too many wrong ones lately is not compared at all.
    fn access(&self, req: &HttpRequest) -> Access {
        let bearer = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let given = bearer.strip_prefix("Bearer ");
        let cookie = req.cookie(COOKIE);
        if given.is_none() && cookie.is_none() {
            return Access::Refused;
        }
        let source = req.peer_addr().map(|a| a.ip());
        if self.wrong.spent(source) {
            return Access::Throttled;
        }
        let right = match (given, cookie) {
            (Some(given), _) => same_secret(given.trim().as_bytes(), self.admin.token.as_bytes()),
            (None, Some(cookie)) => {
                let mut sessions = lock(&self.sessions);
                sessions.retain(|_, since| since.elapsed() < SESSION_LIFE);
                // Every session compared whole, whichever matches.
                sessions
                    .iter()
                    .fold(false, |found, (id, _)| same_secret(cookie.value().as_bytes(), id.as_bytes()) | found)
            }
            (None, None) => false,
        };
        if right {
            return Access::Granted;
        }
        self.wrong.admit(source);
        Access::Refused
    }

    /// A new login's session id.
    fn open_session(&self) -> Option<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).ok()?;
        let id = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let ended = |since: &Instant| since.elapsed() >= SESSION_LIFE;
        lock(&self.sessions).insert(id.clone(), Instant::now(), ended);
        Some(id)
    }

    fn close_session(&self, req: &HttpRequest) {
        if let Some(cookie) = req.cookie(COOKIE) {
            let mut sessions = lock(&self.sessions);
            sessions.retain(|id, _| !same_secret(cookie.value().as_bytes(), id.as_bytes()));
        }
    }
}

/// Headers of every page: nothing loaded from elsewhere, no framing, no caching, no referrer.
fn html(mut response: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

fn throttled() -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, "60"))
        .content_type("text/plain")
        .body("too many wrong tokens from this address: try again in a minute\n")
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"erp-connector admin\""))
        .content_type("text/plain")
        .body("a bearer token is needed (ERP_CONNECTOR_ADMIN_TOKEN)\n")
}

async fn metrics(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    match state.access(&req) {
        Access::Granted => {}
        Access::Refused => return unauthorized(),
        Access::Throttled => return throttled(),
    }
    let store = state.admin.store.clone();
    let names = state.admin.hosted.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
    let counts = web::block(move || names.into_iter().map(|n| (store.count(&n), n)).collect::<Vec<_>>()).await;
    for (count, name) in counts.unwrap_or_default() {
        if let Ok(count) = count {
            crate::metrics::connections(&name, count);
        }
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.admin.metrics.render())
}

async fn status(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    match state.access(&req) {
        Access::Granted => {}
        Access::Refused => {
            let mut refused = HttpResponse::Unauthorized();
            refused.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"erp-connector admin\""));
            return html(refused, page::login(None));
        }
        Access::Throttled => return throttled(),
    }
    let snapshot = state.activity.snapshot(SystemTime::now());
    let shown = page::chosen(&snapshot);
    let store = state.admin.store.clone();
    let names = state.admin.hosted.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
    let keys = shown.iter().map(|c| (c.connector, c.guid)).collect::<Vec<_>>();
    // The store is read on the blocking pool: the values shown, the counts, the health.
    let read = web::block(move || {
        let values = keys
            .into_iter()
            .map(|(connector, guid)| {
                let loaded = store.load(names.get(connector).map_or("", String::as_str), guid);
                loaded.map(|record| record.filter(|r| !r.is_deleted()).map(|r| r.values))
            })
            .collect::<Vec<_>>();
        let counts = names.iter().map(|n| store.count(n).ok()).collect::<Vec<_>>();
        (values, counts, store.check())
    })
    .await;
    let Ok((values, counts, health)) = read else {
        return HttpResponse::ServiceUnavailable().content_type("text/plain").body("the status could not be read\n");
    };
    if let Err(e) = &health {
        tracing::warn!(error = %e, "status page: the connection store cannot serve");
    }
    let view = page::View {
        snapshot: &snapshot,
        shown: &shown,
        values: &values,
        counts: &counts,
        store_ready: health.is_ok(),
        shared_store: state.admin.shared_store,
        hosted: &state.admin.hosted,
        replica: page::Replica::this(),
    };
    html(HttpResponse::Ok(), page::status(&view))
}

async fn login_form() -> HttpResponse {
    html(HttpResponse::Ok(), page::login(None))
}

/// The login form's fields.
#[derive(serde::Deserialize)]
struct Login {
    token: String,
}

async fn login(req: HttpRequest, form: web::Form<Login>, state: web::Data<State>) -> HttpResponse {
    let source = req.peer_addr().map(|a| a.ip());
    if state.wrong.spent(source) {
        return throttled();
    }
    if !same_secret(form.token.trim().as_bytes(), state.admin.token.as_bytes()) {
        state.wrong.admit(source);
        actix_web::rt::time::sleep(WRONG_TOKEN_DELAY).await;
        return html(HttpResponse::Unauthorized(), page::login(Some("That is not the admin token.")));
    }
    let Some(id) = state.open_session() else {
        return HttpResponse::ServiceUnavailable().content_type("text/plain").body("no random numbers\n");
    };
    let cookie = actix_web::cookie::Cookie::build(COOKIE, id)
        .path("/")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(SESSION_LIFE.as_secs() as i64))
        .finish();
    HttpResponse::SeeOther().cookie(cookie).insert_header((header::LOCATION, "/")).finish()
}

async fn logout(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    state.close_session(&req);
    let mut gone = actix_web::cookie::Cookie::build(COOKIE, "").path("/").http_only(true).finish();
    gone.make_removal();
    HttpResponse::SeeOther().cookie(gone).insert_header((header::LOCATION, "/login")).finish()
}

/// Starts the admin listener on the current actix system; its handle stops it.
/// It is bounded and timed like the SOAP listener (`plan`: its share of the open-file limit),
/// whatever the token: a flood of connections to it cannot reach the SOAP side.
pub(super) fn start(
    admin: Admin,
    plan: &super::tcp::Plan,
    settings: &super::Settings,
) -> std::io::Result<(actix_web::dev::ServerHandle, Vec<std::net::SocketAddr>)> {
    let (bind, recorder) = (admin.bind.clone(), admin.metrics);
    let timeout = std::time::Duration::from_secs(settings.client_timeout_secs.max(1));
    let gate = super::tcp::Gate::new(super::tcp::Rules {
        listener: "admin",
        per_source: plan.admin_per_source,
        exempt: Vec::new(),
        admit_only: Vec::new(),
        outsiders: 0,
        idle: timeout,
    });
    gate.watch();
    let activity = crate::activity::install();
    let wrong = super::per_source::PerSource::new(WRONG_TOKENS_PER_MINUTE, Duration::from_secs(60));
    let data = web::Data::new(State { admin, activity, sessions: Mutex::new(Bounded::new(MAX_SESSIONS)), wrong });
    let server = HttpServer::new(move || {
        App::new()
            .wrap_fn(super::tcp::timed)
            .app_data(data.clone())
            .app_data(web::FormConfig::default().limit(4096))
            .route("/", web::get().to(status))
            .route("/login", web::get().to(login_form))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/metrics", web::get().to(metrics))
            .default_service(web::to(|| async { HttpResponse::NotFound().finish() }))
    })
    .workers(1)
    .max_connections(plan.admin)
    .client_request_timeout(timeout)
    .on_connect(move |connection, data| gate.on_connect(connection, data))
    .disable_signals()
    .bind(&bind)
    .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {bind} (ERP_CONNECTOR_ADMIN_BIND): {e}")))?;
    let addrs = server.addrs();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    // The recorder keeps each histogram sample until upkeep folds it into the buckets; a scrape
    // does that too, but without one (no Prometheus yet, a slow one) memory would grow per call.
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(UPKEEP_EVERY);
        loop {
            every.tick().await;
            recorder.run_upkeep();
        }
    });
    Ok((handle, addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_secret(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdeX", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdef0", b"0123456789abcdef"));
        assert!(!same_secret(b"", b"0123456789abcdef"));
    }
}

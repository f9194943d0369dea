//! The SOAP endpoint on actix-web: POST carries calls, GET `?wsdl` / `?singleWsdl` the WSDL.
//!
//! Every answer is SOAP: a response (HTTP 200), or a SOAP 1.1 fault (HTTP 500, or 413 / 415 where
//! HTTP has a more precise status) for an unreadable envelope, an unknown action, a body over the
//! size limit or a SOAP 1.2 content type. Never an HTML error page. A handler that panics is
//! answered with `IsOk=false, State=Error` in the operation's own response class, as the contract
//! wants failures reported. `Expect: 100-continue` (sent by WCF clients on every request) is
//! answered by actix-web before the body is read.
//!
//! ```no_run
//! use erp_connector::contract::{Request, Response};
//! use erp_connector::http::{CallContext, LocalBoxFuture, SoapEndpoint, SoapHandler};
//!
//! struct Echo;
//! impl SoapHandler for Echo {
//!     fn handle(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Response> {
//!         Box::pin(async move { Response::empty(request.operation()) })
//!     }
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let endpoint = SoapEndpoint::new(Echo);
//!     actix_web::HttpServer::new(move || {
//!         actix_web::App::new().service(endpoint.resource("/Services/ErpConnectorWS.svc"))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```

mod guard;
mod request;
mod shapes;
mod streaming;

pub(crate) use guard::canonical;
pub use guard::{Origin, SourcePolicy};
pub use shapes::{MAX_CALLERS, MAX_SKIPPED_LOGGED, STORE_READ_INTERVAL, ShapeMemory};
pub use streaming::SPOOL_AFTER_BYTES;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt as _;
/// The future a [`SoapHandler`] returns (re-exported so handlers need no extra dependency).
pub use futures_util::future::LocalBoxFuture;
use tracing::Instrument as _;

use crate::contract::schema::RecordType as _;
use crate::contract::{Operation, Request, Response, ResponseStatus};
use crate::observe::Call;
use crate::soap::{self, Fault, Limits, ProfileChoice, ReadError, WireProfile};

/// The header that carries a request's id (`X-Request-Id`).
pub const REQUEST_ID: &str = "x-request-id";

/// The id of a request: the one a trusted proxy sent in `X-Request-Id` (1 to 128 letters, digits,
/// `.`, `_`, `:` or `-`), else a new one. A caller that is no trusted proxy cannot choose it.
fn request_id(req: &HttpRequest, from_trusted_proxy: bool) -> String {
    let sent = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::trim);
    let usable = |id: &&str| {
        (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b))
    };
    match sent.filter(usable) {
        Some(id) if from_trusted_proxy => id.to_owned(),
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// What answers decoded calls. The runtime's connector dispatch implements it; tests may too.
pub trait SoapHandler: Send + Sync + 'static {
    /// Answers one call from `call`'s client. The response must be of the operation's response
    /// class; a wrong one is logged and replaced by an error answer.
    fn handle(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Response>;

    /// Answers SuperOffice Online's `Authenticate` handshake, naming the tenant of an accepted
    /// one. Default: refused.
    fn authenticate(&self, signed_token: &str) -> crate::auth::HandshakeAnswer {
        let _ = signed_token;
        crate::auth::HandshakeAnswer::refused("SuperOffice Online authentication is not set up for this connector")
    }

    /// Answers one call, possibly with actors still to come (`WSGetActorsByTimestamp`), which
    /// the endpoint then writes as they come. Default: [`SoapHandler::handle`].
    fn handle_streaming(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Answer> {
        Box::pin(async move { Answer::Whole(self.handle(call, request).await) })
    }

    /// Configuration keys whose values are secrets (redacted in capture mode). Default: none.
    fn secret_keys(&self) -> Vec<String> {
        Vec::new()
    }

    /// The configuration fields the status page may show, as (key, display name): every
    /// declared field but the secrets. Default: none.
    fn shown_fields(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// What the HTTP layer knows of a call, handed to the handler with its request: passed, never
/// kept where other code would have to find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The client's address, after the trusted-proxy rules.
    pub client: std::net::IpAddr,
    /// The request's id (a trusted proxy's `X-Request-Id`, else a generated one).
    pub request_id: String,
}

impl CallContext {
    /// A call from `client` that no HTTP request carried (tests, tools).
    pub fn local(client: std::net::IpAddr) -> CallContext {
        CallContext { client, request_id: String::new() }
    }
}

/// A handler's answer: whole, or an `ActorArrayPluginResponseWS` whose actors are still to
/// come; an `Err` item ends the answer with that status after the actors before it.
#[allow(clippy::large_enum_variant)] // made once per call and moved at once; boxing buys nothing
pub enum Answer {
    /// The whole response.
    Whole(Response),
    /// The actors of the response, as they come, then (optionally) the status it ends with.
    Actors(futures_util::stream::LocalBoxStream<'static, WireItem>),
}

/// One item of a streamed answer.
#[derive(Debug)]
pub enum WireItem {
    /// An actor.
    Actor(crate::contract::ErpActor),
    /// The status the answer ends with: a failure (the actors sent are dropped where the profile
    /// allows), or a successful one with its texts. A stream that just ends is `Ok`.
    End(ResponseStatus),
}

/// Bytes gathered before a chunk of a streamed answer is handed to the connection.
const STREAM_CHUNK: usize = 64 * 1024;

/// Settings of a SOAP endpoint.
#[derive(Clone, Debug)]
pub struct EndpointSettings {
    /// The body shape on the wire (spec §4.5): `auto` (each caller in the shape it speaks) or a
    /// fixed profile.
    pub profile: ProfileChoice,
    /// The shape `auto` answers in while neither the caller nor the deployment has shown one.
    pub profile_fallback: WireProfile,
    /// Where `auto` keeps the deployment's last detected shape (the service: the connection
    /// store); `None`: in memory only.
    pub shape_memory: Option<Arc<dyn ShapeMemory>>,
    /// Reader limits.
    pub limits: Limits,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether faults carry internal details (WCF's `IncludeExceptionDetailInFaults`); for
    /// debugging only.
    pub fault_details: bool,
    /// Capture mode: where every exchange is written, secrets redacted (see [`crate::capture`]).
    pub capture: Option<Arc<crate::capture::Capture>>,
    /// Longest a connector method may take before the call is answered with `State=Error`
    /// (for a streamed answer: the longest wait for the next actor). `None`: no limit.
    pub call_timeout: Option<std::time::Duration>,
    /// Longest a client may take to send a request body; a slower one is answered with a
    /// fault (HTTP 408) and its connection closed.
    pub body_timeout: std::time::Duration,
    /// Who may call, and whose forwarded headers are believed.
    pub sources: SourcePolicy,
}

/// The default [`EndpointSettings::max_body_bytes`]: requests are small (the largest, a
/// `WSSaveActors` of many actors, is some hundred KiB; the large messages are answers), and a
/// body is held in memory whole before it is read.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The default [`EndpointSettings::call_timeout`]. EIS's own timeouts are unknown (spec §10);
/// a WCF client gives up after one minute by default, so the connector answers before that.
pub const DEFAULT_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(55);

impl Default for EndpointSettings {
    fn default() -> Self {
        EndpointSettings {
            profile: ProfileChoice::Auto,
            profile_fallback: WireProfile::MessageContract,
            shape_memory: None,
            limits: Limits::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            fault_details: false,
            capture: None,
            call_timeout: Some(DEFAULT_CALL_TIMEOUT),
            body_timeout: std::time::Duration::from_secs(30),
            sources: SourcePolicy::default(),
        }
    }
}

struct Inner {
    /// `(connector name, handler)`; the first answers when no `?ConnectorName=` is given.
    handlers: Vec<(String, Box<dyn SoapHandler>)>,
    settings: EndpointSettings,
    /// Handshakes in flight at once: one per core, so that RSA work does not oversubscribe the
    /// CPU (and the blocking pool's memory) under a burst of `Authenticate` calls.
    auth_slots: tokio::sync::Semaphore,
    /// The size of the last answer per operation: the next answer's buffer starts that large,
    /// which saves the reallocations and copies of growing it (a quarter of the time of a large
    /// answer otherwise).
    size_hints: [AtomicUsize; OPERATION_COUNT],
    /// The shapes callers speak (`auto`), and the skipped elements logged.
    shapes: shapes::Shapes,
}

/// What the endpoint sends: a whole answer's status and bytes, or a response whose body
/// streams.
enum Outgoing {
    Whole(StatusCode, Vec<u8>),
    Streamed(HttpResponse),
}

/// Operations of the contract (checked against the table by a unit test).
pub(crate) const OPERATION_COUNT: usize = 17;

/// A SOAP endpoint: a handler plus settings, mountable at a path.
#[derive(Clone)]
pub struct SoapEndpoint {
    inner: Arc<Inner>,
}

impl SoapEndpoint {
    /// An endpoint with default settings.
    pub fn new(handler: impl SoapHandler) -> Self {
        Self::with_settings(handler, EndpointSettings::default())
    }

    /// An endpoint with the given settings.
    pub fn with_settings(handler: impl SoapHandler, settings: EndpointSettings) -> Self {
        Self::hosting(vec![(String::new(), Box::new(handler))], settings)
    }

    /// An endpoint hosting several connectors, chosen per call by `?ConnectorName=<name>` (ASCII
    /// case ignored) as SuperOffice's own host does; without the parameter the first one answers.
    ///
    /// # Panics
    /// If `handlers` is empty.
    pub fn hosting(handlers: Vec<(String, Box<dyn SoapHandler>)>, settings: EndpointSettings) -> Self {
        assert!(!handlers.is_empty(), "an endpoint needs at least one connector");
        let size_hints = std::array::from_fn(|_| AtomicUsize::new(4096));
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let auth_slots = tokio::sync::Semaphore::new(cores);
        let shapes = shapes::Shapes::new(
            settings.profile,
            settings.profile_fallback,
            settings.shape_memory.clone(),
            settings.sources.allow_from.clone(),
        );
        shapes.load_stored();
        SoapEndpoint { inner: Arc::new(Inner { handlers, settings, auth_slots, size_hints, shapes }) }
    }

    /// The handler for the call's `?ConnectorName=`, or a fault naming the hosted ones.
    fn handler_for(&self, req: &HttpRequest) -> Result<usize, Fault> {
        let handlers = &self.inner.handlers;
        let wanted = req.query_string().split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            key.eq_ignore_ascii_case("ConnectorName").then(|| percent_decode(value))
        });
        let found = match &wanted {
            None => Some(0),
            Some(name) => handlers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)),
        };
        found.ok_or_else(|| {
            let names: Vec<_> = handlers.iter().map(|(n, _)| n.as_str()).collect();
            Fault::client(format!(
                "unknown connector `{}`; this endpoint hosts: {}",
                wanted.unwrap_or_default(),
                names.join(", ")
            ))
        })
    }

    /// The endpoint's settings.
    pub fn settings(&self) -> &EndpointSettings {
        &self.inner.settings
    }

    /// An actix-web resource at `path`: POST for calls, GET for the WSDL.
    pub fn resource(&self, path: &str) -> actix_web::Resource {
        let post = self.clone();
        let get = self.clone();
        web::resource(path)
            .route(web::post().to(move |req: HttpRequest, body: web::Payload| {
                let endpoint = post.clone();
                async move { endpoint.call(req, body).await }
            }))
            .route(web::get().to(move |req: HttpRequest| {
                let endpoint = get.clone();
                async move { endpoint.metadata(&req) }
            }))
            .default_service(web::to(|| async {
                HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET, POST")).finish()
            }))
    }

    /// Whether `client` may call; a refusal is logged (and answered with an empty 403).
    fn admits(&self, client: std::net::IpAddr) -> bool {
        let allowed = self.inner.settings.sources.allows(client);
        if !allowed {
            crate::metrics::refused("allow_from");
            tracing::debug!(%client, "refused: not in ERP_CONNECTOR_ALLOW_FROM");
        }
        allowed
    }

    async fn call(&self, req: HttpRequest, payload: web::Payload) -> HttpResponse {
        let sources = &self.inner.settings.sources;
        let peer = peer(&req);
        let client = sources.client(&req, peer);
        if !self.admits(client) {
            return HttpResponse::Forbidden().finish();
        }
        // Every line logged for this request carries its id; the answer names it too.
        let id = request_id(&req, sources.trusts(peer));
        let span = tracing::info_span!("request", request_id = %id, client = %client);
        let context = CallContext { client, request_id: id };
        let mut response = self.call_admitted(req, payload, &context).instrument(span).await;
        if let Ok(value) = header::HeaderValue::from_str(&context.request_id) {
            response.headers_mut().insert(header::HeaderName::from_static(REQUEST_ID), value);
        }
        response
    }

    async fn call_admitted(&self, req: HttpRequest, payload: web::Payload, context: &CallContext) -> HttpResponse {
        let _in_flight = crate::observe::InFlight::start();
        let settings = &self.inner.settings;
        let read = match request::unreadable(&req) {
            Some(refusal) => Err(refusal),
            None => request::read_body(&req, payload, settings.max_body_bytes, settings.body_timeout).await,
        };
        let body = match read {
            Ok(body) => body,
            Err(refusal) => return self.refused(refusal),
        };
        let started = std::time::Instant::now();
        tracing::debug!(
            action = req.headers().get("SOAPAction").and_then(|v| v.to_str().ok()).unwrap_or(""),
            query = %crate::untrusted::shown(req.query_string()),
            bytes = body.len(),
            "request received"
        );
        // Capture keeps whole answers, so it turns streaming off.
        let (status, out) = match self.exchange(&req, body.clone(), settings.capture.is_none(), context).await {
            Outgoing::Whole(status, out) => (status, out),
            Outgoing::Streamed(response) => return response,
        };
        if let Some(capture) = &settings.capture {
            capture.record(&crate::capture::Exchange {
                action: req.headers().get("SOAPAction").and_then(|v| v.to_str().ok()),
                query: req.query_string(),
                request: &body,
                status: status.as_u16(),
                response: &out,
                micros: started.elapsed().as_micros() as u64,
            });
        }
        xml_response(status, out)
    }

    /// Answers a call whose body has been read: the response or a fault, or (when
    /// `may_stream`) a response whose body is written as the actors come.
    async fn exchange(&self, req: &HttpRequest, body: web::Bytes, may_stream: bool, context: &CallContext) -> Outgoing {
        let settings = &self.inner.settings;
        let index = match self.handler_for(req) {
            Ok(index) => index,
            Err(fault) => return Outgoing::Whole(StatusCode::INTERNAL_SERVER_ERROR, fault_bytes(settings, &fault)),
        };
        let (connector, handler) = (self.inner.handlers[index].0.as_str(), self.inner.handlers[index].1.as_ref());
        let action = req.headers().get("SOAPAction").and_then(|v| v.to_str().ok());
        if action.is_some_and(soap::auth::is_authenticate_action) {
            return self.authenticate(index, body).await;
        }
        let (request, trace) = match soap::read_request_traced(&body, action, &settings.limits) {
            Ok(read) => read,
            Err(ReadError::UnknownOperation(element)) if soap::auth::is_authenticate_element(&element) => {
                return self.authenticate(index, body).await;
            }
            Err(e) => {
                // The reader's message may quote names from the request.
                let message = e.to_string();
                tracing::debug!(error = %crate::untrusted::shown(&message), "unreadable SOAP request");
                let fault = Fault::client(crate::untrusted::for_answer(&message)).with_detail(format!("{e:?}"));
                return Outgoing::Whole(StatusCode::INTERNAL_SERVER_ERROR, fault_bytes(settings, &fault));
            }
        };
        let operation = request.operation();
        let shapes = &self.inner.shapes;
        shapes.note_skipped(operation.name(), &trace);
        let profile = shapes.answer_in(context.client, operation.name(), &trace).await;
        drop(trace);
        let guid = request.connection_guid();
        let span = tracing::info_span!("call", %operation, connector, connection = ?guid);
        let call = Call { connector: index, guid, operation, started: std::time::Instant::now() };
        let answer = self.timed_answer(handler, context, request, &span).await;
        self.send(answer, profile, call, may_stream, span).await
    }

    /// The handler's answer, or a timeout's when it takes longer than the call timeout.
    async fn timed_answer(
        &self,
        handler: &dyn SoapHandler,
        context: &CallContext,
        request: Request,
        span: &tracing::Span,
    ) -> Answer {
        let operation = request.operation();
        let answer = Self::answer(handler, operation, context.clone(), request).instrument(span.clone());
        let Some(limit) = self.inner.settings.call_timeout else { return answer.await };
        match actix_web::rt::time::timeout(limit, answer).await {
            Ok(answer) => answer,
            Err(_) => {
                crate::metrics::refused("call_timeout");
                span.in_scope(|| tracing::warn!(seconds = limit.as_secs_f64(), "the connector did not answer in time"));
                Answer::Whole(timed_out(operation, limit))
            }
        }
    }

    /// `answer` written in `profile`: streamed, spooled or whole (see [`streaming`]).
    async fn send(
        &self,
        answer: Answer,
        profile: soap::WireProfile,
        call: Call,
        may_stream: bool,
        span: tracing::Span,
    ) -> Outgoing {
        let (operation, limit) = (call.operation, self.inner.settings.call_timeout);
        let response = match answer {
            Answer::Whole(response) => response,
            Answer::Actors(actors) if !may_stream => {
                streaming::collect(operation, actors, limit).instrument(span.clone()).await
            }
            Answer::Actors(actors) => match soap::StreamedActors::new(profile, operation) {
                Some(parts) => match streaming::start(parts, call, actors, span.clone(), limit).await {
                    streaming::Started::Streaming(response) => return Outgoing::Streamed(response),
                    streaming::Started::Whole(response) => response,
                },
                // The status comes first (wrapped profiles): spooled, then sent whole.
                None => {
                    let spooled = streaming::spool(profile, call, actors, span.clone(), limit);
                    match spooled.instrument(span.clone()).await {
                        streaming::Spooled::Streamed(response) => return Outgoing::Streamed(response),
                        streaming::Spooled::Bytes(out, status) => {
                            answered(&span, &call, &status, out.len());
                            return Outgoing::Whole(StatusCode::OK, out);
                        }
                    }
                }
            },
        };
        let hint = &self.inner.size_hints[operation as usize];
        let mut out = Vec::with_capacity(hint.load(Ordering::Relaxed));
        soap::write_response(profile, operation, &response, &mut out);
        hint.store(out.len() + out.len() / 8, Ordering::Relaxed);
        answered(&span, &call, response.result(), out.len());
        Outgoing::Whole(StatusCode::OK, out)
    }

    /// The `Authenticate` handshake: never a fault for a bad token, always an answer. It runs on
    /// the blocking pool: an RSA signature takes milliseconds, which would stall the worker.
    async fn authenticate(&self, index: usize, body: web::Bytes) -> Outgoing {
        let settings = &self.inner.settings;
        let Ok(_slot) = self.inner.auth_slots.acquire().await else {
            let fault = Fault::server("the Authenticate queue is closed");
            return Outgoing::Whole(StatusCode::INTERNAL_SERVER_ERROR, fault_bytes(settings, &fault));
        };
        let inner = self.inner.clone();
        let span =
            tracing::info_span!("authenticate", connector = %inner.handlers[index].0, tenant = tracing::field::Empty);
        let job = move || span.in_scope(|| authenticate_blocking(&inner, index, &body));
        match actix_web::rt::task::spawn_blocking(job).await {
            Ok((status, out)) => Outgoing::Whole(status, out),
            Err(_) => {
                let fault = Fault::server("the Authenticate task failed");
                Outgoing::Whole(StatusCode::INTERNAL_SERVER_ERROR, fault_bytes(settings, &fault))
            }
        }
    }

    /// The handler's answer; a panic or a wrong response class becomes an error answer.
    async fn answer(handler: &dyn SoapHandler, operation: Operation, call: CallContext, request: Request) -> Answer {
        let outcome = AssertUnwindSafe(handler.handle_streaming(call, request)).catch_unwind().await;
        let actors_expected = operation.spec().response.name == crate::contract::ActorArrayResponse::SCHEMA.name;
        match outcome {
            Ok(Answer::Actors(actors)) if actors_expected => Answer::Actors(actors),
            Ok(Answer::Whole(response)) => Answer::Whole(Self::checked(operation, Ok(response))),
            Ok(Answer::Actors(_)) => {
                tracing::error!(%operation, "handler answered with actors, but the response class has none");
                Answer::Whole(internal_error(operation))
            }
            Err(panic) => Answer::Whole(Self::checked(operation, Err(panic))),
        }
    }

    /// A whole answer of the right response class; a panic or a wrong class becomes an error answer.
    fn checked(operation: Operation, outcome: Result<Response, Box<dyn std::any::Any + Send>>) -> Response {
        match outcome {
            Ok(response) if response.record().schema().name == operation.spec().response.name => response,
            Ok(response) => {
                tracing::error!(
                    %operation,
                    got = response.record().schema().name,
                    expected = operation.spec().response.name,
                    "handler answered with the wrong response class"
                );
                internal_error(operation)
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                tracing::error!(%operation, panic = %message, "handler panicked");
                internal_error(operation)
            }
        }
    }

    fn metadata(&self, req: &HttpRequest) -> HttpResponse {
        let origin = self.inner.settings.sources.origin(req, peer(req), req.app_config().secure());
        if !self.admits(origin.client) {
            return HttpResponse::Forbidden().finish();
        }
        let wants_wsdl = req.query_string().split('&').any(|p| {
            let key = p.split('=').next().unwrap_or("");
            key.eq_ignore_ascii_case("wsdl") || key.eq_ignore_ascii_case("singleWsdl")
        });
        if !wants_wsdl {
            // Says what the endpoint speaks, not which product answers.
            return HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body("SOAP 1.1 endpoint: POST calls here; the WSDL is at ?wsdl.\n");
        }
        // The host as called (from a trusted proxy: as forwarded), else the address listened on.
        let host = origin.host.unwrap_or_else(|| req.app_config().host().to_owned());
        let address = format!("{}://{host}{}", origin.scheme, req.path());
        xml_response(StatusCode::OK, soap::wsdl::wsdl(self.inner.shapes.described(), &address).into_bytes())
    }

    fn fault(&self, status: StatusCode, fault: &Fault) -> HttpResponse {
        xml_response(status, fault_bytes(&self.inner.settings, fault))
    }

    /// The fault of a request refused before it was read (counted by its reason, if any).
    fn refused(&self, refusal: request::Refusal) -> HttpResponse {
        if let Some(reason) = refusal.reason {
            crate::metrics::refused(reason);
        }
        let mut response = self.fault(refusal.status, &refusal.fault);
        if refusal.close {
            response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        }
        response
    }
}

/// The one log line of a call answered whole.
fn answered(span: &tracing::Span, call: &Call, status: &ResponseStatus, bytes: usize) {
    call.answered(status);
    let started = call.started;
    span.in_scope(|| {
        tracing::info!(
            state = %status.state,
            error_code = status.error_code.as_deref().unwrap_or(""),
            micros = started.elapsed().as_micros() as u64,
            bytes,
            "answered"
        )
    });
}

/// The address the request's connection came from.
fn peer(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr().map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.ip())
}

fn fault_bytes(settings: &EndpointSettings, fault: &Fault) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    soap::write_fault(fault, settings.fault_details, &mut out);
    out
}

/// Reads an `Authenticate` request, asks the connector, writes the answer (or a fault for an
/// unreadable message).
fn authenticate_blocking(inner: &Inner, index: usize, body: &[u8]) -> (StatusCode, Vec<u8>) {
    let settings = &inner.settings;
    let (request, shape, trace) = match soap::auth::read_authenticate(body, &settings.limits) {
        Ok(read) => read,
        Err(e) => {
            let fault = Fault::client(e.to_string()).with_detail(format!("{e:?}"));
            return (StatusCode::INTERNAL_SERVER_ERROR, fault_bytes(settings, &fault));
        }
    };
    inner.shapes.note_skipped(crate::contract::auth::OPERATION, &trace);
    let handler = inner.handlers[index].1.as_ref();
    let crate::auth::HandshakeAnswer { response, tenant } = match request.signed_token.as_deref().map(str::trim) {
        Some(token) if !token.is_empty() => std::panic::catch_unwind(AssertUnwindSafe(|| handler.authenticate(token)))
            .unwrap_or_else(|_| {
                tracing::error!("Authenticate handler panicked");
                crate::auth::HandshakeAnswer::refused("Failed to validate authentication request")
            }),
        _ => crate::auth::HandshakeAnswer::refused("the request carries no SignedToken"),
    };
    crate::observe::handshake(index, response.succeeded, response.reason.as_deref(), tenant.as_deref());
    let mut out = Vec::with_capacity(1024);
    soap::auth::write_authenticate_response(&shape, &response, &mut out);
    (StatusCode::OK, out)
}

/// Decodes `%XX` and `+` in a query value.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The answer to a call the connector did not finish within `limit`.
pub(super) fn timed_out(operation: Operation, limit: std::time::Duration) -> Response {
    Response::failure(
        operation,
        ResponseStatus::error(format!(
            "The connector did not answer {operation} within {} seconds; see the connector's log.",
            limit.as_secs_f64()
        )),
    )
}

fn internal_error(operation: Operation) -> Response {
    Response::failure(
        operation,
        ResponseStatus::error(format!("The connector failed while handling {operation}; see the connector's log.")),
    )
}

fn xml_response(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(soap::CONTENT_TYPE)))
        .body(body)
}

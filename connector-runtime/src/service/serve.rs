//! Serving what [`Service`](super::Service) assembled: the SOAP listener (bounded by the
//! connection plan), `/health` and `/ready`, and the admin listener, until SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, HttpServer, web};

use super::{OnStarted, Settings, admin, tcp, tcp_plan, tls};
use crate::http::SoapEndpoint;
use crate::store::ConnectionStore;

/// The process, assembled and not yet listening.
pub(super) struct Assembled {
    pub settings: Settings,
    pub store: Arc<dyn ConnectionStore>,
    pub endpoint: SoapEndpoint,
    /// The connectors' names, for the log.
    pub names: String,
    pub admin: Option<admin::Admin>,
    pub on_started: Option<OnStarted>,
}

/// Listens and serves until the server stops, then drains the admin listener.
pub(super) fn serve(assembled: Assembled) -> std::io::Result<()> {
    let Assembled { settings, store, endpoint, names, admin, on_started } = assembled;
    let plan = tcp_plan(&settings);
    let gate = tcp::Gate::new(tcp::Rules {
        listener: "SOAP",
        per_source: plan.per_source,
        exempt: settings.endpoint.trusted_proxies.clone(),
        admit_only: settings.endpoint.allow_from.clone(),
        outsiders: plan.outsiders,
        idle: Duration::from_secs(settings.client_timeout_secs.max(1)),
    });
    // The store's last reference goes after the runtime: a PostgreSQL pool closes its connections
    // by blocking on a runtime of its own, which panics inside this one (an abort on SIGTERM).
    let store_outlives_runtime = store.clone();
    let served = actix_web::rt::System::new().block_on(async move {
        gate.watch();
        let path = settings.endpoint.path.clone();
        let watched = gate.clone();
        let mut server = HttpServer::new(move || {
            actix_web::App::new()
                .wrap_fn(tcp::timed)
                .service(endpoint.resource(&path))
                .configure(|routes| probes(routes, store.clone()))
        })
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(settings.client_timeout_secs.max(1)))
        .max_connections(plan.per_worker)
        .on_connect(move |connection, data| watched.on_connect(connection, data));
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let listen_error =
            |e: std::io::Error| std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", settings.bind));
        let tls = tls::server_config(&settings)?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = match tls {
            #[cfg(feature = "tls")]
            Some(config) => server.bind_rustls_0_23(&settings.bind, config),
            #[cfg(not(feature = "tls"))]
            Some(never) => match never {},
            None => server.bind(&settings.bind),
        }
        .map_err(listen_error)?;
        let addrs = server.addrs();
        for addr in &addrs {
            tracing::info!(connectors = %names, "serving {scheme}://{addr}{} (WSDL at ?wsdl)", settings.endpoint.path);
        }
        let server = server.run();
        let admin = match admin {
            Some(admin) => Some(start_admin(admin, &plan, &settings)?),
            None => None,
        };
        if let Some(on_started) = on_started {
            on_started(server.handle(), addrs);
        }
        let served = server.await;
        if let Some(admin) = admin {
            admin.stop(true).await;
        }
        served
    });
    drop(store_outlives_runtime);
    served
}

/// `/health`, `/ready`, and nothing for any other path.
fn probes(routes: &mut web::ServiceConfig, store: Arc<dyn ConnectionStore>) {
    routes
        .route("/health", web::get().to(|| async { HttpResponse::Ok().content_type("text/plain").body("ok\n") }))
        .route(
            "/ready",
            web::get().to(move || {
                let store = store.clone();
                async move { readiness(store).await }
            }),
        )
        // Other paths tell a prober nothing, not even what answers.
        .default_service(web::to(|| async { HttpResponse::NotFound().finish() }));
}

/// Starts the admin listener; its handle, to stop it with the server.
fn start_admin(
    admin: admin::Admin,
    plan: &tcp::Plan,
    settings: &Settings,
) -> std::io::Result<actix_web::dev::ServerHandle> {
    let (handle, addrs) = admin::start(admin, plan, settings)?;
    for addr in addrs {
        tracing::info!("admin listener on http://{addr}/ (status page) and /metrics");
    }
    Ok(handle)
}

/// `/ready`: says what is not ready, never the store's own error text (it may name hosts and
/// users); that goes to the log.
pub(super) async fn readiness(store: Arc<dyn ConnectionStore>) -> HttpResponse {
    match actix_web::rt::task::spawn_blocking(move || store.check()).await {
        Ok(Ok(())) => HttpResponse::Ok().content_type("text/plain").body("ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the connection store cannot serve");
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("not ready: connection store\n")
        }
        Err(_) => HttpResponse::ServiceUnavailable().content_type("text/plain").body("not ready\n"),
    }
}

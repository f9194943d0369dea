//! The admin listener (`ERP_CONNECTOR_ADMIN_BIND`): what the people who run a connector read,
//! apart from the SOAP listener and behind a bearer token (`ERP_CONNECTOR_ADMIN_TOKEN`). Serves
//! `/metrics` (Prometheus text format).

use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::header, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::store::ConnectionStore;

/// The shortest token accepted: a guessable one would open the metrics to anyone.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What the admin listener needs.
pub struct Admin {
    /// Where it listens.
    pub bind: String,
    /// The bearer token it asks for.
    pub token: Arc<str>,
    /// The metrics recorder's handle.
    pub metrics: &'static PrometheusHandle,
    /// The store, for the connection counts.
    pub store: Arc<dyn ConnectionStore>,
    /// The hosted connectors' names.
    pub connectors: Vec<String>,
}

/// Whether `given` equals `expected`, in time that does not depend on where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for (i, e) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
    }
    diff == 0
}

/// Whether `req` carries the token (`Authorization: Bearer <token>`).
fn authorized(req: &HttpRequest, token: &str) -> bool {
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let given = given.strip_prefix("Bearer ").unwrap_or("").trim();
    same_secret(given.as_bytes(), token.as_bytes())
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"erp-connector admin\""))
        .content_type("text/plain")
        .body("a bearer token is needed (ERP_CONNECTOR_ADMIN_TOKEN)\n")
}

async fn metrics(req: HttpRequest, admin: web::Data<Admin>) -> HttpResponse {
    if !authorized(&req, &admin.token) {
        return unauthorized();
    }
    let (store, names) = (admin.store.clone(), admin.connectors.clone());
    let counts = web::block(move || names.into_iter().map(|n| (store.count(&n), n)).collect::<Vec<_>>()).await;
    for (count, name) in counts.unwrap_or_default() {
        if let Ok(count) = count {
            crate::metrics::connections(&name, count);
        }
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(admin.metrics.render())
}

/// Starts the admin listener on the current actix system; its handle stops it.
pub fn start(admin: Admin) -> std::io::Result<(actix_web::dev::ServerHandle, Vec<std::net::SocketAddr>)> {
    let bind = admin.bind.clone();
    let data = web::Data::new(admin);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(metrics))
            .default_service(web::to(|| async { HttpResponse::NotFound().finish() }))
    })
    .workers(1)
    .disable_signals()
    .bind(&bind)
    .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {bind} (ERP_CONNECTOR_ADMIN_BIND): {e}")))?;
    let addrs = server.addrs();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
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

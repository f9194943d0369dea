//! The service: configuration, the connection store, logging, and the HTTP server with the SOAP
//! endpoint, `/health` and `/ready`. [`run`] does all of it from `main`.
//!
//! Configuration comes from defaults, then a TOML file (`ERP_CONNECTOR_CONFIG`), then
//! `ERP_CONNECTOR_*` environment variables; see [`Settings`].

mod admin;
mod environment;
mod health_check;
mod host;
mod per_source;
mod serve;
mod settings;
mod shape_store;
mod tcp;
mod tls;

pub use environment::{SECRET_VARIABLES, SecretEnvironment};
pub use health_check::HEALTH_CHECK_NAME;
pub use host::{DEFAULT_MAX_VALUE_BYTES, HostOptions, Hosted};
pub use settings::{
    AuthSettings, ConnectionLimits, DEFAULT_ENDPOINT_PATH, EndpointConfig, Profile, ReplacePolicy, Settings,
    SettingsError, StoreSettings, random_endpoint_path,
};

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{AppKey, Handshake, KeyRefresh, TrustedCert};
use crate::connector::ErpConnector;
use crate::http::{EndpointSettings, SoapEndpoint, SoapHandler};
use crate::store::crypto::{KeySource, Sealer, load_or_create_key};
use crate::store::{ConnectionStore, SqliteStore};

/// A connector type made servable by `#[erp_connector]`: its SuperOffice application id and its
/// connector name. What it answers is its [`ErpConnector`] impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a registered connector",
    label = "this connector has no #[erp_connector] attribute",
    note = "put #[erp_connector(app_id = \"<your SuperOffice client id>\")] on `struct {Self}`"
)]
pub trait Registered: Send + Sync + Sized + 'static {
    /// The SuperOffice application (client) id: 32 hex characters.
    const APP_ID: &'static str;
    /// The connector name, matched against `?ConnectorName=`.
    const NAME: &'static str;
}

type Mount =
    Box<dyn FnOnce(Arc<dyn ConnectionStore>, &Settings, Option<&AuthMaterial>) -> (String, Box<dyn SoapHandler>)>;

/// The key and certificates of SuperOffice Online authentication, loaded once at start-up.
struct AuthMaterial {
    key: Arc<AppKey>,
    certs: Vec<TrustedCert>,
    refresh: Option<KeyRefresh>,
}

/// Told the server's handle and its addresses once it listens (the testkit's `spawn`).
pub(crate) type OnStarted = Box<dyn FnOnce(actix_web::dev::ServerHandle, Vec<std::net::SocketAddr>) + Send>;

/// A service hosting one or more connectors at one endpoint.
///
/// ```no_run
/// use erp_connector::prelude::*;
///
/// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "shop")]
/// struct Shop;
/// impl ErpConnector for Shop { type Config = NoConfig; }
///
/// #[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "ledger")]
/// struct Ledger;
/// impl ErpConnector for Ledger { type Config = NoConfig; }
///
/// // `?ConnectorName=ledger` reaches Ledger; calls without the parameter reach Shop.
/// erp_connector::Service::new().connector(Shop).connector(Ledger).run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Default)]
pub struct Service {
    mounts: Vec<Mount>,
    settings: Option<Settings>,
    on_started: Option<OnStarted>,
}

impl Service {
    /// An empty service; add connectors with [`Service::connector`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a connector. The first one added answers calls without `?ConnectorName=`.
    pub fn connector<T: Registered + ErpConnector<S>, S: Send + Sync + 'static>(mut self, connector: T) -> Self {
        self.mounts.push(Box::new(move |store, settings, auth| {
            tracing::info!(connector = T::NAME, "hosting connector");
            let options = HostOptions {
                tech_explanations: settings.tech_explanations,
                cache_ttl: Duration::from_secs(settings.connection_cache_secs),
                limits: settings.connections.clone(),
                allow_variables: crate::connector::allow::Variables::new(settings.allow_variables.clone()),
            };
            let mut hosted = Hosted::new(connector, T::NAME, store, options);
            if let Some(auth) = auth {
                let app_id = settings.auth.app_id.as_deref().unwrap_or(T::APP_ID);
                tracing::info!(connector = T::NAME, app_id, "Authenticate enabled");
                let mut handshake = Handshake::new(app_id, auth.key.clone(), auth.certs.clone());
                if let Some(refresh) = &auth.refresh {
                    handshake = handshake.with_refresh(refresh.clone());
                }
                hosted = hosted.with_handshake(handshake);
            }
            (T::NAME.to_owned(), Box::new(hosted) as Box<dyn SoapHandler>)
        }));
        self
    }

    /// Uses these settings instead of loading them from the file and the environment.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Calls `f` with the server's handle and addresses once it listens.
    #[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
    pub(crate) fn on_started(mut self, f: OnStarted) -> Self {
        self.on_started = Some(f);
        self
    }

    /// Loads the settings (unless given), opens the store, and serves until SIGTERM or Ctrl-C,
    /// then drains open requests. Start-up problems are printed and returned.
    ///
    /// Started under the name [`HEALTH_CHECK_NAME`] (a link to the binary), it instead checks the
    /// running service's `/health` and exits: 0 healthy, 1 not (the container image's check).
    pub fn run(self) -> std::io::Result<()> {
        if health_check::asked() {
            let checked = self
                .settings
                .map_or_else(Settings::load, Ok)
                .map_err(|e| e.to_string())
                .and_then(|s| health_check::check(&s));
            match checked {
                Ok(()) => println!("healthy"),
                Err(e) => {
                    println!("unhealthy: {e}");
                    std::process::exit(1)
                }
            }
            std::process::exit(0);
        }
        let result = self.start();
        if let Err(e) = &result {
            eprintln!("erp-connector: cannot start: {e}");
        }
        result
    }

    fn start(self) -> std::io::Result<()> {
        serve::serve(self.assemble()?)
    }

    /// Everything the process serves, assembled from the settings: the store, the connectors,
    /// the SOAP endpoint and the admin listener. Nothing listens yet.
    fn assemble(self) -> std::io::Result<serve::Assembled> {
        let settings = match self.settings {
            Some(s) => s,
            None => Settings::load().map_err(std::io::Error::other)?,
        };
        // Before anything starts a thread: read the secret variables and take them out of the
        // environment.
        let secrets = SecretEnvironment::take();
        init_tracing(&settings.log, settings.log_format);
        if !secrets.removed {
            tracing::debug!("secret variables left in the environment: other threads run (docs/security.md)");
        }
        let store: Arc<dyn ConnectionStore> =
            Arc::new(crate::metrics::MeteredStore(open_store(&settings, secrets.store_key.as_deref())?));
        if settings.auth.app_id.is_some() && self.mounts.len() > 1 {
            return Err(std::io::Error::other(
                "ERP_CONNECTOR_APP_ID overrides the app id of a single connector; this process hosts several: set each in its #[erp_connector] attribute",
            ));
        }
        let auth = load_auth(&settings, secrets.private_key.as_deref())?;
        let handlers =
            self.mounts.into_iter().map(|mount| mount(store.clone(), &settings, auth.as_ref())).collect::<Vec<_>>();
        if handlers.is_empty() {
            return Err(std::io::Error::other("no connector to serve"));
        }
        let endpoint_settings = endpoint_settings(&settings, &store, open_capture(&settings, &handlers)?);
        warn_if_exposed(&settings);
        let admin = match &settings.admin_bind {
            None => None,
            Some(bind) => Some(admin_listener(&settings, bind, secrets.admin_token()?.as_deref(), &store, &handlers)?),
        };
        let names = handlers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ");
        let endpoint = SoapEndpoint::hosting(handlers, endpoint_settings);
        Ok(serve::Assembled { settings, store, endpoint, names, admin, on_started: self.on_started })
    }
}

/// Capture mode's folder, if the settings name one (every request and answer written, secrets
/// redacted).
fn open_capture(
    settings: &Settings,
    handlers: &[(String, Box<dyn SoapHandler>)],
) -> std::io::Result<Option<Arc<crate::capture::Capture>>> {
    let Some(dir) = &settings.capture_dir else { return Ok(None) };
    let secrets = handlers.iter().flat_map(|(_, h)| h.secret_keys()).collect();
    let capture = crate::capture::Capture::open(dir, secrets)?.with_budget(settings.capture_max_bytes);
    tracing::warn!(
        dir = %dir.display(),
        "CAPTURE MODE: every request and answer is written to this folder (tokens and passwords redacted)"
    );
    Ok(Some(Arc::new(capture)))
}

/// How the SOAP endpoint reads, answers and bounds requests, from the settings.
fn endpoint_settings(
    settings: &Settings,
    store: &Arc<dyn ConnectionStore>,
    capture: Option<Arc<crate::capture::Capture>>,
) -> EndpointSettings {
    EndpointSettings {
        profile: settings.wire_profile,
        profile_fallback: settings.wire_profile_fallback,
        shape_memory: Some(Arc::new(shape_store::StoredShape(store.clone()))),
        max_body_bytes: settings.max_body_bytes,
        limits: crate::soap::Limits {
            max_value_bytes: crate::soap::Limits::value_bytes_for_body(settings.max_body_bytes),
            ..crate::soap::Limits::default()
        },
        fault_details: settings.fault_details,
        capture,
        call_timeout: (settings.call_timeout_secs > 0).then(|| Duration::from_secs(settings.call_timeout_secs)),
        body_timeout: Duration::from_secs(settings.client_timeout_secs.max(1)),
        sources: crate::http::SourcePolicy {
            allow_from: settings.endpoint.allow_from.clone(),
            trusted_proxies: settings.endpoint.trusted_proxies.clone(),
        },
    }
}

/// The admin listener on `bind`: its token checked, a public address warned of, the metrics
/// recorder installed.
fn admin_listener(
    settings: &Settings,
    bind: &str,
    token: Option<&str>,
    store: &Arc<dyn ConnectionStore>,
    handlers: &[(String, Box<dyn SoapHandler>)],
) -> std::io::Result<admin::Admin> {
    let token = token.map(str::trim).unwrap_or("");
    if let Some(problem) = admin::token_problem(token) {
        return Err(std::io::Error::other(format!("ERP_CONNECTOR_ADMIN_BIND is set: {problem}")));
    }
    if settings.profile == Profile::Production && !private_bind(bind) {
        tracing::warn!(
            bind = %bind,
            "SECURITY: the admin listener is on a public address; it speaks plain HTTP and its token is \
             all that guards the status page and the metrics. Bind it to loopback or a private network \
             (ERP_CONNECTOR_ADMIN_BIND), or put it behind a TLS proxy"
        );
    }
    let metrics = crate::metrics::install()
        .ok_or_else(|| std::io::Error::other("another metrics recorder is installed in this process"))?;
    let hosted = handlers
        .iter()
        .map(|(name, h)| admin::ConnectorView {
            name: name.clone(),
            shown_fields: h.shown_fields(),
            secret_keys: h.secret_keys(),
        })
        .collect();
    Ok(admin::Admin {
        bind: bind.to_owned(),
        token: token.into(),
        metrics,
        store: store.clone(),
        shared_store: settings.store.url.is_some(),
        hosted,
    })
}

/// Serves `connector` with settings from the file and the environment: the whole `main` of a
/// connector.
///
/// ```no_run
/// # use erp_connector::prelude::*;
/// # #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
/// # struct MyErp;
/// # impl ErpConnector for MyErp { type Config = NoConfig; }
/// fn main() -> std::io::Result<()> {
///     erp_connector::run(MyErp)
/// }
/// ```
pub fn run<T: Registered + ErpConnector<S>, S: Send + Sync + 'static>(connector: T) -> std::io::Result<()> {
    Service::new().connector(connector).run()
}

/// The loud warning of a production service reachable from other machines at the well-known
/// path: anyone who finds it can store connections and call the ERP.
fn warn_if_exposed(settings: &Settings) {
    if exposed(settings) {
        tracing::warn!(
            bind = %settings.bind,
            allow_from = settings.endpoint.allow_from.len(),
            "SECURITY: the SOAP endpoint is at the well-known path {DEFAULT_ENDPOINT_PATH} on a non-loopback address. \
             Its 17 calls carry no token: anyone who reaches it can save connections and read the ERP through them. \
             Set ERP_CONNECTOR_ENDPOINT_PATH to a random path (erp-connector keys generate prints one) and/or \
             ERP_CONNECTOR_ALLOW_FROM (docs/security.md)"
        );
    }
}

/// The smallest open-file limit (`LimitNOFILE=`, `ulimit -n`) under which `workers` workers hold
/// the connections `settings` allow (`max_connections` each, `max_connections_per_source` per
/// address): each connection takes two descriptors, and the service keeps some for its store, the
/// ERP's connections and its admin listener. Under a lower limit the service lowers its bounds to
/// fit, and says so.
///
/// ```
/// use erp_connector::service::{Settings, open_files_needed};
/// assert!(open_files_needed(&Settings::default(), 4) <= 65_536);
/// ```
pub fn open_files_needed(settings: &Settings, workers: usize) -> u64 {
    let fits = |limit: u64| {
        let plan = tcp::Plan::new(limit, workers, settings.max_connections, settings.max_connections_per_source);
        plan.per_worker >= settings.max_connections && plan.per_source >= settings.max_connections_per_source
    };
    // The plan grows with the limit: the smallest limit that fits, by bisection.
    let (mut low, mut high) = (1u64, 1u64 << 32);
    while low < high {
        let middle = low + (high - low) / 2;
        if fits(middle) { high = middle } else { low = middle + 1 }
    }
    low
}

/// The open-file limit raised to its hard limit and shared out between the listeners; logged,
/// with a warning where the settings asked for more than fits.
fn tcp_plan(settings: &Settings) -> tcp::Plan {
    let fd_limit = tcp::raise_fd_limit();
    let workers = settings.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let plan = tcp::Plan::new(fd_limit, workers, settings.max_connections, settings.max_connections_per_source);
    if plan.per_worker < settings.max_connections || plan.per_source < settings.max_connections_per_source {
        tracing::warn!(
            fd_limit,
            max_connections = plan.per_worker,
            max_connections_per_source = plan.per_source,
            "connections bounded below the settings to fit the open-file limit (a connection takes two \
             descriptors) and so that no source holds more than a sixteenth of them; raise the hard \
             limit (LimitNOFILE=, ulimit -Hn) for more"
        );
    }
    tracing::info!(
        fd_limit,
        workers,
        per_worker = plan.per_worker,
        per_source = plan.per_source,
        admin = plan.admin,
        "connections planned"
    );
    plan
}

/// Whether `bind` is on loopback or a private network (IPv4 private and link-local ranges, IPv6
/// unique-local and link-local); a name other than `localhost`, or an unspecified address, is not.
fn private_bind(bind: &str) -> bool {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host).trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        Ok(std::net::IpAddr::V6(v6)) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
        Err(_) => host == "localhost",
    }
}

/// Whether a production service listens beyond loopback at the well-known path.
fn exposed(settings: &Settings) -> bool {
    let loopback = settings
        .bind
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip().is_loopback())
        .unwrap_or_else(|_| settings.bind.starts_with("localhost:"));
    settings.profile == Profile::Production && !loopback && settings.endpoint.path == DEFAULT_ENDPOINT_PATH
}

/// The connection store `settings` name, for an operator's tool (`erp-connector connections`):
/// its key from `ERP_CONNECTOR_STORE_KEY` or the key file, which must exist (a tool never makes a
/// new key: the records could not be read with it).
pub fn open_store_for_operator(settings: &Settings) -> std::io::Result<Arc<dyn ConnectionStore>> {
    let env_key = std::env::var("ERP_CONNECTOR_STORE_KEY").ok();
    if env_key.is_none() && !settings.store.key_file.exists() {
        return Err(std::io::Error::other(format!(
            "no connection-store key: {} does not exist and ERP_CONNECTOR_STORE_KEY is not set (run the tool \
             where the connector runs, with its settings)",
            settings.store.key_file.display()
        )));
    }
    if settings.store.url.is_none() && !settings.store.path.exists() {
        return Err(std::io::Error::other(format!("no connection store at {}", settings.store.path.display())));
    }
    open_store(settings, env_key.as_deref())
}

/// The store the settings name, its key from `env_key` (`ERP_CONNECTOR_STORE_KEY`) or the key file.
fn open_store(settings: &Settings, env_key: Option<&str>) -> std::io::Result<Arc<dyn ConnectionStore>> {
    let (key, source) =
        load_or_create_key(env_key, &settings.store.key_file).map_err(|e| std::io::Error::other(e.to_string()))?;
    match &source {
        KeySource::Created(path) => tracing::warn!(
            "created a new connection-store key in {}: keep it safe and back it up; without it the saved \
             passwords cannot be read (set ERP_CONNECTOR_STORE_KEY to supply the key instead)",
            path.display()
        ),
        KeySource::File(path) => {
            tracing::info!("connection-store key from {}", path.display());
            if crate::store::crypto::readable_by_others(path) {
                tracing::warn!(path = %path.display(), "the connection-store key can be read by other users of this machine: chmod 600 it");
            }
        }
        KeySource::Environment => tracing::info!("connection-store key from ERP_CONNECTOR_STORE_KEY"),
    }
    let sealer = Sealer::new(&key);
    let Some(url) = &settings.store.url else {
        let store =
            SqliteStore::open(&settings.store.path, sealer).map_err(|e| std::io::Error::other(e.to_string()))?;
        tracing::info!("connection store {}", settings.store.path.display());
        return Ok(Arc::new(store));
    };
    open_shared_store(url, settings, sealer)
}

/// The PostgreSQL store named by `ERP_CONNECTOR_STORE_URL`.
#[cfg(feature = "postgres")]
fn open_shared_store(url: &str, settings: &Settings, sealer: Sealer) -> std::io::Result<Arc<dyn ConnectionStore>> {
    use crate::store::{PostgresOptions, PostgresStore, redacted_postgres_url};
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.contains('=')) {
        return Err(std::io::Error::other(
            "ERP_CONNECTOR_STORE_URL: expected postgres://user:password@host:port/database (for the SQLite file, set ERP_CONNECTOR_STORE_PATH instead)",
        ));
    }
    let options = PostgresOptions {
        pool_size: settings.store.pool_size,
        ca_file: settings.store.ca_file.clone(),
        ..PostgresOptions::new(url)
    };
    let store = PostgresStore::open(&options, sealer).map_err(|e| std::io::Error::other(e.to_string()))?;
    let server_checked = options.ca_file.is_some();
    tracing::info!(pool_size = options.pool_size, server_checked, "connection store {}", redacted_postgres_url(url));
    Ok(Arc::new(store))
}

/// Without the `postgres` feature a store URL is a start-up error, not silently the SQLite file.
#[cfg(not(feature = "postgres"))]
fn open_shared_store(_: &str, _: &Settings, _: Sealer) -> std::io::Result<Arc<dyn ConnectionStore>> {
    Err(std::io::Error::other(
        "ERP_CONNECTOR_STORE_URL is set, but this connector was built without the PostgreSQL store: enable the `postgres` feature of erp-connector",
    ))
}

/// The application key (configured, or in development created on first start) and the
/// SuperOffice certificates. A configured key or certificate that cannot be used stops start-up;
/// without a key in production, `Authenticate` is refused (an on-premises connector needs none).
fn load_auth(settings: &Settings, inline_key: Option<&str>) -> std::io::Result<Option<AuthMaterial>> {
    let Some(key) = app_key(settings, inline_key)? else {
        tracing::warn!(
            "no application private key (ERP_CONNECTOR_PRIVATE_KEY_FILE): Authenticate will answer Succeeded=false; \
             SuperOffice Online cannot reach this connector"
        );
        return Ok(None);
    };
    if key.is_weak() {
        tracing::warn!(bits = key.bits(), "the application key is smaller than 2048 bits; consider a new one");
    }
    let mut certs = load_superoffice_certs(settings)?;
    let refresh = match jwks_source(settings)? {
        Some((url, pins)) => {
            match crate::auth::jwks::load(&url, &pins) {
                Ok(keys) => certs.extend(keys),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot fetch SuperOffice's keys now; trying again on the first token")
                }
            }
            let refresh: KeyRefresh = Arc::new(move || crate::auth::jwks::load(&url, &pins));
            Some(refresh)
        }
        None => None,
    };
    if certs.is_empty() && refresh.is_none() {
        tracing::warn!(
            "no SuperOffice certificates (ERP_CONNECTOR_SUPEROFFICE_CERTS): Authenticate will refuse every token"
        );
    }
    for cert in &certs {
        tracing::info!(source = %cert.source, kid = %cert.thumbprint, "trusting SuperOffice certificate");
    }
    Ok(Some(AuthMaterial { key: Arc::new(key), certs, refresh }))
}

/// The application key as the settings give it: `ERP_CONNECTOR_PRIVATE_KEY`, else the key file,
/// else (development profile only) the development key, created on first use. `None` in
/// production without a key. Errors name the source and the fault.
pub fn load_app_key(settings: &Settings) -> std::io::Result<Option<AppKey>> {
    let inline = std::env::var("ERP_CONNECTOR_PRIVATE_KEY").ok().filter(|k| !k.trim().is_empty());
    app_key(settings, inline.as_deref())
}

/// [`load_app_key`] with `ERP_CONNECTOR_PRIVATE_KEY` read already (`inline`).
fn app_key(settings: &Settings, inline: Option<&str>) -> std::io::Result<Option<AppKey>> {
    let error = |e: String| std::io::Error::other(e);
    if let Some(text) = inline {
        return AppKey::parse(text, "ERP_CONNECTOR_PRIVATE_KEY").map(Some).map_err(|e| error(e.to_string()));
    }
    if let Some(path) = &settings.auth.private_key_file {
        if crate::store::crypto::readable_by_others(path) {
            tracing::warn!(path = %path.display(), "the application private key can be read by other users of this machine: chmod 600 it");
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(format!("application private key file {}: {e}", path.display())))?;
        return AppKey::parse(&text, &path.display().to_string()).map(Some).map_err(|e| error(e.to_string()));
    }
    match settings.profile {
        Profile::Development => development_key(&settings.auth.dev_keys_dir).map(Some),
        Profile::Production => Ok(None),
    }
}

/// The JWKS address and the pinned keys the settings ask for, if any. An address that is not
/// https (but for loopback) or a pin that is not a key's SHA-256 stops start-up.
pub fn jwks_source(settings: &Settings) -> std::io::Result<Option<(String, Vec<crate::auth::jwks::KeyPin>)>> {
    let env = settings
        .auth
        .superoffice_env
        .as_deref()
        .map(|e| e.parse::<crate::auth::Environment>())
        .transpose()
        .map_err(std::io::Error::other)?;
    let url = settings.auth.jwks_url.clone().or_else(|| env.map(|e| e.jwks_url()));
    let Some(url) = url else { return Ok(None) };
    crate::auth::jwks::check_url(&url).map_err(std::io::Error::other)?;
    let pins = if settings.auth.jwks_pins.is_empty() {
        env.map(|e| vec![e.pin()]).unwrap_or_default()
    } else {
        let parse = |p: &String| {
            crate::auth::jwks::KeyPin::parse(p)
                .map_err(|e| std::io::Error::other(format!("ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS: {e}")))
        };
        settings.auth.jwks_pins.iter().map(parse).collect::<Result<_, _>>()?
    };
    if pins.is_empty() {
        return Err(std::io::Error::other(
            "a JWKS address without an environment needs its pinned keys (ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS)",
        ));
    }
    Ok(Some((url, pins)))
}

/// The SuperOffice certificates of the settings (every PEM file, every certificate in it).
pub fn load_superoffice_certs(settings: &Settings) -> std::io::Result<Vec<TrustedCert>> {
    let mut certs = Vec::new();
    for path in &settings.auth.superoffice_certs {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| std::io::Error::other(format!("SuperOffice certificate file {}: {e}", path.display())))?;
        certs.extend(TrustedCert::from_pem(&pem, &path.display().to_string()).map_err(std::io::Error::other)?);
    }
    Ok(certs)
}

/// The development key: created on first start in `dir`, with the public key beside it.
fn development_key(dir: &std::path::Path) -> std::io::Result<AppKey> {
    let private = dir.join("app-private-key.pem");
    let describe = |e: std::io::Error| std::io::Error::other(format!("development key {}: {e}", private.display()));
    if let Ok(text) = std::fs::read_to_string(&private) {
        tracing::warn!("DEVELOPMENT MODE: using the development application key in {}", private.display());
        return AppKey::parse(&text, &private.display().to_string()).map_err(|e| std::io::Error::other(e.to_string()));
    }
    let key = AppKey::generate();
    std::fs::create_dir_all(dir).map_err(describe)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&private).map_err(describe)?;
    std::io::Write::write_all(&mut file, key.private_key_pem().as_bytes()).map_err(describe)?;
    std::fs::write(dir.join("app-public-key.xml"), key.public_key_xml()).map_err(describe)?;
    tracing::warn!(
        "DEVELOPMENT MODE: created a development application key in {} (public key in app-public-key.xml). \
         Never use it in production: set ERP_CONNECTOR_PROFILE=production and ERP_CONNECTOR_PRIVATE_KEY_FILE",
        private.display()
    );
    Ok(key)
}

/// Log targets that are never shown, whatever the filter asks: at trace level the HTTP client's
/// protocol layer dumps every byte it sends, an ERP session's `Authorization` header and a
/// login's password included.
const NEVER_LOGGED: &str = "ureq_proto=off";

/// The filter `filter` asks for, with [`NEVER_LOGGED`] after it (later directives win).
pub(crate) fn log_filter(filter: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_new(format!("{filter},{NEVER_LOGGED}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("info,{NEVER_LOGGED}")))
}

fn init_tracing(filter: &str, format: settings::LogFormat) {
    let filter = log_filter(filter);
    // A second service in one process (tests) keeps the first subscriber.
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        // One object a line; the call's span fields (request id, operation, connection) in each.
        settings::LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
        // Colours only on a terminal: log files and journald get plain text.
        settings::LogFormat::Text => builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use actix_web::rt::net::{TcpListener, TcpStream};

    use super::{Profile, Settings, exposed};

    #[test]
    fn admin_binds_beyond_private_networks_are_public() {
        for private in
            ["127.0.0.1:9090", "[::1]:9090", "10.1.2.3:9090", "192.168.0.5:1", "[fd00::5]:9090", "localhost:9090"]
        {
            assert!(super::private_bind(private), "{private}");
        }
        for public in ["0.0.0.0:9090", "[::]:9090", "203.0.113.5:9090", "[2001:db8::1]:9090", "admin.example.com:9090"]
        {
            assert!(!super::private_bind(public), "{public}");
        }
        assert!(super::admin::token_problem("aaaaaaaaaaaaaaaaaaaa").is_some(), "16 repeated characters");
        assert!(super::admin::token_problem("short-7f3a").is_some());
        assert!(super::admin::token_problem("flood-admin-token-5b1e0c7d").is_none());
    }

    #[test]
    fn a_public_production_service_at_the_well_known_path_is_exposed() {
        let public = Settings { bind: "0.0.0.0:8080".into(), profile: Profile::Production, ..Settings::default() };
        assert!(exposed(&public));
        let mut secret_path = public.clone();
        secret_path.endpoint.path = "/erp-Xq3p".into();
        assert!(!exposed(&secret_path));
        assert!(!exposed(&Settings { bind: "127.0.0.1:8080".into(), ..public.clone() }));
        assert!(!exposed(&Settings { bind: "[::1]:8080".into(), ..public.clone() }));
        assert!(!exposed(&Settings { profile: Profile::Development, ..public }));
    }

    /// A store that cannot serve, with an error naming its host and user.
    struct Down;
    impl crate::store::ConnectionStore for Down {
        fn save(
            &self,
            _: &str,
            _: crate::contract::ConnectionGuid,
            _: &crate::store::Record,
        ) -> Result<(), crate::store::StoreError> {
            unreachable!()
        }
        fn revise(
            &self,
            _: &str,
            _: crate::contract::ConnectionGuid,
            _: &crate::store::Record,
        ) -> Result<(), crate::store::StoreError> {
            unreachable!()
        }
        fn load(
            &self,
            _: &str,
            _: crate::contract::ConnectionGuid,
        ) -> Result<Option<crate::store::Record>, crate::store::StoreError> {
            unreachable!()
        }
        fn list(&self, _: Option<&str>) -> Result<Vec<crate::store::Listed>, crate::store::StoreError> {
            unreachable!()
        }
        fn delete(&self, _: &str, _: crate::contract::ConnectionGuid) -> Result<bool, crate::store::StoreError> {
            unreachable!()
        }
        fn count(&self, _: &str) -> Result<u64, crate::store::StoreError> {
            unreachable!()
        }
        fn load_state(
            &self,
            _: &str,
            _: crate::contract::ConnectionGuid,
        ) -> Result<Option<crate::store::StoredState>, crate::store::StoreError> {
            unreachable!()
        }
        fn swap_state(
            &self,
            _: &str,
            _: crate::contract::ConnectionGuid,
            _: u64,
            _: &str,
        ) -> Result<Option<u64>, crate::store::StoreError> {
            unreachable!()
        }
        fn check(&self) -> Result<(), crate::store::StoreError> {
            Err(crate::store::StoreError::Database("password authentication failed for user erp at db.internal".into()))
        }
    }

    #[actix_web::test]
    async fn ready_says_what_is_not_ready_and_nothing_of_the_store_s_error() {
        let response = super::serve::readiness(std::sync::Arc::new(Down)).await;
        assert_eq!(response.status(), 503);
        let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
        assert_eq!(&body[..], b"not ready: connection store\n");
    }

    async fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (accepted.unwrap().0, client.unwrap())
    }

    /// What the SOAP listener does with a new connection: lets it in (TCP_NODELAY set: a streamed
    /// answer ends with a small chunk, which Nagle's algorithm would hold for the client's
    /// delayed ACK, 40 ms on Linux).
    fn set_nodelay(connection: &dyn std::any::Any) {
        let gate = super::tcp::Gate::new(super::tcp::Rules {
            listener: "test",
            per_source: 1,
            exempt: Vec::new(),
            admit_only: Vec::new(),
            outsiders: 0,
            idle: std::time::Duration::from_secs(1),
        });
        let mut data = actix_web::dev::Extensions::new();
        gate.on_connect(connection, &mut data);
        assert!(data.contains::<super::tcp::Admitted>(), "let in");
    }

    #[actix_web::test]
    async fn plain_connections_get_nodelay() {
        let (server, _client) = pair().await;
        assert!(!server.nodelay().unwrap());
        set_nodelay(&server);
        assert!(server.nodelay().unwrap());
    }

    #[cfg(feature = "tls")]
    #[actix_web::test]
    async fn tls_connections_get_nodelay() {
        use std::sync::Arc;

        use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let der = CertificateDer::from(cert.cert.der().to_vec());
        let key = PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der.clone()], key)
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).unwrap();
        let client_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let (server, client) = pair().await;
        let accept = tokio_rustls::TlsAcceptor::from(Arc::new(server_config)).accept(server);
        let connect = tokio_rustls::TlsConnector::from(Arc::new(client_config))
            .connect(ServerName::try_from("localhost").unwrap(), client);
        let (accepted, _connected) = tokio::join!(accept, connect);
        let tls = super::tls::Stream::from(accepted.unwrap());
        assert!(!tls.get_ref().0.nodelay().unwrap());
        set_nodelay(&tls);
        assert!(tls.get_ref().0.nodelay().unwrap());
    }
}

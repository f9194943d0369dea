//! A connector served in-process for an integration test: a free port on loopback, a temporary
//! store and store key, an application key, and a [`TestIssuer`] the connector trusts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::auth::AppKey;
use crate::connector::ErpConnector;
use crate::service::{AuthSettings, Profile, Registered, Service, Settings, StoreSettings};

use super::{SoapClient, TestIssuer};

/// A running connector; stopped, and its folder removed, when dropped.
///
/// ```no_run
/// # use erp_connector::prelude::*;
/// # struct Hello;
/// # #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
/// # impl ErpConnector for Hello { type Config = NoConfig; }
/// let connector = erp_connector::testkit::spawn(Hello);
/// let report = erp_connector::conformance::check(&connector.url());
/// assert!(report.is_clean(), "{report}");
/// ```
pub struct Spawned {
    addr: SocketAddr,
    path: String,
    dir: PathBuf,
    app_id: String,
    issuer: Arc<TestIssuer>,
    app_key: AppKey,
    handle: Option<actix_web::dev::ServerHandle>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

static SPAWNED: AtomicUsize = AtomicUsize::new(0);

/// Serves `connector` on a free loopback port with a temporary store, a 2048-bit application key
/// and a trusted [`TestIssuer`], and returns once it listens. Panics if it cannot start (a test
/// helper: the panic names the cause).
pub fn spawn<T: Registered + ErpConnector<S>, S: Send + Sync + 'static>(connector: T) -> Spawned {
    spawn_with(connector, |_| {})
}

/// [`spawn`], after `adjust` may change the settings (wire profile, cache, limits, ...).
pub fn spawn_with<T: Registered + ErpConnector<S>, S: Send + Sync + 'static>(
    connector: T,
    adjust: impl FnOnce(&mut Settings),
) -> Spawned {
    let n = SPAWNED.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("erp-connector-spawn-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let issuer = Arc::new(TestIssuer::new());
    let app_key = AppKey::generate_with_bits(2048).expect("2048 bits are enough");
    let write = |name: &str, text: &str| -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    };
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        workers: Some(2),
        log: std::env::var("ERP_CONNECTOR_LOG").unwrap_or_else(|_| "off".into()),
        profile: Profile::Production,
        shutdown_timeout_secs: 1,
        store: StoreSettings {
            path: dir.join("connections.db"),
            key_file: dir.join("store.key"),
            ..StoreSettings::default()
        },
        auth: AuthSettings {
            private_key_file: Some(write("app-key.pem", &app_key.private_key_pem())),
            superoffice_certs: vec![write("superoffice-cert.pem", &issuer.cert_pem)],
            ..AuthSettings::default()
        },
        ..Settings::default()
    };
    adjust(&mut settings);
    let app_id = settings.auth.app_id.clone().unwrap_or_else(|| T::APP_ID.to_owned());
    let path = settings.endpoint.path.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let on_started = Box::new(move |handle, addrs| {
        let _ = tx.send((handle, addrs));
    });
    let thread = std::thread::Builder::new()
        .name(format!("spawned-{}", T::NAME))
        .spawn(move || Service::new().connector(connector).settings(settings).on_started(on_started).run())
        .expect("a thread for the connector");
    let (handle, addrs): (actix_web::dev::ServerHandle, Vec<SocketAddr>) =
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(started) => started,
            Err(_) => match thread.join() {
                Ok(Err(e)) => panic!("the connector did not start: {e}"),
                _ => panic!("the connector did not start within 60 s"),
            },
        };
    Spawned { addr: addrs[0], path, dir, app_id, issuer, app_key, handle: Some(handle), thread: Some(thread) }
}

impl Spawned {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint address, `http://127.0.0.1:<port>/Services/ErpConnectorWS.svc` (or the
    /// configured endpoint path).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// A client for the endpoint.
    pub fn client(&self) -> SoapClient {
        SoapClient::new(self.addr).with_path(self.path.clone())
    }

    /// The issuer whose tokens the connector accepts.
    pub fn issuer(&self) -> &TestIssuer {
        &self.issuer
    }

    /// The application id the connector answers `Authenticate` for.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The application key the connector signs partner tokens with.
    pub fn app_key(&self) -> &AppKey {
        &self.app_key
    }

    /// What [`crate::conformance`] needs to check `Authenticate` against this connector,
    /// partner-token signature included.
    pub fn auth_check(&self) -> crate::conformance::AuthCheck {
        crate::conformance::AuthCheck {
            issuer: self.issuer.clone(),
            app_id: self.app_id.clone(),
            app_public_key: Some(self.app_key.public_key()),
        }
    }

    /// Runs the EIS emulator's session against this connector, `Authenticate` included, with
    /// `options` (their `authenticate` is replaced).
    pub fn conformance(&self, mut options: crate::conformance::Options) -> crate::conformance::Report {
        options.authenticate = Some(self.auth_check());
        crate::conformance::check_with(&self.url(), &options, &mut crate::conformance::Silent)
    }

    /// A valid SuperOffice-style token for this connector's application id.
    pub fn token(&self, nonce: &str) -> String {
        self.issuer.token(&self.app_id, nonce)
    }

    /// The temporary folder (store, keys, certificate).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server now (open requests are given a second) and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(handle) = self.handle.take() {
            // `stop` sends the command at once; the returned future only awaits completion.
            drop(handle.stop(true));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Spawned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawned").field("url", &self.url()).field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Serves a bare [`crate::http::SoapEndpoint`] (a handler of a test's own, not a connector) at
/// [`super::DEFAULT_PATH`] on a free loopback port, on a thread of its own for the rest of the
/// test process; returns its address once it listens.
pub fn serve_endpoint(endpoint: crate::http::SoapEndpoint) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().service(endpoint.resource(super::DEFAULT_PATH))
            })
            .workers(1)
            .bind("127.0.0.1:0")
            .expect("a loopback port");
            let _ = tx.send(server.addrs()[0]);
            server.run().await
        })
    });
    rx.recv().expect("the endpoint listens")
}

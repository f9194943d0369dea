//! `ledger-connector` as a child process on a free port, with its store where the test says.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use erp_connector::testkit::SoapClient;

/// SuperOffice Online for a connector process: a test issuer it trusts and an application key,
/// written under `dir/keys`, and the variables that point the connector at them.
#[allow(dead_code)]
pub struct Online {
    /// The application id the connector answers for.
    pub app_id: &'static str,
    /// The application's key (its private half in `dir/keys`).
    pub app_key: erp_connector::auth::AppKey,
    /// The issuer of SuperOffice's tokens, trusted by the connector.
    pub issuer: std::sync::Arc<erp_connector::testkit::TestIssuer>,
    keys: PathBuf,
}

#[allow(dead_code)]
impl Online {
    /// Writes the key and the issuer's certificate under `dir/keys`.
    pub fn new(dir: &Path, app_id: &'static str) -> Online {
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let app_key = erp_connector::auth::AppKey::generate_with_bits(2048).unwrap();
        let issuer = std::sync::Arc::new(erp_connector::testkit::TestIssuer::new());
        std::fs::write(keys.join("app.pem"), app_key.private_key_pem()).unwrap();
        std::fs::write(keys.join("superoffice.crt"), &issuer.cert_pem).unwrap();
        Online { app_id, app_key, issuer, keys }
    }

    /// `ERP_CONNECTOR_APP_ID`, `_PRIVATE_KEY_FILE`, `_SUPEROFFICE_CERTS`.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ERP_CONNECTOR_APP_ID", self.app_id.to_owned()),
            ("ERP_CONNECTOR_PRIVATE_KEY_FILE", self.keys.join("app.pem").display().to_string()),
            ("ERP_CONNECTOR_SUPEROFFICE_CERTS", self.keys.join("superoffice.crt").display().to_string()),
        ]
    }

    /// The emulator's `Authenticate` check with this issuer and key.
    pub fn check(&self) -> erp_connector::conformance::AuthCheck {
        erp_connector::conformance::AuthCheck {
            issuer: self.issuer.clone(),
            app_id: self.app_id.into(),
            app_public_key: Some(self.app_key.public_key()),
        }
    }
}

/// A connector running as a process of its own.
pub struct Connector {
    /// The process.
    pub child: Child,
    /// Where its SOAP endpoint listens.
    pub addr: SocketAddr,
    /// Where its logs are.
    #[allow(dead_code)]
    pub dir: PathBuf,
}

impl Connector {
    /// Starts the connector in `dir` with its store at `store` and `env` on top, and waits
    /// until it answers `/health`. Its output goes to `dir/stdout.log` and `dir/stderr.log`.
    pub fn start(dir: &Path, store: &Path, store_key: &str, env: &[(&str, &str)]) -> Connector {
        Self::start_command(Command::new(ledger_binary()), dir, store, store_key, env)
    }

    /// [`Connector::start`] under `ulimit -n nofile` (soft and hard: it cannot raise it).
    #[allow(dead_code)]
    pub fn start_with_open_files(
        nofile: u32,
        dir: &Path,
        store: &Path,
        store_key: &str,
        env: &[(&str, &str)],
    ) -> Connector {
        let mut command = Command::new("sh");
        command.arg("-c").arg(format!("ulimit -n {nofile} && exec \"$0\"")).arg(ledger_binary());
        Self::start_command(command, dir, store, store_key, env)
    }

    fn start_command(
        mut command: Command,
        dir: &Path,
        store: &Path,
        store_key: &str,
        env: &[(&str, &str)],
    ) -> Connector {
        let addr = free_addr();
        let log = |name: &str| std::fs::OpenOptions::new().create(true).append(true).open(dir.join(name)).unwrap();
        command
            .current_dir(dir)
            .env("ERP_CONNECTOR_BIND", addr.to_string())
            .env("ERP_CONNECTOR_STORE_PATH", store)
            .env("ERP_CONNECTOR_STORE_KEY", store_key)
            .env("ERP_CONNECTOR_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"));
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("ledger-connector starts");
        let client = SoapClient::new(addr);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if client.get("/health").is_ok_and(|r| r.status == 200) {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                let stderr = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
                panic!("ledger-connector exited with {status}: {stderr}");
            }
            assert!(Instant::now() < deadline, "ledger-connector did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        Connector { child, addr, dir: dir.to_owned() }
    }

    /// Two replicas on the PostgreSQL store at `url`, each in a folder of its own (no shared
    /// files: only the store and its key are shared), both ready. The cache keeps connections an
    /// hour, so that only the store's change notifications can explain a replica seeing
    /// another's change.
    #[allow(dead_code)]
    pub fn replicas(name: &str, url: &str, key: &erp_connector::store::crypto::StoreKey) -> (Connector, Connector) {
        Self::replicas_with(name, url, key, &[])
    }

    /// [`Connector::replicas`] with `extra` variables on top.
    #[allow(dead_code)]
    pub fn replicas_with(
        name: &str,
        url: &str,
        key: &erp_connector::store::crypto::StoreKey,
        extra: &[(&str, &str)],
    ) -> (Connector, Connector) {
        let start = |replica: &str| {
            let dir = temp_dir(&format!("{name}-{replica}"));
            let mut env = vec![("ERP_CONNECTOR_STORE_URL", url), ("ERP_CONNECTOR_CONNECTION_CACHE_SECS", "3600")];
            env.extend_from_slice(extra);
            Connector::start(&dir, &dir.join("unused.db"), &key.to_base64(), &env)
        };
        let (a, b) = (start("a"), start("b"));
        // Ready once the store is reachable and the replica hears of changes through others.
        for replica in [&a, &b] {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let ready = replica.client().get("/ready").unwrap();
                if ready.status == 200 {
                    break;
                }
                assert!(Instant::now() < deadline, "not ready: {}", ready.text());
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        (a, b)
    }

    /// A SOAP client of its endpoint.
    pub fn client(&self) -> SoapClient {
        SoapClient::new(self.addr)
    }

    /// SIGTERM, as a service manager or a container runtime stops it: its exit status once it
    /// has shut down (its stderr on the side, to show when it is not a success).
    #[allow(dead_code)]
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let status = self.child.wait().unwrap();
        (status, std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default())
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A fresh folder under the system's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("erp-connector-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `ledger-connector` binary cargo builds beside a test's own executable (`target/<profile>/`
/// holds the binaries, `deps/` below it the tests).
pub fn ledger_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("a test runs from target/<profile>/deps");
    profile_dir.join(format!("ledger-connector{}", std::env::consts::EXE_SUFFIX))
}

//! The reverse-proxy configurations in `deploy/` (issue 9), run as written but for the replica
//! addresses, the port, the certificate and the endpoint path: nginx and HAProxy terminate TLS and
//! balance over two replicas on one PostgreSQL store; a killed replica (nginx) or a hung one
//! (HAProxy's checks on `/ready`) is left out and the calls go on. Through both, the EIS
//! emulator's whole session, with the replicas at a secret endpoint path behind an allow-list
//! that believes only the proxy's forwarded address; the per-client limits answer (issue 15).
//!
//! Needs nginx and haproxy (`ERP_CONNECTOR_REQUIRE_PROXIES` turns their absence into a failure)
//! and `ERP_CONNECTOR_TEST_POSTGRES_URL`; otherwise the tests print SKIPPED.

use erp_connector_tests::process;

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use erp_connector::conformance::{Options, Silent, check_with};
use erp_connector::contract::StringDict;
use erp_connector::soap::ReadError;
use erp_connector::store::crypto::StoreKey;
use erp_connector::testkit::{ClientError, SoapClient, free_port, new_guid, scratch_postgres};
use process::{Connector, temp_dir};

/// The program, from PATH or the system folders root's PATH has; `None` after SKIPPED.
fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("ERP_CONNECTOR_REQUIRE_PROXIES").is_none(), "{name} is required");
        eprintln!("SKIPPED: {name} is not installed");
    }
    found
}

/// `template` with its placeholders replaced; each must be there, so that an edit of the file
/// that this test no longer understands fails here.
fn render(template: &str, replicas: &[SocketAddr], port: u16, tls: &[(&str, &Path)]) -> String {
    let mut out = String::new();
    let mut servers_written = false;
    for line in template.lines() {
        if line.contains("# replica") {
            if !servers_written {
                for (i, addr) in replicas.iter().enumerate() {
                    let server = line.replacen("10.0.0.11:8080", &addr.to_string(), 1);
                    out.push_str(&server.replacen("server a ", &format!("server r{i} "), 1));
                    out.push('\n');
                }
                servers_written = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(servers_written, "no `# replica` lines");
    for (from, to) in
        [("listen 443 ssl", format!("listen 127.0.0.1:{port} ssl")), ("bind :443", format!("bind 127.0.0.1:{port}"))]
            .into_iter()
            .chain(tls.iter().map(|(from, to)| (*from, to.display().to_string())))
    {
        if template.contains(from) {
            out = out.replace(from, &to);
        }
    }
    assert!(out.contains(&format!("127.0.0.1:{port}")), "no listen line replaced");
    for (from, _) in tls {
        assert!(!out.contains(from), "{from} still in the configuration");
    }
    out
}

/// A self-signed certificate for localhost: (certificate PEM, key PEM).
fn certificate() -> (String, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (cert.cert.pem(), cert.signing_key.serialize_pem())
}

/// A proxy process, stopped when dropped.
struct Proxy {
    child: Child,
    port: u16,
    cert_pem: String,
}

impl Proxy {
    fn start(mut command: Command, port: u16, cert_pem: String, log: &Path) -> Proxy {
        let mut child = command.stdin(Stdio::null()).spawn().expect("the proxy starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the proxy exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "the proxy did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Proxy { child, port, cert_pem }
    }

    fn client(&self) -> SoapClient {
        SoapClient::from_url(&self.address()).unwrap().with_trusted_pem(self.cert_pem.as_bytes()).unwrap()
    }

    fn address(&self) -> String {
        format!("https://localhost:{}{SECRET_PATH}", self.port)
    }

    /// EIS's whole session (the emulator) over TLS through the proxy. Read only: the ledger's
    /// actors live in each process (an ERP of its own per replica), so an actor created through
    /// one replica is rightly unknown to the other.
    fn emulate(&self) {
        let options = Options {
            config: StringDict::new().with("COMPANY", "Acme").with("PASSWORD", "secret"),
            write: false,
            trusted_pem: Some(self.cert_pem.clone().into_bytes()),
            ..Options::default()
        };
        let report = check_with(&self.address(), &options, &mut Silent);
        assert!(report.stopped.is_none() && report.violations.is_empty(), "{report}");
    }
}

/// A client's own `X-Forwarded-For` does not pass the proxy (the replicas would refuse the
/// address it names), while the proxy's own does reach them (a replica asked directly with it
/// refuses the address): so the allow-list sees the address the proxy saw. Nor does its own
/// `X-Request-Id`: the proxy sets one.
fn forwarded_addresses_are_the_proxys(proxy: &Proxy, replica: &Connector) {
    let spoofed =
        proxy.client().post(b"<x/>", &[("X-Forwarded-For", "198.51.100.1"), ("SOAPAction", "\"x\"")]).unwrap();
    assert_eq!(spoofed.status, 500, "admitted as 127.0.0.1 (then a fault for the body): {}", spoofed.text());
    let direct = replica.client().with_path(SECRET_PATH);
    let refused = direct.post(b"<x/>", &[("X-Forwarded-For", "198.51.100.1")]).unwrap();
    assert_eq!((refused.status, refused.body.len()), (403, 0), "the replica believes its proxy");
    // The replica logs a call under the proxy's request id, never one the client chose.
    let chosen =
        proxy.client().post(b"<x/>", &[("X-Request-Id", "client-chosen-id"), ("SOAPAction", "\"x\"")]).unwrap();
    let id = chosen.header("x-request-id").unwrap_or_default();
    assert!(!id.is_empty() && id != "client-chosen-id", "the proxy sets the id: {id:?}");
    let old = proxy.client().with_path(DEFAULT_PATH).post(b"<x/>", &[]).unwrap();
    assert!(matches!(old.status, 404 | 503), "only the secret path is published: {}", old.status);
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many calls of `operation` a replica answered (its "answered" log lines; other lines, such
/// as the first shape detected, may name the operation too).
fn calls(replica: &Connector, operation: &str) -> usize {
    let log = std::fs::read_to_string(replica.dir.join("stdout.log")).unwrap_or_default();
    log.lines().filter(|l| l.contains(operation) && l.contains(" answered")).count()
}

/// What each test starts from: the proxy program, two replicas on a fresh PostgreSQL schema, a
/// folder, a certificate for localhost, a port, and the configuration file from `deploy/`.
struct Stage {
    program: PathBuf,
    a: Connector,
    b: Connector,
    dir: PathBuf,
    cert: String,
    tls_key: String,
    port: u16,
    template: String,
}

/// The replicas' secret endpoint path, put in place of the configuration's default.
const SECRET_PATH: &str = "/erp-ProxiedSecretPath0123456789abcd";

/// The configuration's endpoint path.
const DEFAULT_PATH: &str = "/Services/ErpConnectorWS.svc";

/// `None` (SKIPPED) without the proxy program or PostgreSQL. The replicas listen at
/// [`SECRET_PATH`], admit loopback only, and believe the proxy's forwarded headers.
fn stage(proxy: &str, config: &str) -> Option<Stage> {
    let program = program(proxy)?;
    let url = scratch_postgres(proxy)?;
    let env = [
        // The emulator deletes a connection through one replica and at once asks the other: a
        // cache would answer from memory until the store's notice arrives (tests/replicas.rs
        // covers the notices); here the store is read on every call.
        ("ERP_CONNECTOR_CONNECTION_CACHE_SECS", "0"),
        ("ERP_CONNECTOR_ENDPOINT_PATH", SECRET_PATH),
        ("ERP_CONNECTOR_ALLOW_FROM", "127.0.0.1/32"),
        ("ERP_CONNECTOR_TRUSTED_PROXIES", "127.0.0.1/32"),
    ];
    let (a, b) = Connector::replicas_with(proxy, &url, &StoreKey::generate().unwrap(), &env);
    let (cert, tls_key) = certificate();
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(config)).unwrap();
    assert!(template.contains(DEFAULT_PATH), "the endpoint path to replace");
    let template = template.replace(DEFAULT_PATH, SECRET_PATH);
    Some(Stage { program, a, b, dir: temp_dir(proxy), cert, tls_key, port: free_port(), template })
}

fn info() -> StringDict {
    StringDict::new().with("COMPANY", "Proxied").with("PASSWORD", "secret").with("CURRENCY", "NOK")
}

#[test]
fn nginx_terminates_tls_balances_and_leaves_out_a_dead_replica() {
    let Some(Stage { program: nginx, a, b, dir, cert, tls_key, port, template }) =
        stage("nginx", "nginx/erp-connector.conf")
    else {
        return;
    };
    std::fs::write(dir.join("cert.pem"), &cert).unwrap();
    std::fs::write(dir.join("key.pem"), &tls_key).unwrap();
    let site = render(
        &template,
        &[a.addr, b.addr],
        port,
        &[
            ("/etc/ssl/erp.example.com.pem", &dir.join("cert.pem")),
            ("/etc/ssl/erp.example.com.key", &dir.join("key.pem")),
        ],
    );
    std::fs::write(dir.join("erp-connector.conf"), site).unwrap();
    let d = dir.display();
    let main = format!(
        "daemon off;\nmaster_process off;\n\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         include {d}/erp-connector.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let mut command = Command::new(nginx);
    command.arg("-p").arg(&dir).arg("-c").arg(dir.join("nginx.conf")).stderr(Stdio::null());
    let proxy = Proxy::start(command, port, cert, &dir.join("error.log"));
    let client = proxy.client();

    let guid = new_guid();
    assert!(client.save_connection(guid, &info()).unwrap().is_ok);
    for _ in 0..20 {
        assert!(client.test_connection(guid).unwrap().is_ok);
    }
    let (on_a, on_b) = (calls(&a, "WSTestConnection"), calls(&b, "WSTestConnection"));
    assert!(on_a > 0 && on_b > 0 && on_a + on_b == 20, "balanced: {on_a} + {on_b}");
    let wsdl = client.get(&format!("{SECRET_PATH}?wsdl")).unwrap().text();
    let address = proxy.address();
    assert!(wsdl.contains(&address), "the WSDL names the proxy's address {address}");
    assert_eq!(client.get("/ready").unwrap().status, 404, "only the endpoint is published");
    forwarded_addresses_are_the_proxys(&proxy, &a);

    // EIS's whole session, its calls spread over both replicas.
    proxy.emulate();

    let on_b = calls(&b, "WSTestConnection");
    a.kill();
    for _ in 0..20 {
        let status = client.test_connection(guid).unwrap();
        assert!(status.is_ok, "a dead replica is left out: {status:?}");
    }
    assert_eq!(calls(&b, "WSTestConnection"), on_b + 20);

    // No replica left: nginx's own answer is a SOAP fault EIS can read, not an HTML page.
    b.kill();
    match client.test_connection(guid) {
        Err(ClientError::Read { status: 500, error: ReadError::Fault(fault) }) => {
            assert!(fault.message.contains("busy or unavailable"), "{fault:?}")
        }
        other => panic!("a SOAP fault when no replica is up, not {other:?}"),
    }
}

#[test]
fn haproxy_checks_ready_and_leaves_out_a_hung_replica() {
    let Some(Stage { program: haproxy, a, b, dir, cert, tls_key, port, template }) =
        stage("haproxy", "haproxy/erp-connector.cfg")
    else {
        return;
    };
    std::fs::write(dir.join("both.pem"), format!("{cert}{tls_key}")).unwrap();
    let site = render(&template, &[a.addr, b.addr], port, &[("/etc/ssl/erp.example.com.pem", &dir.join("both.pem"))]);
    std::fs::write(dir.join("erp-connector.cfg"), site).unwrap();
    let socket = dir.join("admin.sock");
    std::fs::write(dir.join("global.cfg"), format!("global\n    stats socket {}\n", socket.display())).unwrap();
    let mut command = Command::new(haproxy);
    command.arg("-db").arg("-f").arg(dir.join("global.cfg")).arg("-f").arg(dir.join("erp-connector.cfg"));
    command.stdout(std::fs::File::create(dir.join("haproxy.log")).unwrap()).stderr(Stdio::null());
    let proxy = Proxy::start(command, port, cert, &dir.join("haproxy.log"));
    let client = proxy.client();

    assert!(wait_for_state(&socket, &[("r0", 2), ("r1", 2)]), "both replicas checked up");
    let guid = new_guid();
    assert!(client.save_connection(guid, &info()).unwrap().is_ok);
    for _ in 0..20 {
        assert!(client.test_connection(guid).unwrap().is_ok);
    }
    assert!(calls(&a, "WSTestConnection") > 0 && calls(&b, "WSTestConnection") > 0, "balanced");
    forwarded_addresses_are_the_proxys(&proxy, &a);
    proxy.emulate();

    // One address holding more than 256 connections (idle, not even a TLS handshake): the next
    // is refused at once, until they close.
    let idle: Vec<_> = (0..300).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    extra.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut byte = [0u8; 1];
    assert!(matches!(extra.read(&mut byte), Ok(0) | Err(_)), "connection 301 from one address is refused");
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.test_connection(guid).is_err() {
        assert!(Instant::now() < deadline, "served again once the idle connections closed");
        std::thread::sleep(Duration::from_millis(100));
    }

    // A hung replica still accepts connections; only the /ready check finds it out.
    signal(&a, "STOP");
    assert!(wait_for_state(&socket, &[("r0", 0)]), "the hung replica is taken out");
    let on_b = calls(&b, "WSTestConnection");
    for _ in 0..10 {
        assert!(client.test_connection(guid).unwrap().is_ok);
    }
    assert_eq!(calls(&b, "WSTestConnection"), on_b + 10, "all calls reach the healthy replica");
    signal(&a, "CONT");
    assert!(wait_for_state(&socket, &[("r0", 2)]), "the replica is taken back once /ready answers");

    // No replica left: HAProxy's own answer is a SOAP fault EIS can read, not an HTML page.
    a.kill();
    b.kill();
    assert!(wait_for_state(&socket, &[("r0", 0), ("r1", 0)]), "both replicas are taken out");
    match client.test_connection(guid) {
        Err(ClientError::Read { status: 503, error: ReadError::Fault(fault) }) => {
            assert!(fault.message.contains("busy or unavailable"), "{fault:?}")
        }
        other => panic!("a SOAP fault when no replica is up, not {other:?}"),
    }
}

fn signal(replica: &Connector, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(replica.child.id().to_string()).status().unwrap();
    assert!(status.success());
}

/// Waits (30 s at most) until HAProxy reports each server in the operational state given
/// (0 stopped, 2 running), asking its admin socket.
fn wait_for_state(socket: &Path, wanted: &[(&str, u32)]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::os::unix::net::UnixStream::connect(socket) {
            let _ = stream.write_all(b"show servers state replicas\n");
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state ...
            let state = |name: &str| {
                text.lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>())
                    .find(|c| c.get(3) == Some(&name))
                    .and_then(|c| c.get(5)?.parse::<u32>().ok())
            };
            if wanted.iter().all(|(name, want)| state(name) == Some(*want)) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

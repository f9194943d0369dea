//! HTTPS with rustls (feature `tls`): a certificate made at test time, the service answering over
//! TLS; and start-up refusing bad certificate or key files with a message naming the file.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use erp_connector::prelude::*;
use erp_connector::service::{Service, Settings, StoreSettings};
use erp_connector::testkit::free_port;

struct Plain;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "plain")]
impl ErpConnector for Plain {}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("erp-tls-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(dir: &std::path::Path, port: u16) -> Settings {
    Settings {
        bind: format!("127.0.0.1:{port}"),
        workers: Some(1),
        log: "off".into(),
        profile: erp_connector::service::Profile::Production,
        tls_cert: Some(dir.join("cert.pem")),
        tls_key: Some(dir.join("key.pem")),
        store: StoreSettings { path: dir.join("c.db"), key_file: dir.join("c.key"), ..StoreSettings::default() },
        ..Settings::default()
    }
}

fn https_get(port: u16, cert_der: &[u8], path: &str) -> std::io::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(cert_der.to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(("127.0.0.1", port))?);
    write!(tls, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut out = String::new();
    let _ = tls.read_to_string(&mut out);
    Ok(out)
}

#[test]
fn serves_https_with_the_configured_certificate() {
    let dir = dir("ok");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let s = settings(&dir, port);
    std::thread::spawn(move || Service::new().connector(Plain).settings(s).run());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match https_get(port, cert.cert.der(), "/health") {
            Ok(reply) if reply.starts_with("HTTP/1.1 200") => {
                assert!(reply.ends_with("ok\n"), "{reply}");
                break;
            }
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("no HTTPS answer: {other:?}"),
        }
    }
    let wsdl = https_get(port, cert.cert.der(), "/Services/ErpConnectorWS.svc?wsdl").unwrap();
    assert!(wsdl.contains("location=\"https://localhost/Services/ErpConnectorWS.svc\""), "{wsdl}");
}

#[test]
fn bad_certificate_or_key_files_stop_start_up_naming_the_file() {
    let dir = dir("bad");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), "not a key").unwrap();
    let err = Service::new().connector(Plain).settings(settings(&dir, free_port())).run().unwrap_err().to_string();
    assert!(err.contains("key.pem") && err.contains("private key"), "{err}");

    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("key.pem"), other.signing_key.serialize_pem()).unwrap();
    let err = Service::new().connector(Plain).settings(settings(&dir, free_port())).run().unwrap_err().to_string();
    assert!(err.contains("does not match") && err.contains("cert.pem"), "{err}");

    std::fs::remove_file(dir.join("cert.pem")).unwrap();
    let err = Service::new().connector(Plain).settings(settings(&dir, free_port())).run().unwrap_err().to_string();
    assert!(err.contains("cert.pem"), "{err}");

    let only_cert = Settings { tls_key: None, ..settings(&dir, free_port()) };
    let err = Service::new().connector(Plain).settings(only_cert).run().unwrap_err().to_string();
    assert!(err.contains("ERP_CONNECTOR_TLS_KEY"), "{err}");
}

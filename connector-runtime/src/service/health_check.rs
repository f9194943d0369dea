//! The connector's binary as its own health check. A `FROM scratch` image has no shell and no
//! curl, so the image links its binary a second time as [`HEALTH_CHECK_NAME`]; started under that
//! name, [`super::Service::run`] asks the service the settings describe for `/health` and exits 0
//! when it answers `200`, 1 otherwise, without reading the store, the keys or the secrets.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use super::Settings;

/// The program name under which a connector's binary checks the health of the running service
/// (`/healthcheck` in the image: a link to the binary).
pub const HEALTH_CHECK_NAME: &str = "healthcheck";

/// How long the check may take to connect, and then to be answered.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Whether this process was started as the health check.
pub(super) fn asked() -> bool {
    let program = std::env::args_os().next().unwrap_or_default();
    std::path::Path::new(&program).file_name().is_some_and(|name| name == HEALTH_CHECK_NAME)
}

/// The address the check asks: the listener's, a wildcard bind (`0.0.0.0`, `[::]`) asked on
/// loopback.
fn target(bind: &str) -> Result<SocketAddr, String> {
    let mut addr = bind
        .to_socket_addrs()
        .map_err(|e| format!("the bind address {bind}: {e}"))?
        .next()
        .ok_or_else(|| format!("the bind address {bind} names no address"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Ok(addr)
}

/// Asks `/health` of the service `settings` describe. A listener with TLS is only connected to
/// (this check carries no TLS client; the container's own network is the one asked).
pub(super) fn check(settings: &Settings) -> Result<(), String> {
    let addr = target(&settings.bind)?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{addr}: {e}"))?;
    if settings.tls_cert.is_some() {
        return Ok(());
    }
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut head = [0u8; 64];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(format!("{addr}: {e}")),
        }
    }
    let status = String::from_utf8_lossy(&head[..read]);
    let status = status.lines().next().unwrap_or("no answer");
    if status.starts_with("HTTP/1.1 200 ") { Ok(()) } else { Err(format!("{addr}/health: {status}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_asked_on_loopback() {
        assert_eq!(target("0.0.0.0:8080").unwrap(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(target("[::]:8080").unwrap(), "[::1]:8080".parse().unwrap());
        assert_eq!(target("10.0.0.7:9000").unwrap(), "10.0.0.7:9000".parse().unwrap());
        assert!(target("no port").is_err());
    }

    #[test]
    fn only_a_200_is_healthy() {
        let serve = |answer: &'static [u8]| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            std::thread::spawn(move || {
                let (mut peer, _) = listener.accept().unwrap();
                let mut request = [0u8; 256];
                let _ = peer.read(&mut request);
                let _ = peer.write_all(answer);
            });
            Settings { bind: addr.to_string(), ..Settings::default() }
        };
        assert_eq!(check(&serve(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n")), Ok(()));
        let e = check(&serve(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")).unwrap_err();
        assert!(e.ends_with("/health: HTTP/1.1 503 Service Unavailable"), "{e}");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        assert!(check(&Settings { bind: closed.to_string(), ..Settings::default() }).is_err());
    }
}

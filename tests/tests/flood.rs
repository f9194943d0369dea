//! Idle connections cannot take the connector down (issue 27, item 1): under `ulimit -n 1024`,
//! ten addresses each hold as many connections as they may, idle, with a half-sent head, or
//! with one byte of a keep-alive connection's next request, on both listeners; `/health`,
//! `/metrics` and an EIS call from another address still answer within a second.

use erp_connector_tests::process;

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use erp_connector::store::crypto::StoreKey;
use process::{Connector, temp_dir};

const TOKEN: &str = "flood-admin-token-5b1e0c7d";
const ATTEMPTS_PER_ADDRESS: usize = 60;

/// A connection from `from` to `to`, or `None` when it cannot even be opened.
fn open(from: IpAddr, to: SocketAddr) -> Option<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    socket.bind(&SocketAddr::new(from, 0).into()).ok()?;
    socket.connect_timeout(&to.into(), Duration::from_secs(2)).ok()?;
    Some(socket.into())
}

/// Whether the server has closed `socket` (an answer to a refused connection is its end).
fn closed(socket: &mut TcpStream) -> bool {
    socket.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let gone = match socket.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    socket.set_nonblocking(false).unwrap();
    gone
}

/// What an attacker leaves on a connection: nothing, a half-sent head, or a whole request
/// answered and then one byte of the next.
fn occupy(socket: &mut TcpStream, how: usize) {
    let _ = match how % 3 {
        0 => Ok(()),
        1 => socket.write_all(b"POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Le"),
        _ => socket
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .and_then(|()| {
                socket.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut answer = [0u8; 256];
                socket.read(&mut answer).map(|_| ())
            })
            .and_then(|()| socket.write_all(b"G")),
    };
}

/// Fills each listener from `addresses`: as many connections as each address gets to keep.
fn flood(addresses: &[IpAddr], to: SocketAddr) -> (Vec<TcpStream>, Vec<usize>) {
    let mut held = Vec::new();
    let mut kept = Vec::new();
    for &from in addresses {
        let mut mine: Vec<TcpStream> = (0..ATTEMPTS_PER_ADDRESS).filter_map(|_| open(from, to)).collect();
        for (i, socket) in mine.iter_mut().enumerate() {
            occupy(socket, i);
        }
        std::thread::sleep(Duration::from_millis(100));
        mine.retain_mut(|s| !closed(s));
        kept.push(mine.len());
        held.extend(mine);
    }
    (held, kept)
}

/// Sends `request` from 127.0.0.1 and reads the answer's status line within a second.
fn answered_within_a_second(to: SocketAddr, request: &str) -> String {
    let mut socket = TcpStream::connect_timeout(&to, Duration::from_secs(1)).expect("connects within a second");
    socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    socket.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).expect("an answer within a second");
        assert!(n > 0, "closed without an answer to {request}");
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

#[test]
fn ten_addresses_at_their_bound_leave_room_for_eis_health_and_metrics() {
    let dir = temp_dir("flood");
    let admin = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let key = StoreKey::generate().unwrap().to_base64();
    let connector = Connector::start_with_open_files(
        1024,
        &dir,
        &dir.join("store.db"),
        &key,
        &[
            ("ERP_CONNECTOR_ADMIN_BIND", admin.to_string().as_str()),
            ("ERP_CONNECTOR_ADMIN_TOKEN", TOKEN),
            ("ERP_CONNECTOR_WORKERS", "2"),
        ],
    );
    // Loopback answers for all of 127.0.0.0/8: ten attackers, and 127.0.0.1 for EIS.
    let attackers: Vec<IpAddr> = (2..12).map(|i| IpAddr::from([127, 0, 0, i])).collect();
    let (soap_held, soap_kept) = flood(&attackers, connector.addr);
    let (admin_held, admin_kept) = flood(&attackers, admin);
    let log = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default()
        + &std::fs::read_to_string(dir.join("stdout.log")).unwrap_or_default();
    // Each address got its bound and no more (the plan for 1,024 descriptors and two workers:
    // 22 on the SOAP listener, 3 on the admin listener), and kept what it got.
    assert!(soap_kept.iter().all(|&n| n == 22), "SOAP listener per address: {soap_kept:?}\n{log}");
    assert!(admin_kept.iter().all(|&n| n == 3), "admin listener per address: {admin_kept:?}\n{log}");

    let health = answered_within_a_second(connector.addr, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(health, "HTTP/1.1 200 OK");
    let metrics = answered_within_a_second(
        admin,
        &format!("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"),
    );
    assert_eq!(metrics, "HTTP/1.1 200 OK");
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><TestConnectionRequestWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ConnectionGuid>{}</ConnectionGuid></TestConnectionRequestWS></s:Body></s:Envelope>"#,
        erp_connector::testkit::new_guid()
    );
    let call = answered_within_a_second(
        connector.addr,
        &format!(
            "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\n\
             SOAPAction: \"http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/WSTestConnection\"\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(call, "HTTP/1.1 200 OK", "an EIS call is answered");

    // The attackers' connections are closed once they have been outside a request for the
    // client timeout (30 s by default): not waited for here, tests/tests/hostile.rs times it.
    drop((soap_held, admin_held));
    let log = std::fs::read_to_string(dir.join("stdout.log")).unwrap_or_default();
    assert!(!log.contains("Too many open files"), "{log}");
}

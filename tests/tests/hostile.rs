//! Hostile and broken clients, and connector methods that hang, stall or fail (issue 8): each
//! gets a bounded, clear answer and the service keeps serving everyone else.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::service::Settings;
use erp_connector::testkit::{Spawned, new_guid, spawn_with};

/// `get_actors` by key: `hang` never answers, `slow` takes ten seconds, `pause` three, `fail` is an ERP
/// error; anything else answers at once. Its change stream sends one actor, then hangs.
struct Moody;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "moody")]
impl ErpConnector for Moody {
    type Config = NoConfig;

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(Schema::new().actor(ActorType::Customer, []))
    }

    async fn get_actors(&self, _: &Connection<NoConfig>, q: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        match q.erp_keys.first().map(String::as_str) {
            Some("hang") => std::future::pending().await,
            Some("slow") => actix_web::rt::time::sleep(Duration::from_secs(10)).await,
            Some("pause") => actix_web::rt::time::sleep(Duration::from_secs(3)).await,
            Some("fail") => {
                return Err(ConnectorError::new("The ERP database is down.").with_tech("connection refused"));
            }
            _ => {}
        }
        Ok(q.erp_keys.iter().map(|k| ErpActor::new(q.actor_type.clone(), k.as_str(), Stamp::text("000001"))).collect())
    }

    async fn get_actors_by_timestamp(&self, _: &Connection<NoConfig>, _: ActorsSince) -> ConnectorResult<ActorStream> {
        let first = futures_util::stream::iter([Ok(ErpActor::new(ActorType::Customer, "1", Stamp::text("000001")))]);
        Ok(ActorStream::new(futures_util::StreamExt::chain(first, futures_util::stream::pending())))
    }
}

fn serve(adjust: impl FnOnce(&mut Settings)) -> (Spawned, ConnectionGuid) {
    let spawned = spawn_with(Moody, adjust);
    let guid = new_guid();
    assert!(spawned.client().save_connection(guid, &StringDict::new()).unwrap().is_ok);
    (spawned, guid)
}

const ACTION: &str = "http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/WSGetActors";

fn get_actors_body(guid: ConnectionGuid, key: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetActorsRequestWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ActorType>Customer</ActorType><ConnectionGuid>{guid}</ConnectionGuid><ErpKeys xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:string>{key}</a:string></ErpKeys></GetActorsRequestWS></s:Body></s:Envelope>"#
    )
}

/// Writes a whole `WSGetActors` request for key `1` on `socket`.
fn send_get_actors(socket: &mut TcpStream, guid: ConnectionGuid) {
    let body = get_actors_body(guid, "1");
    write!(
        socket,
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nSOAPAction: \"{ACTION}\"\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

fn connect(spawned: &Spawned) -> TcpStream {
    let socket = TcpStream::connect(spawned.addr()).unwrap();
    // A safety net for the test, not a figure under test.
    socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    socket
}

/// Reads until the server closes the connection or has sent a whole answer.
fn read_answer(socket: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match socket.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            // Reset after the answer came (the server closed with the request half read).
            Err(e) if e.kind() == ErrorKind::ConnectionReset && !all.is_empty() => break,
            Err(e) => panic!("no answer: {e}; got so far: {}", String::from_utf8_lossy(&all)),
        }
        let text = String::from_utf8_lossy(&all);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok());
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

fn post(spawned: &Spawned, extra_headers: &str, body: &[u8]) -> String {
    let mut socket = connect(spawned);
    let head = format!(
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{ACTION}\"\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    );
    // A request the server refuses by its head (431) may be cut off while still being written:
    // the server answers and closes without reading the rest. The answer is what is judged.
    let sent = socket.write_all(head.as_bytes()).and_then(|()| socket.write_all(body));
    if let Err(e) = sent {
        assert!(matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe), "{e}");
    }
    read_answer(&mut socket)
}

fn assert_fault(answer: &str, status: &str, needle: &str) {
    assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{answer}");
    assert!(answer.contains("<faultcode>s:Client</faultcode>"), "{answer}");
    assert!(answer.contains(needle), "{needle} in {answer}");
}

fn still_serves(spawned: &Spawned, guid: ConnectionGuid) {
    let answer = spawned.client().get_actors(guid, &customers(&["1"])).unwrap();
    assert!(answer.result.is_ok && answer.actors.unwrap().len() == 1);
}

#[test]
fn a_body_announced_too_large_is_refused_before_it_is_sent() {
    let (spawned, guid) = serve(|s| s.max_body_bytes = 64 * 1024);
    let mut socket = connect(&spawned);
    write!(
        socket,
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10000000000\r\n\r\n"
    )
    .unwrap();
    // Nothing of the ten gigabytes follows; the answer comes anyway.
    assert_fault(&read_answer(&mut socket), "413", "exceeds the limit of 65536 bytes");
    still_serves(&spawned, guid);
}

#[test]
fn a_chunked_body_is_cut_off_at_the_limit() {
    let (spawned, guid) = serve(|s| s.max_body_bytes = 64 * 1024);
    let mut socket = connect(&spawned);
    write!(
        socket,
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 16 * 1024];
    for _ in 0..8 {
        if write!(socket, "{:x}\r\n", chunk.len())
            .and_then(|_| socket.write_all(&chunk))
            .and_then(|_| socket.write_all(b"\r\n"))
            .is_err()
        {
            break; // the server may close as soon as it has answered
        }
    }
    assert_fault(&read_answer(&mut socket), "413", "exceeds the limit");
    still_serves(&spawned, guid);
}

#[test]
fn a_client_stalling_mid_body_gets_408_and_is_disconnected() {
    let (spawned, guid) = serve(|s| s.client_timeout_secs = 1);
    let mut socket = connect(&spawned);
    write!(
        socket,
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<s:Envelope"
    )
    .unwrap();
    let answer = read_answer(&mut socket);
    assert_fault(&answer, "408", "did not arrive within 1 seconds");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    still_serves(&spawned, guid);
}

#[test]
fn a_client_stalling_in_the_head_is_disconnected() {
    let (spawned, guid) = serve(|s| s.client_timeout_secs = 1);
    let mut socket = connect(&spawned);
    socket.write_all(b"POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Ty").unwrap();
    // actix answers 408 and closes (the read ends); it does not wait for the rest.
    let answer = read_answer(&mut socket);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    still_serves(&spawned, guid);
}

/// actix times the head of a connection's first request only: a client that sent one request
/// and then one byte of the next was never timed out. Every request of a connection is timed.
#[test]
fn a_keep_alive_connection_stalling_in_its_next_head_is_disconnected() {
    let (spawned, guid) = serve(|s| s.client_timeout_secs = 1);
    for next in ["P", "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Le"] {
        let mut socket = connect(&spawned);
        send_get_actors(&mut socket, guid);
        let answer = read_answer(&mut socket);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(!answer.to_ascii_lowercase().contains("connection: close"), "kept alive: {answer}");
        socket.write_all(next.as_bytes()).unwrap();
        // The safety net of `connect` is 30 s; the watchdog closes the connection within about
        // a second and a quarter. A timeout here (WouldBlock) means it stayed open.
        let mut rest = Vec::new();
        let ended = socket.read_to_end(&mut rest);
        assert!(
            ended.is_ok() || ended.as_ref().is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
            "{next:?}: still open: {ended:?}"
        );
    }
    still_serves(&spawned, guid);
}

/// A stream that takes longer than the client timeout is not cut by the watchdog: the
/// connection is inside a request until its answer's body is done.
#[test]
fn a_long_answer_is_not_taken_for_an_idle_connection() {
    let (spawned, guid) = serve(|s| s.client_timeout_secs = 1);
    let answer = spawned.client().get_actors(guid, &customers(&["pause"]));
    let answer = answer.expect("the paused call is answered, not cut off");
    assert!(answer.result.is_ok, "{:?}", answer.result);
}

#[test]
fn connections_beyond_the_limit_wait_their_turn() {
    let (spawned, guid) = serve(|s| {
        s.workers = Some(1);
        s.max_connections = 3;
        // Else at most a sixteenth of three (one) from this address.
        s.max_connections_per_source = 0;
    });
    // Three idle connections fill the worker.
    let idle: Vec<TcpStream> = (0..3).map(|_| connect(&spawned)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fourth = connect(&spawned);
    send_get_actors(&mut fourth, guid);
    fourth.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut first = [0u8; 1];
    let waited = fourth.read(&mut first);
    assert!(waited.is_err(), "the fourth connection was served while three were open: {waited:?}");
    drop(idle);
    fourth.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let answer = read_answer(&mut fourth);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn huge_or_countless_headers_are_refused() {
    let (spawned, guid) = serve(|_| {});
    let huge = format!("X-Huge: {}\r\n", "a".repeat(256 * 1024));
    let answer = post(&spawned, &huge, get_actors_body(guid, "1").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"), "{answer}");
    let many: String = (0..500).map(|i| format!("X-Many-{i}: {i}\r\n")).collect();
    let answer = post(&spawned, &many, get_actors_body(guid, "1").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"), "{answer}");
    still_serves(&spawned, guid);
}

#[test]
fn compressed_bodies_are_refused() {
    let (spawned, guid) = serve(|_| {});
    // The first bytes of a gzip stream; a bomb would expand a few KB to gigabytes.
    let gzip = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
    let answer = post(&spawned, "Content-Encoding: gzip\r\n", &gzip);
    assert_fault(&answer, "415", "Content-Encoding: gzip");
    let answer = post(&spawned, "Content-Encoding: deflate, br\r\n", &gzip);
    assert_fault(&answer, "415", "not accepted");
    still_serves(&spawned, guid);
}

#[test]
fn hostile_xml_gets_a_fault() {
    let (spawned, guid) = serve(|_| {});
    let env = |inner: &str| {
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{inner}</s:Body></s:Envelope>"#
        )
    };
    let deep = env(&format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000)));
    assert_fault(&post(&spawned, "", deep.as_bytes()), "500", "nesting depth");
    let laughs = format!(
        "<!DOCTYPE s:Envelope [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>{}",
        env("<x>&lol2;</x>")
    );
    assert_fault(&post(&spawned, "", laughs.as_bytes()), "500", "DOCTYPE");
    let xxe = format!("<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}", env("<x>&xxe;</x>"));
    let answer = post(&spawned, "", xxe.as_bytes());
    assert_fault(&answer, "500", "DOCTYPE");
    assert!(!answer.contains("root:"), "{answer}");
    let namespaces: String = (0..5_000).map(|i| format!(" xmlns:n{i}=\"urn:{i}\"")).collect();
    let many = env(&format!("<GetActorsRequestWS{namespaces}/>"));
    let answer = post(&spawned, "", many.as_bytes());
    assert_fault(&answer, "500", "limit");
    let mut invalid = get_actors_body(guid, "1").into_bytes();
    let at = invalid.len() / 2;
    invalid[at] = 0xff;
    assert_fault(&post(&spawned, "", &invalid), "500", "UTF-8");
    still_serves(&spawned, guid);
}

#[test]
fn a_hanging_method_is_answered_with_an_error_and_blocks_nobody() {
    let (spawned, guid) = serve(|s| {
        s.workers = Some(1);
        s.call_timeout_secs = 3;
    });
    let client = spawned.client();
    let hanging = std::thread::spawn(move || client.get_actors(guid, &customers(&["hang"])));
    // Calls on the same (single) worker are answered while the hanging one waits.
    for _ in 0..20 {
        still_serves(&spawned, guid);
    }
    assert!(!hanging.is_finished(), "the hanging call should still be waiting for its timeout");
    let answer = hanging.join().unwrap().unwrap();
    assert!(!answer.result.is_ok);
    let message = answer.result.user_explanation.unwrap_or_default();
    assert!(message.contains("did not answer WSGetActors within 3 seconds"), "{message}");
    // Too slow is the same as hanging.
    let answer = spawned.client().get_actors(guid, &customers(&["slow"])).unwrap();
    assert!(!answer.result.is_ok && answer.actors.as_ref().is_none_or(|a| a.is_empty()), "{answer:?}");
}

#[test]
fn a_failing_erp_is_reported_in_the_answer() {
    let (spawned, guid) = serve(|_| {});
    // The typed client refuses anything but HTTP 200, so this is a 200 with IsOk=false.
    let answer = spawned.client().get_actors(guid, &customers(&["fail"])).unwrap();
    let result = answer.result;
    assert!(!result.is_ok);
    assert_eq!(result.user_explanation.as_deref(), Some("The ERP database is down."));
}

#[test]
fn a_stream_that_stalls_ends_with_an_error_after_the_actors_sent() {
    let (spawned, guid) = serve(|s| s.call_timeout_secs = 1);
    let answer = spawned
        .client()
        .get_actors_by_timestamp(
            guid,
            &ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: vec![] },
        )
        .unwrap();
    assert_eq!(answer.actors.map(|a| a.len()), Some(1));
    assert!(!answer.result.is_ok);
    let message = answer.result.user_explanation.unwrap_or_default();
    assert!(message.contains("within 1 seconds"), "{message}");
}

/// `GetActors` of customers by key, no fields.
fn customers(keys: &[&str]) -> GetActors {
    GetActors {
        actor_type: ActorType::Customer,
        erp_keys: keys.iter().map(|k| k.to_string()).collect(),
        field_keys: vec![],
    }
}

//! Streamed `WSGetActorsByTimestamp` answers over HTTP: a chunked body byte-identical in meaning
//! to the whole answer, errors and panics part-way ending it with `State=Error`, a producer that
//! stops when the client goes away, and whole answers where streaming is not possible.

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::soap::WireProfile;
use erp_connector::testkit::{Spawned, new_guid, spawn_with};

/// Streams `UpdatedOnOrAfter` actors (a number); `FAIL@k` / `PANIC@k` suffixes break at actor k.
struct Big {
    produced: Arc<AtomicUsize>,
}

fn actor(i: usize) -> ErpActor {
    let mut a = ErpActor::new(ActorType::Customer, i.to_string(), Stamp::counter(i as u64));
    for f in 0..10 {
        a = a.with_value(format!("F{f}"), format!("value {f} of actor {i} & <co>"));
    }
    a
}

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "big")]
impl ErpConnector for Big {
    type Config = NoConfig;

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        let fields = (0..10).map(|f| Field::new(format!("F{f}"), format!("Field {f}"), FieldType::Text));
        Ok(Schema::new().actor(ActorType::Customer, fields))
    }

    async fn get_actors_by_timestamp(&self, _: &Conn<Self>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        let since = q.since.map(|s| s.to_string()).unwrap_or_default();
        let (count, fault) = since.split_once(' ').unwrap_or((&since, ""));
        let count: usize = count.parse().map_err(|_| ConnectorError::new("not a count"))?;
        let fault = fault.to_owned();
        let produced = self.produced.clone();
        Ok(ActorStream::from_blocking(move |out| {
            for i in 0..count {
                if fault == format!("FAIL@{i}") {
                    return Err(ConnectorError::new("The ERP went away."));
                }
                if fault == format!("PANIC@{i}") {
                    panic!("cursor broke");
                }
                out.send(actor(i))?;
                produced.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        }))
    }
}

fn serve(adjust: impl FnOnce(&mut erp_connector::service::Settings)) -> (Spawned, Arc<AtomicUsize>) {
    let produced = Arc::new(AtomicUsize::new(0));
    (spawn_with(Big { produced: produced.clone() }, adjust), produced)
}

fn poll(connector: &Spawned, since: &str) -> (ActorArrayResponse, erp_connector::testkit::HttpReply) {
    poll_in(&connector.client(), since)
}

/// A change poll through `client` (in its profile) on a new connection.
fn poll_in(
    client: &erp_connector::testkit::SoapClient,
    since: &str,
) -> (ActorArrayResponse, erp_connector::testkit::HttpReply) {
    let guid = new_guid();
    assert!(client.save_connection(guid, &StringDict::new()).unwrap().is_ok);
    let request = Request::GetActorsByTimestamp(GetActorsByTimestampRequest {
        base: RequestBase { connection_guid: Some(guid) },
        updated_on_or_after: Some(since.into()),
        actor_type: Some(ActorType::Customer),
        field_keys: Some(vec![]),
    });
    match client.exchange(&request).unwrap() {
        (Response::ActorArray(r), reply) => (r, reply),
        (other, _) => panic!("{other:?}"),
    }
}

fn chunked(reply: &erp_connector::testkit::HttpReply) -> bool {
    reply.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) && reply.header("content-length").is_none()
}

#[test]
fn many_actors_stream_in_a_chunked_body() {
    let (connector, produced) = serve(|_| {});
    let (answer, reply) = poll(&connector, "20000");
    assert!(chunked(&reply), "{:?}", reply.headers);
    assert!(answer.result.is_ok, "{:?}", answer.result);
    let actors = answer.actors.unwrap();
    assert_eq!(actors.len(), 20_000);
    assert!(actors.iter().enumerate().all(|(i, a)| *a == actor(i)));
    assert_eq!(produced.load(Ordering::SeqCst), 20_000);
    // No actors: a whole, ordinary answer.
    let (answer, reply) = poll(&connector, "0");
    assert!(!chunked(&reply) && answer.result.is_ok && answer.actors == Some(vec![]));
}

#[test]
fn an_error_or_a_panic_part_way_ends_the_answer_with_state_error() {
    let (connector, _) = serve(|_| {});
    let (answer, reply) = poll(&connector, "9000 FAIL@7000");
    assert!(chunked(&reply));
    assert_eq!(
        (answer.result.state, answer.result.user_explanation.as_deref()),
        (ResponseState::Error, Some("The ERP went away."))
    );
    assert!(!answer.result.is_ok);
    assert_eq!(answer.actors.unwrap().len(), 7000, "the actors before the error are in the body");

    let (answer, _) = poll(&connector, "9000 PANIC@8000");
    assert_eq!(answer.result.state, ResponseState::Error);
    assert_eq!(answer.result.user_explanation.as_deref(), Some("The connector failed while reading the actors."));
    // At once: a whole error answer.
    let (answer, reply) = poll(&connector, "5 FAIL@0");
    assert!(!chunked(&reply) && answer.result.state == ResponseState::Error && answer.actors.is_none());
    // The service serves on.
    let (answer, _) = poll(&connector, "3");
    assert_eq!(answer.actors.unwrap().len(), 3);
}

#[test]
fn the_producer_stops_when_the_client_goes_away() {
    let (connector, produced) = serve(|_| {});
    let client = connector.client();
    let guid = new_guid();
    assert!(client.save_connection(guid, &StringDict::new()).unwrap().is_ok);
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetActorsByTimestampRequestWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ActorType>Customer</ActorType><ConnectionGuid>{guid}</ConnectionGuid><UpdatedOnOrAfter>10000000</UpdatedOnOrAfter></GetActorsByTimestampRequestWS></s:Body></s:Envelope>"#
    );
    let mut socket = std::net::TcpStream::connect(connector.addr()).unwrap();
    write!(
        socket,
        "POST /Services/ErpConnectorWS.svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/WSGetActorsByTimestamp\"\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut first = [0u8; 4096];
    let n = socket.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(socket);
    // The producer notices within moments and ends; it never made the ten million.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = produced.load(Ordering::SeqCst);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = produced.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        assert!(Instant::now() < deadline, "the producer keeps going: {now}");
        last = now;
    }
    assert!(last < 1_000_000, "{last}");
}

/// Open files of this process that are deleted files of the temporary folder: spool files.
fn open_spool_files() -> usize {
    let tmp = std::env::temp_dir();
    std::fs::read_dir("/proc/self/fd")
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.starts_with(&tmp) && target.to_string_lossy().ends_with("(deleted)"))
                .count()
        })
        .unwrap_or(0)
}

/// Under the wrapped profiles the status comes first: a large answer is spooled to an unnamed
/// temporary file and sent with its length; the file is gone when the answer is sent or the
/// client goes away.
#[test]
fn wrapped_profiles_spool_large_answers_to_a_file_that_never_outlives_them() {
    let (connector, _) = serve(|_| {});
    for profile in [WireProfile::WrappedEis, WireProfile::WrappedPoco] {
        let client = connector.client().with_profile(profile);
        let (answer, reply) = poll_in(&client, "30000");
        assert!(!chunked(&reply), "sent with its length");
        assert!(answer.result.is_ok, "{:?}", answer.result);
        let actors = answer.actors.unwrap();
        assert_eq!(actors.len(), 30_000);
        assert!(actors.iter().enumerate().all(|(i, a)| *a == actor(i)));
        // An error part-way: the actors before it, then the error, in the status that comes first.
        let (answer, _) = poll_in(&client, "30000 FAIL@20000");
        assert_eq!(answer.result.state, ResponseState::Error);
        assert_eq!(answer.result.user_explanation.as_deref(), Some("The ERP went away."));
        assert_eq!(answer.actors.unwrap().len(), 20_000);
        assert!(client.take_observations().other_shape.is_empty(), "answered in {profile}");
    }
    // A client that reads the first bytes and goes away: the file is open while the answer is
    // sent, and closed (so removed) after.
    let guid = new_guid();
    let client = connector.client().with_profile(WireProfile::WrappedEis);
    assert!(client.save_connection(guid, &StringDict::new()).unwrap().is_ok);
    let request = Request::GetActorsByTimestamp(GetActorsByTimestampRequest {
        base: RequestBase { connection_guid: Some(guid) },
        updated_on_or_after: Some("40000".into()),
        actor_type: Some(ActorType::Customer),
        field_keys: Some(vec![]),
    });
    let mut body = Vec::new();
    erp_connector::soap::write_request(WireProfile::WrappedEis, &request, &mut body);
    let url = connector.url();
    let path = url.split_once(&connector.addr().to_string()).unwrap().1;
    let mut tcp = std::net::TcpStream::connect(connector.addr()).unwrap();
    write!(
        tcp,
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{}\"\r\nContent-Length: {}\r\n\r\n",
        path,
        Operation::GetActorsByTimestamp.action(),
        body.len()
    )
    .unwrap();
    tcp.write_all(&body).unwrap();
    let mut first = [0u8; 4096];
    let n = tcp.read(&mut first).unwrap();
    let head = String::from_utf8_lossy(&first[..n]).to_ascii_lowercase();
    assert!(head.contains("content-length"), "sent with its length: {head}");
    assert!(open_spool_files() >= 1, "the answer is sent from a spool file");
    drop(tcp);
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_spool_files() > 0 {
        assert!(Instant::now() < deadline, "a spool file outlives its answer");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn wrapped_profiles_and_capture_mode_answer_whole() {
    let (connector, _) = serve(|s| s.wire_profile = WireProfile::WrappedEis.into());
    let client = connector.client().with_profile(WireProfile::WrappedEis);
    let guid = new_guid();
    assert!(client.save_connection(guid, &StringDict::new()).unwrap().is_ok);
    let request = Request::GetActorsByTimestamp(GetActorsByTimestampRequest {
        base: RequestBase { connection_guid: Some(guid) },
        updated_on_or_after: Some("1000 FAIL@900".into()),
        actor_type: Some(ActorType::Customer),
        field_keys: None,
    });
    let (response, reply) = client.exchange(&request).unwrap();
    assert!(!chunked(&reply));
    assert_eq!(response.result().state, ResponseState::Error, "the status comes first, so it must be known");

    let dir = std::env::temp_dir().join(format!("erp-streaming-capture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let capture = dir.clone();
    let (connector, _) = serve(move |s| s.capture_dir = Some(capture));
    let (answer, reply) = poll(&connector, "500");
    assert!(!chunked(&reply) && answer.actors.unwrap().len() == 500);
    let captured = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with("-WSGetActorsByTimestamp.response.xml"))
        .count();
    assert_eq!(captured, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn a_connector_that_only_streams_answers_a_direct_call_too() {
    use erp_connector::http::{CallContext, SoapHandler as _};
    use erp_connector::store::crypto::{Sealer, StoreKey};
    let dir = std::env::temp_dir().join(format!("erp-streaming-direct-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = erp_connector::store::SqliteStore::open(&dir.join("c.db"), Sealer::new(&StoreKey::generate().unwrap()))
        .unwrap();
    let hosted = erp_connector::service::Hosted::new(
        Big { produced: Arc::default() },
        "big",
        Arc::new(store),
        erp_connector::service::HostOptions::default(),
    );
    let guid = new_guid();
    let save = SaveConnectionRequest {
        base: RequestBase { connection_guid: Some(guid) },
        connection_info: Some(StringDict::new()),
    };
    assert!(
        hosted.handle(CallContext::local([127, 0, 0, 1].into()), Request::SaveConnection(save)).await.result().is_ok
    );
    let poll = GetActorsByTimestampRequest {
        base: RequestBase { connection_guid: Some(guid) },
        updated_on_or_after: Some("7".into()),
        actor_type: Some(ActorType::Customer),
        field_keys: None,
    };
    match hosted.handle(CallContext::local([127, 0, 0, 1].into()), Request::GetActorsByTimestamp(poll)).await {
        Response::ActorArray(r) => assert_eq!(r.actors.map(|a| a.len()), Some(7)),
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

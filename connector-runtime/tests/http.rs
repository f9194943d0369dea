//! The SOAP endpoint over real HTTP/1.1 on loopback: answers, faults with their statuses, the
//! WSDL, panics turned into error answers, and `Expect: 100-continue` as WCF clients send it.

use std::net::SocketAddr;

use erp_connector::contract::{ActorArrayResponse, ActorType, ErpActor, Operation, Request, Response};
use erp_connector::http::{Answer, CallContext, EndpointSettings, LocalBoxFuture, SoapEndpoint, SoapHandler};
use erp_connector::soap::{self, Limits, WireProfile};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PATH: &str = "/Services/ErpConnectorWS.svc";

/// Answers GetActors with one actor per key; panics on GetList; answers GetSearchableFields with
/// the wrong class; everything else empty.
struct Handler;

impl SoapHandler for Handler {
    fn handle(&self, _: CallContext, request: Request) -> LocalBoxFuture<'_, Response> {
        Box::pin(async move {
            match request {
                Request::GetActors(r) => {
                    let actors = r
                        .erp_keys
                        .unwrap_or_default()
                        .into_iter()
                        .map(|k| {
                            ErpActor::new(ActorType::Customer, k, erp_connector::contract::Stamp::text("1"))
                                .with_value("NAME", "Acme & Co")
                        })
                        .collect();
                    Response::ActorArray(ActorArrayResponse { actors: Some(actors), ..Default::default() })
                }
                Request::GetList(_) => panic!("the ERP is on fire"),
                Request::GetSearchableFields(_) => Response::empty(Operation::GetActors),
                other => Response::empty(other.operation()),
            }
        })
    }

    fn handle_streaming(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Answer> {
        match request {
            // Actors for an operation whose response has none: refused.
            Request::TestConnection(_) => Box::pin(async { Answer::Actors(Box::pin(futures_util::stream::empty())) }),
            other => Box::pin(async move { Answer::Whole(self.handle(call, other).await) }),
        }
    }
}

async fn start(settings: EndpointSettings) -> SocketAddr {
    let endpoint = SoapEndpoint::with_settings(Handler, settings);
    let server = actix_web::HttpServer::new(move || actix_web::App::new().service(endpoint.resource(PATH)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    let status = head[9..12].parse().unwrap();
    Reply { status, head: head.to_owned(), body: body.to_owned() }
}

async fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
            });
            if len.is_some_and(|len| body.len() >= len) || n == 0 {
                return parse(&raw);
            }
        }
        assert!(n > 0, "connection closed early");
    }
}

async fn send(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: erp.example.com\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    read_reply(&mut stream).await
}

fn request_body(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    soap::write_request(WireProfile::MessageContract, request, &mut out);
    out
}

async fn call(addr: SocketAddr, request: &Request) -> Reply {
    let action = format!("\"{}\"", request.operation().action());
    let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", action.as_str())];
    send(addr, "POST", PATH, &headers, &request_body(request)).await
}

fn get_actors() -> Request {
    Request::GetActors(erp_connector::contract::GetActorsRequest {
        erp_keys: Some(vec!["10001".into(), "10002".into()]),
        ..Default::default()
    })
}

#[actix_web::test]
async fn a_call_is_answered_with_exact_content_type() {
    let addr = start(EndpointSettings::default()).await;
    let reply = call(addr, &get_actors()).await;
    assert_eq!(reply.status, 200);
    assert!(reply.head.to_ascii_lowercase().contains("content-type: text/xml; charset=utf-8"), "{}", reply.head);
    let Response::ActorArray(r) =
        soap::read_response(reply.body.as_bytes(), Operation::GetActors, &Limits::default()).unwrap()
    else {
        panic!()
    };
    let actors = r.actors.unwrap();
    assert_eq!(actors.len(), 2);
    assert_eq!(actors[1].field("NAME"), Some("Acme & Co"));
}

#[actix_web::test]
async fn expect_100_continue_is_answered_before_the_body() {
    let addr = start(EndpointSettings::default()).await;
    let body = request_body(&get_actors());
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{}\"\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: keep-alive\r\n\r\n",
        Operation::GetActors.action(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).await.unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(&body).await.unwrap();
    assert_eq!(read_reply(&mut stream).await.status, 200);
    // The connection stays usable, as WCF keeps one alive for all calls.
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.read_exact(&mut interim).await.unwrap();
    stream.write_all(&body).await.unwrap();
    assert_eq!(read_reply(&mut stream).await.status, 200);
}

fn assert_fault(reply: &Reply, status: u16, code: &str, needle: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.head.to_ascii_lowercase().contains("content-type: text/xml; charset=utf-8"));
    assert!(reply.body.contains(&format!("<faultcode>{code}</faultcode>")), "{}", reply.body);
    assert!(reply.body.contains("<faultstring xml:lang=\"en-US\">"), "{}", reply.body);
    assert!(reply.body.contains(needle), "{needle} in {}", reply.body);
}

#[actix_web::test]
async fn unreadable_requests_get_soap_faults() {
    let addr = start(EndpointSettings::default()).await;
    let xml = [("Content-Type", "text/xml")];
    let reply = send(
        addr,
        "POST",
        PATH,
        &[("Content-Type", "text/xml"), ("SOAPAction", "\"urn:x/WSNope\"")],
        &request_body(&get_actors()),
    )
    .await;
    assert_fault(&reply, 500, "s:Client", "unknown SOAPAction");
    let reply = send(addr, "POST", PATH, &xml, b"<s:Envelope").await;
    assert_fault(&reply, 500, "s:Client", "malformed XML");
    let reply = send(addr, "POST", PATH, &xml, b"\xff\xfe<").await;
    assert_fault(&reply, 500, "s:Client", "UTF-8");
    let reply = send(addr, "POST", PATH, &[("Content-Type", "application/soap+xml; charset=utf-8")], b"<x/>").await;
    assert_fault(&reply, 415, "s:Client", "SOAP 1.2");
    assert!(!reply.body.contains("<detail>"), "no internals without the debug switch");
}

#[actix_web::test]
async fn oversized_bodies_are_refused() {
    let addr = start(EndpointSettings { max_body_bytes: 1024, ..Default::default() }).await;
    let reply = send(addr, "POST", PATH, &[("Content-Type", "text/xml")], &vec![b' '; 4096]).await;
    assert_fault(&reply, 413, "s:Client", "1024 bytes");
    // The default: a few MiB, refused before a byte of the body is read (here, none is sent).
    let addr = start(EndpointSettings::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n", 5 << 20);
    stream.write_all(head.as_bytes()).await.unwrap();
    let reply = read_reply(&mut stream).await;
    assert_fault(&reply, 413, "s:Client", &format!("{} bytes", erp_connector::http::DEFAULT_MAX_BODY_BYTES));
}

#[actix_web::test]
async fn fault_details_only_behind_the_switch() {
    let body = b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body></x>";
    let without = start(EndpointSettings::default()).await;
    let reply = send(without, "POST", PATH, &[("Content-Type", "text/xml")], body).await;
    assert_fault(&reply, 500, "s:Client", "malformed XML");
    assert!(!reply.body.contains("<detail>"));
    let with = start(EndpointSettings { fault_details: true, ..Default::default() }).await;
    let reply = send(with, "POST", PATH, &[("Content-Type", "text/xml")], body).await;
    assert_fault(&reply, 500, "s:Client", "malformed XML");
    assert!(reply.body.contains("<detail><ExceptionDetail"), "{}", reply.body);
    assert!(reply.body.contains("Malformed {"), "{}", reply.body);
}

#[actix_web::test]
async fn panics_and_wrong_classes_become_error_answers() {
    let addr = start(EndpointSettings::default()).await;
    let reply = call(addr, &Request::empty(Operation::GetList)).await;
    assert_eq!(reply.status, 200);
    let response = soap::read_response(reply.body.as_bytes(), Operation::GetList, &Limits::default()).unwrap();
    assert!(!response.result().is_ok);
    assert!(response.result().user_explanation.as_deref().unwrap().contains("WSGetList"));
    assert!(!reply.body.contains("on fire"), "panic text is not sent");
    let reply = call(addr, &Request::empty(Operation::GetSearchableFields)).await;
    let response =
        soap::read_response(reply.body.as_bytes(), Operation::GetSearchableFields, &Limits::default()).unwrap();
    assert!(matches!(response, Response::StringArray(ref r) if !r.result.is_ok));
    let reply = call(addr, &Request::empty(Operation::TestConnection)).await;
    let response = soap::read_response(reply.body.as_bytes(), Operation::TestConnection, &Limits::default()).unwrap();
    assert!(!response.result().is_ok, "{}", reply.body);
    // The worker lives on.
    assert_eq!(call(addr, &get_actors()).await.status, 200);
}

#[actix_web::test]
async fn wsdl_is_served_with_the_callers_address() {
    let addr = start(EndpointSettings::default()).await;
    for query in ["?wsdl", "?singleWsdl", "?WSDL"] {
        let reply = send(addr, "GET", &format!("{PATH}{query}"), &[], b"").await;
        assert_eq!(reply.status, 200);
        assert!(
            reply.body.contains("<soap:address location=\"http://erp.example.com/Services/ErpConnectorWS.svc\"/>"),
            "{query}"
        );
        assert!(reply.body.contains(Operation::GetActorsByTimestamp.action()));
    }
    let reply = send(addr, "GET", PATH, &[], b"").await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("?wsdl"));
    let reply = send(addr, "PUT", PATH, &[], b"").await;
    assert_eq!(reply.status, 405);
}

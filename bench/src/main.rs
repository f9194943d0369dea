//! The programs behind `bench/run-service`:
//!
//! * `bench-connector serve <addr>`: a connector on the full service (store, dispatch, XML) whose
//!   `WSGetActors` returns the requested actors with 10 fields each from memory;
//! * `bench-connector ceiling <addr>`: plain actix-web answering every POST with the same response
//!   bytes, built once: what the machine can do with no XML, store or dispatch work at all;
//! * `bench-connector requests <dir> <guid>`: writes the request bodies wrk posts.

use std::collections::HashMap;

/// mimalloc instead of glibc's malloc: the service allocates many small strings per answer
/// (docs/performance.md has both figures); the ceiling runs in this binary too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::soap::{WireProfile, write_request, write_response};

const FIELDS: [&str; 10] =
    ["NAME", "NUMBER1", "NUMBER2", "PHONE", "EMAIL", "URL", "POSTALAD1", "POSTALZIP", "POSTALCITY", "COUNTRY"];

/// 1,000 customers with 10 fields, built once.
struct Bench {
    customers: HashMap<String, ErpActor>,
}

impl Bench {
    fn new() -> Self {
        let customers = (0..1000)
            .map(|i| {
                let key = format!("{}", 10_000 + i);
                let actor = ErpActor::new(ActorType::Customer, key.clone(), format!("2024-05-01T10:{:02}:00", i % 60))
                    .with_field("NAME", format!("Customer {i} & Co AS"))
                    .with_field("NUMBER1", FieldValue::Int(i).to_string())
                    .with_field("NUMBER2", format!("C-{i:06}"))
                    .with_field("PHONE", "+47 22 33 44 55")
                    .with_field("EMAIL", format!("post{i}@example.com"))
                    .with_field("URL", "https://www.example.com/")
                    .with_field("POSTALAD1", "Storgata 1")
                    .with_field("POSTALZIP", "0155")
                    .with_field("POSTALCITY", "Oslo")
                    .with_field("COUNTRY", "NO");
                (key, actor)
            })
            .collect();
        Bench { customers }
    }
}

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "bench")]
impl ErpConnector for Bench {
    async fn get_actors(&self, _: &Connection<NoConfig>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(q.erp_keys.iter().filter_map(|k| self.customers.get(k)).cloned().collect())
    }
}

fn get_actors(guid: ConnectionGuid) -> Request {
    Request::GetActors(GetActorsRequest {
        base: RequestBase { connection_guid: Some(guid) },
        actor_type: Some(ActorType::Customer),
        erp_keys: Some((0..50).map(|i| format!("{}", 10_000 + i * 7)).collect()),
        field_keys: Some(FIELDS.iter().map(|f| f.to_string()).collect()),
    })
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve") => {
            let settings = erp_connector::service::Settings {
                bind: args.get(2).cloned().unwrap_or_else(|| "127.0.0.1:8081".into()),
                log: "warn".into(),
                ..erp_connector::service::Settings::load().map_err(std::io::Error::other)?
            };
            erp_connector::Service::new().connector(Bench::new()).settings(settings).run()
        }
        Some("ceiling") => {
            let addr = args.get(2).cloned().unwrap_or_else(|| "127.0.0.1:8082".into());
            // The answers the service gives, built once; chosen by SOAPAction. The request body is
            // read (and dropped) as the service reads it.
            let bench = Bench::new();
            let Request::GetActors(q) = get_actors(ConnectionGuid::NIL) else { unreachable!() };
            let actors = q.erp_keys.unwrap().iter().filter_map(|k| bench.customers.get(k)).cloned().collect();
            let answers: Vec<(&'static str, actix_web::web::Bytes)> = [
                (
                    Operation::GetActors,
                    Response::ActorArray(ActorArrayResponse { actors: Some(actors), ..Default::default() }),
                ),
                (Operation::TestConnection, Response::empty(Operation::TestConnection)),
            ]
            .into_iter()
            .map(|(op, response)| {
                let mut body = Vec::new();
                write_response(WireProfile::default(), op, &response, &mut body);
                (op.name(), actix_web::web::Bytes::from(body))
            })
            .collect();
            actix_web::rt::System::new().block_on(async move {
                actix_web::HttpServer::new(move || {
                    let answers = answers.clone();
                    actix_web::App::new().default_service(actix_web::web::to(
                        move |req: actix_web::HttpRequest, _body: actix_web::web::Bytes| {
                            let action = req.headers().get("SOAPAction").and_then(|v| v.to_str().ok()).unwrap_or("");
                            let body = answers
                                .iter()
                                .find(|(op, _)| action.trim_matches('"').ends_with(op))
                                .map(|(_, b)| b.clone());
                            async move {
                                actix_web::HttpResponse::Ok()
                                    .content_type("text/xml; charset=utf-8")
                                    .body(body.unwrap_or_default())
                            }
                        },
                    ))
                })
                .bind(&addr)?
                .run()
                .await
            })
        }
        Some("requests") => {
            let dir = std::path::PathBuf::from(args.get(2).expect("a folder"));
            let guid = ConnectionGuid::parse(args.get(3).expect("a GUID")).map_err(std::io::Error::other)?;
            std::fs::create_dir_all(&dir)?;
            let save = Request::SaveConnection(SaveConnectionRequest {
                base: RequestBase { connection_guid: Some(guid) },
                connection_info: Some(StringDict::new()),
            });
            for (name, request) in [
                ("save", save),
                ("get-actors", get_actors(guid)),
                ("test-connection", Request::TestConnection(RequestBase { connection_guid: Some(guid) })),
            ] {
                let mut body = Vec::new();
                write_request(WireProfile::default(), &request, &mut body);
                std::fs::write(dir.join(format!("{name}.xml")), body)?;
                std::fs::write(dir.join(format!("{name}.action")), request.operation().action())?;
            }
            Ok(())
        }
        _ => {
            eprintln!("usage: bench-connector serve [addr] | ceiling [addr] | requests <dir> <guid>");
            std::process::exit(2)
        }
    }
}

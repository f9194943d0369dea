//! The programs behind `bench/run-service`:
//!
//! * `bench-connector serve <addr>`: a connector on the full service (store, dispatch, XML) whose
//!   `WSGetActors` returns the requested actors with 10 fields each from memory;
//! * `bench-connector ceiling <addr>`: plain actix-web answering every POST with the same response
//!   bytes, built once: what the machine can do with no XML, store or dispatch work at all;
//! * `bench-connector requests <dir> <guid>`: writes the request bodies wrk posts, and for
//!   `Authenticate` a test issuer (key and certificate), an application key and a token;
//! * `bench-connector raw-auth <dir> <seconds>`: the ceiling of a handshake, one RS256
//!   verification plus one PKCS#1 signature on those keys, on every core, in handshakes/s;
//! * `bench-connector soak <addr> <path> <action> <body file> <rate> <connections> <seconds>`:
//!   a constant-rate load for `bench/soak` (see `soak.rs`).

mod soak;

use std::collections::HashMap;

/// mimalloc instead of glibc's malloc: the service allocates many small strings per answer
/// (docs/performance.md has both figures); the ceiling runs in this binary too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use erp_connector::contract::*;
use erp_connector::prelude::*;
use erp_connector::soap::{WireProfile, write_request, write_response};

/// The actors of every benchmark, one file for all.
#[path = "../../connector-runtime/benches/payload/mod.rs"]
#[allow(dead_code)]
mod payload;

use payload::FIELDS;

/// 1,000 customers with 10 fields, built once.
struct Bench {
    customers: HashMap<String, ErpActor>,
}

impl Bench {
    fn new() -> Self {
        let customers = (0..1000).map(payload::customer).map(|a| (a.erp_key.clone().unwrap_or_default(), a)).collect();
        Bench { customers }
    }
}

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "bench")]
impl ErpConnector for Bench {
    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        let kind = |key| if key == "NUMBER1" { FieldType::Integer } else { FieldType::Text };
        Ok(Schema::new().actor(ActorType::Customer, FIELDS.map(|key| Field::new(key, key, kind(key)))))
    }

    async fn get_actors(&self, _: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
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
            write_auth_material(&dir)
        }
        Some("raw-auth") => {
            let dir = std::path::PathBuf::from(args.get(2).expect("a folder"));
            let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
            raw_auth(&dir, seconds)
        }
        Some("soak") if args.len() == 9 => {
            let number = |i: usize| {
                args[i].parse::<f64>().map_err(|_| std::io::Error::other(format!("not a number: {}", args[i])))
            };
            soak::run(soak::Load {
                addr: args[2].clone(),
                path: args[3].clone(),
                action: args[4].clone(),
                body: std::fs::read(&args[5])?,
                rate: number(6)?,
                connections: number(7)? as usize,
                seconds: number(8)? as u64,
            })
        }
        _ => {
            eprintln!(
                "usage: bench-connector serve [addr] | ceiling [addr] | requests <dir> <guid> | raw-auth <dir> [seconds] \
                 | soak <addr> <path> <action> <body file> <rate> <connections> <seconds>"
            );
            std::process::exit(2)
        }
    }
}

const APP_ID: &str = "6cf25376616343b38d14ddcd804f2891";

/// A test issuer (2048-bit key, self-signed certificate), an application key (2048-bit), a token
/// valid for ten minutes (SuperOffice's span; longer ones are refused), and the `Authenticate` request carrying it.
fn write_auth_material(dir: &std::path::Path) -> std::io::Result<()> {
    use erp_connector::auth::{AppKey, TrustedCert};
    let issuer = AppKey::parse(&rsa_2048_pem(), "issuer").map_err(std::io::Error::other)?;
    let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&issuer.private_key_pem(), &rcgen::PKCS_RSA_SHA256)
        .map_err(std::io::Error::other)?;
    let cert = rcgen::CertificateParams::new(vec!["sod.test".to_owned()])
        .and_then(|p| p.self_signed(&pair))
        .map_err(std::io::Error::other)?;
    let kid = TrustedCert::from_pem(&cert.pem(), "issuer").map_err(std::io::Error::other)?.remove(0).thumbprint;
    std::fs::write(dir.join("issuer.crt"), cert.pem())?;
    std::fs::write(dir.join("issuer.pem"), issuer.private_key_pem())?;
    std::fs::write(dir.join("app.pem"), rsa_2048_pem())?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(std::io::Error::other)?.as_secs();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid);
    let claims = serde_json::json!({
        "nonce": "BDB65A558F193A8DD88E50E7416C0D86", "sub": "Cust10003", "nbf": now - 60, "exp": now + 300,
        "iss": "SuperOffice AS", "aud": format!("spn:{APP_ID}"),
    });
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(issuer.private_key_pem().as_bytes()).map_err(std::io::Error::other)?;
    let jwt = jsonwebtoken::encode(&header, &claims, &key).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("jwt"), &jwt)?;
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><AuthenticationRequest xmlns="{}"><SignedToken>{jwt}</SignedToken></AuthenticationRequest></s:Body></s:Envelope>"#,
        erp_connector::contract::auth::DEFAULT_NAMESPACE
    );
    std::fs::write(dir.join("authenticate.xml"), body)?;
    std::fs::write(
        dir.join("authenticate.action"),
        format!(
            "{}/{}/{}",
            erp_connector::contract::auth::DEFAULT_NAMESPACE,
            erp_connector::contract::auth::CONTRACT_NAME,
            erp_connector::contract::auth::OPERATION
        ),
    )
}

/// A 2048-bit key, like SuperOffice's certificates and most application keys.
fn rsa_2048_pem() -> String {
    erp_connector::auth::AppKey::generate_with_bits(2048).expect("2048 bits are enough").private_key_pem()
}

/// Handshakes per second of the raw crypto (verify + sign), on every core, for `seconds`.
fn raw_auth(dir: &std::path::Path, seconds: u64) -> std::io::Result<()> {
    use erp_connector::auth::AppKey;
    let jwt = std::fs::read_to_string(dir.join("jwt"))?;
    let cert = std::fs::read(dir.join("issuer.crt"))?;
    let app = std::sync::Arc::new(
        AppKey::parse(&std::fs::read_to_string(dir.join("app.pem"))?, "app").map_err(std::io::Error::other)?,
    );
    let decoding = std::sync::Arc::new(jsonwebtoken::DecodingKey::from_rsa_pem(&cert).map_err(std::io::Error::other)?);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let (jwt, app, decoding) = (jwt.clone(), app.clone(), decoding.clone());
            std::thread::spawn(move || {
                let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
                validation.validate_aud = false;
                let mut n = 0u64;
                while std::time::Instant::now() < deadline {
                    let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).expect("valid");
                    std::hint::black_box(app.sign_partner_token(data.claims["nonce"].as_str().unwrap_or(""), at));
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    println!("{:.2}", total as f64 / seconds as f64);
    Ok(())
}

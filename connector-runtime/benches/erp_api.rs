//! `ErpApi` against its ceiling: one GET of a page of 100 records from a local API (actix-web,
//! keep-alive), read into typed records, through `ErpApi` (deadline, slot, credentials, status
//! mapping, the blocking pool) and through bare `ureq` on the calling thread; and 4 of them at
//! once through one `ErpApi` (its default bound on calls in flight).
//!
//! `cargo bench -p erp-connector --bench erp_api` (figures in docs/performance.md).
#![allow(missing_docs)]

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erp_connector::connector::ConfigValue as _;
use erp_connector::connector::remote::{Auth, ErpAddress, ErpApi};

#[derive(serde::Deserialize)]
#[allow(dead_code)] // read, not used: the cost of reading is what is measured
struct Record {
    id: u64,
    name: String,
    email: String,
    updated_at: String,
}

#[derive(serde::Deserialize)]
struct Page {
    data: Vec<Record>,
}

/// A local API answering every GET with the same page of 100 records; its address.
fn serve() -> String {
    let page: serde_json::Value = serde_json::json!({"data": (0..100).map(|i| serde_json::json!({
        "id": i, "name": format!("Company {i:04}"), "email": format!("post@company{i}.example"),
        "updated_at": "2026-12-07T10:00:00.123456Z",
    })).collect::<Vec<_>>()});
    let body = page.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let body = body.clone();
                App::new().default_service(web::to(move || {
                    let body = body.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(body) }
                }))
            })
            .workers(2)
            .disable_signals()
            .bind("127.0.0.1:0")
            .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    format!("http://{}/api/", rx.recv().unwrap())
}

fn bench(c: &mut Criterion) {
    let base = serve();
    let address = ErpAddress::parse_value(&base).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let erp = ErpApi::new(&address, Duration::from_secs(10)).with_auth(Auth::header("X-Api-Key", "k-123"));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();

    let mut group = c.benchmark_group("erp_api");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ErpApi GET, read 100 records", |b| {
        b.iter(|| runtime.block_on(async { erp.get("customers").query("page", 1).read::<Page>().await.unwrap() }))
    });
    group.bench_function("bare ureq GET, read 100 records", |b| {
        b.iter(|| {
            let mut answer = agent.get(format!("{base}customers?page=1")).header("X-Api-Key", "k-123").call().unwrap();
            let page: Page = serde_json::from_slice(&answer.body_mut().read_to_vec().unwrap()).unwrap();
            page
        })
    });
    group.throughput(Throughput::Elements(4));
    group.bench_function("ErpApi 4 GETs at once", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let call = || erp.get("customers").query("page", 1).read::<Page>();
                let (a, b, c, d) = tokio::join!(call(), call(), call(), call());
                a.unwrap().data.len() + b.unwrap().data.len() + c.unwrap().data.len() + d.unwrap().data.len()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

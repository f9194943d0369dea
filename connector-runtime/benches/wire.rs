//! Wire-format throughput: reading and writing a `WSGetActorsByTimestamp` response of 20, 200 and
//! 2,000 actors with 10 fields each, in bytes of XML per second; and reading the requests the
//! endpoint reads most (`WSGetActors` of 50 keys, `WSTestConnection`), in each shape, which is
//! where `auto` detects the shape (issue 16).
//!
//! `cargo bench -p erp-connector --bench wire` (figures in docs/performance.md).
#![allow(missing_docs)]

mod payload;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use erp_connector::contract::{ConnectionGuid, GetActorsRequest, Operation, Request, RequestBase};
use erp_connector::soap::{Limits, WireProfile, read_request, read_response, write_request, write_response};
use payload::{SIZES, response, xml};

fn bench(c: &mut Criterion) {
    let mut write = c.benchmark_group("write GetActorsByTimestamp response");
    for n in SIZES {
        let value = response(n);
        let len = xml(n).len();
        write.throughput(Throughput::Bytes(len as u64));
        let mut out = Vec::with_capacity(len);
        write.bench_with_input(BenchmarkId::from_parameter(n), &value, |b, value| {
            b.iter(|| {
                out.clear();
                write_response(WireProfile::MessageContract, Operation::GetActorsByTimestamp, value, &mut out);
                black_box(out.len())
            })
        });
    }
    write.finish();

    let mut read = c.benchmark_group("read GetActorsByTimestamp response");
    for n in SIZES {
        let body = xml(n);
        read.throughput(Throughput::Bytes(body.len() as u64));
        read.bench_with_input(BenchmarkId::from_parameter(n), &body, |b, body| {
            b.iter(|| read_response(body, Operation::GetActorsByTimestamp, &Limits::default()).unwrap())
        });
    }
    read.finish();

    let guid = Some(ConnectionGuid::parse("7c1e5a9b-3d2f-4b8e-a6c4-0f9e8d7c6b5a").unwrap());
    let requests = [
        (
            "WSGetActors 50 keys",
            Request::GetActors(GetActorsRequest {
                base: RequestBase { connection_guid: guid },
                actor_type: Some(erp_connector::contract::ActorType::Customer),
                erp_keys: Some((1..=50).map(|k| k.to_string()).collect()),
                field_keys: Some((0..10).map(|f| format!("FIELD{f}")).collect()),
            }),
        ),
        ("WSTestConnection", Request::TestConnection(RequestBase { connection_guid: guid })),
    ];
    let mut read = c.benchmark_group("read request");
    for (name, request) in &requests {
        for profile in WireProfile::ALL {
            let mut body = Vec::new();
            write_request(profile, request, &mut body);
            let action = request.operation().action();
            read.bench_function(format!("{name} {profile}"), |b| {
                b.iter(|| read_request(black_box(&body), Some(action), &Limits::default()).unwrap())
            });
        }
    }
    read.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

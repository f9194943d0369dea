//! Wire-format throughput: reading and writing a `WSGetActorsByTimestamp` response of 20, 200 and
//! 2,000 actors with 10 fields each, in bytes of XML per second.
//!
//! `cargo bench -p erp-connector --bench wire` (figures in docs/performance.md).
#![allow(missing_docs)]

mod payload;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use erp_connector::contract::Operation;
use erp_connector::soap::{Limits, WireProfile, read_response, write_response};
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
}

criterion_group!(benches, bench);
criterion_main!(benches);

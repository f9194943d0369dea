//! Wire-format throughput: reading and writing a `WSGetActorsByTimestamp` response of 20, 200 and
//! 2,000 actors with 10 fields each, in MB/s of XML; plus the reader's peak heap per message size.
//!
//! `cargo bench -p erp-connector --bench wire` (figures in docs/performance.md).
#![allow(missing_docs)]
// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use erp_connector::contract::{
    ActorArrayResponse, ActorType, ErpActor, FieldValue, Operation, Response,
};
use erp_connector::soap::{Limits, WireProfile, read_response, write_response};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SIZES: [usize; 3] = [20, 200, 2_000];

/// A realistic poll answer: customers with 10 fields, a few needing escaping.
fn response(n: usize) -> Response {
    let actors = (0..n)
        .map(|i| {
            ErpActor::new(
                ActorType::Customer,
                format!("{}", 10_000 + i),
                format!("2024-05-01T10:{:02}:{:02}.0000000", i / 60 % 60, i % 60),
            )
            .with_field(
                "NAME",
                if i % 10 == 0 {
                    format!("Æbeltoft & Søn <{i}> ApS")
                } else {
                    format!("Customer {i} AS")
                },
            )
            .with_field("NUMBER1", FieldValue::Int(i as i64).to_string())
            .with_field("NUMBER2", format!("C-{i:06}"))
            .with_field("PHONE", "+47 22 33 44 55")
            .with_field("EMAIL", format!("post{i}@example.com"))
            .with_field("URL", "https://www.example.com/")
            .with_field("POSTALAD1", "Storgata 1")
            .with_field("POSTALZIP", "0155")
            .with_field("POSTALCITY", "Oslo")
            .with_field("COUNTRY", "NO")
        })
        .collect();
    Response::ActorArray(ActorArrayResponse {
        actors: Some(actors),
        ..Default::default()
    })
}

fn xml(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    write_response(
        WireProfile::MessageContract,
        Operation::GetActorsByTimestamp,
        &response(n),
        &mut out,
    );
    out
}

fn report_read_memory() {
    for n in SIZES {
        let body = xml(n);
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let read =
            read_response(&body, Operation::GetActorsByTimestamp, &Limits::default()).unwrap();
        let peak = PEAK.load(Ordering::Relaxed) - before;
        drop(black_box(read));
        println!(
            "read memory: {n} actors, message {} bytes, peak heap {} bytes = {:.2}x the message",
            body.len(),
            peak,
            peak as f64 / body.len() as f64
        );
    }
}

fn bench(c: &mut Criterion) {
    report_read_memory();
    let mut write = c.benchmark_group("write GetActorsByTimestamp response");
    for n in SIZES {
        let value = response(n);
        let len = xml(n).len();
        write.throughput(Throughput::Bytes(len as u64));
        let mut out = Vec::with_capacity(len);
        write.bench_with_input(BenchmarkId::from_parameter(n), &value, |b, value| {
            b.iter(|| {
                out.clear();
                write_response(
                    WireProfile::MessageContract,
                    Operation::GetActorsByTimestamp,
                    value,
                    &mut out,
                );
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
            b.iter(|| {
                read_response(body, Operation::GetActorsByTimestamp, &Limits::default()).unwrap()
            })
        });
    }
    read.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

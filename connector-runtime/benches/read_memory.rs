//! Peak heap of the reader per message size, with a counting allocator (in its own binary so
//! that the counting does not slow the throughput benchmark).
//!
//! `cargo bench -p erp-connector --bench read_memory`
#![allow(missing_docs)]
// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code)]

mod payload;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use erp_connector::contract::Operation;
use erp_connector::soap::{Limits, read_response};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            grew(new_size - layout.size());
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    for n in payload::SIZES {
        let body = payload::xml(n);
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let read = read_response(&body, Operation::GetActorsByTimestamp, &Limits::default()).expect("readable");
        let peak = PEAK.load(Ordering::Relaxed) - before;
        drop(read);
        println!(
            "read memory: {n:>5} actors, message {:>9} bytes, peak heap {:>9} bytes = {:.2}x the message",
            body.len(),
            peak,
            peak as f64 / body.len() as f64
        );
    }
}

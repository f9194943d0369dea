//! Counts per source in a fixed window (saves a minute, new connections an hour), bounded in
//! sources without a shared overflow count: past [`MAX_COUNTED_SOURCES`] the source counted
//! least recently is forgotten, so that strangers with many addresses cannot push a source
//! that has not been counted yet (EIS's first save of the minute, say) onto a count they fill.
//! Forgetting only helps a source already past that many addresses, which no per-source bound
//! slows anyway.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::tcp::Source;
use crate::bounded::Bounded;
use crate::sync::lock;

/// Sources counted at once in one window.
pub(crate) const MAX_COUNTED_SOURCES: usize = 10_000;

/// At most `max` events per source in each `window`.
pub(crate) struct PerSource {
    max: u32,
    window: Duration,
    counts: Mutex<Window>,
}

struct Window {
    started: Instant,
    /// Per source: its count.
    by_source: Bounded<Source, u32>,
}

impl PerSource {
    /// At most `max` events per source in each `window`; 0: no bound.
    pub(crate) fn new(max: u32, window: Duration) -> PerSource {
        PerSource {
            max,
            window,
            counts: Mutex::new(Window { started: Instant::now(), by_source: Bounded::new(MAX_COUNTED_SOURCES) }),
        }
    }

    /// Whether the source of `ip` has had its `max` events in this window (not counting one).
    pub(crate) fn spent(&self, ip: Option<IpAddr>) -> bool {
        if self.max == 0 {
            return false;
        }
        let source = Source::of(ip.unwrap_or(IpAddr::from([0, 0, 0, 0])));
        let counts = lock(&self.counts);
        counts.started.elapsed() < self.window && counts.by_source.get(&source).is_some_and(|n| *n >= self.max)
    }

    /// Counts an event from `ip` (`None`: an in-process call, counted as one source); `false`
    /// when the source is over its bound in this window.
    pub(crate) fn admit(&self, ip: Option<IpAddr>) -> bool {
        if self.max == 0 {
            return true;
        }
        let source = Source::of(ip.unwrap_or(IpAddr::from([0, 0, 0, 0])));
        let mut counts = lock(&self.counts);
        if counts.started.elapsed() >= self.window {
            counts.started = Instant::now();
            counts.by_source.clear();
        }
        let Some(count) = counts.by_source.touch(source, |_| false, || 0) else { return true };
        *count = count.saturating_add(1);
        *count <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn counts_per_source_in_a_window() {
        let saves = PerSource::new(2, Duration::from_millis(100));
        assert!(saves.admit(ip("192.0.2.1")) && saves.admit(ip("192.0.2.1")));
        assert!(!saves.admit(ip("192.0.2.1")), "the third in the window");
        assert!(saves.admit(ip("2001:db8::1")) && saves.admit(ip("2001:db8::2")), "another source, its own count");
        assert!(!saves.admit(ip("2001:db8::3")), "the same /64: its third");
        std::thread::sleep(Duration::from_millis(120));
        assert!(saves.admit(ip("192.0.2.1")), "a new window");
        assert!(PerSource::new(0, Duration::from_secs(1)).admit(None), "0: no bound");
    }

    #[test]
    fn strangers_with_many_addresses_share_no_count_with_a_new_source() {
        let saves = PerSource::new(1, Duration::from_secs(60));
        for i in 0..(MAX_COUNTED_SOURCES as u32 + 500) {
            saves.admit(Some(IpAddr::from((0x0a00_0000 + i).to_be_bytes())));
        }
        assert!(saves.admit(ip("192.0.2.1")), "EIS's first save of the minute");
        assert!(!saves.admit(ip("192.0.2.1")), "and its own bound still holds");
        assert!(lock(&saves.counts).by_source.len() <= MAX_COUNTED_SOURCES);
    }
}

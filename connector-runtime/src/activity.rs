//! What this process answered in the last hour, for the status page of the admin listener
//! (`service::admin`): per operation (calls, errors, latencies), per connection (last call, last
//! success, last error, counts) and the last `Authenticate` handshakes.
//!
//! Kept only while an admin listener is on ([`install`]); bounded whatever callers send. Only
//! connections the store holds are listed: a call on an unknown one (answered
//! `UNKNOWN_CONNECTION_ID`), a refused save and a delete of a connection not listed are counted
//! per operation, never listed, so that a stranger can neither push real connections off the page
//! nor write its text on it, nor overwrite a listed connection's last error with a refusal. At
//! most [`MAX_CONNECTIONS`] are listed (the least recently called forgotten first), texts are cut
//! at [`MAX_TEXT_BYTES`] with control characters escaped. Nothing here is a secret: error texts
//! are what the connector answered to the caller anyway.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::bounded::Bounded;
use crate::contract::{ConnectionGuid, Operation, ResponseState, ResponseStatus};
use crate::observe::{Call, CallObserver};
use crate::sync::lock;

/// Minutes kept: one slot a minute.
pub(crate) const MINUTES: usize = 60;
/// Most connections remembered.
pub(crate) const MAX_CONNECTIONS: usize = 10_000;
/// Most handshakes remembered.
pub(crate) const MAX_HANDSHAKES: usize = 50;
/// Most bytes of an error text or a handshake's reason kept.
pub(crate) const MAX_TEXT_BYTES: usize = 300;
/// Latency buckets: four per power of two of microseconds (each at most 25 % wide), up to
/// 2^30 µs (18 minutes; longer calls land in the last).
const LATENCY_BUCKETS: usize = 30 * 4;

static ACTIVITY: OnceLock<Activity> = OnceLock::new();

/// Starts keeping activity (once per process; the admin listener calls it).
pub(crate) fn install() -> &'static Activity {
    ACTIVITY.get_or_init(Activity::new)
}

/// The record, when kept.
pub(crate) fn recorder() -> Option<&'static Activity> {
    ACTIVITY.get()
}

/// Milliseconds since the Unix epoch.
fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A ring of the last [`MINUTES`] minutes; a slot is reset when a new minute reaches it.
#[derive(Clone)]
pub(crate) struct Window<T> {
    slots: Vec<(u64, T)>,
}

impl<T: Clone + Default> Window<T> {
    fn new() -> Self {
        Window { slots: vec![(u64::MAX, T::default()); MINUTES] }
    }

    fn at(&mut self, minute: u64) -> &mut T {
        let slot = &mut self.slots[(minute % MINUTES as u64) as usize];
        if slot.0 != minute {
            *slot = (minute, T::default());
        }
        &mut slot.1
    }

    /// The last hour ending with minute `now`, oldest first: one value a minute, the default
    /// where nothing happened.
    pub(crate) fn hour(&self, now: u64) -> Vec<T> {
        (0..MINUTES as u64)
            .rev()
            .map(|ago| {
                let minute = now.wrapping_sub(ago);
                let slot = &self.slots[(minute % MINUTES as u64) as usize];
                if slot.0 == minute { slot.1.clone() } else { T::default() }
            })
            .collect()
    }
}

/// Calls and failures (`State=Error`) in one minute.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Calls answered.
    pub calls: u32,
    /// Of them, answered with `State=Error`.
    pub failures: u32,
}

impl<'a> std::iter::Sum<&'a Counts> for Counts {
    fn sum<I: Iterator<Item = &'a Counts>>(counts: I) -> Counts {
        counts.fold(Counts::default(), |a, c| Counts { calls: a.calls + c.calls, failures: a.failures + c.failures })
    }
}

/// One minute of an operation.
#[derive(Clone)]
pub(crate) struct OperationMinute {
    /// Calls and failures.
    pub counts: Counts,
    latency: [u32; LATENCY_BUCKETS],
}

impl Default for OperationMinute {
    fn default() -> Self {
        OperationMinute { counts: Counts::default(), latency: [0; LATENCY_BUCKETS] }
    }
}

/// The latency bucket of `micros`: four per power of two, from the top two bits below the
/// highest (exact for integers, no floating point on the hot path).
fn bucket(micros: u64) -> usize {
    let micros = micros.max(1);
    let high = 63 - micros.leading_zeros() as usize;
    let quarter = if high >= 2 { ((micros >> (high - 2)) & 3) as usize } else { (micros << (2 - high)) as usize & 3 };
    (high * 4 + quarter).min(LATENCY_BUCKETS - 1)
}

/// The middle of a bucket, in seconds.
fn bucket_seconds(bucket: usize) -> f64 {
    let (high, quarter) = (bucket / 4, bucket % 4);
    let low = (1u64 << high) as f64 * (1.0 + quarter as f64 / 4.0);
    let width = (1u64 << high) as f64 / 4.0;
    (low + width / 2.0) / 1e6
}

/// Latencies merged over some minutes.
#[derive(Clone)]
pub(crate) struct Latencies([u64; LATENCY_BUCKETS]);

impl Latencies {
    fn new() -> Self {
        Latencies([0; LATENCY_BUCKETS])
    }

    fn add(&mut self, minute: &OperationMinute) {
        for (total, n) in self.0.iter_mut().zip(minute.latency.iter()) {
            *total += u64::from(*n);
        }
    }

    /// The `q` quantile (0..=1) in seconds: the middle of its bucket, within 12.5 % of the true
    /// value; `None` without calls.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let total: u64 = self.0.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.0.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(bucket_seconds(i));
            }
        }
        None
    }
}

/// The last error a connection's calls were answered with.
#[derive(Clone, Debug)]
pub(crate) struct LastError {
    /// When (milliseconds since the Unix epoch).
    pub at: u64,
    /// In answer to.
    pub operation: Operation,
    /// The answer's `ErrorCode`, if any (cut, escaped).
    pub code: Option<String>,
    /// The answer's `UserExplanation`, else its `TechExplanation` (cut, escaped).
    pub text: String,
}

/// What a connection's calls did.
#[derive(Clone)]
pub(crate) struct ConnectionActivity {
    /// The hosted connector's index.
    pub connector: usize,
    /// The connection.
    pub guid: ConnectionGuid,
    /// The last call: when (ms since the epoch) and which operation.
    pub last_call: (u64, Operation),
    /// The last call answered without `State=Error` (ms since the epoch).
    pub last_success: Option<u64>,
    /// The last call answered with `State=Error`.
    pub last_error: Option<LastError>,
    /// Whether the last call was answered with `State=Error`.
    pub last_failed: bool,
    /// Calls and failures a minute.
    pub minutes: Window<Counts>,
}

impl ConnectionActivity {
    /// Whether its last call failed.
    pub(crate) fn failing(&self) -> bool {
        self.last_failed
    }
}

/// One `Authenticate` handshake.
#[derive(Clone, Debug)]
pub(crate) struct HandshakeSeen {
    /// When (ms since the epoch).
    pub at: u64,
    /// The hosted connector's index.
    pub connector: usize,
    /// Whether the token was accepted.
    pub succeeded: bool,
    /// The refusal's reason (the connector's own text, cut and escaped).
    pub reason: Option<String>,
    /// The tenant (SuperOffice customer id) an accepted token named.
    pub tenant: Option<String>,
}

/// What this process answered.
pub(crate) struct Activity {
    started: SystemTime,
    in_flight: AtomicUsize,
    operations: Vec<Mutex<Window<OperationMinute>>>,
    connections: Mutex<Bounded<(usize, ConnectionGuid), ConnectionActivity>>,
    handshakes: Mutex<VecDeque<HandshakeSeen>>,
}

fn cut(text: &str) -> String {
    crate::untrusted::shown_within(text, MAX_TEXT_BYTES).into_owned()
}

impl Activity {
    fn new() -> Self {
        Activity {
            started: SystemTime::now(),
            in_flight: AtomicUsize::new(0),
            operations: Operation::all().map(|_| Mutex::new(Window::new())).collect(),
            connections: Mutex::new(Bounded::new(MAX_CONNECTIONS)),
            handshakes: Mutex::new(VecDeque::with_capacity(MAX_HANDSHAKES)),
        }
    }

    fn record_answer(&self, call: &Call, status: &ResponseStatus, now: SystemTime) {
        let at = millis(now);
        let minute = at / 60_000;
        let failed = status.state == ResponseState::Error;
        let micros = call.started.elapsed().as_micros() as u64;
        if let Some(window) = self.operations.get(call.operation as usize) {
            let mut window = lock(window);
            let slot = window.at(minute);
            slot.counts.calls += 1;
            slot.counts.failures += u32::from(failed);
            slot.latency[bucket(micros)] += 1;
        }
        // The nil GUID is no connection (a list asked for before one is saved).
        let Some(guid) = call.guid.filter(|g| !g.is_nil()) else { return };
        // An unknown connection is anyone's GUID: never remembered.
        if status.error_code.as_deref() == Some(crate::contract::ErrorCode::UnknownConnectionId.wire()) {
            return;
        }
        // A refused save stored nothing (and its text is the caller's to choose); a delete makes
        // no connection: only one already listed hears of it.
        let lists_it = match call.operation {
            Operation::SaveConnection if failed => return,
            Operation::DeleteConnection => false,
            _ => true,
        };
        let error = failed.then(|| LastError {
            at,
            operation: call.operation,
            code: status.error_code.as_deref().filter(|c| !c.is_empty()).map(cut),
            text: cut(status
                .user_explanation
                .as_deref()
                .filter(|t| !t.is_empty())
                .or(status.tech_explanation.as_deref())
                .unwrap_or("")),
        });
        let mut connections = lock(&self.connections);
        if !lists_it && !connections.contains(&(call.connector, guid)) {
            return;
        }
        let Some(entry) = connections.touch(
            (call.connector, guid),
            |_| false,
            || ConnectionActivity {
                connector: call.connector,
                guid,
                last_call: (at, call.operation),
                last_success: None,
                last_error: None,
                last_failed: false,
                minutes: Window::new(),
            },
        ) else {
            return;
        };
        entry.last_call = (at, call.operation);
        entry.last_failed = failed;
        match error {
            Some(error) => entry.last_error = Some(error),
            None => entry.last_success = Some(at),
        }
        let counts = entry.minutes.at(minute);
        counts.calls += 1;
        counts.failures += u32::from(failed);
    }

    /// An `Authenticate` handshake was answered. Never inlined (as [`Call::answered`]).
    #[inline(never)]
    fn record_handshake(&self, connector: usize, succeeded: bool, reason: Option<&str>, tenant: Option<&str>) {
        let mut handshakes = lock(&self.handshakes);
        if handshakes.len() >= MAX_HANDSHAKES {
            handshakes.pop_front();
        }
        handshakes.push_back(HandshakeSeen {
            at: millis(SystemTime::now()),
            connector,
            succeeded,
            reason: reason.map(cut),
            tenant: tenant.map(str::to_owned),
        });
    }

    /// A copy of everything, taken at `now`.
    pub(crate) fn snapshot(&self, now: SystemTime) -> Snapshot {
        let now_ms = millis(now);
        let minute = now_ms / 60_000;
        let operations = Operation::all()
            .zip(&self.operations)
            .map(|(op, window)| {
                let hour = lock(window).hour(minute);
                let mut latencies = Latencies::new();
                hour.iter().for_each(|m| latencies.add(m));
                OperationHour {
                    operation: op,
                    counts: hour.iter().map(|m| m.counts).collect(),
                    p99_by_minute: hour
                        .iter()
                        .map(|m| {
                            let mut one = Latencies::new();
                            one.add(m);
                            one.quantile(0.99)
                        })
                        .collect(),
                    latencies,
                }
            })
            .collect();
        Snapshot {
            now: now_ms,
            minute,
            started: millis(self.started),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            operations,
            connections: lock(&self.connections).iter().map(|(_, c)| c.clone()).collect(),
            handshakes: lock(&self.handshakes).iter().rev().cloned().collect(),
        }
    }
}

/// An operation's last hour.
pub(crate) struct OperationHour {
    /// The operation.
    pub operation: Operation,
    /// Calls and failures a minute, oldest first.
    pub counts: Vec<Counts>,
    /// The 99th percentile latency of each minute (seconds), oldest first.
    pub p99_by_minute: Vec<Option<f64>>,
    /// The hour's latencies.
    pub latencies: Latencies,
}

impl OperationHour {
    /// The hour's calls and failures.
    pub(crate) fn total(&self) -> Counts {
        self.counts.iter().sum()
    }
}

/// Everything kept, at one moment.
pub(crate) struct Snapshot {
    /// When taken (ms since the epoch).
    pub now: u64,
    /// Its minute (since the epoch).
    pub minute: u64,
    /// When the process began keeping activity (ms since the epoch).
    pub started: u64,
    /// Calls being answered.
    pub in_flight: usize,
    /// Each operation's hour, in the contract's order.
    pub operations: Vec<OperationHour>,
    /// Every connection remembered, in no order.
    pub connections: Vec<ConnectionActivity>,
    /// The last handshakes, newest first.
    pub handshakes: Vec<HandshakeSeen>,
}

impl CallObserver for Activity {
    fn begun(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    fn ended(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    fn answered(&self, call: &Call, status: &ResponseStatus) {
        self.record_answer(call, status, SystemTime::now());
    }

    fn handshake(&self, connector: usize, succeeded: bool, reason: Option<&str>, tenant: Option<&str>) {
        self.record_handshake(connector, succeeded, reason, tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn call(guid: Option<ConnectionGuid>, operation: Operation) -> Call {
        Call { connector: 0, guid, operation, started: Instant::now() }
    }

    #[test]
    fn buckets_grow_by_quarters_of_a_power_of_two() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 0);
        assert_eq!(bucket(2), 4);
        assert_eq!(bucket(3), 6);
        assert_eq!(bucket(1024), 40);
        assert_eq!(bucket(1279), 40);
        assert_eq!(bucket(1280), 41);
        assert_eq!(bucket(u64::MAX), LATENCY_BUCKETS - 1);
        let ordered = (1..100_000u64).map(bucket).collect::<Vec<_>>();
        assert!(ordered.windows(2).all(|w| w[0] <= w[1]));
        // The middle of each bucket is within it: the reported quantile is off by at most 12.5 %.
        for micros in [1u64, 4, 7, 100, 999, 1_000_000] {
            let mid = bucket_seconds(bucket(micros)) * 1e6;
            assert!((mid / micros as f64 - 1.0).abs() <= 0.125 + 1e-9, "{micros}: {mid}");
        }
    }

    #[test]
    fn quantiles_come_from_the_counts() {
        let mut minute = OperationMinute::default();
        for micros in (0..99).map(|_| 1_000).chain([1_000_000]) {
            minute.latency[bucket(micros)] += 1;
        }
        let mut all = Latencies::new();
        all.add(&minute);
        let p50 = all.quantile(0.5).unwrap();
        assert!((0.0009..0.0012).contains(&p50), "{p50}");
        let p99 = all.quantile(0.99).unwrap();
        assert!((0.0009..0.0012).contains(&p99), "{p99}");
        let max = all.quantile(1.0).unwrap();
        assert!((0.9..1.2).contains(&max), "{max}");
        assert_eq!(Latencies::new().quantile(0.5), None);
    }

    #[test]
    fn the_window_keeps_one_hour() {
        let mut window = Window::<Counts>::new();
        window.at(1000).calls = 5;
        window.at(1059).calls = 7;
        let hour = window.hour(1059);
        assert_eq!((hour[0].calls, hour[59].calls), (5, 7));
        // An hour later minute 1000's slot is taken over by 1060; 1000 is gone.
        window.at(1060).calls = 1;
        let hour = window.hour(1060);
        assert_eq!(hour.iter().map(|c| c.calls).sum::<u32>(), 8);
        assert_eq!(window.hour(2000).iter().map(|c| c.calls).sum::<u32>(), 0);
    }

    #[test]
    fn connections_remember_their_last_error_and_success() {
        let activity = Activity::new();
        let guid = crate::testkit::new_guid();
        let t0 = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        activity.record_answer(&call(Some(guid), Operation::TestConnection), &ResponseStatus::ok(), t0);
        let failed = ResponseStatus::error("Cannot log in.\nTry again");
        let t1 = t0 + std::time::Duration::from_secs(61);
        activity.record_answer(&call(Some(guid), Operation::GetActors), &failed, t1);
        let snapshot = activity.snapshot(t1);
        let conn = &snapshot.connections[0];
        assert!(conn.failing());
        let error = conn.last_error.as_ref().unwrap();
        assert_eq!((error.operation, error.text.as_str()), (Operation::GetActors, "Cannot log in.\\nTry again"));
        assert_eq!(conn.last_success, Some(millis(t0)));
        let hour = conn.minutes.hour(snapshot.minute);
        assert_eq!((hour[58], hour[59]), (Counts { calls: 1, failures: 0 }, Counts { calls: 1, failures: 1 }));
        let get_actors = &snapshot.operations[Operation::GetActors as usize];
        assert_eq!(get_actors.total(), Counts { calls: 1, failures: 1 });
        // A success afterwards: no longer failing, the error still shown.
        activity.record_answer(&call(Some(guid), Operation::GetActors), &ResponseStatus::ok(), t1);
        assert!(!activity.snapshot(t1).connections[0].failing());
    }

    #[test]
    fn unknown_connections_and_long_texts_are_not_kept() {
        let activity = Activity::new();
        let unknown = ResponseStatus {
            error_code: Some(crate::contract::ErrorCode::UnknownConnectionId.wire().into()),
            ..ResponseStatus::error("no such connection")
        };
        for _ in 0..100 {
            let guid = crate::testkit::new_guid();
            activity.record_answer(&call(Some(guid), Operation::GetActors), &unknown, SystemTime::now());
        }
        let long = ResponseStatus::error("x".repeat(100_000));
        activity.record_answer(&call(Some(crate::testkit::new_guid()), Operation::GetActors), &long, SystemTime::now());
        let snapshot = activity.snapshot(SystemTime::now());
        assert_eq!(snapshot.connections.len(), 1);
        // Cut, with how long the whole was.
        assert!(snapshot.connections[0].last_error.as_ref().unwrap().text.len() < MAX_TEXT_BYTES + 32);
        assert_eq!(snapshot.operations[Operation::GetActors as usize].total().calls, 101);
    }

    #[test]
    fn refused_saves_and_strangers_deletes_are_counted_not_listed() {
        let activity = Activity::new();
        let known = crate::testkit::new_guid();
        let failing = ResponseStatus::error("The ERP is down.");
        activity.record_answer(&call(Some(known), Operation::GetActors), &failing, SystemTime::now());
        let lie = ResponseStatus::error("the admin token was rotated, log in again at https://evil.example");
        for _ in 0..250 {
            let stranger = crate::testkit::new_guid();
            activity.record_answer(&call(Some(stranger), Operation::SaveConnection), &lie, SystemTime::now());
            activity.record_answer(
                &call(Some(stranger), Operation::DeleteConnection),
                &ResponseStatus::ok(),
                SystemTime::now(),
            );
        }
        activity.record_answer(&call(Some(known), Operation::SaveConnection), &lie, SystemTime::now());
        let snapshot = activity.snapshot(SystemTime::now());
        assert_eq!(snapshot.connections.len(), 1, "only the stored connection is listed");
        let error = snapshot.connections[0].last_error.as_ref().unwrap();
        assert_eq!(error.text, "The ERP is down.", "a refused save does not overwrite it");
        assert_eq!(snapshot.operations[Operation::SaveConnection as usize].total().failures, 251, "but is counted");
        activity.record_answer(
            &call(Some(known), Operation::DeleteConnection),
            &ResponseStatus::ok(),
            SystemTime::now(),
        );
        activity.record_answer(
            &call(Some(crate::testkit::new_guid()), Operation::SaveConnection),
            &ResponseStatus::ok(),
            SystemTime::now(),
        );
        let snapshot = activity.snapshot(SystemTime::now());
        assert_eq!(snapshot.connections.len(), 2, "a stored save is listed; the listed one hears of its delete");
    }

    #[test]
    fn the_handshake_history_is_bounded() {
        let activity = Activity::new();
        for i in 0..(MAX_HANDSHAKES + 5) {
            activity.record_handshake(0, i % 2 == 0, Some("token expired"), None);
        }
        let snapshot = activity.snapshot(SystemTime::now());
        assert_eq!(snapshot.handshakes.len(), MAX_HANDSHAKES);
    }
}

//! Prometheus metrics, served on the admin listener (`ERP_CONNECTOR_ADMIN_BIND`, `/metrics`).
//!
//! Through the `metrics` facade: without a recorder (no admin listener) each update is a no-op.
//! Every label comes from a bounded set (operation names, response states, the contract's error
//! codes, fixed reasons, configured connector names): never a GUID or a value from a request.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::contract::{ConnectionGuid, ErrorCode, Operation, ResponseStatus};
use crate::observe::{Call, CallObserver};
use crate::store::{ChangeListener, ConnectionStore, Listed, Record, StoreError, StoredState};

/// Calls answered, by operation, state and error code.
pub const CALLS: &str = "erp_connector_calls_total";
/// Seconds from the request read to the answer written (whole answers) or begun (streamed).
pub const CALL_SECONDS: &str = "erp_connector_call_duration_seconds";
/// Calls being answered.
pub const IN_FLIGHT: &str = "erp_connector_calls_in_flight";
/// Actors written in streamed and spooled answers.
pub const STREAMED_ACTORS: &str = "erp_connector_streamed_actors_total";
/// `Authenticate` handshakes, by result.
pub const HANDSHAKES: &str = "erp_connector_handshakes_total";
/// Requests refused before a connector saw them, by reason.
pub const REFUSALS: &str = "erp_connector_refusals_total";
/// Connection-cache lookups, by result (`hit`, `miss`).
pub const CACHE: &str = "erp_connector_connection_cache_total";
/// ERP sessions opened.
pub const SESSIONS_OPENED: &str = "erp_connector_sessions_opened_total";
/// Connection records in the store, by connector, read when scraped (a deleted connection keeps
/// a tombstone record for 30 days).
pub const CONNECTIONS: &str = "erp_connector_connections";

/// Seconds a connection-store operation took, by operation (`save`, `load`, `delete`, `count`,
/// `check`).
pub const STORE_SECONDS: &str = "erp_connector_store_duration_seconds";
/// Connection-store operations that failed, by operation.
pub const STORE_ERRORS: &str = "erp_connector_store_errors_total";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process); `None` if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(CALL_SECONDS.into()), &buckets)
                .ok()?
                .set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(STORE_SECONDS.into()), &buckets)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!(CALLS, "Calls answered, by operation, state and error code.");
    metrics::describe_histogram!(CALL_SECONDS, metrics::Unit::Seconds, "Time to answer a call, by operation.");
    metrics::describe_gauge!(IN_FLIGHT, "Calls being answered.");
    metrics::describe_counter!(STREAMED_ACTORS, "Actors written in streamed answers.");
    metrics::describe_counter!(HANDSHAKES, "Authenticate handshakes, by result.");
    metrics::describe_counter!(REFUSALS, "Requests refused before a connector saw them, by reason.");
    metrics::describe_counter!(CACHE, "Connection-cache lookups, by result.");
    metrics::describe_counter!(SESSIONS_OPENED, "ERP sessions opened.");
    metrics::describe_histogram!(
        STORE_SECONDS,
        metrics::Unit::Seconds,
        "Time a connection-store operation took, by operation."
    );
    metrics::describe_counter!(STORE_ERRORS, "Connection-store operations that failed, by operation.");
    metrics::describe_gauge!(
        CONNECTIONS,
        "Connection records in the store (tombstones of deleted ones included), by connector."
    );
}

/// The error code as a label: the contract's codes, else `other` (a connector may send any text).
fn code_label(code: Option<&str>) -> &'static str {
    match code.filter(|c| !c.is_empty()).map(ErrorCode::from_wire) {
        None => "",
        Some(ErrorCode::UnknownConnectionId) => "UNKNOWN_CONNECTION_ID",
        Some(ErrorCode::UnknownFieldKey) => "UNKOWN_FIELDKEY",
        Some(ErrorCode::UnknownListItemId) => "UNKOWN_LISTITEM_ID",
        Some(_) => "other",
    }
}

/// Whether a recorder is installed (else every update is skipped outright).
fn enabled() -> bool {
    matches!(HANDLE.get(), Some(Some(_)))
}

/// The handles of the per-call series, registered on first use (a registry lookup per call
/// would cost a hash of the labels on the hottest path).
struct CallSeries {
    /// By operation, state and error code.
    calls: Vec<OnceLock<metrics::Counter>>,
    /// By operation.
    seconds: Vec<OnceLock<metrics::Histogram>>,
    in_flight: metrics::Gauge,
    cache_hits: metrics::Counter,
    cache_misses: metrics::Counter,
}

const STATES: usize = 4;
const CODES: usize = 5;

fn series() -> &'static CallSeries {
    static SERIES: OnceLock<CallSeries> = OnceLock::new();
    SERIES.get_or_init(|| {
        let ops = Operation::all().len();
        CallSeries {
            calls: (0..ops * STATES * CODES).map(|_| OnceLock::new()).collect(),
            seconds: (0..ops).map(|_| OnceLock::new()).collect(),
            in_flight: metrics::gauge!(IN_FLIGHT),
            cache_hits: metrics::counter!(CACHE, "result" => "hit"),
            cache_misses: metrics::counter!(CACHE, "result" => "miss"),
        }
    })
}

/// A call answered with `status`, `started` when its request was read.
fn answered(operation: Operation, status: &ResponseStatus, started: Instant) {
    if !enabled() {
        return;
    }
    let state = status.state as usize;
    let code = code_label(status.error_code.as_deref());
    let code_index = ["", "UNKNOWN_CONNECTION_ID", "UNKOWN_FIELDKEY", "UNKOWN_LISTITEM_ID", "other"]
        .iter()
        .position(|c| *c == code)
        .unwrap_or(CODES - 1);
    let op = operation as usize;
    let series = series();
    let Some(calls) = series.calls.get((op * STATES + state) * CODES + code_index) else { return };
    let (name, state) = (operation.name(), status.state.wire_name());
    calls
        .get_or_init(|| metrics::counter!(CALLS, "operation" => name, "state" => state, "error_code" => code))
        .increment(1);
    if let Some(seconds) = series.seconds.get(op) {
        seconds
            .get_or_init(|| metrics::histogram!(CALL_SECONDS, "operation" => name))
            .record(started.elapsed().as_secs_f64());
    }
}

/// Actors written in a streamed answer.
pub(crate) fn streamed(actors: usize) {
    metrics::counter!(STREAMED_ACTORS).increment(actors as u64);
}

/// A request refused for `reason` (one of a fixed set).
pub(crate) fn refused(reason: &'static str) {
    metrics::counter!(REFUSALS, "reason" => reason).increment(1);
}

/// A connection-cache lookup.
pub(crate) fn cache(hit: bool) {
    if enabled() {
        let series = series();
        if hit { &series.cache_hits } else { &series.cache_misses }.increment(1);
    }
}

/// An ERP session opened.
pub(crate) fn session_opened() {
    metrics::counter!(SESSIONS_OPENED).increment(1);
}

/// The number of connections a connector has in the store.
pub(crate) fn connections(connector: &str, count: u64) {
    metrics::gauge!(CONNECTIONS, "connector" => connector.to_owned()).set(count as f64);
}

/// A connection store whose operations are timed and whose failures are counted.
pub(crate) struct MeteredStore(pub Arc<dyn ConnectionStore>);

impl MeteredStore {
    fn timed<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&dyn ConnectionStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if !enabled() {
            return f(self.0.as_ref());
        }
        let started = Instant::now();
        let result = f(self.0.as_ref());
        metrics::histogram!(STORE_SECONDS, "operation" => op).record(started.elapsed().as_secs_f64());
        if result.is_err() {
            metrics::counter!(STORE_ERRORS, "operation" => op).increment(1);
        }
        result
    }
}

impl ConnectionStore for MeteredStore {
    fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        self.timed("save", |s| s.save(connector, guid, record))
    }
    fn revise(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        self.timed("save", |s| s.revise(connector, guid, record))
    }
    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError> {
        self.timed("load", |s| s.load(connector, guid))
    }
    fn list(&self, connector: Option<&str>) -> Result<Vec<Listed>, StoreError> {
        self.timed("list", |s| s.list(connector))
    }
    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
        self.timed("delete", |s| s.delete(connector, guid))
    }
    fn count(&self, connector: &str) -> Result<u64, StoreError> {
        self.timed("count", |s| s.count(connector))
    }
    fn load_state(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StoredState>, StoreError> {
        self.timed("load_state", |s| s.load_state(connector, guid))
    }
    fn swap_state(
        &self,
        connector: &str,
        guid: ConnectionGuid,
        expected: u64,
        value: &str,
    ) -> Result<Option<u64>, StoreError> {
        self.timed("swap_state", |s| s.swap_state(connector, guid, expected, value))
    }
    fn check(&self) -> Result<(), StoreError> {
        self.timed("check", |s| s.check())
    }
    fn watch(&self, listener: ChangeListener) {
        self.0.watch(listener);
    }
}

/// The Prometheus series as an observer of calls.
struct Series;

/// The metrics' observer, when a recorder is installed.
pub(crate) fn observer() -> Option<&'static dyn CallObserver> {
    enabled().then_some(&Series as &'static dyn CallObserver)
}

impl CallObserver for Series {
    fn begun(&self) {
        series().in_flight.increment(1.0);
    }

    fn ended(&self) {
        series().in_flight.decrement(1.0);
    }

    fn answered(&self, call: &Call, status: &ResponseStatus) {
        answered(call.operation, status, call.started);
    }

    fn handshake(&self, _: usize, succeeded: bool, _: Option<&str>, _: Option<&str>) {
        metrics::counter!(HANDSHAKES, "result" => if succeeded { "succeeded" } else { "refused" }).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_bounded_labels() {
        assert_eq!(code_label(None), "");
        assert_eq!(code_label(Some("UNKNOWN_CONNECTION_ID")), "UNKNOWN_CONNECTION_ID");
        assert_eq!(code_label(Some("UNKOWN_FIELDKEY")), "UNKOWN_FIELDKEY");
        assert_eq!(code_label(Some("3b867cc5-269a-4ef0-a992-3ac0b0e326bd")), "other");
    }
}

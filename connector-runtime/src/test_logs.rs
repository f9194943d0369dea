//! What a piece of code logs, for unit tests of log lines (compiled for tests only).

use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        crate::sync::lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a subscriber of its own filtered by `filter`, `log` records included, and
/// returns what was logged, as text.
pub(crate) fn logged_through(filter: tracing_subscriber::EnvFilter, f: impl FnOnce()) -> String {
    // `log` records (from crates that use `log`) become events of the current subscriber.
    let _ = tracing_log::LogTracer::init();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_env_filter(filter)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    String::from_utf8_lossy(&crate::sync::lock(&logs.0)).into_owned()
}

/// Runs `f` with a subscriber of its own and returns what was logged, as text.
pub(crate) fn logged(f: impl FnOnce()) -> String {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    tracing::subscriber::with_default(subscriber, f);
    String::from_utf8_lossy(&crate::sync::lock(&logs.0)).into_owned()
}

//! The connection store: the configuration values of each sync connection, by connector name and
//! GUID. SuperOffice sends the values once (`WSSaveConnection`) and then only the GUID, so the
//! store must be durable before `WSSaveConnection` answers (spec §1, §5.2).
//!
//! [`ConnectionStore`] is the interface; [`SqliteStore`] the embedded default, `PostgresStore`
//! (feature `postgres`) the one several replicas share. Both keep the same record: secret values
//! (Password fields) encrypted at rest with AES-256-GCM ([`crypto`]).

pub mod crypto;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_tls;
mod record;
mod sqlite;
mod state;
#[cfg(test)]
mod suite;

#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore, redacted as redacted_postgres_url};
pub use record::Record;
pub(crate) use record::now_secs;
pub use sqlite::SqliteStore;
pub use state::StoredState;

use std::sync::Arc;

/// Connections to PostgreSQL a replica keeps at most unless told otherwise (`store.pool_size`).
pub const DEFAULT_POOL_SIZE: u32 = 8;

use crate::contract::ConnectionGuid;

/// Storage of connection configurations. Calls block (they wait for the disk); the service runs
/// them off its request threads.
pub trait ConnectionStore: Send + Sync + 'static {
    /// Creates or replaces the record of a connection, and clears its state (a save stores new
    /// values: what was learnt with the old ones, a rotated token say, is not theirs). Returns
    /// when it is durable, everything in it encrypted and authenticated as a whole.
    fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError>;

    /// Creates or replaces the record of a connection as [`ConnectionStore::save`] does, but
    /// keeps its state: for the same values marked deleted (a tombstone) or brought back from one
    /// by EIS's resend, where what the connector learnt (a rotated refresh token) still belongs to
    /// them and the values' own copy (the pasted token) may be spent.
    fn revise(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError>;

    /// The record of a connection, decrypted; `None` if there is none.
    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError>;

    /// Every stored record of `connector` (of every connector with `None`), each opened on its
    /// own: one that does not open is listed with its error. For operators (`erp-connector
    /// connections`), not for calls: it reads the whole store.
    fn list(&self, connector: Option<&str>) -> Result<Vec<Listed>, StoreError>;

    /// The connection's state (sealed like its record), if it has one.
    fn load_state(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StoredState>, StoreError>;

    /// Replaces the connection's state with `value` if its version is still `expected` (0: no
    /// state yet), atomically for every process sharing the store: `Some(new version)`, or `None`
    /// when another writer changed it first, a save cleared it, or the connection is not stored.
    fn swap_state(
        &self,
        connector: &str,
        guid: ConnectionGuid,
        expected: u64,
        value: &str,
    ) -> Result<Option<u64>, StoreError>;

    /// Removes a connection and its state; `false` if it was not there.
    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError>;

    /// How many connections `connector` has stored (for `max_stored`).
    fn count(&self, connector: &str) -> Result<u64, StoreError>;

    /// Whether the store can serve (for `/ready`).
    fn check(&self) -> Result<(), StoreError>;

    /// Tells `listener` of changes made to the store, by this process or another sharing it, so
    /// that caches of parsed connections can forget them. A store only this process writes
    /// (SQLite) has nothing to tell: the default ignores the listener.
    fn watch(&self, listener: ChangeListener) {
        let _ = listener;
    }
}

/// A record as [`ConnectionStore::list`] finds it.
#[derive(Debug)]
pub struct Listed {
    /// The connector name.
    pub connector: String,
    /// The connection.
    pub guid: ConnectionGuid,
    /// The record, or why it does not open (another store key, a changed row).
    pub record: Result<Record, StoreError>,
}

/// Hears of [`StoreChange`]s; called on the store's own thread, so it must return quickly.
pub type ChangeListener = Arc<dyn Fn(StoreChange<'_>) + Send + Sync>;

/// A change seen in a shared store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChange<'a> {
    /// This connection was saved or deleted.
    Connection {
        /// The connector name.
        connector: &'a str,
        /// The connection.
        guid: ConnectionGuid,
    },
    /// Changes may have been missed (the store's notifications were interrupted): anything
    /// cached may be out of date.
    Unknown,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or prepared.
    #[error("connection store {path}: {message}")]
    Open {
        /// The database file, or the server's address (without password).
        path: String,
        /// What failed.
        message: String,
    },
    /// A database operation failed.
    #[error("connection store: {0}")]
    Database(String),
    /// A stored row is not readable.
    #[error("connection store: stored connection {guid} is unreadable: {message}")]
    Corrupt {
        /// The connection.
        guid: ConnectionGuid,
        /// What is wrong.
        message: String,
    },
    /// Encryption or decryption failed.
    #[error("connection store: {0}")]
    Crypto(String),
}

/// Runs blocking store work off the request thread.
pub(crate) async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, crate::store::StoreError> + Send + 'static,
) -> crate::connector::ConnectorResult<R> {
    match actix_web::rt::task::spawn_blocking(f).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "connection store failed");
            Err(crate::connector::ConnectorError::new("The connector could not access its connection store.")
                .with_tech(e.to_string()))
        }
        Err(e) => Err(crate::connector::ConnectorError::new("The connector's connection store task failed.")
            .with_tech(e.to_string())),
    }
}

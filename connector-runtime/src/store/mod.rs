//! The connection store: the configuration values of each sync connection, by connector name and
//! GUID. SuperOffice sends the values once (`WSSaveConnection`) and then only the GUID, so the
//! store must be durable before `WSSaveConnection` answers (spec §1, §5.2).
//!
//! [`ConnectionStore`] is the interface; [`SqliteStore`] the embedded default. Secret values
//! (Password fields) are encrypted at rest with AES-256-GCM ([`crypto`]).

pub mod crypto;
mod sqlite;

pub use sqlite::SqliteStore;

use crate::contract::{ConnectionGuid, StringDict};

/// Storage of connection configurations. Calls block (they wait for the disk); the service runs
/// them off its request threads.
pub trait ConnectionStore: Send + Sync + 'static {
    /// Creates or replaces the configuration of a connection. Returns when it is durable. Values
    /// under `secret_keys` are stored encrypted.
    fn save(
        &self,
        connector: &str,
        guid: ConnectionGuid,
        info: &StringDict,
        secret_keys: &[&str],
    ) -> Result<(), StoreError>;

    /// The configuration of a connection, secrets decrypted; `None` if there is none.
    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StringDict>, StoreError>;

    /// Removes a connection; `false` if it was not there.
    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError>;

    /// Whether the store can serve (for `/ready`).
    fn check(&self) -> Result<(), StoreError>;
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or prepared.
    #[error("connection store {path}: {message}")]
    Open {
        /// The database file.
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

//! [`ConnectionState`]: what a connector learns about a connection after it was set up (a
//! refresh token the ERP rotated, an id the ERP gave), kept per connection in the connection
//! store beside the configuration.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ConnectorError, ConnectorResult};
use crate::contract::ConnectionGuid;
use crate::store::{ConnectionStore, StoredState, blocking};

/// A connection's state: typed (any serde value), sealed in the connection store with the
/// store's key (SQLite or PostgreSQL: every replica sees it), never sent to EIS. It is kept when
/// EIS sends the same configuration again (after a DeleteConnection too, while the connection's
/// tombstone is kept: EIS's resend after `UNKNOWN_CONNECTION_ID` finds it), cleared when an
/// administrator saves new values (a freshly pasted refresh token then replaces the rotated one),
/// and deleted with the connection (with its tombstone, or at once under `replace = "allow"`).
/// Writes are compare-and-swap on a version, so two replicas that refresh at once keep one
/// state, the winner's, and the other reads it.
///
/// ```
/// # use erp_connector::connector::ConnectionState;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Learnt { erp_tenant: u64 }
///
/// # async fn demo() -> erp_connector::connector::ConnectorResult<()> {
/// let state = ConnectionState::in_memory();
/// assert!(state.load::<Learnt>().await?.is_none());
/// let version = state.swap(0, &Learnt { erp_tenant: 42 }).await?.expect("nobody else wrote");
/// assert_eq!(state.load::<Learnt>().await?.unwrap().value.erp_tenant, 42);
/// assert!(state.swap(0, &Learnt { erp_tenant: 7 }).await?.is_none(), "version 0 is gone");
/// # let _ = version; Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Clone)]
pub struct ConnectionState {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Store { store: Arc<dyn ConnectionStore>, connector: Arc<str>, guid: ConnectionGuid },
    Memory(Arc<Mutex<Option<StoredState>>>),
}

/// A state as read: its version (what [`ConnectionState::swap`] expects) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The version; a swap expecting it replaces this value.
    pub version: u64,
    /// The value.
    pub value: T,
}

impl ConnectionState {
    /// The state of `guid` in `store`.
    pub(crate) fn stored(store: Arc<dyn ConnectionStore>, connector: &str, guid: ConnectionGuid) -> Self {
        ConnectionState { backend: Backend::Store { store, connector: connector.into(), guid } }
    }

    /// A state kept in memory, for tests that call connector methods directly.
    pub fn in_memory() -> Self {
        ConnectionState { backend: Backend::Memory(Arc::default()) }
    }

    /// The state and its version; `None` if none was written since the values were saved.
    pub async fn load<T: DeserializeOwned>(&self) -> ConnectorResult<Option<Versioned<T>>> {
        let stored = match &self.backend {
            Backend::Memory(cell) => crate::sync::lock(cell).clone(),
            Backend::Store { store, connector, guid } => {
                let (store, connector, guid) = (store.clone(), connector.clone(), *guid);
                blocking(move || store.load_state(&connector, guid)).await?
            }
        };
        stored
            .map(|s| {
                let value = serde_json::from_str(&s.value).map_err(|e| {
                    ConnectorError::new("The connection's stored state is not what the connector reads.")
                        .with_tech(format!("connection state: {e}"))
                })?;
                Ok(Versioned { version: s.version, value })
            })
            .transpose()
    }

    /// Writes `value` if the state's version is still `expected` (0 when there was none):
    /// `Some(new version)`, or `None` when another writer (a replica) got there first or a save
    /// cleared it: read it again.
    pub async fn swap<T: Serialize>(&self, expected: u64, value: &T) -> ConnectorResult<Option<u64>> {
        let json = serde_json::to_string(value).map_err(|e| ConnectorError::new(format!("connection state: {e}")))?;
        match &self.backend {
            Backend::Memory(cell) => {
                let mut cell = crate::sync::lock(cell);
                if cell.as_ref().map_or(0, |s| s.version) != expected {
                    return Ok(None);
                }
                *cell = Some(StoredState { version: expected + 1, value: json });
                Ok(Some(expected + 1))
            }
            Backend::Store { store, connector, guid } => {
                let (store, connector, guid) = (store.clone(), connector.clone(), *guid);
                blocking(move || store.swap_state(&connector, guid, expected, &json)).await
            }
        }
    }
}

impl std::fmt::Debug for ConnectionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.backend {
            Backend::Store { .. } => "ConnectionState(stored)",
            Backend::Memory(_) => "ConnectionState(in memory)",
        })
    }
}

//! The stored form of a connection's state (what a connector learns after set-up: a rotated
//! refresh token, an ERP-side id): sealed like a record, bound to the connector, the connection
//! and the version, so that a state cannot be moved to another connection or another version.

use super::StoreError;
use super::crypto::Sealer;
use crate::contract::ConnectionGuid;

/// A connection's state as the store holds it: its version (1 for the first, one more for each
/// swap) and its value, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredState {
    /// Counts the swaps since the state was last cleared (a save of new values clears it).
    pub version: u64,
    /// The value, as the connector wrote it (JSON).
    pub value: String,
}

fn aad(connector: &str, guid: ConnectionGuid, version: u64) -> Vec<u8> {
    format!("erp-connector state v1\0{connector}\0{guid}\0{version}").into_bytes()
}

/// The stored text of `value` as version `version`.
pub(super) fn seal(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    version: u64,
    value: &str,
) -> Result<String, StoreError> {
    sealer.seal(&aad(connector, guid, version), value).map_err(|e| StoreError::Crypto(e.to_string()))
}

/// The state of a row read as (version, sealed text), if there was one.
pub(super) fn from_row(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    row: Option<(i64, String)>,
) -> Result<Option<StoredState>, StoreError> {
    let Some((version, text)) = row else { return Ok(None) };
    let version =
        u64::try_from(version).map_err(|_| StoreError::Corrupt { guid, message: "a negative state version".into() })?;
    open(sealer, connector, guid, version, &text).map(Some)
}

/// The state stored as `text` under `version`.
fn open(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    version: u64,
    text: &str,
) -> Result<StoredState, StoreError> {
    let value = sealer.open(&aad(connector, guid, version), text).map_err(|e| StoreError::Crypto(e.to_string()))?;
    Ok(StoredState { version, value })
}

/// A version as the databases hold it (a signed 64-bit integer).
pub(super) fn as_db(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError::Database(format!("state version {version} out of range")))
}

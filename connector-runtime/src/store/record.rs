//! The stored form of a connection's values, the same in every backend: a JSON list of entries
//! in the order SuperOffice sent them, the whole list sealed with AES-256-GCM bound to the
//! connector and the connection. Every value is encrypted and the record is authenticated as a
//! whole: whoever can write the database can neither read a value, nor change one (a server
//! URL, say, to receive the password), nor move a record to another connection.
//!
//! Records of the earlier form (a plain JSON list with only secret values sealed, whose
//! `sealed` flags nothing authenticated) are not opened: they read as undecryptable, the
//! connector answers `UNKNOWN_CONNECTION_ID`, and EIS resends the values, stored in this form.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::crypto::Sealer;
use crate::contract::{ConnectionGuid, StringDict};

/// A stored connection: its values and what the service knows of it. All of it is sealed
/// together: the source is a client's address (personal data), and the dates decide what a
/// tombstone still guards, so none of it is left for whoever can write the database to change.
///
/// Not in what is sealed: a version. A record copied back over its GUID from an older copy of
/// the database opens; a version would only be checked against the copy that holds it, and
/// whoever can write the database can as well delete the record (EIS then resends its values).
/// An old record holds values its tenant once saved, not values of the writer's choosing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The configuration values, in the order SuperOffice sent them.
    pub values: StringDict,
    /// The client address that saved it; `None` for records saved before sources were kept.
    pub source: Option<IpAddr>,
    /// When it was saved, in seconds since the Unix epoch; 0 when not known.
    pub saved_at: u64,
    /// When it was deleted, in seconds since the Unix epoch: the record is a tombstone whose
    /// values guard the GUID against a stranger's save (docs/security.md).
    pub deleted_at: Option<u64>,
}

impl Record {
    /// `values` saved now from `source`.
    pub fn saved(values: StringDict, source: Option<IpAddr>) -> Record {
        Record { values, source, saved_at: now_secs(), deleted_at: None }
    }

    /// Whether it is a deleted connection's tombstone.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// One stored entry: key and value (null allowed).
#[derive(Serialize, Deserialize)]
struct Entry {
    k: String,
    v: Option<String>,
}

/// The sealed text: the entries and what is known of the record.
#[derive(Serialize, Deserialize)]
struct Sealed {
    values: Vec<Entry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<IpAddr>,
    #[serde(default)]
    saved_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_at: Option<u64>,
}

/// Where records sealed as a bare list of entries (before sources were kept) marked a tombstone:
/// an entry under this key, which no caller can send (it starts with NUL), holding when.
const LEGACY_TOMBSTONE_KEY: &str = "\0erp-connector:deleted";

/// What a record is bound to.
fn aad(connector: &str, guid: ConnectionGuid) -> Vec<u8> {
    format!("erp-connector record v2\0{connector}\0{guid}").into_bytes()
}

/// The stored text of `record`: sealed, and authenticated as a whole.
pub(super) fn seal(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    record: &Record,
) -> Result<String, StoreError> {
    let sealed = Sealed {
        values: record.values.iter().map(|(k, v)| Entry { k: k.to_owned(), v: v.map(str::to_owned) }).collect(),
        source: record.source,
        saved_at: record.saved_at,
        deleted_at: record.deleted_at,
    };
    let json = serde_json::to_string(&sealed).map_err(|e| StoreError::Database(e.to_string()))?;
    sealer.seal(&aad(connector, guid), &json).map_err(|e| StoreError::Crypto(e.to_string()))
}

/// The record stored as `text`.
pub(super) fn open(sealer: &Sealer, connector: &str, guid: ConnectionGuid, text: &str) -> Result<Record, StoreError> {
    if text.starts_with('[') {
        return Err(StoreError::Crypto(
            "stored in the earlier format, whose record is not authenticated; EIS resends it".into(),
        ));
    }
    let json = sealer.open(&aad(connector, guid), text).map_err(|e| StoreError::Crypto(e.to_string()))?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt { guid, message: e.to_string() };
    let sealed = if json.starts_with('[') {
        let values: Vec<Entry> = serde_json::from_str(&json).map_err(corrupt)?;
        Sealed { values, source: None, saved_at: 0, deleted_at: None }
    } else {
        serde_json::from_str(&json).map_err(corrupt)?
    };
    let mut record =
        Record { source: sealed.source, saved_at: sealed.saved_at, deleted_at: sealed.deleted_at, ..Record::default() };
    record.values = StringDict::with_capacity(sealed.values.len());
    for Entry { k, v } in sealed.values {
        if k == LEGACY_TOMBSTONE_KEY {
            record.deleted_at = Some(v.and_then(|at| at.parse().ok()).unwrap_or(0));
            continue;
        }
        record.values.insert_opt(k, v.map(Into::into));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::StoreKey;

    #[test]
    fn round_trips_in_order_and_seals_everything() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let mut info = StringDict::new().with("USER", "u-visible").with("PASSWORD", "Very-Secret-42");
        info.insert_opt("EMPTY", None);
        let record = Record::saved(info.clone(), Some("2001:db8::7".parse().unwrap()));
        let text = seal(&sealer, "shop", guid, &record).unwrap();
        assert!(!text.contains("u-visible") && !text.contains("Very-Secret-42") && !text.contains("USER"), "{text}");
        assert!(!text.contains("2001:db8"), "the source is sealed too: {text}");
        let back = open(&sealer, "shop", guid, &text).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.values.keys().collect::<Vec<_>>(), ["USER", "PASSWORD", "EMPTY"], "order kept");
        assert!(back.saved_at > 1_700_000_000 && !back.is_deleted());
    }

    #[test]
    fn a_record_is_bound_to_its_connection_and_cannot_be_changed() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let record = Record::saved(StringDict::new().with("SERVER", "https://erp.example"), None);
        let text = seal(&sealer, "shop", guid, &record).unwrap();
        assert!(matches!(open(&sealer, "shop", ConnectionGuid::new_random(), &text), Err(StoreError::Crypto(_))));
        assert!(matches!(open(&sealer, "other", guid, &text), Err(StoreError::Crypto(_))));
        // One character changed anywhere: refused, not read with another value.
        let mut changed = text.clone().into_bytes();
        let i = changed.len() / 2;
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            open(&sealer, "shop", guid, std::str::from_utf8(&changed).unwrap()),
            Err(StoreError::Crypto(_))
        ));
        // The earlier form, whose unsealed values and flags an attacker could write: not read.
        let legacy = r#"[{"k":"SERVER","v":"https://attacker.example"},{"k":"PASSWORD","v":"v1:AAAA","sealed":true}]"#;
        assert!(matches!(open(&sealer, "shop", guid, legacy), Err(StoreError::Crypto(_))));
    }

    #[test]
    fn records_sealed_as_a_bare_list_still_open() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let list = r#"[{"k":"USER","v":"u"},{"k":"\u0000erp-connector:deleted","v":"1700000000"}]"#;
        let text = sealer.seal(&aad("shop", guid), list).unwrap();
        let record = open(&sealer, "shop", guid, &text).unwrap();
        assert_eq!(record.values, StringDict::new().with("USER", "u"), "the old mark is no value");
        assert_eq!((record.deleted_at, record.source, record.saved_at), (Some(1_700_000_000), None, 0));
    }
}

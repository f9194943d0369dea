//! The stored form of a connection's values, the same in every backend: a JSON list of entries
//! in the order SuperOffice sent them, the whole list sealed with AES-256-GCM bound to the
//! connector and the connection. Every value is encrypted and the record is authenticated as a
//! whole: whoever can write the database can neither read a value, nor change one (a server
//! URL, say, to receive the password), nor move a record to another connection.
//!
//! Records of the earlier form (a plain JSON list with only secret values sealed, whose
//! `sealed` flags nothing authenticated) are not opened: they read as undecryptable, the
//! connector answers `UNKNOWN_CONNECTION_ID`, and EIS resends the values, stored in this form.

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::crypto::Sealer;
use crate::contract::{ConnectionGuid, StringDict};

/// One stored entry: key and value (null allowed).
#[derive(Serialize, Deserialize)]
struct Entry {
    k: String,
    v: Option<String>,
}

/// What a record is bound to.
fn aad(connector: &str, guid: ConnectionGuid) -> Vec<u8> {
    format!("erp-connector record v2\0{connector}\0{guid}").into_bytes()
}

/// The stored text of `info`: every value sealed, the record authenticated as a whole.
pub(super) fn seal(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    info: &StringDict,
) -> Result<String, StoreError> {
    let entries: Vec<Entry> = info.iter().map(|(k, v)| Entry { k: k.to_owned(), v: v.map(str::to_owned) }).collect();
    let json = serde_json::to_string(&entries).map_err(|e| StoreError::Database(e.to_string()))?;
    sealer.seal(&aad(connector, guid), &json).map_err(|e| StoreError::Crypto(e.to_string()))
}

/// The values stored as `text`.
pub(super) fn open(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    text: &str,
) -> Result<StringDict, StoreError> {
    if text.starts_with('[') {
        return Err(StoreError::Crypto(
            "stored in the earlier format, whose record is not authenticated; EIS resends it".into(),
        ));
    }
    let json = sealer.open(&aad(connector, guid), text).map_err(|e| StoreError::Crypto(e.to_string()))?;
    let entries: Vec<Entry> =
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt { guid, message: e.to_string() })?;
    let mut info = StringDict::with_capacity(entries.len());
    for Entry { k, v } in entries {
        info.insert_opt(k, v.map(Into::into));
    }
    Ok(info)
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
        let text = seal(&sealer, "shop", guid, &info).unwrap();
        assert!(!text.contains("u-visible") && !text.contains("Very-Secret-42") && !text.contains("USER"), "{text}");
        let back = open(&sealer, "shop", guid, &text).unwrap();
        assert_eq!(back, info);
        assert_eq!(back.keys().collect::<Vec<_>>(), ["USER", "PASSWORD", "EMPTY"], "order kept");
    }

    #[test]
    fn a_record_is_bound_to_its_connection_and_cannot_be_changed() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let text = seal(&sealer, "shop", guid, &StringDict::new().with("SERVER", "https://erp.example")).unwrap();
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
}

//! The stored form of a connection's values, the same in every backend: a JSON list of entries
//! in the order SuperOffice sent them, secret values sealed with AES-256-GCM bound to the
//! connector, the connection and the key (so a sealed value cannot be moved to another row).

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::crypto::Sealer;
use crate::contract::{ConnectionGuid, StringDict};

/// One stored entry: key, value (null allowed), and whether the value is sealed.
#[derive(Serialize, Deserialize)]
struct Entry {
    k: String,
    v: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sealed: bool,
}

/// What a sealed value is bound to.
fn aad(connector: &str, guid: ConnectionGuid, key: &str) -> Vec<u8> {
    format!("{connector}\0{guid}\0{key}").into_bytes()
}

/// The stored JSON of `info`, the values under `secret_keys` sealed.
pub(super) fn seal(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    info: &StringDict,
    secret_keys: &[&str],
) -> Result<String, StoreError> {
    let mut entries = Vec::with_capacity(info.len());
    for (k, v) in info.iter() {
        let sealed = secret_keys.contains(&k) && v.is_some();
        let v = match v {
            Some(v) if sealed => {
                Some(sealer.seal(&aad(connector, guid, k), v).map_err(|e| StoreError::Crypto(e.to_string()))?)
            }
            other => other.map(str::to_owned),
        };
        entries.push(Entry { k: k.to_owned(), v, sealed });
    }
    serde_json::to_string(&entries).map_err(|e| StoreError::Database(e.to_string()))
}

/// The values stored as `json`, sealed ones opened.
pub(super) fn open(
    sealer: &Sealer,
    connector: &str,
    guid: ConnectionGuid,
    json: &str,
) -> Result<StringDict, StoreError> {
    let entries: Vec<Entry> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt { guid, message: e.to_string() })?;
    let mut info = StringDict::with_capacity(entries.len());
    for Entry { k, v, sealed } in entries {
        let v = match v {
            Some(v) if sealed => {
                Some(sealer.open(&aad(connector, guid, &k), &v).map_err(|e| StoreError::Crypto(e.to_string()))?)
            }
            other => other,
        };
        info.insert_opt(k, v.map(Into::into));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::StoreKey;

    #[test]
    fn round_trips_in_order_and_seals_only_secrets() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let mut info = StringDict::new().with("USER", "u").with("PASSWORD", "Very-Secret-42");
        info.insert_opt("EMPTY", None);
        let json = seal(&sealer, "shop", guid, &info, &["PASSWORD", "EMPTY"]).unwrap();
        assert!(json.contains("\"u\"") && !json.contains("Very-Secret-42"), "{json}");
        let back = open(&sealer, "shop", guid, &json).unwrap();
        assert_eq!(back, info);
        assert_eq!(back.keys().collect::<Vec<_>>(), ["USER", "PASSWORD", "EMPTY"], "order kept");
    }

    #[test]
    fn a_sealed_value_is_bound_to_its_connection() {
        let sealer = Sealer::new(&StoreKey::generate().unwrap());
        let guid = ConnectionGuid::new_random();
        let json = seal(&sealer, "shop", guid, &StringDict::new().with("PASSWORD", "x"), &["PASSWORD"]).unwrap();
        assert!(matches!(open(&sealer, "shop", ConnectionGuid::new_random(), &json), Err(StoreError::Crypto(_))));
        assert!(matches!(open(&sealer, "other", guid, &json), Err(StoreError::Crypto(_))));
        assert!(matches!(open(&sealer, "shop", guid, "{not json"), Err(StoreError::Corrupt { .. })));
    }
}

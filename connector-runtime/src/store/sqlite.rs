//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a saved
//! connection survives a crash or power loss once `save` returns.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::crypto::Sealer;
use super::{ConnectionStore, StoreError};
use crate::contract::{ConnectionGuid, StringDict};

/// Schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i32 = 1;

/// The SQLite connection store.
pub struct SqliteStore {
    db: Mutex<Connection>,
    sealer: Sealer,
}

/// One stored entry: key, value (null allowed), and whether the value is sealed.
#[derive(Serialize, Deserialize)]
struct Entry {
    k: String,
    v: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sealed: bool,
}

fn aad(connector: &str, guid: ConnectionGuid, key: &str) -> Vec<u8> {
    format!("{connector}\0{guid}\0{key}").into_bytes()
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, encrypting secrets with `sealer`.
    pub fn open(path: &Path, sealer: Sealer) -> Result<SqliteStore, StoreError> {
        let open_error = |message: String| StoreError::Open { path: path.display().to_string(), message };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        }
        let db = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        db.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| open_error(e.to_string()))?;
        let mode: String =
            db.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(|e| open_error(e.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_error(format!("cannot use write-ahead logging (journal mode is {mode})")));
        }
        db.execute_batch("PRAGMA synchronous=FULL;").map_err(|e| open_error(e.to_string()))?;
        let version: i32 =
            db.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| open_error(e.to_string()))?;
        match version {
            0 => db
                .execute_batch(&format!(
                    "CREATE TABLE IF NOT EXISTS connections (
                        connector TEXT NOT NULL,
                        guid TEXT NOT NULL,
                        info TEXT NOT NULL,
                        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                        PRIMARY KEY (connector, guid)
                    ) WITHOUT ROWID;
                    PRAGMA user_version = {SCHEMA_VERSION};"
                ))
                .map_err(|e| open_error(e.to_string()))?,
            SCHEMA_VERSION => {}
            newer => {
                return Err(open_error(format!(
                    "the database has schema version {newer}, newer than this program's {SCHEMA_VERSION}"
                )));
            }
        }
        Ok(SqliteStore { db: Mutex::new(db), sealer })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (each call is one statement).
        self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ConnectionStore for SqliteStore {
    fn save(
        &self,
        connector: &str,
        guid: ConnectionGuid,
        info: &StringDict,
        secret_keys: &[&str],
    ) -> Result<(), StoreError> {
        let mut entries = Vec::with_capacity(info.len());
        for (k, v) in info.iter() {
            let sealed = secret_keys.contains(&k) && v.is_some();
            let v = match v {
                Some(v) if sealed => {
                    Some(self.sealer.seal(&aad(connector, guid, k), v).map_err(|e| StoreError::Crypto(e.to_string()))?)
                }
                other => other.map(str::to_owned),
            };
            entries.push(Entry { k: k.to_owned(), v, sealed });
        }
        let json = serde_json::to_string(&entries).expect("entries serialise");
        self.db()
            .execute(
                "INSERT INTO connections (connector, guid, info) VALUES (?1, ?2, ?3)
                 ON CONFLICT (connector, guid) DO UPDATE SET info = excluded.info,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                params![connector, guid.to_string(), json],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StringDict>, StoreError> {
        let json: Option<String> = self
            .db()
            .query_row(
                "SELECT info FROM connections WHERE connector = ?1 AND guid = ?2",
                params![connector, guid.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_error)?;
        let Some(json) = json else { return Ok(None) };
        let entries: Vec<Entry> =
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt { guid, message: e.to_string() })?;
        let mut info = StringDict::with_capacity(entries.len());
        for Entry { k, v, sealed } in entries {
            let v = match v {
                Some(v) if sealed => Some(
                    self.sealer.open(&aad(connector, guid, &k), &v).map_err(|e| StoreError::Crypto(e.to_string()))?,
                ),
                other => other,
            };
            info.insert_opt(k, v.map(Into::into));
        }
        Ok(Some(info))
    }

    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
        let n = self
            .db()
            .execute("DELETE FROM connections WHERE connector = ?1 AND guid = ?2", params![connector, guid.to_string()])
            .map_err(db_error)?;
        Ok(n > 0)
    }

    fn check(&self) -> Result<(), StoreError> {
        self.db().query_row("SELECT count(*) FROM connections", [], |r| r.get::<_, i64>(0)).map_err(db_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::StoreKey;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("erp-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("store.db")
    }

    #[test]
    fn saves_loads_replaces_deletes_and_survives_reopening() {
        let path = temp("lifecycle");
        let key = StoreKey::generate().unwrap();
        let guid = ConnectionGuid::new_random();
        let mut info = StringDict::new().with("USER", "admin").with("PASSWORD", "p&ss<w>rd");
        info.insert_opt("NOTE", None);
        {
            let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
            assert_eq!(store.load("shop", guid).unwrap(), None);
            store.save("shop", guid, &info, &["PASSWORD"]).unwrap();
            assert_eq!(store.load("shop", guid).unwrap().as_ref(), Some(&info));
            assert_eq!(store.load("other", guid).unwrap(), None, "connectors are kept apart");
            store.check().unwrap();
        }
        let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
        assert_eq!(store.load("shop", guid).unwrap(), Some(info.clone()), "durable across reopening");
        let replaced = StringDict::new().with("USER", "other");
        store.save("shop", guid, &replaced, &["PASSWORD"]).unwrap();
        assert_eq!(store.load("shop", guid).unwrap(), Some(replaced));
        assert!(store.delete("shop", guid).unwrap());
        assert!(!store.delete("shop", guid).unwrap());
        assert_eq!(store.load("shop", guid).unwrap(), None);
    }

    #[test]
    fn secrets_are_not_in_the_file_and_need_the_key() {
        let path = temp("secrets");
        let key = StoreKey::generate().unwrap();
        let guid = ConnectionGuid::new_random();
        let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
        let info = StringDict::new().with("USER", "visible-user").with("PASSWORD", "Very-Secret-42");
        store.save("shop", guid, &info, &["PASSWORD"]).unwrap();
        drop(store);
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("visible-user"), "the test looks in the right place");
        assert!(!text.contains("Very-Secret-42"), "the secret is encrypted at rest");
        let wrong = SqliteStore::open(&path, Sealer::new(&StoreKey::generate().unwrap())).unwrap();
        let err = wrong.load("shop", guid).unwrap_err().to_string();
        assert!(err.contains("store key"), "{err}");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let path = temp("schema");
        let key = StoreKey::generate().unwrap();
        drop(SqliteStore::open(&path, Sealer::new(&key)).unwrap());
        Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
        let err = SqliteStore::open(&path, Sealer::new(&key)).err().unwrap().to_string();
        assert!(err.contains("schema version 99") && err.contains("store.db"), "{err}");
    }
}

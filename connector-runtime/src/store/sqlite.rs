//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a saved
//! connection survives a crash or power loss once `save` returns.

use std::path::Path;
use std::sync::Mutex;

use super::crypto::Sealer;
use super::{ConnectionStore, Listed, Record, StoreError, StoredState, record, state};
use crate::contract::ConnectionGuid;
use rusqlite::{Connection, OptionalExtension, params};

/// Schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i32 = 2;

/// The table of connections (schema version 1).
const CONNECTIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS connections (
    connector TEXT NOT NULL,
    guid TEXT NOT NULL,
    info TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (connector, guid)
) WITHOUT ROWID;";

/// The table of connection states (added in schema version 2).
const STATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS connection_state (
    connector TEXT NOT NULL,
    guid TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (connector, guid)
) WITHOUT ROWID;";

/// The SQLite connection store.
pub struct SqliteStore {
    db: Mutex<Connection>,
    sealer: Sealer,
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
        // A new database is the owner's alone; SQLite gives its -wal and -shm files the same mode.
        let mut create = std::fs::OpenOptions::new();
        create.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
        create.open(path).map_err(|e| open_error(e.to_string()))?;
        if super::crypto::readable_by_others(path) {
            tracing::warn!(path = %path.display(), "the connection store can be read by other users of this machine: chmod 600 it");
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
        let steps = match version {
            0 => format!("{CONNECTIONS_TABLE}\n{STATE_TABLE}"),
            1 => STATE_TABLE.to_owned(),
            SCHEMA_VERSION => String::new(),
            newer => {
                return Err(open_error(format!(
                    "the database has schema version {newer}, newer than this program's {SCHEMA_VERSION}"
                )));
            }
        };
        if !steps.is_empty() {
            db.execute_batch(&format!("BEGIN IMMEDIATE; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"))
                .map_err(|e| open_error(e.to_string()))?;
        }
        Ok(SqliteStore { db: Mutex::new(db), sealer })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (each call is one statement).
        crate::sync::lock(&self.db)
    }
}

impl ConnectionStore for SqliteStore {
    fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        let json = record::seal(&self.sealer, connector, guid, record)?;
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        tx.execute(
            "INSERT INTO connections (connector, guid, info) VALUES (?1, ?2, ?3)
             ON CONFLICT (connector, guid) DO UPDATE SET info = excluded.info,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            params![connector, guid.to_string(), json],
        )
        .map_err(db_error)?;
        tx.execute(
            "DELETE FROM connection_state WHERE connector = ?1 AND guid = ?2",
            params![connector, guid.to_string()],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    fn revise(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        let json = record::seal(&self.sealer, connector, guid, record)?;
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

    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError> {
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
        record::open(&self.sealer, connector, guid, &json).map(Some)
    }

    fn list(&self, connector: Option<&str>) -> Result<Vec<Listed>, StoreError> {
        let db = self.db();
        let mut query = db
            .prepare("SELECT connector, guid, info FROM connections WHERE ?1 IS NULL OR connector = ?1 ORDER BY connector, guid")
            .map_err(db_error)?;
        let rows = query
            .query_map(params![connector], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(db_error)?;
        let mut listed = Vec::new();
        for row in rows {
            let (connector, guid, text) = row.map_err(db_error)?;
            let Ok(guid) = ConnectionGuid::parse(&guid) else { continue };
            let record = record::open(&self.sealer, &connector, guid, &text);
            listed.push(Listed { connector, guid, record });
        }
        Ok(listed)
    }

    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        let guid_text = guid.to_string();
        let key = params![connector, guid_text];
        tx.execute("DELETE FROM connection_state WHERE connector = ?1 AND guid = ?2", key).map_err(db_error)?;
        let n = tx.execute("DELETE FROM connections WHERE connector = ?1 AND guid = ?2", key).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(n > 0)
    }

    fn load_state(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StoredState>, StoreError> {
        let row: Option<(i64, String)> = self
            .db()
            .query_row(
                "SELECT version, state FROM connection_state WHERE connector = ?1 AND guid = ?2",
                params![connector, guid.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_error)?;
        state::from_row(&self.sealer, connector, guid, row)
    }

    fn swap_state(
        &self,
        connector: &str,
        guid: ConnectionGuid,
        expected: u64,
        value: &str,
    ) -> Result<Option<u64>, StoreError> {
        let next = expected + 1;
        let sealed = state::seal(&self.sealer, connector, guid, next, value)?;
        let mut db = self.db();
        // IMMEDIATE: the write lock from the first read, so another process cannot swap between.
        let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db_error)?;
        let guid_text = guid.to_string();
        let key = params![connector, guid_text];
        let stored = tx
            .query_row("SELECT 1 FROM connections WHERE connector = ?1 AND guid = ?2", key, |_| Ok(()))
            .optional()
            .map_err(db_error)?;
        let current: Option<i64> = tx
            .query_row("SELECT version FROM connection_state WHERE connector = ?1 AND guid = ?2", key, |r| r.get(0))
            .optional()
            .map_err(db_error)?;
        if stored.is_none() || current.unwrap_or(0) != state::as_db(expected)? {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO connection_state (connector, guid, version, state) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (connector, guid) DO UPDATE SET version = excluded.version, state = excluded.state",
            params![connector, guid.to_string(), state::as_db(next)?, sealed],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(Some(next))
    }

    fn count(&self, connector: &str) -> Result<u64, StoreError> {
        let n = self
            .db()
            .query_row("SELECT count(*) FROM connections WHERE connector = ?1", params![connector], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(db_error)?;
        Ok(n.max(0) as u64)
    }

    fn check(&self) -> Result<(), StoreError> {
        self.db().query_row("SELECT count(*) FROM connections", [], |r| r.get::<_, i64>(0)).map_err(db_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::StringDict;
    use crate::store::crypto::StoreKey;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("erp-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("store.db")
    }

    /// One file for the whole suite: its tests use connector names of their own.
    fn suite_path() -> &'static std::path::Path {
        static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
        PATH.get_or_init(|| temp("suite"))
    }

    crate::store::suite::store_suite!(|key: &StoreKey| {
        Box::new(SqliteStore::open(suite_path(), Sealer::new(key)).unwrap()) as Box<dyn ConnectionStore>
    });

    #[test]
    fn secrets_are_not_in_the_file_and_need_the_key() {
        let path = temp("secrets");
        let key = StoreKey::generate().unwrap();
        let guid = ConnectionGuid::new_random();
        let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
        let info = StringDict::new().with("USER", "visible-user").with("PASSWORD", "Very-Secret-42");
        store.save("shop", guid, &Record::saved(info, None)).unwrap();
        drop(store);
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&guid.to_string()), "the test looks in the right place");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "a new store is the owner's alone");
        }
        assert!(!text.contains("Very-Secret-42") && !text.contains("visible-user"), "every value is encrypted at rest");
        let wrong = SqliteStore::open(&path, Sealer::new(&StoreKey::generate().unwrap())).unwrap();
        let err = wrong.load("shop", guid).unwrap_err().to_string();
        assert!(err.contains("store key"), "{err}");
    }

    #[test]
    fn a_version_1_database_gains_connection_state_and_keeps_its_connections() {
        let path = temp("schema-1");
        let key = StoreKey::generate().unwrap();
        let guid = ConnectionGuid::new_random();
        let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
        store.save("shop", guid, &Record::saved(crate::contract::StringDict::new().with("A", "1"), None)).unwrap();
        drop(store);
        // The database as version 1 left it: no state table.
        Connection::open(&path).unwrap().execute_batch("DROP TABLE connection_state; PRAGMA user_version = 1").unwrap();
        let store = SqliteStore::open(&path, Sealer::new(&key)).unwrap();
        assert!(store.load("shop", guid).unwrap().is_some());
        assert_eq!(store.swap_state("shop", guid, 0, "{}").unwrap(), Some(1));
        let version: i32 = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
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

//! The shared store: PostgreSQL, for several replicas of a connector. The record is the one the
//! SQLite store keeps ([`super::record`]); a trigger announces every change on a notification
//! channel, so that each replica's cache forgets a connection saved or deleted through another.
//!
//! The client is `postgres`, the blocking face of `tokio-postgres`: the store's interface blocks
//! (the service calls it off its request threads), and each statement is one round trip
//! (`*_typed`: no prepare step). Connections are pooled with `r2d2`. The change listener holds a
//! session (`LISTEN`), so the URL must reach PostgreSQL itself or a session-mode pooler.
//! TLS: [`super::postgres_tls`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once, RwLock};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Client, Config};
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::crypto::Sealer;
use super::{ChangeListener, ConnectionStore, Listed, Record, StoreChange, StoreError, StoredState, record, state};
use crate::contract::ConnectionGuid;

/// The schema, one step per version: step `i` takes the database from version `i` to `i + 1`.
/// Applied at start-up under [`MIGRATION_LOCK`], in one transaction.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE erp_connector_connections (
        connector text NOT NULL,
        guid uuid NOT NULL,
        info text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connector, guid)
    );
    CREATE FUNCTION erp_connector_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('erp_connector_connections', OLD.guid::text || ' ' || OLD.connector);
        ELSE
            PERFORM pg_notify('erp_connector_connections', NEW.guid::text || ' ' || NEW.connector);
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER erp_connector_connections_changed
        AFTER INSERT OR UPDATE OR DELETE ON erp_connector_connections
        FOR EACH ROW EXECUTE FUNCTION erp_connector_announce_change();
",
    "
    CREATE TABLE erp_connector_state (
        connector text NOT NULL,
        guid uuid NOT NULL,
        version bigint NOT NULL,
        state text NOT NULL,
        PRIMARY KEY (connector, guid),
        FOREIGN KEY (connector, guid) REFERENCES erp_connector_connections (connector, guid) ON DELETE CASCADE
    );
",
];

/// The advisory lock replicas take to migrate one at a time ("erp_conn" in ASCII).
const MIGRATION_LOCK: i64 = 0x6572_705f_636f_6e6e;

/// The notification channel of changes: the trigger's first argument to `pg_notify`, which a
/// migration cannot take from here (a test checks they agree).
const CHANNEL: &str = "erp_connector_connections";

/// How often an idle notification connection is checked, so that a dead one is noticed.
const LISTEN_CHECK: Duration = Duration::from_secs(15);

/// How to reach the database.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/database?options`, or the key=value form
    /// (`host=... user=...`); `options=-csearch_path%3Dmyschema` keeps the tables in a schema.
    pub url: String,
    /// Connections kept open at most (the notification listener takes one more).
    pub pool_size: u32,
    /// How long to wait for a connection (opening one, or a free one from the pool).
    pub connect_timeout: Duration,
    /// PEM certificates of the authority that signed the server's certificate: with it, TLS
    /// connections check the server's chain and name; without it, they are encrypted but the
    /// server is not authenticated (as libpq's `sslmode=require`). `sslmode` in the URL says
    /// whether TLS is used: `disable`, `prefer` (default: if the server offers it), `require`.
    pub ca_file: Option<std::path::PathBuf>,
}

impl PostgresOptions {
    /// Options for `url` with the default pool ([`super::DEFAULT_POOL_SIZE`] connections, 10 s
    /// timeout).
    pub fn new(url: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            pool_size: super::DEFAULT_POOL_SIZE,
            connect_timeout: Duration::from_secs(10),
            ca_file: None,
        }
    }
}

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PostgresOptions")
            .field("url", &redacted(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The server, user and database of a PostgreSQL `url`, without its password: for logs and
/// errors.
pub fn redacted(url: &str) -> String {
    match url.parse::<Config>() {
        Ok(config) => describe(&config),
        Err(_) => "(an unreadable PostgreSQL address)".to_owned(),
    }
}

/// The server, user and database of `config`, without the password.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

type Pool = r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>;

/// The PostgreSQL connection store.
pub struct PostgresStore {
    pool: Pool,
    config: Config,
    tls: MakeRustlsConnect,
    address: String,
    sealer: Sealer,
    listeners: Arc<RwLock<Vec<ChangeListener>>>,
    start_listening: Once,
    /// Whether the listener hears changes now; while it does not, the store is not ready.
    listening: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

/// Whether `e` says the server ended the session (the client may not know yet that it is
/// closed): the statement can run again on another connection.
fn connection_lost(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.is_closed()
        || e.code().is_some_and(|c| {
            [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN, SqlState::CANNOT_CONNECT_NOW].contains(c)
        })
}

fn db_error(e: postgres::Error) -> StoreError {
    StoreError::Database(with_causes(&e))
}

/// `e` and what caused it: "error performing TLS handshake: invalid peer certificate: ...".
fn with_causes(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// Pool errors go to the log, not to stderr.
#[derive(Debug)]
struct LogPoolErrors;

impl r2d2::HandleError<postgres::Error> for LogPoolErrors {
    fn handle_error(&self, error: postgres::Error) {
        tracing::warn!(error = %with_causes(&error), "connection store: cannot open a database connection");
    }
}

impl PostgresStore {
    /// Connects, brings the schema up to date (waiting for another replica doing the same), and
    /// keeps `options.pool_size` connections at most. Secrets are sealed with `sealer`.
    pub fn open(options: &PostgresOptions, sealer: Sealer) -> Result<PostgresStore, StoreError> {
        let mut config: Config = options
            .url
            .parse()
            .map_err(|e| StoreError::Open { path: "ERP_CONNECTOR_STORE_URL".into(), message: format!("{e}") })?;
        let address = describe(&config);
        let open_error = |message: String| StoreError::Open { path: address.clone(), message };
        if options.pool_size == 0 {
            return Err(open_error("the pool size must be at least 1".into()));
        }
        if config.get_application_name().is_none() {
            config.application_name("erp-connector");
        }
        config.connect_timeout(options.connect_timeout);
        let tls = super::postgres_tls::connector(options.ca_file.as_deref()).map_err(open_error)?;
        // One connection first, for the schema, and for an error that says what went wrong
        // (the pool reports only that it timed out).
        let mut client = config.connect(tls.clone()).map_err(|e| open_error(with_causes(&e)))?;
        migrate(&mut client).map_err(open_error)?;
        drop(client);
        let manager = PostgresConnectionManager::new(config.clone(), tls.clone());
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout)
            // A broken connection is noticed when used (and retried, below), not by a round trip
            // before every statement.
            .test_on_check_out(false)
            .error_handler(Box::new(LogPoolErrors))
            .build(manager)
            .map_err(|e| open_error(e.to_string()))?;
        Ok(PostgresStore {
            pool,
            config,
            tls,
            address,
            sealer,
            listeners: Arc::default(),
            start_listening: Once::new(),
            listening: Arc::default(),
            stop: Arc::default(),
        })
    }

    /// Runs `f` on a pooled connection. A connection the server has closed (a restart, an idle
    /// timeout) is dropped and `f` runs again on another: every statement here is idempotent.
    fn with_client<R>(&self, mut f: impl FnMut(&mut Client) -> Result<R, postgres::Error>) -> Result<R, StoreError> {
        let attempts = self.pool.max_size() + 1;
        let mut last = None;
        for _ in 0..attempts {
            let mut client = self
                .pool
                .get()
                .map_err(|e| StoreError::Database(format!("no database connection to {}: {e}", self.address)))?;
            match f(&mut client) {
                Ok(r) => return Ok(r),
                Err(e) if client.is_closed() || connection_lost(&e) => last = Some(e),
                Err(e) => return Err(db_error(e)),
            }
        }
        Err(last.map(db_error).unwrap_or_else(|| StoreError::Database("no database connection".into())))
    }

    /// Starts the thread that turns notifications into [`StoreChange`]s.
    fn listen(&self) {
        let (config, tls, listeners) = (self.config.clone(), self.tls.clone(), self.listeners.clone());
        let (listening, stop) = (self.listening.clone(), self.stop.clone());
        let spawned = std::thread::Builder::new()
            .name("erp-store-listen".into())
            .spawn(move || listen(&config, &tls, &listeners, &listening, &stop));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "connection store: cannot start the change listener; /ready will answer 503");
        }
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Brings the schema to the latest version, one replica at a time.
fn migrate(client: &mut Client) -> Result<(), String> {
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(|e| e.to_string())?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS erp_connector_schema (version integer NOT NULL)")
        .map_err(|e| e.to_string())?;
    let version: i32 = match tx.query_opt("SELECT version FROM erp_connector_schema", &[]).map_err(|e| e.to_string())? {
        Some(row) => row.get(0),
        None => {
            tx.execute("INSERT INTO erp_connector_schema (version) VALUES (0)", &[]).map_err(|e| e.to_string())?;
            0
        }
    };
    let latest = MIGRATIONS.len();
    let current = usize::try_from(version).map_err(|_| format!("the schema version {version} is not valid"))?;
    if current > latest {
        return Err(format!("the database has schema version {current}, newer than this program's {latest}"));
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.batch_execute(sql).map_err(|e| format!("migration to schema version {}: {e}", step + 1))?;
        tracing::info!(version = step + 1, "connection store: schema migrated");
    }
    let latest = i32::try_from(latest).expect("a few migrations");
    tx.execute("UPDATE erp_connector_schema SET version = $1", &[&latest]).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())
}

/// Listens for changes until `stop`; reconnects after a lost connection. Changes made while
/// not listening are unknown (including those before the first connection, while caches may
/// already have read), so each start of listening and each loss is announced as
/// [`StoreChange::Unknown`].
fn listen(
    config: &Config,
    tls: &MakeRustlsConnect,
    listeners: &RwLock<Vec<ChangeListener>>,
    listening: &AtomicBool,
    stop: &AtomicBool,
) {
    let tell = |change: StoreChange<'_>| {
        for listener in crate::sync::read(listeners).iter() {
            listener(change);
        }
    };
    let mut retry = Duration::from_millis(100);
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let mut client = match config
            .connect(tls.clone())
            .and_then(|mut c| c.batch_execute(&format!("LISTEN {CHANNEL}")).map(|()| c))
        {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(error = %with_causes(&e), retry_in = ?retry, "connection store: cannot listen for changes");
                std::thread::sleep(retry);
                retry = (retry * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if !first {
            tracing::info!("connection store: listening for changes again");
        }
        first = false;
        listening.store(true, Ordering::SeqCst);
        tell(StoreChange::Unknown);
        retry = Duration::from_millis(100);
        let mut idle = Duration::ZERO;
        let tick = Duration::from_secs(1);
        while !stop.load(Ordering::Relaxed) {
            let next = client.notifications().timeout_iter(tick).next();
            match next {
                Ok(Some(n)) => {
                    idle = Duration::ZERO;
                    if let Some((guid, connector)) = n.payload().split_once(' ')
                        && let Ok(guid) = ConnectionGuid::parse(guid)
                    {
                        tell(StoreChange::Connection { connector, guid });
                    }
                }
                Ok(None) if !client.is_closed() => {
                    idle += tick;
                    if idle >= LISTEN_CHECK {
                        idle = Duration::ZERO;
                        if client.is_valid(Duration::from_secs(5)).is_err() {
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
        listening.store(false, Ordering::SeqCst);
        if !stop.load(Ordering::Relaxed) {
            tracing::warn!("connection store: lost the change listener's connection; reconnecting");
            tell(StoreChange::Unknown);
        }
    }
}

impl ConnectionStore for PostgresStore {
    fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        let json = record::seal(&self.sealer, connector, guid, record)?;
        // Committed (and, with the server's default synchronous_commit, flushed) before it returns.
        // One statement: the state is cleared with the save, never apart from it.
        self.with_client(|c| {
            c.execute_typed(
                "WITH cleared AS (DELETE FROM erp_connector_state WHERE connector = $1 AND guid = $2)
                 INSERT INTO erp_connector_connections (connector, guid, info) VALUES ($1, $2, $3)
                 ON CONFLICT (connector, guid) DO UPDATE SET info = excluded.info, updated_at = now()",
                &[(&connector, Type::TEXT), (guid.as_uuid(), Type::UUID), (&json, Type::TEXT)],
            )
        })?;
        Ok(())
    }

    fn revise(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        let json = record::seal(&self.sealer, connector, guid, record)?;
        self.with_client(|c| {
            c.execute_typed(
                "INSERT INTO erp_connector_connections (connector, guid, info) VALUES ($1, $2, $3)
                 ON CONFLICT (connector, guid) DO UPDATE SET info = excluded.info, updated_at = now()",
                &[(&connector, Type::TEXT), (guid.as_uuid(), Type::UUID), (&json, Type::TEXT)],
            )
        })?;
        Ok(())
    }

    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError> {
        let json: Option<String> = self.with_client(|c| {
            c.query_typed_opt(
                "SELECT info FROM erp_connector_connections WHERE connector = $1 AND guid = $2",
                &[(&connector, Type::TEXT), (guid.as_uuid(), Type::UUID)],
            )
            .map(|row| row.map(|r| r.get(0)))
        })?;
        json.map(|json| record::open(&self.sealer, connector, guid, &json)).transpose()
    }

    fn list(&self, connector: Option<&str>) -> Result<Vec<Listed>, StoreError> {
        let rows: Vec<(String, uuid::Uuid, String)> = self.with_client(|c| {
            c.query_typed(
                "SELECT connector, guid, info FROM erp_connector_connections
                 WHERE $1::text IS NULL OR connector = $1 ORDER BY connector, guid",
                &[(&connector, Type::TEXT)],
            )
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        })?;
        Ok(rows
            .into_iter()
            .map(|(connector, uuid, text)| {
                let guid = ConnectionGuid::from(uuid);
                let record = record::open(&self.sealer, &connector, guid, &text);
                Listed { connector, guid, record }
            })
            .collect())
    }

    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
        let n = self.with_client(|c| {
            c.execute_typed(
                "DELETE FROM erp_connector_connections WHERE connector = $1 AND guid = $2",
                &[(&connector, Type::TEXT), (guid.as_uuid(), Type::UUID)],
            )
        })?;
        Ok(n > 0)
    }

    fn load_state(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StoredState>, StoreError> {
        let row: Option<(i64, String)> = self.with_client(|c| {
            c.query_typed_opt(
                "SELECT version, state FROM erp_connector_state WHERE connector = $1 AND guid = $2",
                &[(&connector, Type::TEXT), (guid.as_uuid(), Type::UUID)],
            )
            .map(|row| row.map(|r| (r.get(0), r.get(1))))
        })?;
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
        let (expected_db, next_db) = (state::as_db(expected)?, state::as_db(next)?);
        // Compare and swap in one statement each: the row's version decides, whoever else writes.
        let changed = self.with_client(|c| {
            let outcome = if expected == 0 {
                c.execute_typed(
                    "INSERT INTO erp_connector_state (connector, guid, version, state)
                     SELECT $1, $2, $3, $4 WHERE EXISTS
                         (SELECT 1 FROM erp_connector_connections WHERE connector = $1 AND guid = $2)
                     ON CONFLICT (connector, guid) DO NOTHING",
                    &[
                        (&connector, Type::TEXT),
                        (guid.as_uuid(), Type::UUID),
                        (&next_db, Type::INT8),
                        (&sealed, Type::TEXT),
                    ],
                )
            } else {
                c.execute_typed(
                    "UPDATE erp_connector_state SET version = $3, state = $4
                     WHERE connector = $1 AND guid = $2 AND version = $5",
                    &[
                        (&connector, Type::TEXT),
                        (guid.as_uuid(), Type::UUID),
                        (&next_db, Type::INT8),
                        (&sealed, Type::TEXT),
                        (&expected_db, Type::INT8),
                    ],
                )
            };
            match outcome {
                // The connection deleted between the check and the insert: as good as not stored.
                Err(e) if e.code() == Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION) => Ok(0),
                other => other,
            }
        })?;
        Ok((changed == 1).then_some(next))
    }

    fn count(&self, connector: &str) -> Result<u64, StoreError> {
        let n: i64 = self.with_client(|c| {
            c.query_typed(
                "SELECT count(*) FROM erp_connector_connections WHERE connector = $1",
                &[(&connector, Type::TEXT)],
            )
            .map(|rows| rows.first().map_or(0, |r| r.get(0)))
        })?;
        Ok(n.max(0) as u64)
    }

    fn check(&self) -> Result<(), StoreError> {
        self.with_client(|c| c.query_typed("SELECT 1 FROM erp_connector_connections LIMIT 1", &[]).map(drop))?;
        // A replica that cannot hear of changes through the others might serve a deleted
        // connection from its cache.
        if self.start_listening.is_completed() && !self.listening.load(Ordering::SeqCst) {
            return Err(StoreError::Database("not listening for changes made through other replicas (yet)".into()));
        }
        Ok(())
    }

    fn watch(&self, listener: ChangeListener) {
        crate::sync::write(&self.listeners).push(listener);
        self.start_listening.call_once(|| self.listen());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::StringDict;

    #[test]
    fn addresses_in_logs_carry_no_password() {
        for url in [
            "postgres://erp:S3cret-pw@db.example:6543/connectors",
            "host=db.example port=6543 user=erp password=S3cret-pw dbname=connectors",
        ] {
            let shown = redacted(url);
            assert_eq!(shown, "postgres://erp@db.example:6543/connectors");
            let debug = format!("{:?}", PostgresOptions::new(url));
            assert!(!debug.contains("S3cret") && debug.contains("db.example"), "{debug}");
        }
        assert!(!redacted("postgres://erp:S3cret@[bad").contains("S3cret"));
    }

    use crate::store::crypto::StoreKey;
    use crate::testkit::scratch_postgres;
    use postgres::NoTls;

    /// One schema for the suite: its tests use connector names of their own.
    fn suite_url() -> Option<&'static str> {
        static URL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        URL.get_or_init(|| scratch_postgres("postgres store suite")).as_deref()
    }

    fn open(url: &str, key: &StoreKey) -> PostgresStore {
        PostgresStore::open(&PostgresOptions::new(url), Sealer::new(key)).unwrap()
    }

    crate::store::suite::store_suite!(
        |key: &StoreKey| Box::new(open(suite_url().unwrap(), key)) as Box<dyn ConnectionStore>,
        skip: suite_url().is_none()
    );

    #[test]
    fn replicas_starting_together_migrate_once() {
        let Some(url) = scratch_postgres("replicas_starting_together_migrate_once") else { return };
        let key = StoreKey::generate().unwrap();
        let stores: Vec<_> = (0..6)
            .map(|_| {
                let (url, key) = (url.clone(), StoreKey::parse(&key.to_base64()).unwrap());
                std::thread::spawn(move || open(&url, &key))
            })
            .collect();
        for store in stores {
            let store = store.join().expect("each replica starts");
            store.check().unwrap();
        }
        let mut client = Client::connect(&url, NoTls).unwrap();
        let version: i32 = client.query_one("SELECT version FROM erp_connector_schema", &[]).unwrap().get(0);
        assert_eq!(version, i32::try_from(MIGRATIONS.len()).unwrap());
        let rows = client.query("SELECT version FROM erp_connector_schema", &[]).unwrap();
        assert_eq!(rows.len(), 1, "one version row");
    }

    #[test]
    fn refuses_a_newer_schema_and_names_the_server() {
        let Some(url) = scratch_postgres("refuses_a_newer_schema") else { return };
        let key = StoreKey::generate().unwrap();
        drop(open(&url, &key));
        Client::connect(&url, NoTls).unwrap().execute("UPDATE erp_connector_schema SET version = 99", &[]).unwrap();
        let err = PostgresStore::open(&PostgresOptions::new(&url), Sealer::new(&key)).err().unwrap().to_string();
        assert!(err.contains("schema version 99") && err.contains("postgres://"), "{err}");
    }

    #[test]
    fn unreachable_server_is_a_clear_start_up_error() {
        let url = "postgres://erp:S3cret@127.0.0.1:1/nowhere";
        let options = PostgresOptions { connect_timeout: Duration::from_secs(2), ..PostgresOptions::new(url) };
        let err = PostgresStore::open(&options, Sealer::new(&StoreKey::generate().unwrap())).err().unwrap().to_string();
        assert!(err.contains("postgres://erp@127.0.0.1:1/nowhere") && !err.contains("S3cret"), "{err}");
        let err =
            PostgresStore::open(&PostgresOptions::new("postgres://[bad"), Sealer::new(&StoreKey::generate().unwrap()))
                .err()
                .unwrap()
                .to_string();
        assert!(err.contains("ERP_CONNECTOR_STORE_URL"), "{err}");
    }

    #[test]
    fn secrets_are_not_in_the_database() {
        let Some(url) = scratch_postgres("secrets_are_not_in_the_database") else { return };
        let store = open(&url, &StoreKey::generate().unwrap());
        let info = StringDict::new().with("USER", "visible-user").with("PASSWORD", "Very-Secret-42");
        store.save("shop", ConnectionGuid::new_random(), &Record::saved(info, None)).unwrap();
        let raw: String = Client::connect(&url, NoTls)
            .unwrap()
            .query_one("SELECT info FROM erp_connector_connections", &[])
            .unwrap()
            .get(0);
        assert!(raw.starts_with("v1:") && !raw.contains("visible-user") && !raw.contains("Very-Secret-42"), "{raw}");
    }

    #[test]
    fn changes_through_another_store_are_told() {
        let Some(url) = scratch_postgres("changes_through_another_store_are_told") else { return };
        let key = StoreKey::generate().unwrap();
        let (watcher, writer) = (open(&url, &key), open(&url, &key));
        let (tx, rx) = std::sync::mpsc::channel::<(String, ConnectionGuid)>();
        let tx = std::sync::Mutex::new(tx);
        watcher.watch(Arc::new(move |change| {
            if let StoreChange::Connection { connector, guid } = change {
                let _ = tx.lock().unwrap().send((connector.to_owned(), guid));
            }
        }));
        let guid = ConnectionGuid::new_random();
        let wait = Duration::from_secs(10);
        // The listener connects in the background: save until the first change arrives.
        let first = (0..100).find_map(|_| {
            writer.save("shop", guid, &Record::saved(StringDict::new().with("A", "1"), None)).unwrap();
            rx.recv_timeout(Duration::from_millis(100)).ok()
        });
        assert_eq!(first, Some(("shop".to_owned(), guid)), "a save is told");
        while rx.try_recv().is_ok() {}
        writer.delete("shop", guid).unwrap();
        assert_eq!(rx.recv_timeout(wait).ok(), Some(("shop".to_owned(), guid)), "a delete is told");
        let other = ConnectionGuid::new_random();
        writer.save("a connector with spaces", other, &Record::saved(StringDict::new(), None)).unwrap();
        assert_eq!(rx.recv_timeout(wait).ok(), Some(("a connector with spaces".to_owned(), other)));
    }

    #[test]
    fn a_restarted_connection_is_retried() {
        let Some(url) = scratch_postgres("a_restarted_connection_is_retried") else { return };
        let url = format!("{url}&application_name=erp_retry_test");
        let key = StoreKey::generate().unwrap();
        let store = open(&url, &key);
        let guid = ConnectionGuid::new_random();
        store.save("shop", guid, &Record::saved(StringDict::new().with("A", "1"), None)).unwrap();
        // What a server restart or an idle timeout does to pooled connections.
        Client::connect(&url, NoTls)
            .unwrap()
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = 'erp_retry_test' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap();
        assert_eq!(store.load("shop", guid).unwrap().map(|r| r.values), Some(StringDict::new().with("A", "1")));
    }

    #[test]
    fn a_lost_listener_empties_caches_and_is_back_after_reconnecting() {
        let Some(url) = scratch_postgres("a_lost_listener") else { return };
        let url = format!("{url}&application_name=erp_lost_listener_test");
        let store = open(&url, &StoreKey::generate().unwrap());
        let (tx, rx) = std::sync::mpsc::channel::<Option<ConnectionGuid>>();
        let tx = std::sync::Mutex::new(tx);
        // The channel is the database's: tests running beside this one, in schemas of their
        // own, announce their saves on it too. Only this test's connector counts.
        let mine = format!("lost-listener-{}", ConnectionGuid::new_random());
        let connector = mine.clone();
        store.watch(Arc::new(move |change| {
            let heard = match change {
                StoreChange::Connection { guid, connector: c } if c == connector => Some(guid),
                StoreChange::Connection { .. } => return,
                StoreChange::Unknown => None,
            };
            let _ = tx.lock().unwrap().send(heard);
        }));
        let wait = Duration::from_secs(15);
        assert_eq!(rx.recv_timeout(wait).ok(), Some(None), "listening starts with Unknown");
        store.check().expect("ready while listening");
        Client::connect(&url, NoTls)
            .unwrap()
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = 'erp_lost_listener_test' AND query LIKE 'LISTEN%'",
                &[],
            )
            .unwrap();
        assert_eq!(rx.recv_timeout(wait).ok(), Some(None), "the loss is told");
        assert_eq!(rx.recv_timeout(wait).ok(), Some(None), "and listening again");
        store.check().expect("ready again");
        let guid = ConnectionGuid::new_random();
        store.save(&mine, guid, &Record::saved(StringDict::new(), None)).unwrap();
        assert_eq!(rx.recv_timeout(wait).ok(), Some(Some(guid)), "changes are heard again");
    }

    /// Whether every connection named `application` is encrypted, asked from another session.
    fn all_encrypted(url: &str, application: &str) -> bool {
        let row = Client::connect(url, NoTls)
            .unwrap()
            .query_one(
                "SELECT count(*), coalesce(bool_and(s.ssl), false) FROM pg_stat_ssl s
                 JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
                &[&application],
            )
            .unwrap();
        row.get::<_, i64>(0) > 0 && row.get::<_, bool>(1)
    }

    #[test]
    fn tls_is_used_when_the_url_asks_for_it_and_the_server_is_checked_against_a_ca_file() {
        let Some(url) = scratch_postgres("tls") else { return };
        // The server must offer TLS (Debian's PostgreSQL does, with its snakeoil certificate).
        let plain = url.clone();
        let url = format!("{url}&sslmode=require&application_name=erp_tls_test");
        let key = StoreKey::generate().unwrap();
        let store = open(&url, &key);
        let guid = ConnectionGuid::new_random();
        store.save("shop", guid, &Record::saved(StringDict::new().with("A", "1"), None)).unwrap();
        assert!(all_encrypted(&plain, "erp_tls_test"), "the store's connections are encrypted");

        // A CA that did not sign the server's certificate: refused, and the error says why.
        let dir = std::env::temp_dir().join(format!("erp-pg-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let other_ca = dir.join("other-ca.pem");
        let ca = rcgen::generate_simple_self_signed(vec!["db.example".to_owned()]).unwrap();
        std::fs::write(&other_ca, ca.cert.pem()).unwrap();
        let options = PostgresOptions {
            ca_file: Some(other_ca),
            connect_timeout: Duration::from_secs(5),
            ..PostgresOptions::new(&url)
        };
        let err = PostgresStore::open(&options, Sealer::new(&key)).err().expect("an unknown server is refused");
        assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");

        // A CA file that is not one: a start-up error naming the file.
        let not_pem = dir.join("not-a-ca.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let options = PostgresOptions { ca_file: Some(not_pem), ..PostgresOptions::new(&url) };
        let err = PostgresStore::open(&options, Sealer::new(&key)).err().unwrap().to_string();
        assert!(err.contains("not-a-ca.pem"), "{err}");
    }

    #[test]
    fn the_trigger_announces_on_the_channel_listened_to() {
        let announced = format!("pg_notify('{CHANNEL}', ");
        assert_eq!(MIGRATIONS.concat().matches(&announced).count(), 2, "insert/update and delete");
    }

    #[test]
    fn not_ready_while_not_hearing_changes() {
        let Some(url) = scratch_postgres("not_ready_while_not_hearing_changes") else { return };
        let store = open(&url, &StoreKey::generate().unwrap());
        store.check().expect("ready: nobody watches, nothing to hear");
        store.watch(Arc::new(|_| {}));
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while store.check().is_err() {
            assert!(std::time::Instant::now() < deadline, "the listener never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        // What the listener thread records when its connection is lost.
        store.listening.store(false, Ordering::SeqCst);
        let err = store.check().expect_err("not ready while not listening").to_string();
        assert!(err.contains("not listening for changes"), "{err}");
    }
}

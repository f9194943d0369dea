//! The connector: the methods of `ErpConnector` on the ERP database of each connection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use erp_connector::prelude::*;
use rusqlite::Connection as Db;
use rusqlite::types::Value as Sql;

use crate::db;
use crate::db::bind;
use crate::fields::{self, Table};
use crate::search;

/// What SuperOffice asks for when an administrator adds a connection.
#[derive(ConnectionConfig, Clone)]
pub struct ErpConfig {
    /// Name of the ERP database file in the connector's data folder (`SQLITE_ERP_DATA_DIR`).
    /// A file name only: the value comes from whoever calls, so it never names a path.
    #[field(display = "Database file", rank = 1, mandatory, max_length = 100, default = "erp.sqlite")]
    pub database: String,
    /// Currency of companies created from SuperOffice without one.
    #[field(display = "Default currency", rank = 2, list = "currencies", default = "NOK")]
    pub default_currency: Option<String>,
}

/// Most keys a `get_actors` call may ask for to run on the worker (see `with_db_short`).
const SHORT_READ_KEYS: usize = 200;

/// Most actors a free-text search returns (a dialog shows a page of them).
const SEARCH_LIMIT: usize = 500;

/// The connector. Each connection names its database, a file in the data folder; a few handles
/// per file are kept open (one per core: SQLite's WAL lets them read side by side) and used from
/// the blocking pool, so that SQLite never stalls a worker.
pub struct SqliteErp {
    data_dir: PathBuf,
    databases: Mutex<HashMap<PathBuf, Arc<Pool>>>,
}

/// Open handles to one database file.
struct Pool {
    handles: Vec<Mutex<Db>>,
    next: AtomicUsize,
}

impl Pool {
    fn open(path: &Path) -> ConnectorResult<Pool> {
        let size = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        let handles = (0..size).map(|_| db::open(path).map(Mutex::new)).collect::<ConnectorResult<_>>()?;
        Ok(Pool { handles, next: AtomicUsize::new(0) })
    }

    /// A handle nobody is using, without waiting.
    fn free(&self) -> Option<std::sync::MutexGuard<'_, Db>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.handles.len();
        (0..n).find_map(|i| self.handles[(start + i) % n].try_lock().ok())
    }

    /// A free handle if there is one, else the next in turn (waiting for it).
    fn run<R>(&self, f: impl FnOnce(&Db) -> ConnectorResult<R>) -> ConnectorResult<R> {
        if let Some(guard) = self.free() {
            return f(&guard);
        }
        let next = self.handles[self.next.load(Ordering::Relaxed) % self.handles.len()].lock();
        f(&*next.map_err(|_| ConnectorError::new("The ERP database handle is poisoned."))?)
    }
}

impl SqliteErp {
    /// The connector on the databases in the folder `SQLITE_ERP_DATA_DIR` names, else the
    /// current folder.
    pub fn from_env() -> Self {
        Self::in_dir(std::env::var_os("SQLITE_ERP_DATA_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from))
    }

    /// The connector on the databases in `data_dir`.
    pub fn in_dir(data_dir: impl Into<PathBuf>) -> Self {
        SqliteErp { data_dir: data_dir.into(), databases: Mutex::default() }
    }

    /// The file of database `name`: a plain file name in the data folder, never a path (the
    /// name is chosen by whoever saves a connection).
    fn database(&self, name: &str) -> ConnectorResult<PathBuf> {
        let mut parts = Path::new(name).components();
        let plain = matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(_)), None))
            && !name.starts_with('.')
            && !name.contains(['/', '\\', '\0']);
        if !plain {
            return Err(ConnectorError::new(format!(
                "The database file is a file name in the connector's data folder (such as erp.sqlite), not a path: `{}`.",
                erp_connector::untrusted::shown(name)
            )));
        }
        Ok(self.data_dir.join(name))
    }

    /// Runs `f` on database `name`, on the blocking pool.
    async fn with_db<R: Send + 'static>(
        &self,
        name: &str,
        f: impl FnOnce(&Db) -> ConnectorResult<R> + Send + 'static,
    ) -> ConnectorResult<R> {
        let pool = self.pool(&self.database(name)?)?;
        let joined = tokio::task::spawn_blocking(move || pool.run(f)).await;
        joined.map_err(|e| ConnectorError::new("The ERP query failed.").with_tech(e.to_string()))?
    }

    /// Runs a `short` read (a bounded number of rows) on the calling worker when a handle is
    /// free at once: it takes tens of microseconds, less than handing it to the blocking pool and
    /// back costs (that hop was a third of a `WSGetActors` call). Otherwise as [`Self::with_db`].
    async fn with_db_short<R: Send + 'static>(
        &self,
        name: &str,
        short: bool,
        f: impl FnOnce(&Db) -> ConnectorResult<R> + Send + 'static,
    ) -> ConnectorResult<R> {
        if short && let Some(db) = self.pool(&self.database(name)?)?.free() {
            return f(&db);
        }
        self.with_db(name, f).await
    }

    fn pool(&self, path: &Path) -> ConnectorResult<Arc<Pool>> {
        let mut open = self.databases.lock().map_err(|_| ConnectorError::new("The database cache is poisoned."))?;
        if let Some(pool) = open.get(path) {
            return Ok(pool.clone());
        }
        let pool = Arc::new(Pool::open(path)?);
        open.insert(path.to_owned(), pool.clone());
        Ok(pool)
    }
}

/// The table of a type of the schema (the framework refuses others before a method runs).
fn table(actor_type: &ActorType) -> ConnectorResult<&'static Table> {
    fields::table(actor_type).ok_or_else(|| ConnectorError::new(format!("No table for {actor_type}.")))
}

/// The condition `t.id IN (keys)`; keys that are not ids match nothing.
fn ids(keys: &[String], params: &mut Vec<Sql>) -> String {
    let marks: Vec<String> =
        keys.iter().filter_map(|k| k.trim().parse::<i64>().ok()).map(|id| bind(params, Sql::Integer(id))).collect();
    if marks.is_empty() { "0".into() } else { format!("t.id IN ({})", marks.join(", ")) }
}

/// The condition of a free-text search over the type's text columns.
fn text_search(table: &Table, text: &str, params: &mut Vec<Sql>) -> String {
    if text.trim().is_empty() {
        return "1".into();
    }
    let p = bind(params, Sql::Text(text.trim().to_lowercase()));
    let parts: Vec<String> =
        table.text_columns.iter().map(|c| format!("instr(coalesce(ulower(t.{c}), ''), {p}) > 0")).collect();
    parts.join(" OR ")
}

/// The first [`SEARCH_LIMIT`] rows of `table` that `condition` selects, with `field_keys`.
fn search(
    db: &Db,
    table: &Table,
    field_keys: &[String],
    condition: &str,
    params: &[Sql],
) -> ConnectorResult<Vec<ErpActor>> {
    let tail = format!("ORDER BY t.id LIMIT {SEARCH_LIMIT}");
    db::select(db, table, &db::requested(table, field_keys), condition, params, &tail)
}

/// Reads an actor back by id with all fields (what create and save answer).
fn reread(db: &Db, table: &Table, id: i64) -> ConnectorResult<ErpActor> {
    let all: Vec<_> = table.fields.iter().collect();
    let found = db::select(db, table, &all, "t.id = ?1", &[Sql::Integer(id)], "")?;
    found.into_iter().next().ok_or_else(|| ConnectorError::new(format!("{} {id} is gone.", table.actor_type)))
}

/// Inserts a new actor; returns its id.
fn insert(db: &Db, table: &Table, actor: &NewActor, config: &ErpConfig) -> ConnectorResult<i64> {
    let who = format!("The new {}", table.actor_type.to_lowercase());
    let mut values = db::columns(table, &who, &actor.fields)?;
    let change = db::next_change(db)?;
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    if let Some(kind) = table.kind {
        values.push(("kind", Sql::Text(kind.into())));
        values.push(("created", Sql::Text(now.naive_utc().format(db::STORED_DATETIME).to_string())));
        if !values.iter().any(|(c, _)| *c == "currency")
            && let Some(currency) = &config.default_currency
        {
            values.push(("currency", Sql::Text(currency.clone())));
        }
    }
    if let Some(parent) = &table.parent
        && let Some(parent_ref) = &actor.parent
    {
        values.push((parent.column, Sql::Integer(parent_ref.key()?)));
    }
    // The number is assigned by the ERP: a placeholder now, the id-based number below.
    if table.fields.iter().any(|f| f.column == "number") {
        values.push(("number", Sql::Text(String::new())));
    }
    values.push(("changed", Sql::Integer(change)));
    let columns: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    let sql =
        format!("INSERT INTO {} ({}) VALUES ({}) RETURNING id", table.table, columns.join(", "), marks.join(", "));
    let id: i64 = db.query_row(&sql, rusqlite::params_from_iter(values.into_iter().map(|(_, v)| v)), |r| r.get(0))?;
    if columns.contains(&"number") {
        db.execute(
            &format!("UPDATE {} SET number = ?1 WHERE id = ?2", table.table),
            rusqlite::params![(10_000 + id).to_string(), id],
        )?;
    }
    Ok(id)
}

/// Updates an existing actor from the values sent; returns its id.
fn update(db: &Db, table: &Table, actor: &ActorChange) -> ConnectorResult<i64> {
    let who = format!("{} {}", table.actor_type, erp_connector::untrusted::shown(&actor.erp_key));
    let id: i64 = actor.key()?;
    let values = db::columns(table, &who, &actor.fields)?;
    let change = db::next_change(db)?;
    let mut params: Vec<Sql> = Vec::new();
    let mut sets: Vec<String> = values.into_iter().map(|(c, v)| format!("{c} = {}", bind(&mut params, v))).collect();
    sets.push(format!("changed = {}", bind(&mut params, Sql::Integer(change))));
    let sql = format!(
        "UPDATE {} AS t SET {} WHERE t.id = {} AND {}",
        table.table,
        sets.join(", "),
        bind(&mut params, Sql::Integer(id)),
        table.filter
    );
    if db.execute(&sql, rusqlite::params_from_iter(params))? == 0 {
        return Err(actor.not_found());
    }
    Ok(id)
}

#[erp_connector(app_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9", name = "sqlite-erp")]
impl ErpConnector for SqliteErp {
    type Config = ErpConfig;

    async fn test_config(&self, test: &ConfigTest<ErpConfig>) -> ConnectorResult<()> {
        db::open(&self.database(&test.config.database)?)?;
        Ok(())
    }

    async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<()> {
        self.with_db(&conn.config.database, |db| Ok(db.query_row("SELECT count(*) FROM company", [], |_| Ok(()))?))
            .await
    }

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(fields::schema())
    }

    async fn get_actors(&self, conn: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        let table = table(&q.actor_type)?;
        // By primary key, so a short read when EIS asks for a page of keys (it does).
        let short = q.erp_keys.len() <= SHORT_READ_KEYS;
        self.with_db_short(&conn.config.database, short, move |db| {
            let mut params = Vec::new();
            let condition = ids(&q.erp_keys, &mut params);
            db::select(db, table, &db::requested(table, &q.field_keys), &condition, &params, "ORDER BY t.id")
        })
        .await
    }

    async fn search_actors(&self, conn: &Conn<Self>, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        let table = table(&q.actor_type)?;
        self.with_db(&conn.config.database, move |db| {
            let mut params = Vec::new();
            let condition = text_search(table, &q.search_text, &mut params);
            search(db, table, &q.field_keys, &condition, &params)
        })
        .await
    }

    async fn search_actor_by_parent(&self, conn: &Conn<Self>, q: SearchByParent) -> ConnectorResult<Vec<ErpActor>> {
        let table = table(&q.actor_type)?;
        let Some(parent) = &table.parent else { return Ok(Vec::new()) };
        self.with_db(&conn.config.database, move |db| {
            let mut params = Vec::new();
            let parent_key = bind(&mut params, Sql::Text(q.parent_erp_key.clone()));
            let parent_type = bind(&mut params, Sql::Text(q.parent_actor_type.as_str().to_owned()));
            let text = text_search(table, &q.search_text, &mut params);
            let condition = format!(
                "CAST(t.{} AS TEXT) = {parent_key} AND {} = {parent_type} AND ({text})",
                parent.column, parent.type_sql
            );
            search(db, table, &q.field_keys, &condition, &params)
        })
        .await
    }

    async fn search_actors_advanced(&self, conn: &Conn<Self>, q: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> {
        let table = table(&q.actor_type)?;
        let (condition, params) = search::condition(table, &q.criteria);
        self.with_db(&conn.config.database, move |db| search(db, table, &q.field_keys, &condition, &params)).await
    }

    async fn create_actor(&self, conn: &Conn<Self>, actor: NewActor) -> ConnectorResult<ErpActor> {
        let table = table(&actor.actor_type)?;
        let config = conn.config.clone();
        self.with_db(&conn.config.database, move |db| {
            let tx = db.unchecked_transaction()?;
            let created = reread(&tx, table, insert(&tx, table, &actor, &config)?)?;
            tx.commit()?;
            Ok(created)
        })
        .await
    }

    async fn save_actors(&self, conn: &Conn<Self>, actors: Vec<ActorChange>) -> ConnectorResult<Vec<ErpActor>> {
        self.with_db(&conn.config.database, move |db| {
            // All or nothing: one invalid actor saves none, and the answer names every problem.
            let tx = db.unchecked_transaction()?;
            let mut saved = Vec::new();
            let mut errors = Vec::new();
            for actor in &actors {
                let result = table(&actor.actor_type).and_then(|table| update(&tx, table, actor).map(|id| (table, id)));
                match result {
                    Ok(done) => saved.push(done),
                    Err(e) => errors.push(e.user_explanation),
                }
            }
            if !errors.is_empty() {
                return Err(ConnectorError::new(errors.join("\n")));
            }
            let answer = saved.into_iter().map(|(table, id)| reread(&tx, table, id)).collect::<ConnectorResult<_>>()?;
            tx.commit()?;
            Ok(answer)
        })
        .await
    }

    async fn get_list(&self, conn: Option<&Conn<Self>>, list_name: &str) -> ConnectorResult<StringDict> {
        // During set-up (no connection, hence no database yet) the built-in lists answer.
        let Some(conn) = conn else {
            return db::builtin_list(list_name)
                .ok_or_else(|| ConnectorError::new(format!("This ERP has no list {list_name}.")));
        };
        let name = list_name.to_owned();
        self.with_db(&conn.config.database, move |db| {
            db::list(db, &name)?.ok_or_else(|| ConnectorError::new(format!("This ERP has no list {name}.")))
        })
        .await
    }

    /// The change poll, streamed: a first sync may return every actor of the ERP. It reads on a
    /// connection of its own (SQLite's WAL lets readers run beside the writer), row by row, and
    /// hands each actor to the answer as it is read.
    async fn get_actors_by_timestamp(&self, conn: &Conn<Self>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        let table = table(&q.actor_type)?;
        let path = self.database(&conn.config.database)?;
        Ok(ActorStream::from_blocking(move |out| {
            let db = db::open(&path)?;
            let mut params = Vec::new();
            let since = q.since.as_ref().and_then(Stamp::as_counter).map_or(0, |n| n as i64);
            let condition = format!("t.changed >= {}", bind(&mut params, Sql::Integer(since)));
            let fields = db::requested(table, &q.field_keys);
            db::select_each(&db, table, &fields, &condition, &params, "ORDER BY t.changed, t.id", |actor| {
                out.send(actor)
            })
        }))
    }
}

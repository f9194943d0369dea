//! The ERP database: schema, the global change counter behind `LastModified`, reading rows as
//! actors and writing actors as rows, with per-field validation.

use std::borrow::Cow;
use std::path::Path;

use erp_connector::contract::{CompactString, FieldValue};
use erp_connector::prelude::*;
use rusqlite::types::{Value as Sql, ValueRef as SqlRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params_from_iter};

use crate::fields::{Column, LISTS, Table};

/// Bumped when the schema changes.
const SCHEMA_VERSION: i64 = 1;

/// The tables, and the items of the lists (`sql/schema.sql`).
const SCHEMA: &str = include_str!("../sql/schema.sql");

/// Date-times are stored sortable, in UTC.
pub const STORED_DATETIME: &str = "%Y-%m-%d %H:%M:%S";

/// Creates (or upgrades) the ERP database at `path`.
pub fn create(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    prepare(&conn)?;
    conn.execute_batch(SCHEMA)?;
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)", [SCHEMA_VERSION])?;
    Ok(conn)
}

/// Opens an existing ERP database; a missing file or another database is an error that says
/// what to do. It names the file, never the folder: the answer goes to whoever called, and the
/// server's folders are none of their business (its operator knows the data folder).
pub fn open(path: &Path) -> Result<Connection, ConnectorError> {
    let missing = || {
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let name = erp_connector::untrusted::shown(&name);
        ConnectorError::new(format!(
            "There is no ERP database named {name} in the connector's data folder. Create one with \
             `sqlite-erp-connector seed --db <data folder>/{name}`."
        ))
    };
    if !path.is_file() {
        return Err(missing());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let version: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))
        .optional()
        .map_err(|_| missing())?;
    if version != Some(SCHEMA_VERSION) {
        return Err(missing().with_tech(format!("schema version {version:?}, expected {SCHEMA_VERSION}")));
    }
    prepare(&conn)?;
    Ok(conn)
}

/// Settings and the `ulower` function every connection needs.
fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // SQLite's lower() knows ASCII only; text search is case-insensitive for all of Unicode.
    conn.create_scalar_function(
        "ulower",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8 | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )
}

/// The next value of the change counter.
pub fn next_change(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("UPDATE counter SET value = value + 1 WHERE id = 1 RETURNING value", [], |r| r.get(0))
}

/// The SELECT list for `fields` of `table`: id, changed, parent id, parent type, then the fields.
fn select_list(table: &Table, fields: &[&Column]) -> String {
    let (parent, parent_type) = match &table.parent {
        Some(p) => (format!("t.{}", p.column), p.type_sql.to_owned()),
        None => ("NULL".into(), "NULL".into()),
    };
    let mut sql = format!("t.id, t.changed, {parent}, {parent_type}");
    for f in fields {
        sql.push_str(", t.");
        sql.push_str(f.column);
    }
    sql
}

/// The requested fields this type has (unknown keys are left out, as the contract allows).
pub fn requested(table: &Table, keys: &[String]) -> Vec<&'static Column> {
    keys.iter().filter_map(|k| table.field(k)).collect()
}

/// Runs `SELECT … FROM table t WHERE <filter> AND <condition> <tail>` and reads actors.
pub fn select(
    conn: &Connection,
    table: &Table,
    fields: &[&Column],
    condition: &str,
    params: &[Sql],
    tail: &str,
) -> Result<Vec<ErpActor>, ConnectorError> {
    let mut actors = Vec::new();
    select_each(conn, table, fields, condition, params, tail, |actor| {
        actors.push(actor);
        Ok(())
    })?;
    Ok(actors)
}

/// [`select`], handing each actor to `each` as its row is read (for streamed answers).
pub fn select_each(
    conn: &Connection,
    table: &Table,
    fields: &[&Column],
    condition: &str,
    params: &[Sql],
    tail: &str,
    mut each: impl FnMut(ErpActor) -> Result<(), ConnectorError>,
) -> Result<(), ConnectorError> {
    let sql = format!(
        "SELECT {} FROM {} t WHERE {} AND ({condition}) {tail}",
        select_list(table, fields),
        table.table,
        table.filter
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(params.iter()))?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let mut actor = ErpActor::new(table.actor_type(), id.to_string(), Stamp::counter(row.get::<_, i64>(1)? as u64));
        if let (Some(parent), Some(parent_type)) = (row.get::<_, Option<i64>>(2)?, row.get::<_, Option<String>>(3)?) {
            actor = actor.with_parent(ActorType::parse(&parent_type), parent.to_string());
        }
        let mut values = StringDict::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            values.insert(f.key, encode(f, row.get_ref(4 + i)?));
        }
        each(actor.with_fields(values))?;
    }
    Ok(())
}

/// A column value in SuperOffice's encoded form (spec §3.7); NULL is the empty string. Text is
/// copied straight from SQLite's row buffer.
fn encode(field: &Column, value: SqlRef<'_>) -> CompactString {
    match (field.kind, value) {
        (_, SqlRef::Null | SqlRef::Blob(_)) => CompactString::default(),
        (FieldType::Integer, SqlRef::Integer(i)) => FieldValue::Int(i).to_string().into(),
        (FieldType::Checkbox, SqlRef::Integer(i)) => FieldValue::bool(i != 0).to_string().into(),
        (FieldType::Double, SqlRef::Real(x)) => FieldValue::Float(x).to_string().into(),
        (FieldType::Double, SqlRef::Integer(i)) => FieldValue::Float(i as f64).to_string().into(),
        (kind, SqlRef::Text(bytes)) => {
            let text = std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed);
            match kind {
                FieldType::Datetime => chrono::NaiveDateTime::parse_from_str(&text, STORED_DATETIME)
                    .map_or_else(|_| text.into(), |dt| FieldValue::DateTime(dt).to_string().into()),
                _ => text.into(),
            }
        }
        (_, SqlRef::Integer(i)) => i.to_string().into(),
        (_, SqlRef::Real(x)) => x.to_string().into(),
    }
}

/// Reads an encoded value for a column (the framework has checked it against the field: its
/// type, length, list and whether it may be empty); `Err` says what else is wrong, for the user.
pub fn decode(field: &Column, raw: &str) -> Result<Sql, String> {
    let raw = raw.trim();
    let value = FieldValue::parse_lenient(raw);
    Ok(match field.kind {
        _ if raw.is_empty() => Sql::Null,
        FieldType::Text if field.key.starts_with("EMAIL") && !raw.contains('@') => {
            return Err(format!("`{raw}` is not an e-mail address"));
        }
        FieldType::Integer | FieldType::Checkbox => value.as_i64().map_or(Sql::Null, Sql::Integer),
        FieldType::Double => value.as_f64().map_or(Sql::Null, Sql::Real),
        FieldType::Datetime => value
            .as_datetime()
            .or_else(|| value.as_date().and_then(|d| d.and_hms_opt(0, 0, 0)))
            .map_or(Sql::Null, |dt| Sql::Text(dt.format(STORED_DATETIME).to_string())),
        _ => Sql::Text(raw.to_owned()),
    })
}

/// The column values of the fields sent for `who` (checked by the framework against the fields
/// of the type and the lists), converted. The error names each field.
pub fn columns(table: &Table, who: &str, fields: &StringDict) -> Result<Vec<(&'static str, Sql)>, ConnectorError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (key, raw) in fields.iter() {
        let Some(field) = table.field(key) else { continue };
        match decode(field, raw.unwrap_or("")) {
            Ok(v) => values.push((field.column, v)),
            Err(e) => errors.push(format!("{key}: {e}")),
        }
    }
    if errors.is_empty() {
        return Ok(values);
    }
    Err(ConnectorError::new(format!("{who} cannot be saved: {}.", errors.join("; "))))
}

/// Adds a parameter; returns its numbered placeholder (`?N`), so that conditions can be joined
/// in any order and a value used twice.
pub fn bind(params: &mut Vec<Sql>, value: Sql) -> String {
    params.push(value);
    format!("?{}", params.len())
}

/// A list as the database is first filled with it (for set-up, before a database is known).
pub fn builtin_list(list_name: &str) -> Option<StringDict> {
    let conn = Connection::open_in_memory().ok()?;
    conn.execute_batch(SCHEMA).ok()?;
    list(&conn, list_name).ok().flatten()
}

/// The items of a list, key to text.
pub fn list(conn: &Connection, list_name: &str) -> Result<Option<StringDict>, ConnectorError> {
    let Some((_, table)) = LISTS.iter().find(|(name, _)| *name == list_name) else { return Ok(None) };
    let mut statement = conn.prepare_cached(&format!("SELECT code, name FROM {table} ORDER BY name"))?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut items = StringDict::new();
    for row in rows {
        let (code, name) = row?;
        items.insert(code, name);
    }
    Ok(Some(items))
}

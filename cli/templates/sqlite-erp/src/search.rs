//! Advanced search: the framework hands over typed criteria, checked against the searchable
//! fields (spec §3.6); sea-query renders them to one parameterised SQLite condition. Here only
//! where each field lives, and SQLite's Unicode lower-casing (`ulower`, registered by `db`).

use erp_connector::connector::search::sql::{self, sea_query};
use erp_connector::connector::search::{Criterion, Target};
use rusqlite::types::Value as Sql;
use sea_query::{Expr, SqliteQueryBuilder, Value};

use crate::db::STORED_DATETIME;
use crate::fields::Table;

/// The condition for all criteria, with its parameters.
pub fn condition(table: &Table, criteria: &[Criterion]) -> (String, Vec<Sql>) {
    let column = |target: &Target| match target {
        Target::Field(key) => table.field(key).map(|f| Expr::cust(format!("t.{}", f.column))),
        Target::ParentErpKey => table.parent.as_ref().map(|p| Expr::cust(format!("CAST(t.{} AS TEXT)", p.column))),
        Target::ParentActorType => table.parent.as_ref().map(|p| Expr::cust(p.type_sql)),
    };
    let condition = sql::condition(criteria, &sql::Columns { column: &column, lower: "ulower" });
    let (text, values) = sql::render(&condition, &SqliteQueryBuilder);
    (text, values.into_iter().map(sqlite).collect())
}

/// A sea-query value as SQLite stores it here (date-times as text).
fn sqlite(value: Value) -> Sql {
    match value {
        Value::Bool(Some(b)) => Sql::Integer(b.into()),
        Value::BigInt(Some(n)) => Sql::Integer(n),
        Value::Double(Some(x)) => Sql::Real(x),
        Value::String(Some(s)) => Sql::Text(s),
        Value::ChronoDateTime(Some(d)) => Sql::Text(d.format(STORED_DATETIME).to_string()),
        _ => Sql::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
    use crate::fields::table;
    use erp_connector::connector::search::criteria;
    use erp_connector::prelude::*;

    /// Three customers and two persons, known values.
    fn erp() -> rusqlite::Connection {
        let conn = db::create(std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            "INSERT INTO company (id, kind, number, name, email, country, credit_limit, employees, active, created, changed) VALUES
               (1, 'C', '10001', 'Ørsta Båt AS', 'post@orsta.no', 'NO', 1000.5, 12, 1, '2020-03-15 10:00:00', 1),
               (2, 'C', '10002', 'Göteborg Hamn AB', 'info@hamn.se', 'SE', 50000, 250, 0, '2021-06-01 08:30:00', 2),
               (3, 'C', '10003', 'Berg & Dal', NULL, NULL, NULL, NULL, 1, '2022-01-01 00:00:00', 3),
               (4, 'S', '10004', 'Supplies GmbH', 'x@s.de', 'DE', 0, 5, 1, '2020-01-01 00:00:00', 4);
             INSERT INTO person (id, company_id, first_name, last_name, changed) VALUES
               (1, 1, 'Kari', 'Nordmann', 5), (2, 4, 'Hans', 'Müller', 6);",
        )
        .unwrap();
        conn
    }

    fn keys(conn: &rusqlite::Connection, actor_type: &str, restrictions: &[(&str, &str, &[&str])]) -> Vec<String> {
        let table = table(&ActorType::parse(actor_type)).unwrap();
        let restrictions: Vec<erp_connector::contract::SearchRestriction> = restrictions
            .iter()
            .map(|(k, op, v)| erp_connector::contract::SearchRestriction::new(*k, *op, v.iter().copied()))
            .collect();
        let schema = crate::fields::schema();
        let declared = schema.of(&table.actor_type()).unwrap();
        let criteria =
            criteria(&restrictions, &table.actor_type(), &declared.searchable_keys(), declared.metadata()).unwrap();
        let (condition, params) = condition(table, &criteria);
        let actors = db::select(conn, table, &[], &condition, &params, "ORDER BY t.id").unwrap();
        actors.into_iter().map(|a| a.erp_key.unwrap()).collect()
    }

    #[test]
    fn every_operator_of_every_field_type() {
        let conn = erp();
        let c = |r: &[(&str, &str, &[&str])]| keys(&conn, "Customer", r);
        // Text: case-insensitive beyond ASCII; NULL is the empty string.
        assert_eq!(c(&[("NAME", "=", &["ØRSTA BÅT AS"])]), ["1"]);
        assert_eq!(c(&[("NAME", "isnot", &["ørsta båt as"])]), ["2", "3"]);
        assert_eq!(c(&[("NAME", "begins", &["gö"])]), ["2"]);
        assert_eq!(c(&[("NAME", "notbegins", &["gö"])]), ["1", "3"]);
        assert_eq!(c(&[("NAME", "contains", &["& d"])]), ["3"]);
        assert_eq!(c(&[("NAME", "notcontains", &["a"])]), Vec::<String>::new());
        assert_eq!(c(&[("NAME", "ends", &["AB"])]), ["2"]);
        assert_eq!(c(&[("NAME", "notends", &["as"])]), ["2", "3"]);
        assert_eq!(c(&[("NAME", "between", &["b", "h"])]), ["2", "3"]);
        assert_eq!(c(&[("EMAIL", "contains", &["%"])]), Vec::<String>::new(), "no LIKE wildcards");
        // Numbers, encoded or plain.
        assert_eq!(c(&[("EMPLOYEES", "=", &["[I:12]"])]), ["1"]);
        assert_eq!(c(&[("EMPLOYEES", "!=", &["12"])]), ["2"]);
        assert_eq!(c(&[("EMPLOYEES", ">", &["[I:12]"])]), ["2"]);
        assert_eq!(c(&[("EMPLOYEES", "<", &["[I:13]"])]), ["1"]);
        assert_eq!(c(&[("CREDIT_LIMIT", ">=", &["[F:1000.5]"])]), ["1", "2"]);
        assert_eq!(c(&[("CREDIT_LIMIT", "<=", &["[F:1000.5]"])]), ["1"]);
        assert_eq!(c(&[("CREDIT_LIMIT", "between", &["[F:1000]", "[F:60000]"])]), ["1", "2"]);
        // Checkbox, list, date-time.
        assert_eq!(c(&[("ACTIVE", "=", &["[I:0]"])]), ["2"]);
        assert_eq!(c(&[("COUNTRY", "oneof", &["NO", "SE"])]), ["1", "2"]);
        assert_eq!(c(&[("COUNTRY", "notoneof", &["NO"])]), ["2", "3"]);
        assert_eq!(c(&[("CREATED", "=", &["[DT:03/15/2020 23:59:00.0000000]"])]), ["1"], "= compares the day");
        assert_eq!(c(&[("CREATED", "before", &["[DT:06/01/2021 08:30:00.0000000]"])]), ["1"]);
        assert_eq!(c(&[("CREATED", "beforeOrEqual", &["[DT:06/01/2021 08:30:00.0000000]"])]), ["1", "2"]);
        assert_eq!(c(&[("CREATED", "after", &["[DT:06/01/2021 08:30:00.0000000]"])]), ["3"]);
        assert_eq!(c(&[("CREATED", "afterOrEqual", &["[D:2021-06-01]"])]), ["2", "3"]);
        assert_eq!(c(&[("CREATED", "between", &["[D:2020-01-01]", "[D:2021-12-31]"])]), ["1", "2"]);
        // Restrictions are ANDed.
        assert_eq!(c(&[("ACTIVE", "=", &["[I:1]"]), ("EMPLOYEES", ">", &["[I:1]"])]), ["1"]);
        // The special keys.
        assert_eq!(keys(&conn, "Person", &[("ParentErpKey", "=", &["4"])]), ["2"]);
        assert_eq!(keys(&conn, "Person", &[("ParentActorType", "=", &["Customer"])]), ["1"]);
        assert_eq!(
            keys(&conn, "Person", &[("ParentActorType", "=", &["Supplier"]), ("LASTNAME", "begins", &["mü"])]),
            ["2"]
        );
        assert_eq!(c(&[("ParentErpKey", "=", &["1"])]), Vec::<String>::new(), "companies have no parent");
    }
}

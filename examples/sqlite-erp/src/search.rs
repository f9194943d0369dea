//! Advanced search: each restriction of `WSSearchActorsAdvanced` becomes a parameterised SQL
//! condition, every operator of spec §3.6 for its field type, and the special keys
//! `ParentErpKey` / `ParentActorType`. All restrictions must hold (they are ANDed).

use erp_connector::prelude::*;
use rusqlite::types::Value as Sql;

use crate::db::STORED_DATETIME;
use crate::fields::{Field, Table};

/// The condition for all restrictions, with its parameters. An unknown field or operator, or a
/// value of the wrong type, is an error for the user that names it.
pub fn condition(table: &Table, restrictions: &[SearchRestriction]) -> Result<(String, Vec<Sql>), ConnectorError> {
    let mut parts = vec!["1".to_owned()];
    let mut params = Vec::new();
    for r in restrictions {
        let key = r.field_key.as_deref().unwrap_or("");
        let op = r.operator.as_deref().unwrap_or("");
        let values = r.values.as_deref().unwrap_or(&[]);
        parts.push(restriction(table, key, op, values, &mut params)?);
    }
    Ok((parts.join(" AND "), params))
}

fn restriction(
    table: &Table,
    key: &str,
    op: &str,
    values: &[String],
    params: &mut Vec<Sql>,
) -> Result<String, ConnectorError> {
    let first = values.first().map(String::as_str).unwrap_or("");
    if key == special_keys::PARENT_ERP_KEY || key == special_keys::PARENT_ACTOR_TYPE {
        let Some(parent) = &table.parent else { return Ok("0".into()) };
        let column = if key == special_keys::PARENT_ERP_KEY {
            format!("CAST(t.{} AS TEXT)", parent.column)
        } else {
            parent.type_sql.to_owned()
        };
        return match op {
            operators::EQUALS | operators::ONE_OF => in_list(&column, values, params, false),
            operators::IS_NOT | operators::NOT_EQUAL | operators::NOT_ONE_OF => in_list(&column, values, params, true),
            _ => Err(unsupported(key, op)),
        };
    }
    let Some(field) = table.field(key).filter(|f| f.searchable) else {
        return Err(ConnectorError::new(format!("{key} cannot be searched for {}.", table.actor_type))
            .with_code(ErrorCode::UnknownFieldKey));
    };
    let column = format!("t.{}", field.column);
    match field.kind {
        FieldType::Text => {
            let col = format!("coalesce(ulower({column}), '')");
            // One parameter, the lower-cased value, numbered so that it can be used twice.
            let p = format!("?{}", params.len() + 1);
            let sql = match op {
                operators::EQUALS => format!("{col} = {p}"),
                operators::IS_NOT => format!("{col} <> {p}"),
                operators::BEGINS => format!("instr({col}, {p}) = 1"),
                operators::NOT_BEGINS => format!("instr({col}, {p}) <> 1"),
                operators::CONTAINS => format!("instr({col}, {p}) > 0"),
                operators::NOT_CONTAINS => format!("instr({col}, {p}) = 0"),
                operators::ENDS => format!("substr({col}, -length({p})) = {p}"),
                operators::NOT_ENDS => format!("substr({col}, -length({p})) <> {p}"),
                operators::BETWEEN => {
                    let high = second(values, key)?.to_lowercase();
                    params.push(Sql::Text(first.to_lowercase()));
                    return Ok(format!("{col} BETWEEN {p} AND {}", bind(params, Sql::Text(high))));
                }
                _ => return Err(unsupported(key, op)),
            };
            params.push(Sql::Text(first.to_lowercase()));
            Ok(sql)
        }
        FieldType::Integer | FieldType::Double | FieldType::Checkbox => {
            let number = |v: &str| {
                FieldValue::parse_lenient(v)
                    .as_f64()
                    .or_else(|| v.trim().parse().ok())
                    .map(Sql::Real)
                    .ok_or_else(|| ConnectorError::new(format!("{key}: `{v}` is not a number.")))
            };
            let allowed: &[&str] = if field.kind == FieldType::Checkbox { operators::BOOL } else { operators::NUMBER };
            if !allowed.contains(&op) {
                return Err(unsupported(key, op));
            }
            let p = bind(params, number(first)?);
            Ok(match op {
                operators::EQUALS => format!("{column} = {p}"),
                operators::NOT_EQUAL => format!("{column} <> {p}"),
                operators::GREATER => format!("{column} > {p}"),
                operators::LESS => format!("{column} < {p}"),
                operators::GREATER_OR_EQUAL => format!("{column} >= {p}"),
                operators::LESS_OR_EQUAL => format!("{column} <= {p}"),
                _ => format!("{column} BETWEEN {p} AND {}", bind(params, number(second(values, key)?)?)),
            })
        }
        FieldType::List => match op {
            operators::ONE_OF => in_list(&column, values, params, false),
            operators::NOT_ONE_OF => in_list(&format!("coalesce({column}, '')"), values, params, true),
            _ => Err(unsupported(key, op)),
        },
        FieldType::Datetime => datetime(field, &column, op, values, params),
        FieldType::Password | FieldType::Label => Err(unsupported(key, op)),
    }
}

/// Dates: `=` compares the day (the connector chooses the precision, spec §3.6); the others the
/// moment.
fn datetime(
    field: &Field,
    column: &str,
    op: &str,
    values: &[String],
    params: &mut Vec<Sql>,
) -> Result<String, ConnectorError> {
    let moment = |v: &str| {
        let value = FieldValue::parse_lenient(v);
        value
            .as_datetime()
            .or_else(|| value.as_date().and_then(|d| d.and_hms_opt(0, 0, 0)))
            .ok_or_else(|| ConnectorError::new(format!("{}: `{v}` is not a date.", field.key)))
    };
    let first = moment(values.first().map(String::as_str).unwrap_or(""))?;
    let text = |dt: chrono::NaiveDateTime| Sql::Text(dt.format(STORED_DATETIME).to_string());
    let compare = |sign: &str, params: &mut Vec<Sql>| format!("{column} {sign} {}", bind(params, text(first)));
    Ok(match op {
        operators::EQUALS => {
            format!("substr({column}, 1, 10) = {}", bind(params, Sql::Text(first.format("%Y-%m-%d").to_string())))
        }
        operators::BEFORE => compare("<", params),
        operators::AFTER => compare(">", params),
        operators::BEFORE_OR_EQUAL => compare("<=", params),
        operators::AFTER_OR_EQUAL => compare(">=", params),
        operators::BETWEEN => {
            let high = text(moment(second(values, field.key)?)?);
            let low = bind(params, text(first));
            format!("{column} BETWEEN {low} AND {}", bind(params, high))
        }
        _ => return Err(unsupported(field.key, op)),
    })
}

/// `column IN (values)`, or `NOT IN`; an empty list matches nothing (or everything).
fn in_list(column: &str, values: &[String], params: &mut Vec<Sql>, negate: bool) -> Result<String, ConnectorError> {
    if values.is_empty() {
        return Ok(if negate { "1" } else { "0" }.into());
    }
    let marks: Vec<String> = values.iter().map(|v| bind(params, Sql::Text(v.clone()))).collect();
    Ok(format!("{column} {}IN ({})", if negate { "NOT " } else { "" }, marks.join(", ")))
}

/// Adds a parameter; returns its numbered placeholder (`?N`), so that conditions can be joined
/// in any order and a value used twice.
pub fn bind(params: &mut Vec<Sql>, value: Sql) -> String {
    params.push(value);
    format!("?{}", params.len())
}

fn second<'a>(values: &'a [String], key: &str) -> Result<&'a str, ConnectorError> {
    values.get(1).map(String::as_str).ok_or_else(|| ConnectorError::new(format!("{key}: `between` needs two values.")))
}

fn unsupported(key: &str, op: &str) -> ConnectorError {
    ConnectorError::new(format!("The operator `{op}` cannot be used with {key}."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
    use crate::fields::table;

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
        let restrictions: Vec<SearchRestriction> =
            restrictions.iter().map(|(k, op, v)| SearchRestriction::new(*k, *op, v.iter().copied())).collect();
        let (condition, params) = condition(table, &restrictions).unwrap();
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

    #[test]
    fn unknown_fields_operators_and_values_are_named() {
        let customer = table(&ActorType::Customer).unwrap();
        let err = |key: &str, op: &str, values: &[&str]| {
            condition(customer, &[SearchRestriction::new(key, op, values.iter().copied())])
                .unwrap_err()
                .user_explanation
        };
        assert_eq!(err("ZIP", "=", &["1"]), "ZIP cannot be searched for Customer.");
        assert_eq!(err("NAME", "%", &["a"]), "The operator `%` cannot be used with NAME.");
        assert_eq!(err("EMPLOYEES", "contains", &["1"]), "The operator `contains` cannot be used with EMPLOYEES.");
        assert_eq!(err("EMPLOYEES", ">", &["many"]), "EMPLOYEES: `many` is not a number.");
        assert_eq!(err("CREATED", "before", &["soon"]), "CREATED: `soon` is not a date.");
        assert_eq!(err("NAME", "between", &["a"]), "NAME: `between` needs two values.");
    }
}

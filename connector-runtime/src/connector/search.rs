//! Advanced search, typed: each `SearchRestrictionInfoWS` of `WSSearchActorsAdvanced` becomes a
//! [`Criterion`] (spec §3.6) before the connector is called, checked against the connector's
//! searchable fields and their types. [`Criterion::matches`] judges an actor in memory; with the
//! feature `sql`, [`sql::condition`] renders the criteria to a parameterised SQL condition.
//!
//! The semantics, the same in memory and in SQL: text compares case-insensitively (Unicode
//! lower case) and an absent text is empty; numbers, checkboxes and dates never match an absent
//! value; `=` on a date compares the day (the connector chooses the precision, spec §3.6), the
//! other date operators the moment; `between` includes both bounds; a list value or parent key
//! that is absent is none of the keys given.

use chrono::NaiveDateTime;

use super::ConnectorError;
use crate::contract::{
    ActorType, ErpActor, ErrorCode, FieldMetadata, FieldType, FromFieldValue, SearchRestriction, operators,
    special_keys,
};
use crate::untrusted::shown;

/// What a criterion is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A searchable field of the actor type, by key.
    Field(String),
    /// `ParentErpKey`: the ERP key of the actor's parent.
    ParentErpKey,
    /// `ParentActorType`: the actor type of the actor's parent.
    ParentActorType,
}

/// One criterion of an advanced search; a search matches the actors that meet every one.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// What is compared.
    pub target: Target,
    /// How, with the values decoded for the field's type.
    pub condition: Condition,
}

/// A condition, by the type of what it compares (spec §3.6).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A text field.
    Text(TextOp),
    /// An integer or decimal field.
    Number(NumberOp),
    /// A checkbox: `=`.
    Bool(bool),
    /// A list field (its item keys), or a parent key or type: `oneof` (or `=`).
    OneOf(Vec<String>),
    /// A list field, parent key or type: `notoneof` (or `isnot`, `!=`).
    NotOneOf(Vec<String>),
    /// A date-time field.
    DateTime(DateOp),
}

/// Text operators; the values as sent (compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextOp {
    /// `=`
    Equals(String),
    /// `isnot`
    IsNot(String),
    /// `begins`
    Begins(String),
    /// `notbegins`
    NotBegins(String),
    /// `contains`
    Contains(String),
    /// `notcontains`
    NotContains(String),
    /// `ends`
    Ends(String),
    /// `notends`
    NotEnds(String),
    /// `between`, both included
    Between(String, String),
}

/// Number operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberOp {
    /// `=`
    Equals(f64),
    /// `!=`
    NotEqual(f64),
    /// `>`
    Greater(f64),
    /// `<`
    Less(f64),
    /// `>=`
    GreaterOrEqual(f64),
    /// `<=`
    LessOrEqual(f64),
    /// `between`, both included
    Between(f64, f64),
}

/// Date-time operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOp {
    /// `=`: on the same day.
    On(NaiveDateTime),
    /// `before`
    Before(NaiveDateTime),
    /// `after`
    After(NaiveDateTime),
    /// `beforeOrEqual`
    BeforeOrEqual(NaiveDateTime),
    /// `afterOrEqual`
    AfterOrEqual(NaiveDateTime),
    /// `between`, both included
    Between(NaiveDateTime, NaiveDateTime),
}

/// `restrictions` as typed criteria, checked against the searchable fields of `actor_type`
/// (`searchable`, their keys) and the types in `fields`: what the framework does before
/// `search_actors_advanced` is called (here for tests and tools). An error for the user names
/// the field, operator or value that is wrong.
pub fn criteria(
    restrictions: &[SearchRestriction],
    actor_type: &ActorType,
    searchable: &[String],
    fields: &[FieldMetadata],
) -> Result<Vec<Criterion>, ConnectorError> {
    let on = Searchable { actor_type, keys: searchable, fields };
    restrictions.iter().map(|r| Criterion::from_restriction(r, &on)).collect()
}

/// The searchable fields of an actor type with their types: what restrictions are checked
/// against.
pub(crate) struct Searchable<'a> {
    pub actor_type: &'a ActorType,
    pub keys: &'a [String],
    pub fields: &'a [FieldMetadata],
}

impl Criterion {
    /// `restriction` checked and decoded; an error for the user naming the field, the operator
    /// or the value otherwise.
    pub(crate) fn from_restriction(r: &SearchRestriction, searchable: &Searchable<'_>) -> Result<Self, ConnectorError> {
        let key = r.field_key.as_deref().unwrap_or("");
        let op = r.operator.as_deref().unwrap_or("").trim();
        let values = r.values.as_deref().unwrap_or(&[]);
        let target = match key {
            special_keys::PARENT_ERP_KEY => Target::ParentErpKey,
            special_keys::PARENT_ACTOR_TYPE => Target::ParentActorType,
            _ => Target::Field(key.to_owned()),
        };
        let field_type = match &target {
            Target::Field(key) => {
                let declared = searchable.fields.iter().find(|f| f.field_key.as_deref() == Some(key.as_str()));
                match declared.filter(|_| searchable.keys.iter().any(|k| k == key)) {
                    Some(field) => field.field_type,
                    None => {
                        return Err(ConnectorError::new(format!(
                            "{} cannot be searched for {}: it is not one of its searchable fields.",
                            shown(key),
                            searchable.actor_type
                        ))
                        .with_code(ErrorCode::UnknownFieldKey));
                    }
                }
            }
            // Keys and type names compare as list keys.
            Target::ParentErpKey | Target::ParentActorType => FieldType::List,
        };
        let condition = condition(key, field_type, op, values, &target)?;
        Ok(Criterion { target, condition })
    }

    /// Whether `actor` meets this criterion (for connectors that search in memory).
    ///
    /// ```
    /// use erp_connector::prelude::*;
    ///
    /// let name = Criterion { target: Target::Field("NAME".into()), condition: Condition::Text(TextOp::Begins("æbel".into())) };
    /// assert!(name.matches(&ErpActor::new(ActorType::Customer, "1", Stamp::counter(1)).with_value("NAME", "ÆBELTOFT ApS")));
    /// ```
    pub fn matches(&self, actor: &ErpActor) -> bool {
        let value = match &self.target {
            Target::Field(key) => actor.field(key),
            Target::ParentErpKey => actor.parent_erp_key.as_deref(),
            Target::ParentActorType => actor.parent_actor_type.as_ref().map(ActorType::as_str),
        };
        match &self.condition {
            Condition::Text(op) => text_matches(op, &value.unwrap_or("").to_lowercase()),
            Condition::Number(op) => value.and_then(f64::from_field_value).is_some_and(|x| number_matches(op, x)),
            Condition::Bool(wanted) => value.and_then(bool::from_field_value) == Some(*wanted),
            Condition::OneOf(keys) => keys.iter().any(|k| Some(k.as_str()) == value),
            Condition::NotOneOf(keys) => !keys.iter().any(|k| k.as_str() == value.unwrap_or("")),
            Condition::DateTime(op) => {
                value.and_then(NaiveDateTime::from_field_value).is_some_and(|x| date_matches(op, x))
            }
        }
    }
}

/// Whether `text` (trimmed) is found, without regard to case, in one of `values`; an empty
/// text is found everywhere (`SearchActors::matches`).
pub(crate) fn free_text_matches<'a>(text: &str, mut values: impl Iterator<Item = &'a str>) -> bool {
    let text = text.trim().to_lowercase();
    text.is_empty() || values.any(|value| value.to_lowercase().contains(&text))
}

/// Whether `actor` meets every criterion.
pub fn matches_all(criteria: &[Criterion], actor: &ErpActor) -> bool {
    criteria.iter().all(|c| c.matches(actor))
}

fn text_matches(op: &TextOp, v: &str) -> bool {
    let low = |s: &str| s.to_lowercase();
    match op {
        TextOp::Equals(q) => v == low(q),
        TextOp::IsNot(q) => v != low(q),
        TextOp::Begins(q) => v.starts_with(&low(q)),
        TextOp::NotBegins(q) => !v.starts_with(&low(q)),
        TextOp::Contains(q) => v.contains(&low(q)),
        TextOp::NotContains(q) => !v.contains(&low(q)),
        TextOp::Ends(q) => v.ends_with(&low(q)),
        TextOp::NotEnds(q) => !v.ends_with(&low(q)),
        TextOp::Between(a, b) => low(a).as_str() <= v && v <= low(b).as_str(),
    }
}

fn number_matches(op: &NumberOp, x: f64) -> bool {
    match *op {
        NumberOp::Equals(q) => x == q,
        NumberOp::NotEqual(q) => x != q,
        NumberOp::Greater(q) => x > q,
        NumberOp::Less(q) => x < q,
        NumberOp::GreaterOrEqual(q) => x >= q,
        NumberOp::LessOrEqual(q) => x <= q,
        NumberOp::Between(a, b) => a <= x && x <= b,
    }
}

fn date_matches(op: &DateOp, x: NaiveDateTime) -> bool {
    match *op {
        DateOp::On(d) => x.date() == d.date(),
        DateOp::Before(d) => x < d,
        DateOp::After(d) => x > d,
        DateOp::BeforeOrEqual(d) => x <= d,
        DateOp::AfterOrEqual(d) => x >= d,
        DateOp::Between(a, b) => a <= x && x <= b,
    }
}

/// The condition of operator `op` with `values` on a field of `field_type`.
fn condition(
    key: &str,
    field_type: FieldType,
    op: &str,
    values: &[String],
    target: &Target,
) -> Result<Condition, ConnectorError> {
    let refused = || operator_refused(key, field_type, op, target);
    if !matches!(target, Target::Field(_)) {
        return match op {
            operators::EQUALS | operators::ONE_OF => Ok(Condition::OneOf(values.to_vec())),
            operators::IS_NOT | operators::NOT_EQUAL | operators::NOT_ONE_OF => {
                Ok(Condition::NotOneOf(values.to_vec()))
            }
            _ => Err(refused()),
        };
    }
    let text = |i| decoded::<String>(key, op, values, i);
    let moment = |i| decoded::<NaiveDateTime>(key, op, values, i);
    let number = |i| {
        let x = decoded::<f64>(key, op, values, i)?;
        x.is_finite().then_some(x).ok_or_else(|| not_a::<f64>(key, &values[i]))
    };
    Ok(match field_type {
        FieldType::Text => Condition::Text(match op {
            operators::EQUALS => TextOp::Equals(text(0)?),
            operators::IS_NOT => TextOp::IsNot(text(0)?),
            operators::BEGINS => TextOp::Begins(text(0)?),
            operators::NOT_BEGINS => TextOp::NotBegins(text(0)?),
            operators::CONTAINS => TextOp::Contains(text(0)?),
            operators::NOT_CONTAINS => TextOp::NotContains(text(0)?),
            operators::ENDS => TextOp::Ends(text(0)?),
            operators::NOT_ENDS => TextOp::NotEnds(text(0)?),
            operators::BETWEEN => TextOp::Between(text(0)?, text(1)?),
            _ => return Err(refused()),
        }),
        FieldType::Integer | FieldType::Double => Condition::Number(match op {
            operators::EQUALS => NumberOp::Equals(number(0)?),
            operators::NOT_EQUAL => NumberOp::NotEqual(number(0)?),
            operators::GREATER => NumberOp::Greater(number(0)?),
            operators::LESS => NumberOp::Less(number(0)?),
            operators::GREATER_OR_EQUAL => NumberOp::GreaterOrEqual(number(0)?),
            operators::LESS_OR_EQUAL => NumberOp::LessOrEqual(number(0)?),
            operators::BETWEEN => NumberOp::Between(number(0)?, number(1)?),
            _ => return Err(refused()),
        }),
        FieldType::Checkbox => match op {
            operators::EQUALS => Condition::Bool(decoded::<bool>(key, op, values, 0)?),
            _ => return Err(refused()),
        },
        FieldType::List => match op {
            operators::ONE_OF => Condition::OneOf(values.to_vec()),
            operators::NOT_ONE_OF => Condition::NotOneOf(values.to_vec()),
            _ => return Err(refused()),
        },
        FieldType::Datetime => Condition::DateTime(match op {
            operators::EQUALS => DateOp::On(moment(0)?),
            operators::BEFORE => DateOp::Before(moment(0)?),
            operators::AFTER => DateOp::After(moment(0)?),
            operators::BEFORE_OR_EQUAL => DateOp::BeforeOrEqual(moment(0)?),
            operators::AFTER_OR_EQUAL => DateOp::AfterOrEqual(moment(0)?),
            operators::BETWEEN => DateOp::Between(moment(0)?, moment(1)?),
            _ => return Err(refused()),
        }),
        FieldType::Password | FieldType::Label => return Err(refused()),
    })
}

/// The answer to operator `op` on a field it cannot be used with, naming those it can.
fn operator_refused(key: &str, field_type: FieldType, op: &str, target: &Target) -> ConnectorError {
    let allowed = match target {
        Target::Field(_) => operators::for_field_type(field_type).to_vec(),
        _ => vec![operators::EQUALS, operators::ONE_OF, operators::IS_NOT, operators::NOT_EQUAL, operators::NOT_ONE_OF],
    };
    let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
    ConnectorError::new(format!(
        "The operator `{}` cannot be used with {} (a {field_type} field); it takes: {allowed}.",
        shown(op),
        shown(key)
    ))
}

/// Value `i` of a restriction on `key` with `op`, read as a `T`; an answer for the user naming
/// what is missing or wrong otherwise.
fn decoded<T: FromFieldValue>(key: &str, op: &str, values: &[String], i: usize) -> Result<T, ConnectorError> {
    let Some(value) = values.get(i) else {
        let needed = if i == 0 { "a value" } else { "two values" };
        return Err(ConnectorError::new(format!("{}: `{}` needs {needed}.", shown(key), shown(op))));
    };
    T::from_field_value(value).ok_or_else(|| not_a::<T>(key, value))
}

fn not_a<T: FromFieldValue>(key: &str, value: &str) -> ConnectorError {
    ConnectorError::new(format!("{}: `{}` is not {}.", shown(key), shown(value), T::EXPECTED))
}

/// SQL conditions from criteria, through sea-query: parameterised, for SQLite and PostgreSQL
/// (and what else sea-query renders).
#[cfg(feature = "sql")]
pub mod sql {
    use chrono::{NaiveDateTime, TimeDelta};
    use sea_query::{Expr, ExprTrait as _, Func, LikeExpr, QueryBuilder, SqlWriterValues, Values};

    use super::{Condition, Criterion, DateOp, NumberOp, Target, TextOp};

    pub use sea_query;

    /// How the database's values are reached.
    pub struct Columns<'a> {
        /// The column (or expression) of a target; `None`: the target has no column (an actor
        /// type without parents), treated as an empty value.
        pub column: &'a dyn Fn(&Target) -> Option<Expr>,
        /// The SQL function that lower-cases text by Unicode rules: `lower` on PostgreSQL; on
        /// SQLite, whose `lower` folds ASCII only, a function the connection registers.
        pub lower: &'a str,
    }

    /// The condition that holds where every criterion does (`TRUE` for none).
    pub fn condition(criteria: &[Criterion], columns: &Columns<'_>) -> Expr {
        criteria.iter().fold(Expr::val(true), |all, c| all.and(criterion(c, columns)))
    }

    /// `expr` as SQL text with its values, for `builder` (`SqliteQueryBuilder`,
    /// `PostgresQueryBuilder`).
    pub fn render(expr: &Expr, builder: &impl QueryBuilder) -> (String, Values) {
        let (placeholder, numbered) = builder.placeholder();
        let mut writer = SqlWriterValues::new(placeholder, numbered);
        builder.prepare_expr(expr, &mut writer);
        writer.into_parts()
    }

    fn criterion(c: &Criterion, columns: &Columns<'_>) -> Expr {
        let column = (columns.column)(&c.target).unwrap_or_else(|| Expr::val(""));
        let lower = |e: Expr| Expr::from(Func::cust(columns.lower.to_owned()).arg(e));
        let text = || lower(Func::coalesce([column.clone(), Expr::val("")]).into());
        let like = |pattern: String| LikeExpr::new(pattern).escape('\\');
        let escaped = |s: &str| s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        match &c.condition {
            Condition::Text(op) => match op {
                TextOp::Equals(q) => text().eq(q.to_lowercase()),
                TextOp::IsNot(q) => text().ne(q.to_lowercase()),
                TextOp::Begins(q) => text().like(like(format!("{}%", escaped(q)))),
                TextOp::NotBegins(q) => text().not_like(like(format!("{}%", escaped(q)))),
                TextOp::Contains(q) => text().like(like(format!("%{}%", escaped(q)))),
                TextOp::NotContains(q) => text().not_like(like(format!("%{}%", escaped(q)))),
                TextOp::Ends(q) => text().like(like(format!("%{}", escaped(q)))),
                TextOp::NotEnds(q) => text().not_like(like(format!("%{}", escaped(q)))),
                TextOp::Between(a, b) => text().between(a.to_lowercase(), b.to_lowercase()),
            },
            Condition::Number(op) => match *op {
                NumberOp::Equals(q) => column.eq(number(q)),
                NumberOp::NotEqual(q) => column.ne(number(q)),
                NumberOp::Greater(q) => column.gt(number(q)),
                NumberOp::Less(q) => column.lt(number(q)),
                NumberOp::GreaterOrEqual(q) => column.gte(number(q)),
                NumberOp::LessOrEqual(q) => column.lte(number(q)),
                NumberOp::Between(a, b) => column.between(number(a), number(b)),
            },
            Condition::Bool(b) => column.eq(*b),
            Condition::OneOf(keys) if keys.is_empty() => Expr::val(false),
            Condition::NotOneOf(keys) if keys.is_empty() => Expr::val(true),
            Condition::OneOf(keys) => column.is_in(keys.iter().cloned()),
            Condition::NotOneOf(keys) => Func::coalesce([column, Expr::val("")]).is_not_in(keys.iter().cloned()),
            Condition::DateTime(op) => match *op {
                DateOp::On(d) => {
                    let day = d.date().and_hms_opt(0, 0, 0).unwrap_or(d);
                    column.clone().gte(moment(day)).and(column.lt(moment(day + TimeDelta::days(1))))
                }
                DateOp::Before(d) => column.lt(moment(d)),
                DateOp::After(d) => column.gt(moment(d)),
                DateOp::BeforeOrEqual(d) => column.lte(moment(d)),
                DateOp::AfterOrEqual(d) => column.gte(moment(d)),
                DateOp::Between(a, b) => column.between(moment(a), moment(b)),
            },
        }
    }

    /// A number, bound as an integer when it is one (so that integer columns compare exactly).
    fn number(x: f64) -> sea_query::Value {
        if x.fract() == 0.0 && x.abs() < 9.0e15 { (x as i64).into() } else { x.into() }
    }

    fn moment(d: NaiveDateTime) -> sea_query::Value {
        d.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FieldMetadata> {
        vec![
            FieldMetadata::new("NAME", "Name", FieldType::Text, 1),
            FieldMetadata::new("EMPLOYEES", "Employees", FieldType::Integer, 2),
            FieldMetadata::new("ACTIVE", "Active", FieldType::Checkbox, 3),
            FieldMetadata::new("COUNTRY", "Country", FieldType::List, 4),
            FieldMetadata::new("FOUNDED", "Founded", FieldType::Datetime, 5),
            FieldMetadata::new("SECRET", "Secret", FieldType::Text, 6),
        ]
    }

    fn criterion(key: &str, op: &str, values: &[&str]) -> Result<Criterion, ConnectorError> {
        let keys: Vec<String> = ["NAME", "EMPLOYEES", "ACTIVE", "COUNTRY", "FOUNDED"].map(String::from).to_vec();
        let fields = fields();
        let searchable = Searchable { actor_type: &ActorType::Customer, keys: &keys, fields: &fields };
        let r = SearchRestriction::new(key, op, values.iter().map(|v| v.to_string()).collect::<Vec<_>>());
        Criterion::from_restriction(&r, &searchable)
    }

    #[test]
    fn restrictions_are_typed_or_refused_with_a_reason() {
        assert_eq!(
            criterion("EMPLOYEES", ">", &["[I:10]"]).unwrap().condition,
            Condition::Number(NumberOp::Greater(10.0))
        );
        assert_eq!(criterion("ACTIVE", "=", &["[I:1]"]).unwrap().condition, Condition::Bool(true));
        assert_eq!(criterion("ParentErpKey", "=", &["7"]).unwrap().target, Target::ParentErpKey);
        let unknown = criterion("SECRET", "=", &["x"]).unwrap_err();
        assert_eq!(unknown.error_code, Some(ErrorCode::UnknownFieldKey), "declared but not searchable");
        assert!(criterion("COLOUR", "=", &["x"]).unwrap_err().user_explanation.contains("COLOUR"));
        let op = criterion("COUNTRY", "contains", &["N"]).unwrap_err().user_explanation;
        assert!(op.contains("`contains`") && op.contains("oneof, notoneof"), "{op}");
        assert!(
            criterion("EMPLOYEES", "=", &["many"]).unwrap_err().user_explanation.contains("`many` is not a number")
        );
        assert!(
            criterion("FOUNDED", "between", &["[DT:01/01/2020 00:00:00]"])
                .unwrap_err()
                .user_explanation
                .contains("two values")
        );
        assert!(criterion("NAME", "oneof", &["a"]).is_err(), "oneof is for lists");
    }

    #[test]
    fn in_memory_matching_follows_the_documented_semantics() {
        let actor = ErpActor::new(ActorType::Person, "1", crate::contract::Stamp::text("1"))
            .with_value("NAME", "Ærlig Åse")
            .with_value("EMPLOYEES", 12)
            .with_value("COUNTRY", "NO")
            .with_value("FOUNDED", chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap().and_hms_opt(15, 0, 0).unwrap())
            .with_parent(ActorType::Customer, "7");
        let yes = [
            ("NAME", "begins", vec!["ærLIG"]),
            ("NAME", "notcontains", vec!["bob"]),
            ("NAME", "between", vec!["a", "ø"]),
            ("EMPLOYEES", "between", vec!["[I:12]", "[I:20]"]),
            ("EMPLOYEES", "!=", vec!["[F:12.5]"]),
            ("COUNTRY", "oneof", vec!["SE", "NO"]),
            ("FOUNDED", "=", vec!["[DT:03/01/2020 00:00:00.0000000]"]),
            ("FOUNDED", "afterOrEqual", vec!["[DT:03/01/2020 15:00:00]"]),
            ("ParentErpKey", "=", vec!["7"]),
            ("ParentActorType", "isnot", vec!["Supplier"]),
        ];
        for (key, op, values) in yes {
            assert!(criterion(key, op, &values).unwrap().matches(&actor), "{key} {op} {values:?}");
        }
        let no = [
            ("NAME", "ends", vec!["ase"]),
            ("EMPLOYEES", "<", vec!["12"]),
            ("ACTIVE", "=", vec!["[I:0]"]),
            ("COUNTRY", "notoneof", vec!["NO"]),
            ("FOUNDED", "after", vec!["[DT:03/01/2020 15:00:00]"]),
        ];
        for (key, op, values) in no {
            assert!(!criterion(key, op, &values).unwrap().matches(&actor), "{key} {op} {values:?}");
        }
        let bare = ErpActor::new(ActorType::Customer, "2", crate::contract::Stamp::text("1"));
        assert!(criterion("NAME", "isnot", &["x"]).unwrap().matches(&bare), "absent text is empty");
        assert!(!criterion("EMPLOYEES", "!=", &["1"]).unwrap().matches(&bare), "absent numbers never match");
        assert!(criterion("COUNTRY", "notoneof", &["NO"]).unwrap().matches(&bare));
        assert!(criterion("ParentErpKey", "isnot", &["7"]).unwrap().matches(&bare));
    }

    #[cfg(feature = "sql")]
    #[test]
    fn criteria_render_to_parameterised_sql_for_sqlite_and_postgresql() {
        use sea_query::{Expr, PostgresQueryBuilder, SqliteQueryBuilder};
        let criteria = [
            criterion("NAME", "contains", &["50%_off"]).unwrap(),
            criterion("EMPLOYEES", "between", &["[I:1]", "[F:2.5]"]).unwrap(),
            criterion("FOUNDED", "=", &["[DT:03/01/2020 15:00:00]"]).unwrap(),
            criterion("COUNTRY", "notoneof", &["NO", "SE"]).unwrap(),
            criterion("ParentErpKey", "=", &["7"]).unwrap(),
        ];
        let column = |t: &Target| match t {
            Target::Field(key) => Some(Expr::col(sea_query::Alias::new(key.to_lowercase()))),
            Target::ParentErpKey => Some(Expr::cust("CAST(parent_id AS TEXT)")),
            Target::ParentActorType => None,
        };
        let condition = sql::condition(&criteria, &sql::Columns { column: &column, lower: "ulower" });
        let (sqlite, values) = sql::render(&condition, &SqliteQueryBuilder);
        assert!(sqlite.contains(r#"ulower(COALESCE("name", ?)) LIKE ? ESCAPE '\'"#), "{sqlite}");
        assert!(sqlite.contains(r#""employees" BETWEEN ? AND ?"#) && sqlite.contains("NOT IN (?, ?)"), "{sqlite}");
        assert!(!sqlite.contains("50%"), "values are parameters: {sqlite}");
        assert!(values.0.iter().any(|v| *v == sea_query::Value::from("%50\\%\\_off%")), "{values:?}");
        let (postgres, _) = sql::render(&condition, &PostgresQueryBuilder);
        assert!(postgres.contains("$1") && postgres.contains(r#""founded" >= $"#), "{postgres}");
    }
}

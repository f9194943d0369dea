//! An in-memory ERP that uses every part of the contract (all field types, lists, parents,
//! advanced search, create and save with a global change counter) and, on request, breaks one
//! rule: the subject of the conformance and real-client tests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use erp_connector::chrono::NaiveDateTime;
use erp_connector::contract::FieldValue;
use erp_connector::prelude::*;

/// One way to break the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The poll answers only actors changed after the stamp, not on or after it.
    StrictSince,
    /// The poll answers every actor whatever the stamp.
    PollReturnsAll,
    /// Answers carry every field, not only those asked for.
    AllFields,
    /// Actors carry a field their type does not declare.
    UndeclaredField,
    /// Two fields share a key (the framework refuses the schema).
    DuplicateFieldKey,
    /// The supported types include one outside the fixed set (the framework refuses the schema).
    UnknownType,
    /// Actors come without a LastModified.
    NoLastModified,
    /// LastModified stamps of different widths (they do not sort in time order).
    MixedWidthStamps,
    /// GetActors answers every actor, whatever keys were asked for.
    IgnoresErpKeys,
    /// GetActors drops some of the keys asked for.
    LosesKeys,
    /// An actor comes with an empty ErpKey.
    EmptyErpKey,
    /// Actors come with another type than the one asked for.
    WrongActorType,
    /// An integer field holds text, not an encoded number (the framework refuses the answer).
    UnencodedInteger,
    /// A name longer than its field's MaxLength.
    LongName,
    /// Advanced search answers every actor, whatever the restrictions.
    SearchIgnoresRestrictions,
    /// Search by parent answers children of other parents too.
    ByParentReturnsAll,
    /// GetListItems answers every item, not only the keys asked for.
    ListItemsAll,
    /// A created actor comes back without its new ErpKey.
    CreateWithoutKey,
    /// A created actor is answered but not kept.
    CreatedNotStored,
    /// A save answers an older LastModified.
    SaveGoesBack,
    /// A child names its parent's type without its key.
    ParentWithoutKey,
    /// A list field without a ListName (the framework refuses the schema).
    ListWithoutName,
    /// A configuration list answers only once a connection exists.
    SetupListNeedsConnection,
    /// Tests pass whatever the values (the password is never tried).
    AcceptsAnyValues,
    /// Persons name a customer that does not exist.
    DanglingParent,
    /// Persons name their customer's key without its type.
    ParentKeyWithoutType,
    /// Customers have a currency that is no item of the currency list.
    UnlistedCurrency,
    /// Free-text search answers names other than the sync's.
    SearchShowsOldName,
    /// A save answers OK and changes the stamp but not the values.
    SaveLosesValues,
    /// A save keeps the actor's LastModified.
    SaveKeepsStamp,
    /// A save of an unknown key answers OK.
    SaveUnknownSucceeds,
    /// Advanced search leaves out its last match.
    SearchDropsLast,
    /// Search by parent leaves out the parent's last child.
    ByParentDropsLast,
    /// Advanced search ORs its restrictions.
    RestrictionsOred,
    /// Text search folds only ASCII letters (`Æ` does not match `æ`).
    AsciiOnlyCase,
    /// `between` finds only the lower bound.
    BetweenIsEquals,
    /// Date restrictions find nothing.
    DateSearchFindsNothing,
    /// GetActors fails when one key is unknown.
    UnknownKeyFails,
    /// Doubles with a decimal comma (`[F:1250000,5]`; the framework refuses the answer).
    DecimalComma,
    /// Dates in ISO form inside `[DT:]` (the framework refuses the answer).
    IsoDates,
    /// The change poll answers only actors whose stamp equals UpdatedOnOrAfter.
    PollOnlyEqual,
    /// LastModified is the time of the read, not of the change.
    StampsFromClock,
}

/// Connection settings.
#[derive(ConnectionConfig)]
pub struct LedgerConfig {
    /// The ERP company.
    #[field(display = "Company", rank = 1, mandatory, max_length = 40)]
    pub company: String,
    /// Password of the ERP user.
    #[field(display = "Password", rank = 2)]
    pub password: Option<Password>,
    /// Currency of new customers.
    #[field(display = "Currency", rank = 3, list = "currencies", default = "NOK")]
    pub currency: Option<String>,
}

#[derive(Clone)]
struct Row {
    actor_type: ActorType,
    key: String,
    stamp: u64,
    parent: Option<String>,
    values: Vec<(&'static str, String)>,
}

struct Data {
    counter: u64,
    rows: Vec<Row>,
}

/// The in-memory ERP.
pub struct Ledger {
    fault: Option<Fault>,
    data: Mutex<Data>,
    /// Reads so far ([`Fault::StampsFromClock`]'s clock).
    reads: AtomicU64,
}

const NAME: Key<String> = Key::new("NAME");
const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");
const TURNOVER: Key<f64> = Key::new("TURNOVER");
const CURRENCY: Key<ListItem> = Key::new("CURRENCY");
const ACTIVE: Key<bool> = Key::new("ACTIVE");
const FOUNDED: Key<NaiveDateTime> = Key::new("FOUNDED");
const FIRSTNAME: Key<String> = Key::new("FIRSTNAME");
const LASTNAME: Key<String> = Key::new("LASTNAME");

const CURRENCIES: &[(&str, &str)] = &[("NOK", "Norwegian krone"), ("SEK", "Swedish krona"), ("EUR", "Euro")];

impl Ledger {
    /// The ledger with its sample customers and persons, breaking `fault` if given.
    pub fn new(fault: Option<Fault>) -> Self {
        let customer = |key: &str, stamp, name: &str, employees: i64, turnover: f64, currency: &str, active| Row {
            actor_type: ActorType::Customer,
            key: key.into(),
            stamp,
            parent: None,
            values: vec![
                ("NAME", name.into()),
                ("EMPLOYEES", FieldValue::Int(employees).to_string()),
                ("TURNOVER", FieldValue::Float(turnover).to_string()),
                ("CURRENCY", currency.into()),
                ("ACTIVE", FieldValue::bool(active).to_string()),
                ("FOUNDED", "[DT:03/15/1998 00:00:00.0000000]".into()),
            ],
        };
        let person = |key: &str, stamp, first: &str, last: &str, parent: &str| Row {
            actor_type: ActorType::Person,
            key: key.into(),
            stamp,
            parent: Some(parent.into()),
            values: vec![("FIRSTNAME", first.into()), ("LASTNAME", last.into())],
        };
        let rows = vec![
            customer("1001", 1, "Orkdal Senter AS", 12, 1_250_000.5, "NOK", true),
            customer("1002", 2, "Æbeltoft & Søn ApS", 3, 99_000.0, "EUR", false),
            customer("1003", 4, "Göteborg <Hamn> AB", 250, 7_000_000.0, "SEK", true),
            person("2001", 3, "Kari", "Nordmann", "1001"),
            person("2002", 4, "Ola", "Nordmann", "1001"),
            person("2003", 4, "Sven", "Svensson", "1003"),
        ];
        Ledger { fault, data: Mutex::new(Data { counter: 4, rows }), reads: AtomicU64::new(0) }
    }

    fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }

    fn stamp(&self, n: u64) -> Stamp {
        let n = if self.has(Fault::StampsFromClock) { n + self.reads.fetch_add(1, Ordering::Relaxed) * 100 } else { n };
        if self.has(Fault::MixedWidthStamps) && n.is_multiple_of(2) {
            Stamp::text(format!("v{n}"))
        } else {
            Stamp::counter(n)
        }
    }

    fn to_actor(&self, row: &Row, fields: &[String]) -> ErpActor {
        let key = if self.has(Fault::EmptyErpKey) { String::new() } else { row.key.clone() };
        let actor_type = if self.has(Fault::WrongActorType) { ActorType::Supplier } else { row.actor_type.clone() };
        let stamp = if self.has(Fault::NoLastModified) { Stamp::text("") } else { self.stamp(row.stamp) };
        let mut actor = ErpActor::new(actor_type, key, stamp);
        if let Some(parent) = &row.parent {
            let parent = if self.has(Fault::DanglingParent) { format!("9{parent}") } else { parent.clone() };
            actor = actor.with_parent(ActorType::Customer, parent);
            if self.has(Fault::ParentWithoutKey) {
                actor.parent_erp_key = None;
            }
            if self.has(Fault::ParentKeyWithoutType) {
                actor.parent_actor_type = None;
            }
        }
        for (field, value) in &row.values {
            if self.has(Fault::AllFields) || fields.iter().any(|f| f == field) {
                let value = match *field {
                    "EMPLOYEES" if self.has(Fault::UnencodedInteger) => "many".to_owned(),
                    "NAME" if self.has(Fault::LongName) => value.repeat(10),
                    "CURRENCY" if self.has(Fault::UnlistedCurrency) => "XXX".to_owned(),
                    "TURNOVER" if self.has(Fault::DecimalComma) => value.replace('.', ","),
                    "FOUNDED" if self.has(Fault::IsoDates) => "[DT:1998-03-15T00:00:00]".to_owned(),
                    _ => value.clone(),
                };
                actor = actor.with_value(*field, value);
            }
        }
        if self.has(Fault::UndeclaredField) {
            actor = actor.with_value("SECRET", "x");
        }
        actor
    }

    /// The ERP's login: a password starting with `wrong` is refused.
    fn log_in(&self, config: &LedgerConfig) -> ConnectorResult<()> {
        match config.password.as_ref().map(Password::expose) {
            Some(p) if p.starts_with("wrong") && !self.has(Fault::AcceptsAnyValues) => {
                Err(ConnectorError::new("Cannot log in."))
            }
            _ => Ok(()),
        }
    }

    fn select(&self, actor_type: &ActorType, fields: &[String], keep: impl Fn(&Row) -> bool) -> Vec<ErpActor> {
        let data = self.data.lock().unwrap();
        data.rows.iter().filter(|r| &r.actor_type == actor_type && keep(r)).map(|r| self.to_actor(r, fields)).collect()
    }
}

/// The row as an actor with every field and no faults: what an advanced search judges.
fn plain(row: &Row) -> ErpActor {
    let mut actor = ErpActor::new(row.actor_type.clone(), row.key.clone(), Stamp::text(""));
    if let Some(parent) = &row.parent {
        actor = actor.with_parent(ActorType::Customer, parent.clone());
    }
    row.values.iter().fold(actor, |actor, (key, value)| actor.with_value(*key, value.as_str()))
}

/// A text comparison that folds only ASCII letters ([`Fault::AsciiOnlyCase`]).
fn ascii_text_matches(op: &TextOp, value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    let l = |s: &String| s.to_ascii_lowercase();
    match op {
        TextOp::Equals(q) => v == l(q),
        TextOp::IsNot(q) => v != l(q),
        TextOp::Begins(q) => v.starts_with(&l(q)),
        TextOp::NotBegins(q) => !v.starts_with(&l(q)),
        TextOp::Contains(q) => v.contains(&l(q)),
        TextOp::NotContains(q) => !v.contains(&l(q)),
        TextOp::Ends(q) => v.ends_with(&l(q)),
        TextOp::NotEnds(q) => !v.ends_with(&l(q)),
        TextOp::Between(low, high) => l(low) <= v && v <= l(high),
    }
}

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "ledger")]
impl ErpConnector for Ledger {
    type Config = LedgerConfig;

    async fn test_config(&self, test: &ConfigTest<LedgerConfig>) -> ConnectorResult<()> {
        let config = &test.config;
        if config.company.trim().is_empty() || config.currency.as_deref().is_some_and(|c| c.len() != 3) {
            return Err(ConnectorError::new("Name the company and a currency code."));
        }
        self.log_in(config)
    }

    async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<()> {
        self.log_in(&conn.config)
    }

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        let currency = CURRENCY.field("Currency").searchable();
        let currency = if self.has(Fault::ListWithoutName) { currency } else { currency.list("currencies") };
        let mut customer = vec![
            NAME.field("Name").mandatory().max_length(40).searchable(),
            EMPLOYEES.field("Employees").searchable(),
            TURNOVER.field("Turnover").searchable(),
            currency,
            ACTIVE.field("Active").searchable(),
            FOUNDED.field("Founded").read_only().searchable(),
        ];
        if self.has(Fault::DuplicateFieldKey) {
            customer.push(NAME.field("Name again"));
        }
        let schema = Schema::new()
            .actor(ActorType::Customer, customer)
            .actor(ActorType::Person, [FIRSTNAME.field("First name"), LASTNAME.field("Last name").searchable()]);
        Ok(if self.has(Fault::UnknownType) { schema.actor(ActorType::parse("Vendor"), []) } else { schema })
    }

    async fn get_actors(&self, _: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        if self.has(Fault::LosesKeys) {
            return Ok(Vec::new());
        }
        if self.has(Fault::UnknownKeyFails) && q.erp_keys.len() > 1 {
            let data = self.data.lock().unwrap();
            if let Some(k) = q.erp_keys.iter().find(|k| !data.rows.iter().any(|r| &&r.key == k)) {
                return Err(ConnectorError::new(format!("No actor {k}.")));
            }
        }
        let all = self.has(Fault::IgnoresErpKeys);
        Ok(self.select(&q.actor_type, &q.field_keys, |r| all || q.erp_keys.contains(&r.key)))
    }

    async fn search_actors(&self, _: &Conn<Self>, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        let text = q.search_text.to_lowercase();
        let found = self
            .select(&q.actor_type, &q.field_keys, |r| r.values.iter().any(|(_, v)| v.to_lowercase().contains(&text)));
        if !self.has(Fault::SearchShowsOldName) {
            return Ok(found);
        }
        // A search index that lags behind the ERP: the names of an hour ago.
        Ok(found
            .into_iter()
            .map(|a| match a.field("NAME").map(str::to_owned) {
                Some(name) => a.with_field(NAME, format!("{name} (old)")),
                None => a,
            })
            .collect())
    }

    async fn search_actor_by_parent(&self, _: &Conn<Self>, q: SearchByParent) -> ConnectorResult<Vec<ErpActor>> {
        let all = self.has(Fault::ByParentReturnsAll);
        let text = q.search_text.to_lowercase();
        let mut found = self.select(&q.actor_type, &q.field_keys, |r| {
            (all || r.parent.as_deref() == Some(q.parent_erp_key.as_str()))
                && r.values.iter().any(|(_, v)| v.to_lowercase().contains(&text))
        });
        if self.has(Fault::ByParentDropsLast) {
            found.pop();
        }
        Ok(found)
    }

    async fn search_actors_advanced(&self, _: &Conn<Self>, q: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> {
        let ignore = self.has(Fault::SearchIgnoresRestrictions);
        let meets = |c: &Criterion, a: &ErpActor| match (&c.condition, &c.target) {
            (Condition::Text(op), Target::Field(key)) if self.has(Fault::AsciiOnlyCase) => {
                ascii_text_matches(op, a.field(key).unwrap_or(""))
            }
            (Condition::Text(TextOp::Between(low, _)), Target::Field(key)) if self.has(Fault::BetweenIsEquals) => {
                a.field(key).is_some_and(|v| v.eq_ignore_ascii_case(low))
            }
            (Condition::Number(NumberOp::Between(low, _)), Target::Field(key)) if self.has(Fault::BetweenIsEquals) => {
                a.get::<f64>(key).is_ok_and(|v| v == Some(*low))
            }
            (Condition::DateTime(_), _) if self.has(Fault::DateSearchFindsNothing) => false,
            _ => c.matches(a),
        };
        let mut found = self.select(&q.actor_type, &q.field_keys, |r| {
            let a = plain(r);
            ignore
                || if self.has(Fault::RestrictionsOred) {
                    q.criteria.iter().any(|c| meets(c, &a))
                } else {
                    q.criteria.iter().all(|c| meets(c, &a))
                }
        });
        if self.has(Fault::SearchDropsLast) {
            found.pop();
        }
        Ok(found)
    }

    async fn create_actor(&self, _: &Conn<Self>, actor: NewActor) -> ConnectorResult<ErpActor> {
        let actor_type = actor.actor_type.clone();
        let fields: Vec<String> = actor.fields.keys().map(str::to_owned).collect();
        let mut data = self.data.lock().unwrap();
        data.counter += 1;
        let row = Row {
            actor_type,
            key: format!("{}", 5000 + data.counter),
            stamp: data.counter,
            parent: actor.parent.as_ref().map(|p| p.erp_key.clone()),
            values: actor
                .fields
                .iter()
                .filter_map(|(k, v)| {
                    let known = ["NAME", "EMPLOYEES", "TURNOVER", "CURRENCY", "ACTIVE", "FIRSTNAME", "LASTNAME"];
                    known.iter().find(|n| **n == k).map(|n| (*n, v.unwrap_or("").to_owned()))
                })
                .collect(),
        };
        if !self.has(Fault::CreatedNotStored) {
            data.rows.push(row.clone());
        }
        drop(data);
        let mut created = self.to_actor(&row, &fields);
        if self.has(Fault::CreateWithoutKey) {
            created.erp_key = Some(String::new());
        }
        Ok(created)
    }

    async fn save_actors(&self, _: &Conn<Self>, actors: Vec<ActorChange>) -> ConnectorResult<Vec<ErpActor>> {
        let mut saved = Vec::new();
        for actor in actors {
            let key = actor.erp_key.clone();
            let fields: Vec<String> = actor.fields.keys().map(str::to_owned).collect();
            let mut data = self.data.lock().unwrap();
            data.counter += 1;
            let counter = data.counter;
            let Some(row) = data.rows.iter_mut().find(|r| r.key == key) else {
                if self.has(Fault::SaveUnknownSucceeds) {
                    continue;
                }
                return Err(ConnectorError::new(format!("No actor {key}.")).with_code(ErrorCode::UnknownFieldKey));
            };
            if self.has(Fault::SaveGoesBack) {
                row.stamp = 0;
            } else if !self.has(Fault::SaveKeepsStamp) {
                row.stamp = counter;
            }
            for (k, v) in actor.fields.iter().filter(|_| !self.has(Fault::SaveLosesValues)) {
                if let Some(slot) = row.values.iter_mut().find(|(n, _)| *n == k) {
                    slot.1 = v.unwrap_or("").to_owned();
                }
            }
            let row = row.clone();
            drop(data);
            saved.push(self.to_actor(&row, &fields));
        }
        Ok(saved)
    }

    async fn get_list(&self, conn: Option<&Conn<Self>>, list: &str) -> ConnectorResult<StringDict> {
        if conn.is_none() && self.has(Fault::SetupListNeedsConnection) {
            return Err(ConnectorError::new("Save the connection first."));
        }
        match list {
            "currencies" => Ok(CURRENCIES.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            _ => {
                Err(ConnectorError::new(format!("No list {list}.")).with_tech(format!("lists table: no row `{list}`")))
            }
        }
    }

    async fn get_list_items(
        &self,
        conn: Option<&Conn<Self>>,
        list: &str,
        keys: Vec<String>,
    ) -> ConnectorResult<StringDict> {
        let all = self.get_list(conn, list).await?;
        if self.has(Fault::ListItemsAll) {
            return Ok(all);
        }
        Ok(keys.into_iter().filter_map(|k| all.get(&k).map(|v| (k.clone(), v.to_owned()))).collect())
    }

    async fn get_actors_by_timestamp(&self, _: &Conn<Self>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        // Stamps are zero-padded counters; anything unreadable (the first poll) means "all".
        // Counters; `v`-prefixed texts of MixedWidthStamps; nothing (the first poll) means "all".
        let since = q
            .since
            .as_ref()
            .map_or(0, |s| s.as_counter().or_else(|| s.as_text()?.trim_start_matches('v').parse().ok()).unwrap_or(0));
        let strict = self.has(Fault::StrictSince);
        let all = self.has(Fault::PollReturnsAll);
        let only_equal = self.has(Fault::PollOnlyEqual) && since > 0;
        Ok(self
            .select(&q.actor_type, &q.field_keys, |r| {
                all || if strict {
                    r.stamp > since
                } else if only_equal {
                    r.stamp == since
                } else {
                    r.stamp >= since
                }
            })
            .into())
    }
}

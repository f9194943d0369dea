//! The connector: the methods of `ErpConnector` on a Tryton server, one login session per
//! connection.

use std::time::Duration;

use erp_connector::chrono::NaiveDateTime;
use erp_connector::connector::remote::Retry;
use erp_connector::prelude::*;
use erp_connector::untrusted::shown;
use serde_json::{Map, Value, json};

use crate::domain;
use crate::mapping::{self, *};
use crate::rpc::{self, Login, Rpc};

/// What SuperOffice asks for when an administrator adds a connection.
#[derive(ConnectionConfig)]
pub struct TrytonConfig {
    /// The Tryton server, e.g. `http://erp.example:8000`: one of the places the deployment allows
    /// in `TRYTON_ALLOWED_URLS` (the value comes from whoever saves a connection).
    #[field(display = "Tryton server", rank = 1, mandatory, max_length = 200, allow = "${TRYTON_ALLOWED_URLS}")]
    pub server: String,
    /// The Tryton database.
    #[field(display = "Database", rank = 2, mandatory, max_length = 63)]
    pub database: String,
    /// The Tryton user the connector logs in as.
    #[field(display = "User", rank = 3, mandatory, max_length = 100)]
    pub user: String,
    /// That user's password.
    #[field(display = "Password", rank = 4, mandatory)]
    pub password: Password,
    /// The party category of customers.
    #[field(display = "Customer category", rank = 5, default = "Customer", max_length = 100)]
    pub customer_category: String,
    /// The party category of suppliers.
    #[field(display = "Supplier category", rank = 6, default = "Supplier", max_length = 100)]
    pub supplier_category: String,
    /// The relation type from a person to their company.
    #[field(display = "Person relation", rank = 7, default = "Employee of", max_length = 100)]
    pub person_relation: String,
    /// How long a call to Tryton may take, in seconds (1 to 120).
    #[field(display = "Timeout (seconds)", rank = 8, default = 10)]
    pub timeout_secs: u32,
}

impl TrytonConfig {
    fn rpc(&self) -> Rpc {
        Rpc::new(Duration::from_secs(u64::from(self.timeout_secs.clamp(1, 120))))
    }
}

/// A connection's Tryton session: the login, and the ids its mapping needs.
pub struct TrytonSession {
    rpc: Rpc,
    login: Login,
    customer_category: i64,
    supplier_category: i64,
    person_relation: i64,
}

/// Records per page of the change poll (each page is one `search_read` and a few reads).
const PAGE: usize = 500;

/// Most records an interactive search reads (a dialog shows a page of them).
const SEARCH_LIMIT: usize = 2000;

/// The connector.
#[derive(Default)]
pub struct Tryton;

impl Tryton {
    /// The connector (its settings come from each connection and the environment).
    pub fn new() -> Self {
        Tryton
    }
}

type Conn = erp_connector::prelude::Conn<Tryton, TrytonSession>;

impl TrytonSession {
    async fn call(&self, method: &str, params: Value) -> ConnectorResult<Value> {
        self.rpc.call(&self.login, method, params, Retry::Safe).await
    }

    async fn write_call(&self, method: &str, params: Value) -> ConnectorResult<Value> {
        self.rpc.call(&self.login, method, params, Retry::Never).await
    }

    /// A call that answers records.
    async fn rows(&self, method: &str, params: Value) -> ConnectorResult<Vec<Value>> {
        Ok(self.call(method, params).await?.as_array().cloned().unwrap_or_default())
    }

    /// The domain that selects the records of `t`.
    fn of_type(&self, t: &ActorType) -> Vec<Value> {
        match t {
            ActorType::Customer => vec![json!(["categories", "in", [self.customer_category]])],
            ActorType::Supplier => vec![json!(["categories", "in", [self.supplier_category]])],
            ActorType::Person => vec![json!(["relations", "where", [["type", "=", self.person_relation]]])],
            ActorType::Project => vec![json!(["type", "=", "project"])],
            _ => vec![json!(["id", "=", -1])],
        }
    }

    /// The records of `t` that `domain` selects, as actors, at most `limit`, in `order`.
    async fn find(
        &self,
        t: &ActorType,
        mut domain: Vec<Value>,
        limit: usize,
        order: Value,
    ) -> ConnectorResult<Vec<ErpActor>> {
        domain.extend(self.of_type(t));
        let params = json!([domain, 0, limit, order, record_fields(t)]);
        self.actors(t, self.rows(&format!("model.{}.search_read", model(t)), params).await?).await
    }

    /// `actor` under the party `id` (read with its `categories`), a Customer before a Supplier.
    fn with_parent(&self, actor: ErpActor, id: Option<&Value>, party: Option<&Value>) -> ErpActor {
        let categories = party.and_then(|p| p.get("categories")).and_then(Value::as_array);
        let has = |id: i64| categories.is_some_and(|c| c.iter().any(|v| v.as_i64() == Some(id)));
        let types = [(self.customer_category, ActorType::Customer), (self.supplier_category, ActorType::Supplier)];
        match (id.and_then(Value::as_i64), types.into_iter().find(|(category, _)| has(*category))) {
            (Some(id), Some((_, parent_type))) => actor.with_parent(parent_type, id.to_string()),
            _ => actor,
        }
    }

    /// Records of `t` as actors: the addresses and parents they need in one read each.
    async fn actors(&self, t: &ActorType, records: Vec<Value>) -> ConnectorResult<Vec<ErpActor>> {
        let id = |r: &Value| r.get("id").and_then(Value::as_i64).unwrap_or(0);
        let first_address: Vec<i64> = records
            .iter()
            .filter_map(|r| r.get("addresses")?.as_array()?.iter().filter_map(Value::as_i64).min())
            .collect();
        let addresses = if first_address.is_empty() || *t == ActorType::Project {
            Vec::new()
        } else {
            let fields = json!(["party", "street_unstructured", "postal_code", "city", "country.code"]);
            self.rows("model.party.address.read", json!([first_address, fields])).await?
        };
        let parents = if *t == ActorType::Person && !records.is_empty() {
            let ids: Vec<i64> = records.iter().map(id).collect();
            let domain = json!([["from_", "in", ids], ["type", "=", self.person_relation]]);
            let fields = json!(["from_", "to", "to.categories"]);
            self.rows("model.party.relation.all.search_read", json!([domain, 0, null, [["id", "ASC"]], fields])).await?
        } else {
            Vec::new()
        };
        // By party id: the first address, the first relation to a company (first by id).
        let (addresses, parents) = (by_party(&addresses, "party"), by_party(&parents, "from_"));
        let actor = |r: &Value| {
            let stamp = r.get("last_modified_at").and_then(rpc::datetime_of).map_or(Stamp::text(""), Stamp::at);
            let mut actor = ErpActor::new(t.clone(), id(r).to_string(), stamp)
                .with_field(NAME, text(r, "name"))
                .with_field(CREATED, r.get("create_date").and_then(rpc::datetime_of));
            match t {
                ActorType::Project => actor = self.with_parent(actor, r.get("party"), r.get("party.")),
                _ => {
                    actor = actor
                        .with_field(PHONE, text(r, "phone"))
                        .with_field(EMAIL, text(r, "email"))
                        .with_field(ACTIVE, flag(r.get("active")).unwrap_or(true));
                    if *t != ActorType::Person {
                        actor = actor.with_field(CODE, text(r, "code")).with_field(WEBSITE, text(r, "website"));
                        let address = addresses.get(&id(r)).copied().unwrap_or(&Value::Null);
                        let country = address.get("country.").map(|c| text(c, "code")).unwrap_or_default();
                        actor = actor
                            .with_field(STREET, text(address, "street_unstructured"))
                            .with_field(POSTAL_CODE, text(address, "postal_code"))
                            .with_field(CITY, text(address, "city"))
                            .with_field(COUNTRY, country);
                    } else if let Some(relation) = parents.get(&id(r)) {
                        actor = self.with_parent(actor, relation.get("to"), relation.get("to."));
                    }
                }
            }
            actor
        };
        Ok(records.iter().map(actor).collect())
    }

    /// The actors of `t` with `ids`, in one read.
    async fn by_ids(&self, t: &ActorType, ids: Vec<i64>) -> ConnectorResult<Vec<ErpActor>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let n = ids.len();
        self.find(t, vec![json!(["id", "in", ids])], n, json!([["id", "ASC"]])).await
    }

    /// One page of the change poll: records of `t` changed on or after `since`, after the actor
    /// `after` (by stamp, then id), oldest first.
    async fn poll_page(
        &self,
        t: &ActorType,
        since: Option<NaiveDateTime>,
        after: Option<ErpActor>,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let mut domain = Vec::new();
        if let Some(since) = since {
            domain.push(json!(["last_modified_at", ">=", rpc::datetime_value(since)]));
        }
        if let Some((at, id)) = after.and_then(|a| Some((a.stamp()?.as_datetime()?, a.erp_key?.parse::<i64>().ok()?))) {
            let at = rpc::datetime_value(at);
            domain.push(json!(["OR", ["last_modified_at", ">", at], [["last_modified_at", "=", at], ["id", ">", id]]]));
        }
        self.find(t, domain, PAGE, json!([["last_modified_at", "ASC"], ["id", "ASC"]])).await
    }

    /// The id of a record of `model` whose `field` is `value`, if there is one.
    async fn one(&self, model: &str, field: &str, value: &str) -> ConnectorResult<Option<i64>> {
        let found = self.call(&format!("model.{model}.search"), json!([[[field, "=", value]], 0, 1, null])).await?;
        Ok(found.get(0).and_then(Value::as_i64))
    }

    /// A country's id by its code, with Tryton's own list as the judge.
    async fn country(&self, code: &str) -> ConnectorResult<i64> {
        self.one("country.country", "code", code).await?.ok_or_else(|| {
            ConnectorError::new(format!("Tryton has no country `{}`.", shown(code)))
                .with_code(ErrorCode::UnknownListItemId)
        })
    }

    /// The values of a create or a save as Tryton's write values: the party's own fields
    /// (`active` read typed by the caller), its contact mechanisms and its first address
    /// (`existing`: the party's mechanisms and first address, for a save).
    async fn party_values(
        &self,
        fields: &StringDict,
        active: Option<bool>,
        existing: Option<(&[Value], Option<i64>)>,
    ) -> ConnectorResult<Map<String, Value>> {
        let mut values = texts(fields, &[(NAME, "name"), (CODE, "code")]);
        if let Some(active) = active {
            values.insert("active".into(), json!(active));
        }
        let mut mechanisms = Vec::new();
        for (key, kind) in MECHANISMS {
            let Some(value) = fields.get(key.name()).map(str::trim) else { continue };
            let current = existing
                .and_then(|(m, _)| m.iter().find(|m| m.get("type").and_then(Value::as_str) == Some(kind)))
                .and_then(|m| m.get("id").and_then(Value::as_i64));
            match (current, value.is_empty()) {
                (Some(id), true) => mechanisms.push(json!(["delete", [id]])),
                (Some(id), false) => mechanisms.push(json!(["write", [id], {"value": value}])),
                (None, false) => mechanisms.push(json!(["create", [{"type": kind, "value": value}]])),
                (None, true) => {}
            }
        }
        if !mechanisms.is_empty() {
            values.insert("contact_mechanisms".into(), json!(mechanisms));
        }
        let mut address =
            texts(fields, &[(STREET, "street_unstructured"), (POSTAL_CODE, "postal_code"), (CITY, "city")]);
        if let Some(code) = fields.get(COUNTRY.name()) {
            let id = if code.trim().is_empty() { Value::Null } else { json!(self.country(code.trim()).await?) };
            address.insert("country".into(), id);
        }
        if !address.is_empty() {
            let action = match existing.and_then(|(_, a)| a) {
                Some(id) => json!(["write", [id], address]),
                None => json!(["create", [address]]),
            };
            values.insert("addresses".into(), json!([action]));
        }
        Ok(values)
    }
}

/// The fields of `t`'s records the actors are made of.
fn record_fields(t: &ActorType) -> &'static [&'static str] {
    const PARTY: &[&str] =
        &["name", "code", "active", "phone", "email", "website", "addresses", "create_date", "last_modified_at"];
    const PROJECT: &[&str] = &["name", "party", "party.categories", "create_date", "last_modified_at"];
    if *t == ActorType::Project { PROJECT } else { PARTY }
}

/// `rows` by the party id in `key`, the first row of each party kept (read backwards, so that
/// the first is inserted last).
fn by_party<'a>(rows: &'a [Value], key: &str) -> std::collections::HashMap<i64, &'a Value> {
    rows.iter().rev().filter_map(|row| Some((row.get(key)?.as_i64()?, row))).collect()
}

/// The trimmed texts `fields` holds of `keys`, under Tryton's field names.
fn texts(fields: &StringDict, keys: &[(Key<String>, &str)]) -> Map<String, Value> {
    keys.iter().filter_map(|(key, name)| Some(((*name).to_owned(), json!(fields.get(key.name())?.trim())))).collect()
}

/// A boolean as Tryton answers it: `true`/`false`, or `1`/`0` on SQLite.
fn flag(value: Option<&Value>) -> Option<bool> {
    let value = value?;
    value.as_bool().or_else(|| value.as_i64().map(|n| n != 0))
}

/// The party's contact mechanisms and its first address, for a save.
async fn party_parts(s: &TrytonSession, id: i64) -> ConnectorResult<(Vec<Value>, Option<i64>)> {
    let order = json!([["sequence", "ASC"], ["id", "ASC"]]);
    let mechanisms = s
        .rows("model.party.contact_mechanism.search_read", json!([[["party", "=", id]], 0, null, order, ["type"]]))
        .await?;
    let addresses = s.call("model.party.address.search", json!([[["party", "=", id]], 0, 1, order])).await?;
    Ok((mechanisms, addresses.get(0).and_then(Value::as_i64)))
}

/// Logs in, and finds the categories and relation type the connection names.
async fn open(config: &TrytonConfig) -> ConnectorResult<TrytonSession> {
    let url = rpc::endpoint(&config.server, &config.database)?;
    let rpc = config.rpc();
    let login = rpc.login(&url, &config.user, config.password.expose()).await?;
    let s = TrytonSession { rpc, login, customer_category: 0, supplier_category: 0, person_relation: 0 };
    let named = async |model: &str, name: &str| {
        s.one(model, "name", name).await?.ok_or_else(|| {
            let what = model.replace('.', " ");
            ConnectorError::new(format!("Tryton has no {what} `{}`: create it or name another.", shown(name)))
        })
    };
    let customer_category = named("party.category", &config.customer_category).await?;
    let supplier_category = named("party.category", &config.supplier_category).await?;
    let person_relation = named("party.relation.type", &config.person_relation).await?;
    Ok(TrytonSession { customer_category, supplier_category, person_relation, ..s })
}

#[erp_connector(app_id = "7e57c0de7e57c0de7e57c0de7e57c0de", name = "tryton")]
impl ErpConnector<TrytonSession> for Tryton {
    type Config = TrytonConfig;

    async fn open_session(&self, conn: &Connection<TrytonConfig>) -> ConnectorResult<TrytonSession> {
        open(&conn.config).await
    }

    async fn close_session(&self, conn: &Conn) {
        conn.session.rpc.logout(&conn.session.login).await;
    }

    async fn test_config(&self, test: &ConfigTest<TrytonConfig>) -> ConnectorResult<()> {
        let s = open(&test.config).await?;
        s.rpc.logout(&s.login).await;
        Ok(())
    }

    async fn test_connection(&self, conn: &Conn) -> ConnectorResult<()> {
        conn.session.call("model.party.party.search_count", json!([[]])).await?;
        Ok(())
    }

    async fn schema(&self, _: &Conn) -> ConnectorResult<Schema> {
        Ok(mapping::schema())
    }

    async fn get_actors(&self, conn: &Conn, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        conn.session.by_ids(&q.actor_type, q.keys()).await
    }

    async fn search_actors(&self, conn: &Conn, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        let free_text = vec![domain::free_text(&q.search_text)];
        let found = conn.session.find(&q.actor_type, free_text, SEARCH_LIMIT, json!([["name", "ASC"]])).await?;
        Ok(found.into_iter().filter(|a| q.matches(a, &[NAME, CODE])).collect())
    }

    async fn search_actor_by_parent(&self, conn: &Conn, q: SearchByParent) -> ConnectorResult<Vec<ErpActor>> {
        let Some(parent) = q.parent_key::<i64>() else { return Ok(Vec::new()) };
        let under = match q.actor_type {
            ActorType::Person => {
                json!(["relations", "where", [["type", "=", conn.session.person_relation], ["to", "=", parent]]])
            }
            ActorType::Project => json!(["party", "=", parent]),
            _ => return Ok(Vec::new()), // companies have no parent
        };
        let mut domain = vec![under];
        if !q.search_text.trim().is_empty() {
            domain.push(domain::free_text(&q.search_text));
        }
        let found = conn.session.find(&q.actor_type, domain, SEARCH_LIMIT, json!([["name", "ASC"]])).await?;
        Ok(found.into_iter().filter(|a| q.matches(a, &[NAME])).collect())
    }

    async fn search_actors_advanced(&self, conn: &Conn, q: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> {
        let relation = conn.config.person_relation.clone();
        let domain = domain::superset(&q.actor_type, &q.criteria, &relation);
        let found = conn.session.find(&q.actor_type, domain, SEARCH_LIMIT, json!([["id", "ASC"]])).await?;
        Ok(found.into_iter().filter(|a| q.matches(a)).collect())
    }

    async fn get_list(&self, conn: Option<&Conn>, list: &str) -> ConnectorResult<StringDict> {
        let Some(conn) = conn.filter(|_| list == COUNTRIES) else {
            return Err(ConnectorError::new("The countries come from Tryton: save the connection first."));
        };
        let params = json!([[], 0, null, [["code", "ASC"]], ["code", "name"]]);
        let countries = conn.session.rows("model.country.country.search_read", params).await?;
        Ok(countries.iter().map(|c| (text(c, "code"), text(c, "name"))).filter(|(k, _)| !k.is_empty()).collect())
    }

    async fn create_actor(&self, conn: &Conn, actor: NewActor) -> ConnectorResult<ErpActor> {
        let s = &conn.session;
        let t = actor.actor_type.clone();
        let parent = actor.parent.as_ref().map(ParentRef::key::<i64>).transpose()?;
        let values = match t {
            ActorType::Project => {
                let company = s.login.context.get("company").cloned().unwrap_or(Value::Null);
                json!({"name": actor.field(NAME.name()).unwrap_or("").trim(), "type": "project", "party": parent, "company": company})
            }
            _ => {
                let mut values = s.party_values(&actor.fields, actor.value(ACTIVE)?, None).await?;
                match t {
                    ActorType::Customer => values.insert("categories".into(), json!([["add", [s.customer_category]]])),
                    ActorType::Supplier => values.insert("categories".into(), json!([["add", [s.supplier_category]]])),
                    _ => {
                        let Some(company) = parent else {
                            return Err(ConnectorError::new("A person is created under a company: send its parent."));
                        };
                        let relation = json!({"to": company, "type": s.person_relation});
                        values.insert("relations".into(), json!([["create", [relation]]]))
                    }
                };
                Value::Object(values)
            }
        };
        let created = s.write_call(&format!("model.{}.create", model(&t)), json!([[values]])).await?;
        let id =
            created.get(0).and_then(Value::as_i64).ok_or_else(|| ConnectorError::new("Tryton created nothing."))?;
        let actor = s.by_ids(&t, vec![id]).await?.into_iter().next();
        actor.ok_or_else(|| ConnectorError::new(format!("Tryton created record {id} but does not show it as a {t}.")))
    }

    async fn save_actors(&self, conn: &Conn, actors: Vec<ActorChange>) -> ConnectorResult<Vec<ErpActor>> {
        let s = &conn.session;
        let mut saved = Vec::with_capacity(actors.len());
        for change in actors {
            let t = change.actor_type.clone();
            let id = change.key::<i64>()?;
            if s.by_ids(&t, vec![id]).await?.is_empty() {
                return Err(change.not_found());
            }
            let values = match t {
                ActorType::Project => texts(&change.fields, &[(NAME, "name")]),
                _ => {
                    let (mechanisms, address) = party_parts(s, id).await?;
                    s.party_values(&change.fields, change.value(ACTIVE)?, Some((&mechanisms, address))).await?
                }
            };
            if !values.is_empty() {
                s.write_call(&format!("model.{}.write", model(&t)), json!([[id], values])).await?;
            }
            saved.extend(s.by_ids(&t, vec![id]).await?);
        }
        Ok(saved)
    }

    async fn get_actors_by_timestamp(&self, conn: &Conn, q: ActorsSince) -> ConnectorResult<ActorStream> {
        let since = q.since.as_ref().and_then(Stamp::as_datetime);
        let (conn, t) = (conn.clone(), q.actor_type.clone());
        Ok(ActorStream::keyset(PAGE, move |after| {
            let (conn, t) = (conn.clone(), t.clone());
            async move { conn.session.poll_page(&t, since, after).await }
        }))
    }
}

//! The connector: the methods of `ErpConnector` on a Tryton server, one login session per
//! connection.

use std::time::Duration;

use erp_connector::chrono::NaiveDateTime;
use erp_connector::connector::remote::Retry;
use erp_connector::prelude::*;
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
        let records = self
            .call(&format!("model.{}.search_read", model(t)), json!([domain, 0, limit, order, record_fields(t)]))
            .await?;
        self.actors(t, records.as_array().cloned().unwrap_or_default()).await
    }

    /// The parent type of a party with `categories`: Customer before Supplier.
    fn parent_type(&self, categories: Option<&Value>) -> Option<ActorType> {
        let has =
            |id: i64| categories.and_then(Value::as_array).is_some_and(|c| c.iter().any(|v| v.as_i64() == Some(id)));
        if has(self.customer_category) {
            Some(ActorType::Customer)
        } else if has(self.supplier_category) {
            Some(ActorType::Supplier)
        } else {
            None
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
            self.call("model.party.address.read", json!([first_address, fields]))
                .await?
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        let parents = if *t == ActorType::Person && !records.is_empty() {
            let ids: Vec<i64> = records.iter().map(id).collect();
            let domain = json!([["from_", "in", ids], ["type", "=", self.person_relation]]);
            let fields = json!(["from_", "to", "to.categories"]);
            self.call("model.party.relation.all.search_read", json!([domain, 0, null, [["id", "ASC"]], fields]))
                .await?
                .as_array()
                .cloned()
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        // By party id: the first address, the first relation to a company (first by id).
        let (addresses, parents) = (by_party(&addresses, "party"), by_party(&parents, "from_"));
        let mut actors = Vec::with_capacity(records.len());
        for r in &records {
            let stamp = r.get("last_modified_at").and_then(rpc::datetime_of).map_or(Stamp::text(""), Stamp::at);
            let mut actor = ErpActor::new(t.clone(), id(r).to_string(), stamp)
                .with_field(NAME, text(r, "name"))
                .with_field(CREATED, r.get("create_date").and_then(rpc::datetime_of));
            match t {
                ActorType::Project => {
                    let parent = r.get("party").and_then(Value::as_i64);
                    let parent_type = self.parent_type(r.get("party.").and_then(|p| p.get("categories")));
                    if let (Some(parent), Some(parent_type)) = (parent, parent_type) {
                        actor = actor.with_parent(parent_type, parent.to_string());
                    }
                }
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
                        let to = relation.get("to").and_then(Value::as_i64);
                        let parent_type = self.parent_type(relation.get("to.").and_then(|p| p.get("categories")));
                        if let (Some(to), Some(parent_type)) = (to, parent_type) {
                            actor = actor.with_parent(parent_type, to.to_string());
                        }
                    }
                }
            }
            actors.push(actor);
        }
        Ok(actors)
    }

    /// The actors of `t` with `ids`, in one read.
    async fn by_ids(&self, t: &ActorType, ids: Vec<i64>) -> ConnectorResult<Vec<ErpActor>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let n = ids.len();
        self.find(t, vec![json!(["id", "in", ids])], n, json!([["id", "ASC"]])).await
    }

    /// One page of the change poll: records of `t` changed on or after `since`, after `cursor`
    /// (the last stamp and id of the previous page), oldest first.
    async fn poll_page(
        &self,
        t: &ActorType,
        since: Option<NaiveDateTime>,
        cursor: Option<(NaiveDateTime, i64)>,
    ) -> ConnectorResult<(Vec<ErpActor>, Option<(NaiveDateTime, i64)>)> {
        let mut domain = Vec::new();
        if let Some(since) = since {
            domain.push(json!(["last_modified_at", ">=", rpc::datetime_value(since)]));
        }
        if let Some((at, id)) = cursor {
            let at = rpc::datetime_value(at);
            domain.push(json!(["OR", ["last_modified_at", ">", at], [["last_modified_at", "=", at], ["id", ">", id]]]));
        }
        let order = json!([["last_modified_at", "ASC"], ["id", "ASC"]]);
        let actors = self.find(t, domain, PAGE, order).await?;
        let next = if actors.len() < PAGE {
            None
        } else {
            actors.last().and_then(|a| Some((a.stamp()?.as_datetime()?, a.erp_key.as_deref()?.parse().ok()?)))
        };
        Ok((actors, next))
    }

    /// A country's id by its code, with Tryton's own list as the judge.
    async fn country(&self, code: &str) -> ConnectorResult<i64> {
        let found = self.call("model.country.country.search", json!([[["code", "=", code]], 0, 1, null])).await?;
        found.get(0).and_then(Value::as_i64).ok_or_else(|| {
            ConnectorError::new(format!("Tryton has no country `{}`.", erp_connector::untrusted::shown(code)))
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
        let mut values = Map::new();
        for (key, field) in [(NAME, "name"), (CODE, "code")] {
            if let Some(v) = fields.get(key.name()) {
                values.insert(field.into(), json!(v.trim()));
            }
        }
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
        let mut address = Map::new();
        for (key, field) in [(STREET, "street_unstructured"), (POSTAL_CODE, "postal_code"), (CITY, "city")] {
            if let Some(v) = fields.get(key.name()) {
                address.insert(field.into(), json!(v.trim()));
            }
        }
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

/// `rows` by the party id in `key`, the first row of each party kept.
fn by_party<'a>(rows: &'a [Value], key: &str) -> std::collections::HashMap<i64, &'a Value> {
    let mut index = std::collections::HashMap::new();
    for row in rows {
        if let Some(party) = row.get(key).and_then(Value::as_i64) {
            index.entry(party).or_insert(row);
        }
    }
    index
}

/// A boolean as Tryton answers it: `true`/`false`, or `1`/`0` on SQLite.
fn flag(value: Option<&Value>) -> Option<bool> {
    let value = value?;
    value.as_bool().or_else(|| value.as_i64().map(|n| n != 0))
}

/// The party's contact mechanisms and its first address, for a save.
async fn party_parts(s: &TrytonSession, id: i64) -> ConnectorResult<(Vec<Value>, Option<i64>)> {
    let mechanisms = s
        .call(
            "model.party.contact_mechanism.search_read",
            json!([[["party", "=", id]], 0, null, [["sequence", "ASC"], ["id", "ASC"]], ["type"]]),
        )
        .await?;
    let addresses = s
        .call("model.party.address.search", json!([[["party", "=", id]], 0, 1, [["sequence", "ASC"], ["id", "ASC"]]]))
        .await?;
    Ok((mechanisms.as_array().cloned().unwrap_or_default(), addresses.get(0).and_then(Value::as_i64)))
}

/// The id a parent reference names.
fn parent_id(parent: Option<&ParentRef>) -> ConnectorResult<Option<i64>> {
    parent
        .map(|p| {
            p.erp_key.trim().parse::<i64>().map_err(|_| {
                ConnectorError::new(format!(
                    "The parent `{}` is no Tryton record.",
                    erp_connector::untrusted::shown(&p.erp_key)
                ))
            })
        })
        .transpose()
}

/// Logs in, and finds the categories and relation type the connection names.
async fn open(config: &TrytonConfig) -> ConnectorResult<TrytonSession> {
    let url = rpc::endpoint(&config.server, &config.database)?;
    let rpc = config.rpc();
    let login = rpc.login(&url, &config.user, config.password.expose()).await?;
    let named = |model: &'static str, name: &str, what: &'static str| {
        let (rpc, login, name) = (rpc.clone(), login.clone(), name.to_owned());
        async move {
            let found = rpc
                .call(&login, &format!("model.{model}.search"), json!([[["name", "=", name]], 0, 1, null]), Retry::Safe)
                .await?;
            found.get(0).and_then(Value::as_i64).ok_or_else(|| {
                ConnectorError::new(format!(
                    "Tryton has no {what} `{}`: create it, or name another in the connection.",
                    erp_connector::untrusted::shown(&name)
                ))
            })
        }
    };
    let customer_category = named("party.category", &config.customer_category, "party category").await?;
    let supplier_category = named("party.category", &config.supplier_category, "party category").await?;
    let person_relation = named("party.relation.type", &config.person_relation, "relation type").await?;
    Ok(TrytonSession { rpc, login, customer_category, supplier_category, person_relation })
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
        let session = open(&test.config).await?;
        session.rpc.logout(&session.login).await;
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
        conn.session.by_ids(&q.actor_type, mapping::ids(&q.erp_keys)).await
    }

    async fn search_actors(&self, conn: &Conn, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        let free_text = vec![domain::free_text(&q.search_text)];
        let found = conn.session.find(&q.actor_type, free_text, SEARCH_LIMIT, json!([["name", "ASC"]])).await?;
        Ok(found.into_iter().filter(|a| q.matches(a, &[NAME, CODE])).collect())
    }

    async fn search_actor_by_parent(&self, conn: &Conn, q: SearchByParent) -> ConnectorResult<Vec<ErpActor>> {
        let Ok(parent) = q.parent_erp_key.trim().parse::<i64>() else { return Ok(Vec::new()) };
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
        if list != COUNTRIES {
            return Err(ConnectorError::new(format!("No list `{}`.", erp_connector::untrusted::shown(list))));
        }
        let Some(conn) = conn else {
            return Err(ConnectorError::new("The countries come from Tryton: save the connection first."));
        };
        let countries = conn
            .session
            .call("model.country.country.search_read", json!([[], 0, null, [["code", "ASC"]], ["code", "name"]]))
            .await?;
        Ok(countries
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (text(c, "code"), text(c, "name")))
            .filter(|(k, _)| !k.is_empty())
            .collect())
    }

    async fn create_actor(&self, conn: &Conn, actor: NewActor) -> ConnectorResult<ErpActor> {
        let s = &conn.session;
        let t = actor.actor_type.clone();
        let parent = parent_id(actor.parent.as_ref())?;
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
                        values.insert(
                            "relations".into(),
                            json!([["create", [{"to": company, "type": s.person_relation}]]]),
                        )
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
            let unknown = || {
                ConnectorError::new(format!(
                    "Tryton has no {t} `{}`.",
                    erp_connector::untrusted::shown(&change.erp_key)
                ))
            };
            let id = mapping::ids(std::slice::from_ref(&change.erp_key)).first().copied().ok_or_else(unknown)?;
            if s.by_ids(&t, vec![id]).await?.is_empty() {
                return Err(unknown());
            }
            let values = match t {
                ActorType::Project => {
                    let mut values = Map::new();
                    if let Some(name) = change.field(NAME.name()) {
                        values.insert("name".into(), json!(name.trim()));
                    }
                    values
                }
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
        Ok(ActorStream::paged(None, move |cursor| {
            let (conn, t) = (conn.clone(), t.clone());
            async move {
                let (actors, next) = conn.session.poll_page(&t, since, cursor).await?;
                Ok((actors, next.map(Some)))
            }
        }))
    }
}

//! From a decoded request to the user's method and back: the framework's half of every call.
//!
//! It owns the connection lifecycle (save, delete, unknown GUIDs answered with
//! `UNKNOWN_CONNECTION_ID` so that EIS resends, spec §5.2), parses the stored configuration into
//! the user's type, and turns every outcome, failures included, into the operation's response.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::connector::search::criteria;
use crate::connector::{
    ActorChange, ActorsSince, AdvancedSearch, ConnectorError, ConnectorResult, ErpConnector, GetActors, NewActor,
    Reply, SearchActors, SearchByParent,
};
use crate::contract::*;

use super::credential_tests::{CredentialTests, NotTested};
use super::erased::{Adapter, AnyConfig, AnyConn, AnySession, Methods};
use super::per_source::PerSource;
use super::settings::{ConnectionLimits, ReplacePolicy};
use crate::http::{Answer, CallContext, LocalBoxFuture, SoapHandler};
use crate::store::{ConnectionStore, Record, StoreChange, now_secs};
use crate::untrusted::shown;

/// A connector as the service hosts it: the user's value (behind an object-safe adapter, so that this code
/// is compiled once), its name, the shared store, and a cache of parsed connections with their
/// sessions.
pub struct Hosted {
    methods: Box<dyn Methods + Send + Sync>,
    name: String,
    store: Arc<dyn ConnectionStore>,
    tech_explanations: bool,
    limits: ConnectionLimits,
    cache: Arc<ConnectionCache<Loaded>>,
    saves: PerSource,
    /// New connections stored per source and hour.
    new_connections: PerSource,
    /// Bounds on `test_config` runs.
    credential_tests: CredentialTests,
    handshake: Option<crate::auth::Handshake>,
}

/// A connection as the cache keeps it: its parsed configuration and its session, opened on
/// first use.
struct Loaded {
    guid: ConnectionGuid,
    config: AnyConfig,
    /// A hash of the stored values this was parsed from: a fresh read of the same values keeps
    /// the session (no new ERP login each time the cache entry expires).
    values: u64,
    /// One cell per session: replaced by an empty one when the connector says it expired, so
    /// that concurrent calls open one session, not one each.
    session: std::sync::Mutex<Arc<tokio::sync::OnceCell<AnySession>>>,
}

impl Loaded {
    fn new(guid: ConnectionGuid, config: AnyConfig, values: u64) -> Self {
        Loaded { guid, config, values, session: std::sync::Mutex::new(Arc::new(tokio::sync::OnceCell::new())) }
    }

    /// Takes over `earlier`'s session (the same values, read again).
    fn keeping(self, earlier: &Loaded) -> Self {
        *crate::sync::lock(&self.session) = earlier.cell();
        self
    }

    fn cell(&self) -> Arc<tokio::sync::OnceCell<AnySession>> {
        crate::sync::lock(&self.session).clone()
    }

    /// The connection with `session`.
    fn with(&self, session: AnySession) -> AnyConn {
        AnyConn { guid: self.guid, config: self.config.clone(), session }
    }

    /// The connection with its session, if one is open.
    fn opened(&self) -> Option<AnyConn> {
        Some(self.with(self.cell().get().cloned()?))
    }

    /// Forgets `failed` (unless another call has already replaced it).
    fn expire(&self, failed: &AnySession) {
        let mut cell = crate::sync::lock(&self.session);
        if cell.get().is_some_and(|s| Arc::ptr_eq(s, failed)) {
            *cell = Arc::new(tokio::sync::OnceCell::new());
        }
    }
}

/// A hash of a connection's stored values, in key order (kept in memory only, to tell a fresh
/// read of the same values from changed ones).
fn values_hash(info: &StringDict) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut pairs: Vec<(&str, Option<&str>)> = info.iter().collect();
    pairs.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    pairs.hash(&mut hasher);
    hasher.finish()
}

/// How a [`Hosted`] connector answers: error details, the connection cache, the limits on saves.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// Whether `TechExplanation` is sent with errors.
    pub tech_explanations: bool,
    /// How long a parsed connection is reused (zero: read the store on every call).
    pub cache_ttl: Duration,
    /// What anonymous callers may store.
    pub limits: ConnectionLimits,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            tech_explanations: false,
            cache_ttl: Duration::from_secs(60),
            limits: ConnectionLimits::default(),
        }
    }
}

/// How long a deleted connection's values still guard its GUID.
const TOMBSTONE_SECS: u64 = 30 * 24 * 3600;

/// The values of a stored record, and whether it is a tombstone that still guards the GUID
/// (`None`: not deleted; `Some(false)`: deleted long enough ago to guard nothing).
fn tombstone(record: Record) -> (StringDict, Option<bool>) {
    let live = record.deleted_at.map(|at| now_secs().saturating_sub(at) < TOMBSTONE_SECS);
    (record.values, live)
}

/// Most bytes of one configuration value whose field declares no `MaxLength`.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 4096;

/// Parsed connections kept for a while, so that a call does not wait for the store. Saves and
/// deletes through this process update it at once; a shared store tells of changes through other
/// replicas ([`ConnectionStore::watch`]); otherwise they are seen once an entry is older than the
/// time to live.
struct ConnectionCache<V> {
    ttl: Duration,
    /// Most entries kept; expired ones go first, then the oldest.
    capacity: usize,
    entries: RwLock<CacheEntries<V>>,
}

struct CacheEntries<V> {
    by_guid: HashMap<ConnectionGuid, Cached<V>>,
    /// Counts changes heard of, so that a read that began before one is not cached after it.
    generation: u64,
}

/// When an entry was read, and the connection.
type Cached<V> = (Instant, Arc<V>);

impl<V> ConnectionCache<V> {
    fn entries(&self) -> std::sync::RwLockReadGuard<'_, CacheEntries<V>> {
        crate::sync::read(&self.entries)
    }

    fn entries_mut(&self) -> std::sync::RwLockWriteGuard<'_, CacheEntries<V>> {
        crate::sync::write(&self.entries)
    }

    fn get(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        self.entries().by_guid.get(&guid).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, c)| c.clone())
    }

    /// The entry of `guid` whose time is up, if it is still there.
    fn expired(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        self.entries().by_guid.get(&guid).filter(|(at, _)| at.elapsed() >= self.ttl).map(|(_, c)| c.clone())
    }

    /// The mark to give [`Self::put`] for a read starting now.
    fn generation(&self) -> u64 {
        self.entries().generation
    }

    fn new(ttl: Duration, capacity: usize) -> Self {
        let entries = CacheEntries { by_guid: HashMap::new(), generation: 0 };
        ConnectionCache { ttl, capacity, entries: RwLock::new(entries) }
    }

    /// Keeps `conn`, read since `generation`, unless a change was heard of in the meantime;
    /// returns what is kept. A read that finishes second gets the first one's entry, so that
    /// concurrent first calls share one (and one session).
    fn put(&self, guid: ConnectionGuid, conn: Arc<V>, generation: u64) -> Arc<V> {
        if self.ttl.is_zero() || self.capacity == 0 {
            return conn;
        }
        let mut entries = self.entries_mut();
        if entries.generation != generation {
            return conn;
        }
        if let Some((at, kept)) = entries.by_guid.get(&guid)
            && at.elapsed() < self.ttl
        {
            return kept.clone();
        }
        self.make_room(&mut entries, guid);
        entries.by_guid.insert(guid, (Instant::now(), conn.clone()));
        conn
    }

    /// Keeps `conn`, just saved, in place of anything read before the save; returns that.
    fn saved(&self, guid: ConnectionGuid, conn: Arc<V>) -> Option<Arc<V>> {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        let old = entries.by_guid.remove(&guid).map(|(_, old)| old);
        if !self.ttl.is_zero() && self.capacity > 0 {
            self.make_room(&mut entries, guid);
            entries.by_guid.insert(guid, (Instant::now(), conn));
        }
        old
    }

    /// Before `guid` is added to a full cache: the expired entries go, and if none had, the
    /// oldest (one scan for a whole TTL's worth of entries, so amortised it is cheap).
    fn make_room(&self, entries: &mut CacheEntries<V>, guid: ConnectionGuid) {
        if entries.by_guid.len() < self.capacity || entries.by_guid.contains_key(&guid) {
            return;
        }
        entries.by_guid.retain(|_, (at, _)| at.elapsed() < self.ttl);
        if entries.by_guid.len() >= self.capacity
            && let Some(oldest) = entries.by_guid.iter().min_by_key(|(_, (at, _))| *at).map(|(g, _)| *g)
        {
            entries.by_guid.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().by_guid.len()
    }

    /// Forgets `guid`; returns what was kept for it.
    fn forget(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.remove(&guid).map(|(_, old)| old)
    }

    fn forget_all(&self) {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.clear();
    }
}

impl Hosted {
    /// Hosts `connector` under `name`, its connections in `store`.
    pub fn new<T: ErpConnector<S>, S: Send + Sync + 'static>(
        connector: T,
        name: impl Into<String>,
        store: Arc<dyn ConnectionStore>,
        options: HostOptions,
    ) -> Self {
        Self::erased(Box::new(Adapter::<T, S>::new(connector)), name.into(), store, options)
    }

    fn erased(
        methods: Box<dyn Methods + Send + Sync>,
        name: String,
        store: Arc<dyn ConnectionStore>,
        options: HostOptions,
    ) -> Self {
        let HostOptions { tech_explanations, cache_ttl, limits } = options;
        let cache = Arc::new(ConnectionCache::new(cache_ttl, limits.cache_entries));
        let saves = PerSource::new(limits.saves_per_minute_per_source, Duration::from_secs(60));
        let new_connections = PerSource::new(limits.new_per_hour_per_source, Duration::from_secs(3600));
        let credential_tests = CredentialTests::new(limits.tests_per_minute_per_source);
        let (watched, connector_name) = (Arc::downgrade(&cache), name.clone());
        store.watch(Arc::new(move |change| {
            let Some(cache) = watched.upgrade() else { return };
            match change {
                StoreChange::Connection { connector, guid } if connector == connector_name => drop(cache.forget(guid)),
                StoreChange::Connection { .. } => {}
                StoreChange::Unknown => cache.forget_all(),
            }
        }));
        Hosted {
            methods,
            name,
            store,
            tech_explanations,
            limits,
            cache,
            saves,
            new_connections,
            credential_tests,
            handshake: None,
        }
    }

    /// Answers `Authenticate` with this handshake (application id, key, trusted certificates).
    pub fn with_handshake(mut self, handshake: crate::auth::Handshake) -> Self {
        self.handshake = Some(handshake);
        self
    }

    fn failure(&self, op: Operation, error: ConnectorError) -> Response {
        Response::failure(op, error.into_wire(self.tech_explanations))
    }

    /// The answer to a call, failures included.
    async fn respond(&self, call: &CallContext, request: Request) -> Response {
        let op = request.operation();
        match self.answer(call, request).await {
            Ok(response) => response,
            Err(error) => self.logged_failure(op, error),
        }
    }

    fn logged_failure(&self, op: Operation, error: ConnectorError) -> Response {
        if error.error_code != Some(ErrorCode::UnknownConnectionId) {
            let cause = error.tech_explanation.as_deref().map(shown).unwrap_or_default();
            tracing::warn!(operation = %op, error = %shown(&error.to_string()), %cause, "connector answered with an error");
        }
        self.failure(op, error)
    }

    async fn load(&self, guid: Option<ConnectionGuid>) -> ConnectorResult<Arc<Loaded>> {
        let guid =
            guid.ok_or_else(|| ConnectorError::new("The request names no connection (ConnectionGuid is missing)."))?;
        if let Some(conn) = self.cache.get(guid) {
            crate::metrics::cache(true);
            tracing::debug!(connection = %guid, "connection from the cache");
            return Ok(conn);
        }
        crate::metrics::cache(false);
        let generation = self.cache.generation();
        let (store, name) = (self.store.clone(), self.name.clone());
        let loaded = blocking(move || match store.load(&name, guid) {
            // Saved under another store key (lost or replaced): as good as unknown, so that EIS
            // resends the values, which are then stored under the current key.
            Err(crate::store::StoreError::Crypto(e)) => {
                tracing::warn!(connection = %guid, error = %e, "stored connection cannot be decrypted; asking EIS to resend it");
                Ok(None)
            }
            other => other,
        });
        // A deleted connection (its tombstone) is as unknown as one never saved.
        let info = loaded.await?.filter(|record| !record.is_deleted()).map(|record| record.values);
        let info = info.ok_or_else(ConnectorError::unknown_connection)?;
        let config = self.methods.parse(&info).map_err(|e| {
            ConnectorError::new(format!("The saved configuration of this connection is no longer valid: {e}. Edit and save the connection again."))
        })?;
        // Keys only: values may be passwords.
        tracing::debug!(connection = %guid, keys = ?info.keys().map(shown).collect::<Vec<_>>(), "connection read from the store");
        let values = values_hash(&info);
        let mut fresh = Loaded::new(guid, config, values);
        // The entry's time is up but the values are the same: its ERP session goes on. Other
        // values (changed where no notice reached this replica): its session ends.
        match self.cache.expired(guid) {
            Some(earlier) if earlier.values == values => fresh = fresh.keeping(&earlier),
            Some(earlier) => self.close(Some(earlier)).await,
            None => {}
        }
        Ok(self.cache.put(guid, Arc::new(fresh), generation))
    }

    /// The connection with its session, opening one if none is open (one for concurrent calls).
    async fn connection(&self, loaded: &Loaded) -> ConnectorResult<AnyConn> {
        let cell = loaded.cell();
        let session = cell
            .get_or_try_init(|| async {
                let opened = self.methods.open_session(loaded.guid, &loaded.config).await;
                if self.methods.has_sessions() {
                    match &opened {
                        Ok(_) => {
                            crate::metrics::session_opened();
                            tracing::debug!(connection = %loaded.guid, "ERP session opened")
                        }
                        Err(e) => tracing::warn!(connection = %loaded.guid, error = %shown(&e.to_string()), "ERP session could not be opened"),
                    }
                }
                opened
            })
            .await?
            .clone();
        Ok(loaded.with(session))
    }

    /// Calls `method` with the connection and its session; when it answers that the session
    /// expired, once more with a new session.
    async fn call<Q: Clone, R>(
        &self,
        loaded: &Loaded,
        query: Q,
        method: impl AsyncFn(&AnyConn, Q) -> ConnectorResult<R>,
    ) -> ConnectorResult<R> {
        let conn = self.connection(loaded).await?;
        // Without sessions there is nothing to retry with: no copy of the query.
        let again = self.methods.has_sessions().then(|| query.clone());
        match (method(&conn, query).await, again) {
            (Err(e), Some(query)) if e.is_session_expired() => {
                tracing::info!(connection = %loaded.guid, "ERP session expired; opening a new one and calling again");
                loaded.expire(&conn.session);
                drop(conn);
                method(&self.connection(loaded).await?, query).await
            }
            (outcome, _) => outcome,
        }
    }

    /// Logs out of the session of a connection the cache let go of for a save or a delete.
    async fn close(&self, old: Option<Arc<Loaded>>) {
        if let Some(conn) = old.as_deref().and_then(Loaded::opened)
            && self.methods.has_sessions()
        {
            self.methods.close_session(&conn).await;
            tracing::debug!(connection = %conn.guid, "ERP session closed");
        }
    }

    /// The response of `op` with `reply`'s payload (through `payload`) and status.
    fn reply<V>(&self, reply: Reply<V>, payload: impl FnOnce(V) -> Response) -> Response {
        let (value, status) = reply.into_wire(self.tech_explanations);
        let mut response = payload(value);
        *response.result_mut() = status;
        response
    }

    async fn answer(&self, call: &CallContext, request: Request) -> ConnectorResult<Response> {
        let op = request.operation();
        if let Some(response) = config_list_answer(&*self.methods, &request) {
            return Ok(response);
        }
        let c = &*self.methods;
        let empty = |()| Response::empty(op);
        Ok(match request {
            Request::GetConfigData => fields_response(c.fields()),
            Request::TestConfigData(r) => {
                let Declared { values, ignored } = check_config(&c.fields(), r.connection_info, &self.limits)?;
                let config = self.parse(&values)?;
                Ignored(ignored).noted(self.reply(self.test_credentials(call, &config, &values).await?, empty))
            }
            Request::SaveConnection(r) => {
                let guid = r.base.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
                let Declared { values, ignored } = check_config(&c.fields(), r.connection_info, &self.limits)?;
                let ignored = Ignored(ignored);
                let config = self.parse(&values)?;
                if !self.saves.admit(Some(call.client)) {
                    let limit = self.limits.saves_per_minute_per_source;
                    return Err(refused_for_source(
                        call,
                        "saves_per_source",
                        "ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE",
                        format!("Too many connections saved from this address: at most {limit} per minute"),
                        "Try again in a minute.",
                    ));
                }
                if self.may_store(call, guid, &values, &config).await? {
                    // Keys only: values may be passwords.
                    tracing::debug!(connection = %guid, keys = ?values.keys().map(shown).collect::<Vec<_>>(), "saving connection");
                    let (store, name, hash) = (self.store.clone(), self.name.clone(), values_hash(&values));
                    let record = Record::saved(values, Some(call.client));
                    blocking(move || store.save(&name, guid, &record)).await?;
                    // Replaces anything read before the save, and stops reads begun before it
                    // from being kept; the old session (other values, maybe) is closed.
                    self.close(self.cache.saved(guid, Arc::new(Loaded::new(guid, config.clone(), hash)))).await;
                    tracing::info!(connection = %guid, "connection saved");
                }
                ignored.noted(self.reply(c.connection_saved(guid, &config).await?, empty))
            }
            Request::DeleteConnection(r) => {
                let guid = r.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
                let hook = match self.load(Some(guid)).await {
                    Ok(loaded) => c.connection_deleted(guid, &loaded.config).await,
                    Err(_) => Ok(Reply::ok()),
                };
                if let Err(e) = &hook {
                    tracing::warn!(connection = %guid, error = %shown(&e.to_string()), "connection_deleted failed; deleting anyway");
                }
                let (store, name) = (self.store.clone(), self.name.clone());
                let keep_values = self.limits.replace != ReplacePolicy::Allow;
                blocking(move || {
                    // Where replacing needs proof, the values stay as a tombstone: otherwise a
                    // delete and a save would replace a connection with none.
                    let stored = if keep_values { store.load(&name, guid).ok().flatten() } else { None };
                    match stored {
                        Some(mut record) if !record.is_deleted() => {
                            record.deleted_at = Some(now_secs());
                            store.save(&name, guid, &record)
                        }
                        Some(_) => Ok(()),
                        None => store.delete(&name, guid).map(drop),
                    }
                })
                .await?;
                // Also stops a read begun before the delete from being kept.
                self.close(self.cache.forget(guid)).await;
                self.reply(hook?, empty)
            }
            Request::TestConnection(r) => {
                let loaded = self.load(r.connection_guid).await?;
                self.reply(self.call(&loaded, (), async |conn, ()| c.test_connection(conn).await).await?, empty)
            }
            Request::GetSupportedActorTypes(r) => {
                let loaded = self.load(r.connection_guid).await?;
                let types = self.call(&loaded, (), async |conn, ()| c.supported_actor_types(conn).await).await?;
                self.reply(types, |types| strings_response(types.iter().map(ToString::to_string).collect()))
            }
            Request::GetSupportedActorTypeFields(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let actor_type = required(r.actor_type, "ActorType")?;
                let fields =
                    self.call(&loaded, (), async |conn, ()| c.actor_type_fields(conn, &actor_type).await).await?;
                self.reply(fields, fields_response)
            }
            Request::GetSearchableFields(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let actor_type = required(r.actor_type, "ActorType")?;
                let keys =
                    self.call(&loaded, (), async |conn, ()| c.searchable_fields(conn, &actor_type).await).await?;
                self.reply(keys, strings_response)
            }
            Request::GetActors(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let query = GetActors {
                    actor_type: required(r.actor_type, "ActorType")?,
                    erp_keys: r.erp_keys.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                let keys = query.field_keys.clone();
                let found = self.call(&loaded, query, async |conn, q| c.get_actors(conn, q).await).await?;
                self.reply(found, |actors| requested(actors, &keys))
            }
            Request::SearchActors(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let query = SearchActors {
                    actor_type: required(r.actor_type, "ActorType")?,
                    search_text: r.search_text.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                let keys = query.field_keys.clone();
                let found = self.call(&loaded, query, async |conn, q| c.search_actors(conn, q).await).await?;
                self.reply(found, |actors| requested(actors, &keys))
            }
            Request::SearchActorByParent(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let query = SearchByParent {
                    actor_type: required(r.actor_type, "ActorType")?,
                    search_text: r.search_text.unwrap_or_default(),
                    parent_actor_type: required(r.parent_actor_type, "ParentActorType")?,
                    parent_erp_key: r.parent_actor_erp_key.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                let keys = query.field_keys.clone();
                let found = self.call(&loaded, query, async |conn, q| c.search_actor_by_parent(conn, q).await).await?;
                self.reply(found, |actors| requested(actors, &keys))
            }
            Request::SearchActorsAdvanced(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let actor_type = required(r.actor_type, "ActorType")?;
                let (restrictions, field_keys) = (r.restrictions.unwrap_or_default(), r.field_keys.unwrap_or_default());
                let keys = field_keys.clone();
                let found = self
                    .call(&loaded, (), async |conn, ()| {
                        // Checked against what the connector says is searchable, before it is called.
                        let searchable = c.searchable_fields(conn, &actor_type).await?.value;
                        let fields = c.actor_type_fields(conn, &actor_type).await?.value;
                        let criteria = criteria(&restrictions, &actor_type, &searchable, &fields)?;
                        let query =
                            AdvancedSearch { actor_type: actor_type.clone(), criteria, field_keys: field_keys.clone() };
                        c.search_actors_advanced(conn, query).await
                    })
                    .await?;
                self.reply(found, |actors| requested(actors, &keys))
            }
            Request::CreateActor(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let actor = required(r.actor, "Actor")?;
                let created = self
                    .call(&loaded, actor, async |conn, actor| {
                        let fields = match &actor.actor_type {
                            Some(actor_type) => c.actor_type_fields(conn, actor_type).await?.value,
                            None => Vec::new(),
                        };
                        c.create_actor(conn, NewActor::checked(actor, &fields)?).await
                    })
                    .await?;
                self.reply(created, |actor| Response::Actor(ActorResponse { actor: Some(actor), ..Default::default() }))
            }
            Request::SaveActors(r) => {
                let loaded = self.load(r.base.connection_guid).await?;
                let actors = r.actors.unwrap_or_default();
                let saved = self
                    .call(&loaded, actors, async |conn, actors| {
                        // The fields of each actor type sent, asked for once per type.
                        let mut fields: Vec<(ActorType, Vec<FieldMetadata>)> = Vec::new();
                        for actor_type in actors.iter().filter_map(|a| a.actor_type.as_ref()) {
                            if !fields.iter().any(|(t, _)| t == actor_type) {
                                let of_type = c.actor_type_fields(conn, actor_type).await?.value;
                                fields.push((actor_type.clone(), of_type));
                            }
                        }
                        let fields_of =
                            |t: &ActorType| fields.iter().find(|(f, _)| f == t).map_or(&[][..], |(_, f)| f.as_slice());
                        c.save_actors(conn, ActorChange::checked(actors, fields_of)?).await
                    })
                    .await?;
                self.reply(saved, actors_response)
            }
            Request::GetList(r) => {
                let name = r.list_name.unwrap_or_default();
                let items = match self.setup_or_load(r.base.connection_guid).await? {
                    None => c.get_list(None, &name).await?,
                    Some(loaded) => {
                        self.call(&loaded, (), async |conn, ()| c.get_list(Some(conn), &name).await).await?
                    }
                };
                self.reply(items, list_response)
            }
            Request::GetListItems(r) => {
                let (name, keys) = (r.list_name.unwrap_or_default(), r.list_item_keys.unwrap_or_default());
                let items = match self.setup_or_load(r.base.connection_guid).await? {
                    None => c.get_list_items(None, &name, keys).await?,
                    Some(loaded) => {
                        self.call(&loaded, keys, async |conn, keys| c.get_list_items(Some(conn), &name, keys).await)
                            .await?
                    }
                };
                self.reply(items, list_response)
            }
            Request::GetActorsByTimestamp(r) => {
                // Through the streaming method, so that a connector implementing only it answers
                // here too (`handle_streaming` writes the same actors as they come).
                let actors = self.poll(r).await?.collect().await?;
                self.reply(actors, actors_response)
            }
        })
    }

    /// `WSGetActorsByTimestamp` as the connector's stream.
    async fn poll(&self, r: GetActorsByTimestampRequest) -> ConnectorResult<crate::connector::ActorStream> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = ActorsSince {
            actor_type: required(r.actor_type, "ActorType")?,
            since: r.updated_on_or_after.filter(|since| !since.trim().is_empty()),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        let actors = self.call(&loaded, query, async |conn, q| c.get_actors_by_timestamp(conn, q).await);
        Ok(actors.await?.only_fields(keys))
    }

    /// Whether a save of `info` under `guid` may go on: `Ok(false)` when the same values are
    /// stored already (nothing to do), an error when it would replace other values (stored, or
    /// kept as the tombstone of a deleted connection) without what [`ReplacePolicy`] asks for,
    /// or store one connection more than allowed.
    async fn may_store(
        &self,
        call: &CallContext,
        guid: ConnectionGuid,
        info: &StringDict,
        config: &AnyConfig,
    ) -> ConnectorResult<bool> {
        let (store, name) = (self.store.clone(), self.name.clone());
        // Whether a row is under this GUID (it is overwritten, not added), and its values.
        let (row, stored) = blocking(move || match store.load(&name, guid) {
            // Undecryptable (the store key changed): EIS is resending it; as good as not stored.
            Err(crate::store::StoreError::Crypto(_)) => Ok((true, None)),
            other => other.map(|values| (values.is_some(), values)),
        })
        .await?;
        let (stored, deleted) = match stored.map(tombstone) {
            // An expired tombstone guards nothing.
            Some((_, Some(false))) => (None, false),
            Some((values, mark)) => (Some(values), mark.is_some()),
            None => (None, false),
        };
        match stored {
            // The same values: nothing to write, unless they come back from a tombstone.
            Some(old) if old == *info => Ok(deleted),
            Some(_) => match self.limits.replace {
                ReplacePolicy::Allow => Ok(true),
                ReplacePolicy::Refuse => {
                    tracing::warn!(connection = %guid, "refused to replace a stored connection with other values (replace = refuse)");
                    Err(ConnectorError::new(
                        "This connection is (or was) stored with other values, and this connector does not replace \
                         connections: add a new connection in SuperOffice instead.",
                    ))
                }
                ReplacePolicy::Test => match self.test_credentials(call, config, info).await {
                    Ok(_) => Ok(true),
                    Err(e) => {
                        tracing::warn!(connection = %guid, error = %shown(&e.to_string()), "refused to replace a stored connection: the new values do not pass test_config");
                        let mut refused = ConnectorError::new(format!(
                            "This connection is (or was) stored with other values; new values replace them only \
                             when they pass the connector's test, and these did not: {}",
                            e.user_explanation
                        ));
                        refused.error_code = e.error_code;
                        Err(refused)
                    }
                },
            },
            None if row => Ok(true),
            None => {
                let (store, name) = (self.store.clone(), self.name.clone());
                let stored = blocking(move || store.count(&name)).await?;
                if !self.new_connections.admit(Some(call.client)) {
                    let limit = self.limits.new_per_hour_per_source;
                    return Err(refused_for_source(
                        call,
                        "new_connections_per_source",
                        "ERP_CONNECTOR_NEW_CONNECTIONS_PER_HOUR_PER_SOURCE",
                        format!("Too many new connections saved from this address: at most {limit} an hour"),
                        "Try again later.",
                    ));
                }
                if stored >= self.limits.max_stored {
                    tracing::warn!(
                        limit = self.limits.max_stored,
                        "save refused: ERP_CONNECTOR_MAX_STORED_CONNECTIONS reached"
                    );
                    return Err(ConnectorError::new(format!(
                        "The connector stores at most {} connections (ERP_CONNECTOR_MAX_STORED_CONNECTIONS); \
                         ask its operator to raise the limit.",
                        self.limits.max_stored
                    )));
                }
                Ok(true)
            }
        }
    }

    /// The connector's `test_config` of `values`, within the bounds on credential tests (per
    /// source, and per target: the values but the secrets); a test not run is answered as such.
    async fn test_credentials(
        &self,
        call: &CallContext,
        config: &AnyConfig,
        values: &StringDict,
    ) -> ConnectorResult<Reply<()>> {
        let target = self.credential_tests.target(values, &self.methods.secret_keys());
        if let Err(not_tested) = self.credential_tests.admit(Some(call.client), target) {
            crate::metrics::refused(match not_tested {
                NotTested::Source(_) => "tests_per_source",
                NotTested::Target(_) => "tests_per_target",
            });
            tracing::warn!(client = %call.client, reason = ?not_tested, "credential test not run");
            return Err(ConnectorError::new(not_tested.message()));
        }
        let outcome = self.methods.test_config(config, values).await;
        self.credential_tests.tested(target, outcome.is_ok());
        outcome
    }

    /// The values parsed into the connector's configuration type.
    fn parse(&self, info: &StringDict) -> ConnectorResult<AnyConfig> {
        self.methods.parse(info).map_err(|e| ConnectorError::new(e.to_string()))
    }

    /// The all-zero GUID of `GetList` / `GetListItems` during set-up means "no connection yet".
    async fn setup_or_load(&self, guid: Option<ConnectionGuid>) -> ConnectorResult<Option<Arc<Loaded>>> {
        match guid {
            None => Ok(None),
            Some(g) if g.is_nil() => Ok(None),
            Some(g) => self.load(Some(g)).await.map(Some),
        }
    }
}

impl SoapHandler for Hosted {
    fn secret_keys(&self) -> Vec<String> {
        // The configuration's own list: every secret field, whatever its widget type.
        self.methods.secret_keys().into_iter().map(str::to_owned).collect()
    }

    fn shown_fields(&self) -> Vec<(String, String)> {
        let secrets = self.methods.secret_keys();
        self.methods
            .fields()
            .into_iter()
            .filter(|f| f.field_type != crate::contract::FieldType::Password)
            .filter_map(|f| {
                let key = f.field_key?;
                let display = f.display_name.filter(|d| !d.is_empty()).unwrap_or_else(|| key.clone());
                (!secrets.contains(&key.as_str())).then_some((key, display))
            })
            .collect()
    }

    fn authenticate(&self, signed_token: &str) -> crate::auth::HandshakeAnswer {
        match &self.handshake {
            Some(handshake) => handshake.answer(signed_token, std::time::SystemTime::now()),
            None => crate::auth::HandshakeAnswer::refused(
                "SuperOffice Online authentication is not set up for this connector (no application key)",
            ),
        }
    }

    fn handle(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Response> {
        Box::pin(async move { self.respond(&call, request).await })
    }

    fn handle_streaming(&self, call: CallContext, request: Request) -> LocalBoxFuture<'_, Answer> {
        Box::pin(async move {
            let Request::GetActorsByTimestamp(r) = request else {
                // One boxed future per call on the request path, not one inside another.
                return Answer::Whole(self.respond(&call, request).await);
            };
            let op = Operation::GetActorsByTimestamp;
            match self.poll(r).await {
                Ok(actors) => Answer::Actors(actors.into_wire(self.tech_explanations)),
                Err(error) => Answer::Whole(self.logged_failure(op, error)),
            }
        })
    }
}

/// Runs blocking store work off the request thread.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, crate::store::StoreError> + Send + 'static,
) -> ConnectorResult<R> {
    match actix_web::rt::task::spawn_blocking(f).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "connection store failed");
            Err(ConnectorError::new("The connector could not access its connection store.").with_tech(e.to_string()))
        }
        Err(e) => Err(ConnectorError::new("The connector's connection store task failed.").with_tech(e.to_string())),
    }
}

/// `GetList` / `GetListItems` of one of the configuration's own lists (`#[derive(ConfigList)]`),
/// answered by the framework: no connection needed, also during set-up.
fn config_list_answer(methods: &dyn Methods, request: &Request) -> Option<Response> {
    let (name, keys) = match request {
        Request::GetList(r) => (r.list_name.as_deref()?, None),
        Request::GetListItems(r) => (r.list_name.as_deref()?, Some(r.list_item_keys.as_deref().unwrap_or_default())),
        _ => return None,
    };
    let list = methods.lists().into_iter().find(|l| l.name == name)?;
    let wanted = |key: &&str| keys.is_none_or(|keys| keys.iter().any(|w| w == key));
    Some(list_response(list.items.iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (*k, *v)).collect()))
}

/// Refuses configuration values before they are parsed or stored: keys the configuration does
/// not declare, values longer than their field's `MaxLength` (or [`DEFAULT_MAX_VALUE_BYTES`]),
/// and a whole larger than `max_config_bytes`.
/// A call refused because its source is over one of its bounds: counted by `reason`, logged with
/// the client, and answered with `what` and the `setting` that bounds it.
fn refused_for_source(
    call: &CallContext,
    reason: &'static str,
    setting: &str,
    what: String,
    then: &str,
) -> ConnectorError {
    crate::metrics::refused(reason);
    tracing::warn!(client = %call.client, "refused: {setting} reached");
    ConnectorError::new(format!("{what} ({setting}). {then}"))
}

/// A connection's values this connector declares, and the keys it does not (left out).
struct Declared {
    values: StringDict,
    ignored: Vec<String>,
}

/// Keys of a configuration this connector does not declare: a field a newer release removed or
/// renamed, which EIS still sends for an existing connection. Never stored nor passed on; named
/// in the log and in the answer's technical explanation.
struct Ignored(Vec<String>);

impl Ignored {
    /// `response` with the ignored keys named in its technical explanation (and logged).
    fn noted(self, mut response: Response) -> Response {
        if self.0.is_empty() {
            return response;
        }
        // The caller's keys, escaped and bounded as a whole (32 keys of any length are not).
        let joined = self.0.join(", ");
        let keys = shown(&joined);
        tracing::warn!(keys = %keys, "configuration keys this connector does not declare were ignored (not stored)");
        let note = format!("Ignored, not stored: {keys} (not settings of this connector).");
        let result = response.result_mut();
        let tech = match result.tech_explanation.take() {
            Some(tech) if !tech.is_empty() => format!("{tech}\n{note}"),
            _ => note,
        };
        result.tech_explanation = Some(crate::untrusted::for_answer(&tech).into_owned());
        response
    }
}

/// The values of `info` this connector declares, each within its bounds, and the undeclared
/// keys, left out (see [`Ignored`]). Only the declared values count toward the total bound, and
/// at most [`MAX_IGNORED_KEYS`] undeclared keys are taken (a hostile list of them is refused).
fn check_config(
    fields: &[FieldMetadata],
    info: Option<StringDict>,
    limits: &ConnectionLimits,
) -> ConnectorResult<Declared> {
    let info = info.unwrap_or_default();
    let total: usize = info.iter().map(|(k, v)| k.len() + v.map_or(0, str::len)).sum();
    if total > limits.max_config_bytes {
        return Err(ConnectorError::new(format!(
            "The connection's values take {total} bytes; at most {} are accepted (ERP_CONNECTOR_MAX_CONFIG_BYTES).",
            limits.max_config_bytes
        )));
    }
    let mut declared = Declared { values: StringDict::with_capacity(info.len()), ignored: Vec::new() };
    for (key, value) in info.iter() {
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else {
            if declared.ignored.len() >= MAX_IGNORED_KEYS {
                return Err(ConnectorError::new(format!(
                    "The connection has values for more than {MAX_IGNORED_KEYS} keys that are not this connector's settings."
                )));
            }
            declared.ignored.push(key.to_owned());
            continue;
        };
        declared.values.insert_opt(key, value.map(Into::into));
        let value = value.unwrap_or("");
        let too_long = match usize::try_from(field.max_length) {
            Ok(max) if max > 0 => value.chars().count() > max,
            _ => value.len() > DEFAULT_MAX_VALUE_BYTES,
        };
        if too_long {
            let max = usize::try_from(field.max_length).ok().filter(|m| *m > 0);
            return Err(ConnectorError::new(format!(
                "{} ({key}) is too long: at most {} accepted.",
                field.display_name.as_deref().unwrap_or(key),
                max.map_or(format!("{DEFAULT_MAX_VALUE_BYTES} bytes"), |m| format!("{m} characters"))
            )));
        }
    }
    Ok(declared)
}

/// Most undeclared keys one configuration may carry (and have ignored).
const MAX_IGNORED_KEYS: usize = 32;

fn required<V>(value: Option<V>, member: &str) -> ConnectorResult<V> {
    value.ok_or_else(|| ConnectorError::new(format!("The request has no {member}.")))
}

fn fields_response(mut fields: Vec<FieldMetadata>) -> Response {
    fields.sort_by_key(|f| f.rank);
    Response::FieldMetadata(FieldMetadataResponse { fields: Some(fields), ..Default::default() })
}

fn strings_response(items: Vec<String>) -> Response {
    Response::StringArray(StringArrayResponse { items: Some(items), ..Default::default() })
}

fn actors_response(actors: Vec<ErpActor>) -> Response {
    Response::ActorArray(ActorArrayResponse { actors: Some(actors), ..Default::default() })
}

/// The answer of a read: the actors with only the fields EIS asked for (all when it named none).
fn requested(mut actors: Vec<ErpActor>, keys: &[String]) -> Response {
    for actor in &mut actors {
        crate::connector::only_fields(actor, keys);
    }
    actors_response(actors)
}

fn list_response(items: StringDict) -> Response {
    Response::ListItems(ListItemsResponse { list_items: Some(items), ..Default::default() })
}

#[cfg(test)]
mod tests {
    /// A call made in-process, as from loopback.
    fn local() -> crate::http::CallContext {
        crate::http::CallContext::local(std::net::IpAddr::from([127, 0, 0, 1]))
    }

    use std::sync::Mutex;

    use super::*;
    use crate::connector::{Connection, NoConfig};
    use crate::store::{ChangeListener, StoreError};

    /// A store in memory that lets the test announce changes, as a shared store does.
    #[derive(Default)]
    struct Announcing {
        rows: Mutex<HashMap<(String, ConnectionGuid), Record>>,
        listeners: Mutex<Vec<ChangeListener>>,
    }

    impl Announcing {
        /// A change made by "another replica": the row goes, and the change is told.
        fn delete_elsewhere(&self, connector: &str, guid: ConnectionGuid, tell: bool) {
            self.rows.lock().unwrap().remove(&(connector.to_owned(), guid));
            if tell {
                for listener in self.listeners.lock().unwrap().iter() {
                    listener(StoreChange::Connection { connector, guid });
                }
            }
        }
    }

    impl ConnectionStore for Announcing {
        fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
            self.rows.lock().unwrap().insert((connector.to_owned(), guid), record.clone());
            Ok(())
        }
        fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError> {
            Ok(self.rows.lock().unwrap().get(&(connector.to_owned(), guid)).cloned())
        }
        fn list(&self, _: Option<&str>) -> Result<Vec<crate::store::Listed>, StoreError> {
            unreachable!("not listed in these tests")
        }
        fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
            Ok(self.rows.lock().unwrap().remove(&(connector.to_owned(), guid)).is_some())
        }
        fn count(&self, connector: &str) -> Result<u64, StoreError> {
            Ok(self.rows.lock().unwrap().keys().filter(|(c, _)| c == connector).count() as u64)
        }
        fn check(&self) -> Result<(), StoreError> {
            Ok(())
        }
        fn watch(&self, listener: ChangeListener) {
            self.listeners.lock().unwrap().push(listener);
        }
    }

    struct Quiet;
    impl ErpConnector for Quiet {
        type Config = NoConfig;
    }

    #[actix_web::test]
    async fn changes_told_by_the_store_reach_the_cache_and_others_wait_for_the_ttl() {
        let store = Arc::new(Announcing::default());
        let options = HostOptions { cache_ttl: Duration::from_secs(3600), ..HostOptions::default() };
        let hosted = Hosted::new(Quiet, "shop", store.clone(), options);
        let (told, untold, elsewhere) =
            (ConnectionGuid::new_random(), ConnectionGuid::new_random(), ConnectionGuid::new_random());
        for guid in [told, untold, elsewhere] {
            store.save("shop", guid, &Record::saved(StringDict::new(), None)).unwrap();
            hosted.load(Some(guid)).await.expect("saved");
        }
        store.delete_elsewhere("shop", untold, false);
        store.delete_elsewhere("shop", told, true);
        store.rows.lock().unwrap().remove(&("shop".to_owned(), elsewhere));
        store.delete_elsewhere("ledger", elsewhere, true);
        assert!(hosted.load(Some(untold)).await.is_ok(), "untold: served from the cache until the TTL");
        assert!(hosted.load(Some(elsewhere)).await.is_ok(), "another connector's change is not this one's");
        let Err(err) = hosted.load(Some(told)).await else { panic!("told: the cache forgot it") };
        assert_eq!(err.error_code, Some(ErrorCode::UnknownConnectionId));
        for listener in store.listeners.lock().unwrap().iter() {
            listener(StoreChange::Unknown);
        }
        assert!(hosted.load(Some(untold)).await.is_err(), "Unknown: everything forgotten");
    }

    /// A connector whose session is the number of the login; it counts logins and logouts, and
    /// its sessions expire on demand.
    #[derive(Default)]
    struct Logins {
        opened: std::sync::atomic::AtomicU32,
        closed: Mutex<Vec<u32>>,
        /// Sessions the "ERP" no longer accepts.
        expired: Mutex<Vec<u32>>,
        /// Whether a new session fails at once too (an ERP that keeps refusing).
        always_expired: std::sync::atomic::AtomicBool,
    }

    struct Login(u32);

    impl ErpConnector<Login> for Arc<Logins> {
        type Config = NoConfig;

        async fn open_session(&self, _: &Connection<NoConfig>) -> ConnectorResult<Login> {
            // Long enough for a concurrent first call to arrive while this one logs in.
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            Ok(Login(self.opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1))
        }

        async fn close_session(&self, conn: &Connection<NoConfig, Login>) {
            self.closed.lock().unwrap().push(conn.session.0);
        }

        async fn supported_actor_types(
            &self,
            conn: &Connection<NoConfig, Login>,
        ) -> ConnectorResult<Reply<Vec<ActorType>>> {
            let login = conn.session.0;
            if self.always_expired.load(std::sync::atomic::Ordering::SeqCst)
                || self.expired.lock().unwrap().contains(&login)
            {
                return Err(ConnectorError::session_expired());
            }
            Ok(Reply::new(vec![ActorType::Customer]).info(format!("login {login}")))
        }
    }

    fn hosted_logins(ttl: Duration) -> (Arc<Logins>, Hosted, Arc<Announcing>, ConnectionGuid) {
        let logins = Arc::new(Logins::default());
        let store = Arc::new(Announcing::default());
        let options = HostOptions { cache_ttl: ttl, ..HostOptions::default() };
        let guid = ConnectionGuid::new_random();
        // Values other than those saved below (the save replaces them).
        store.save("erp", guid, &Record::saved(StringDict::new().with("OLD", "1"), None)).unwrap();
        (logins.clone(), Hosted::new(logins, "erp", store.clone(), options), store, guid)
    }

    /// The login number the answer was given with, or the answer's error.
    async fn login_of(hosted: &Hosted, guid: ConnectionGuid) -> Result<String, String> {
        let request = Request::GetSupportedActorTypes(RequestBase { connection_guid: Some(guid) });
        let result = hosted.respond(&local(), request).await.result().clone();
        if result.is_ok {
            Ok(result.user_explanation.unwrap_or_default())
        } else {
            Err(result.user_explanation.unwrap_or_default())
        }
    }

    #[actix_web::test]
    async fn a_session_is_opened_once_for_concurrent_first_calls_and_reused() {
        let (logins, hosted, _, guid) = hosted_logins(Duration::from_secs(3600));
        let (a, b) = futures_util::future::join(login_of(&hosted, guid), login_of(&hosted, guid)).await;
        assert_eq!((a.as_deref(), b.as_deref()), (Ok("login 1"), Ok("login 1")), "one login for both");
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"), "reused");
        assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[actix_web::test]
    async fn an_expired_session_is_reopened_once_and_the_call_repeated() {
        let (logins, hosted, _, guid) = hosted_logins(Duration::from_secs(3600));
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
        logins.expired.lock().unwrap().push(1);
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "reopened, called again");
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "the new session is kept");
        logins.always_expired.store(true, std::sync::atomic::Ordering::SeqCst);
        let refused = login_of(&hosted, guid).await.unwrap_err();
        assert!(refused.contains("session expired"), "{refused}");
        assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 3, "once more, not in a loop");
    }

    #[actix_web::test]
    async fn a_session_ends_with_a_save_a_delete_a_replicas_notice_and_changed_values() {
        let (logins, hosted, store, guid) = hosted_logins(Duration::from_secs(3600));
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
        let save = SaveConnectionRequest { base: RequestBase { connection_guid: Some(guid) }, connection_info: None };
        assert!(hosted.respond(&local(), Request::SaveConnection(save)).await.result().is_ok);
        assert_eq!(*logins.closed.lock().unwrap(), [1], "a save closes the session of the old values");
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"));

        store.delete_elsewhere("erp", guid, true);
        store.save("erp", guid, &Record::saved(StringDict::new(), None)).unwrap();
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 3"), "another replica's change");

        assert!(
            hosted
                .respond(&local(), Request::DeleteConnection(RequestBase { connection_guid: Some(guid) }))
                .await
                .result()
                .is_ok
        );
        assert_eq!(*logins.closed.lock().unwrap(), [1, 3], "a delete closes the session");

        // The cache entry's time is up: the same values read again keep the session; values
        // changed behind the cache (no notice) end it.
        let (logins, hosted, store, guid) = hosted_logins(Duration::from_millis(30));
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"), "the same values: the same session");
        store
            .rows
            .lock()
            .unwrap()
            .insert(("erp".to_owned(), guid), Record::saved(StringDict::new().with("OLD", "2"), None));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "other values: a new session");
        assert_eq!(*logins.closed.lock().unwrap(), [1], "and the old one closed");
        assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn the_cache_is_bounded_and_expired_entries_go_first() {
        let cache = ConnectionCache::new(Duration::from_millis(50), 3);
        let first = ConnectionGuid::new_random();
        cache.put(first, Arc::new(NoConfig), cache.generation());
        for _ in 0..10 {
            cache.put(ConnectionGuid::new_random(), Arc::new(NoConfig), cache.generation());
        }
        assert_eq!(cache.len(), 3, "bounded");
        assert!(cache.get(first).is_none(), "the oldest went first");
        std::thread::sleep(Duration::from_millis(60));
        cache.saved(ConnectionGuid::new_random(), Arc::new(NoConfig));
        assert_eq!(cache.len(), 1, "expired entries are dropped, not kept until read");
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_kept() {
        let cache = ConnectionCache::new(Duration::from_secs(60), 100);
        let guid = ConnectionGuid::new_random();
        let conn = || Arc::new(NoConfig);
        let before = cache.generation();
        cache.forget(guid);
        cache.put(guid, conn(), before);
        assert!(cache.get(guid).is_none(), "read before the change, put after it: dropped");
        cache.put(guid, conn(), cache.generation());
        assert!(cache.get(guid).is_some());
        let before = cache.generation();
        cache.forget_all();
        assert!(cache.get(guid).is_none());
        cache.saved(guid, conn());
        cache.put(guid, conn(), before);
        assert!(cache.get(guid).is_some(), "a save is kept");
    }
}

//! From a decoded request to the user's method and back: the framework's half of every call.
//!
//! It owns the connection lifecycle (save, delete, unknown GUIDs answered with
//! `UNKNOWN_CONNECTION_ID` so that EIS resends, spec §5.2), parses the stored configuration into
//! the user's type, and turns every outcome, failures included, into the operation's response.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::connector::{
    ActorsSince, AdvancedSearch, Connection, ConnectionConfig, ConnectorError, ConnectorResult, ErpConnector,
    GetActors, SearchActors, SearchByParent,
};
use crate::contract::*;
use futures_util::StreamExt as _;

use super::settings::{ConnectionLimits, ReplacePolicy};
use crate::http::{Answer, LocalBoxFuture, SoapHandler};
use crate::store::{ConnectionStore, StoreChange};
use crate::untrusted::shown;

/// A connector as the service hosts it: the user's value, its name, the shared store, and a
/// cache of parsed connections.
pub struct Hosted<T: ErpConnector> {
    connector: T,
    name: String,
    store: Arc<dyn ConnectionStore>,
    tech_explanations: bool,
    limits: ConnectionLimits,
    cache: Arc<ConnectionCache<T::Config>>,
    saves: SaveRate,
    handshake: Option<crate::auth::Handshake>,
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

/// The entry that marks a stored record as deleted (a tombstone): its value is when, in seconds
/// since the epoch. No caller can send it: its key is no declared field (it starts with NUL).
const TOMBSTONE_KEY: &str = "\0erp-connector:deleted";

/// How long a deleted connection's values still guard its GUID.
const TOMBSTONE_SECS: u64 = 30 * 24 * 3600;

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `info` without its tombstone mark, and whether it had one that still guards the GUID
/// (`None`: no mark; `Some(false)`: an expired one).
fn tombstone(mut info: StringDict) -> (StringDict, Option<bool>) {
    let mark = info.remove(TOMBSTONE_KEY).flatten();
    let live = mark.map(|at| at.parse::<u64>().is_ok_and(|at| now_secs().saturating_sub(at) < TOMBSTONE_SECS));
    (info, live)
}

/// Most bytes of one configuration value whose field declares no `MaxLength`.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 4096;

/// Saves per client address in the current minute (a fixed window), bounded in addresses.
struct SaveRate {
    per_minute: u32,
    window: std::sync::Mutex<(Instant, HashMap<std::net::IpAddr, u32>)>,
}

/// Client addresses counted at most per minute; beyond, new addresses share one count.
const MAX_COUNTED_SOURCES: usize = 10_000;

impl SaveRate {
    /// Counts a save from `source`; `false` when it is over the limit.
    fn admit(&self, source: Option<std::net::IpAddr>) -> bool {
        let source = source.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if window.0.elapsed() >= Duration::from_secs(60) {
            *window = (Instant::now(), HashMap::new());
        }
        let key = if window.1.len() >= MAX_COUNTED_SOURCES && !window.1.contains_key(&source) {
            std::net::IpAddr::from([255, 255, 255, 255])
        } else {
            source
        };
        let count = window.1.entry(key).or_insert(0);
        *count += 1;
        *count <= self.per_minute
    }
}

/// Parsed connections kept for a while, so that a call does not wait for the store. Saves and
/// deletes through this process update it at once; a shared store tells of changes through other
/// replicas ([`ConnectionStore::watch`]); otherwise they are seen once an entry is older than the
/// time to live.
struct ConnectionCache<C> {
    ttl: Duration,
    /// Most entries kept; expired ones go first, then the oldest.
    capacity: usize,
    entries: RwLock<CacheEntries<C>>,
}

struct CacheEntries<C> {
    by_guid: HashMap<ConnectionGuid, Cached<C>>,
    /// Counts changes heard of, so that a read that began before one is not cached after it.
    generation: u64,
}

/// When an entry was read, and the connection.
type Cached<C> = (Instant, Arc<Connection<C>>);

impl<C> ConnectionCache<C> {
    fn entries(&self) -> std::sync::RwLockReadGuard<'_, CacheEntries<C>> {
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    fn entries_mut(&self) -> std::sync::RwLockWriteGuard<'_, CacheEntries<C>> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, guid: ConnectionGuid) -> Option<Arc<Connection<C>>> {
        self.entries().by_guid.get(&guid).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, c)| c.clone())
    }

    /// The mark to give [`Self::put`] for a read starting now.
    fn generation(&self) -> u64 {
        self.entries().generation
    }

    fn new(ttl: Duration, capacity: usize) -> Self {
        let entries = CacheEntries { by_guid: HashMap::new(), generation: 0 };
        ConnectionCache { ttl, capacity, entries: RwLock::new(entries) }
    }

    /// Keeps `conn`, read since `generation`, unless a change was heard of in the meantime.
    fn put(&self, conn: Arc<Connection<C>>, generation: u64) {
        if !self.ttl.is_zero() && self.capacity > 0 {
            let mut entries = self.entries_mut();
            if entries.generation == generation {
                self.make_room(&mut entries, conn.guid);
                entries.by_guid.insert(conn.guid, (Instant::now(), conn));
            }
        }
    }

    /// Keeps `conn`, just saved, in place of anything read before the save.
    fn saved(&self, conn: Arc<Connection<C>>) {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        if !self.ttl.is_zero() && self.capacity > 0 {
            self.make_room(&mut entries, conn.guid);
            entries.by_guid.insert(conn.guid, (Instant::now(), conn));
        }
    }

    /// Before `guid` is added to a full cache: the expired entries go, and if none had, the
    /// oldest (one scan for a whole TTL's worth of entries, so amortised it is cheap).
    fn make_room(&self, entries: &mut CacheEntries<C>, guid: ConnectionGuid) {
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

    fn forget(&self, guid: ConnectionGuid) {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.remove(&guid);
    }

    fn forget_all(&self) {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.clear();
    }
}

impl<T: ErpConnector> Hosted<T> {
    /// Hosts `connector` under `name`, its connections in `store`.
    pub fn new(connector: T, name: impl Into<String>, store: Arc<dyn ConnectionStore>, options: HostOptions) -> Self {
        let HostOptions { tech_explanations, cache_ttl, limits } = options;
        let cache = Arc::new(ConnectionCache::new(cache_ttl, limits.cache_entries));
        let saves = SaveRate {
            per_minute: limits.saves_per_minute_per_source,
            window: std::sync::Mutex::new((Instant::now(), HashMap::new())),
        };
        let name = name.into();
        let (watched, connector_name) = (Arc::downgrade(&cache), name.clone());
        store.watch(Arc::new(move |change| {
            let Some(cache) = watched.upgrade() else { return };
            match change {
                StoreChange::Connection { connector, guid } if connector == connector_name => cache.forget(guid),
                StoreChange::Connection { .. } => {}
                StoreChange::Unknown => cache.forget_all(),
            }
        }));
        Hosted { connector, name, store, tech_explanations, limits, cache, saves, handshake: None }
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
    async fn respond(&self, request: Request) -> Response {
        let op = request.operation();
        match self.answer(request).await {
            Ok(response) => response,
            Err(error) => self.logged_failure(op, error),
        }
    }

    fn logged_failure(&self, op: Operation, error: ConnectorError) -> Response {
        if error.error_code.as_deref() != Some(error_codes::UNKNOWN_CONNECTION_ID) {
            let cause = error.tech_explanation.as_deref().map(shown).unwrap_or_default();
            tracing::warn!(operation = %op, error = %shown(&error.to_string()), %cause, "connector answered with an error");
        }
        self.failure(op, error)
    }

    async fn load(&self, guid: Option<ConnectionGuid>) -> ConnectorResult<Arc<Connection<T::Config>>> {
        let guid =
            guid.ok_or_else(|| ConnectorError::new("The request names no connection (ConnectionGuid is missing)."))?;
        if let Some(conn) = self.cache.get(guid) {
            tracing::debug!(connection = %guid, "connection from the cache");
            return Ok(conn);
        }
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
        let info = loaded.await?.filter(|info| info.get(TOMBSTONE_KEY).is_none());
        let info = info.ok_or_else(ConnectorError::unknown_connection)?;
        let config = T::Config::from_info(&info).map_err(|e| {
            ConnectorError::new(format!("The saved configuration of this connection is no longer valid: {e}. Edit and save the connection again."))
        })?;
        // Keys only: values may be passwords.
        tracing::debug!(connection = %guid, keys = ?info.keys().map(shown).collect::<Vec<_>>(), "connection read from the store");
        let conn = Arc::new(Connection { guid, config });
        self.cache.put(conn.clone(), generation);
        Ok(conn)
    }

    async fn answer(&self, request: Request) -> ConnectorResult<Response> {
        let op = request.operation();
        if let Some(response) = config_list_answer::<T::Config>(&request) {
            return Ok(response);
        }
        let c = &self.connector;
        Ok(match request {
            Request::GetConfigData => fields_response(T::Config::fields()),
            Request::TestConfigData(r) => {
                let info = r.connection_info.unwrap_or_default();
                check_config::<T::Config>(&info, &self.limits)?;
                let config = parse_config::<T::Config>(&info)?;
                c.test_config(&config).await?;
                Response::empty(op)
            }
            Request::SaveConnection(r) => {
                let guid = r.base.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
                let info = r.connection_info.unwrap_or_default();
                check_config::<T::Config>(&info, &self.limits)?;
                let config = parse_config::<T::Config>(&info)?;
                if !self.saves.admit(crate::http::caller()) {
                    tracing::warn!(
                        limit = self.limits.saves_per_minute_per_source,
                        client = ?crate::http::caller(),
                        "saves refused: ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE reached"
                    );
                    return Err(ConnectorError::new(format!(
                        "Too many connections saved from this address: at most {} per minute \
                         (ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE). Try again in a minute.",
                        self.limits.saves_per_minute_per_source
                    )));
                }
                if !self.may_store(guid, &info, &config).await? {
                    return Ok(Response::empty(op));
                }
                // Keys only: values may be passwords.
                tracing::debug!(connection = %guid, keys = ?info.keys().map(shown).collect::<Vec<_>>(), "saving connection");
                let (store, name) = (self.store.clone(), self.name.clone());
                blocking(move || store.save(&name, guid, &info)).await?;
                // Replaces anything read before the save, and stops reads begun before it from
                // being kept.
                self.cache.saved(Arc::new(Connection { guid, config }));
                tracing::info!(connection = %guid, "connection saved");
                Response::empty(op)
            }
            Request::DeleteConnection(r) => {
                let guid = r.connection_guid.ok_or_else(|| ConnectorError::new("ConnectionGuid is missing."))?;
                if let Ok(conn) = self.load(Some(guid)).await
                    && let Err(e) = c.connection_deleted(&conn).await
                {
                    tracing::warn!(connection = %guid, error = %shown(&e.to_string()), "connection_deleted hook failed; deleting anyway");
                }
                let (store, name) = (self.store.clone(), self.name.clone());
                let keep_values = self.limits.replace != ReplacePolicy::Allow;
                blocking(move || {
                    // Where replacing needs proof, the values stay as a tombstone: otherwise a
                    // delete and a save would replace a connection with none.
                    let stored = if keep_values { store.load(&name, guid).ok().flatten() } else { None };
                    match stored.map(tombstone) {
                        Some((mut values, None)) => {
                            values.insert_opt(TOMBSTONE_KEY, Some(now_secs().to_string().into()));
                            store.save(&name, guid, &values)
                        }
                        Some((_, Some(_))) => Ok(()),
                        None => store.delete(&name, guid).map(drop),
                    }
                })
                .await?;
                // Also stops a read begun before the delete from being kept.
                self.cache.forget(guid);
                Response::empty(op)
            }
            Request::TestConnection(r) => {
                c.test_connection(&*self.load(r.connection_guid).await?).await?;
                Response::empty(op)
            }
            Request::GetSupportedActorTypes(r) => {
                let types = c.supported_actor_types(&*self.load(r.connection_guid).await?).await?;
                strings_response(types.iter().map(ToString::to_string).collect())
            }
            Request::GetSupportedActorTypeFields(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                fields_response(c.actor_type_fields(&conn, &required(r.actor_type, "ActorType")?).await?)
            }
            Request::GetSearchableFields(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                strings_response(c.searchable_fields(&conn, &required(r.actor_type, "ActorType")?).await?)
            }
            Request::GetActors(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let query = GetActors {
                    actor_type: required(r.actor_type, "ActorType")?,
                    erp_keys: r.erp_keys.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                actors_response(c.get_actors(&conn, query).await?)
            }
            Request::SearchActors(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let query = SearchActors {
                    actor_type: required(r.actor_type, "ActorType")?,
                    search_text: r.search_text.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                actors_response(c.search_actors(&conn, query).await?)
            }
            Request::SearchActorByParent(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let query = SearchByParent {
                    actor_type: required(r.actor_type, "ActorType")?,
                    search_text: r.search_text.unwrap_or_default(),
                    parent_actor_type: required(r.parent_actor_type, "ParentActorType")?,
                    parent_erp_key: r.parent_actor_erp_key.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                actors_response(c.search_actor_by_parent(&conn, query).await?)
            }
            Request::SearchActorsAdvanced(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let query = AdvancedSearch {
                    actor_type: required(r.actor_type, "ActorType")?,
                    restrictions: r.restrictions.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                actors_response(c.search_actors_advanced(&conn, query).await?)
            }
            Request::CreateActor(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let actor = c.create_actor(&conn, required(r.actor, "Actor")?).await?;
                Response::Actor(ActorResponse { actor: Some(actor), ..Default::default() })
            }
            Request::SaveActors(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                actors_response(c.save_actors(&conn, r.actors.unwrap_or_default()).await?)
            }
            Request::GetList(r) => {
                let conn = self.setup_or_load(r.base.connection_guid).await?;
                list_response(c.get_list(conn.as_deref(), &r.list_name.unwrap_or_default()).await?)
            }
            Request::GetListItems(r) => {
                let conn = self.setup_or_load(r.base.connection_guid).await?;
                let keys = r.list_item_keys.unwrap_or_default();
                list_response(c.get_list_items(conn.as_deref(), &r.list_name.unwrap_or_default(), keys).await?)
            }
            Request::GetActorsByTimestamp(r) => {
                let conn = self.load(r.base.connection_guid).await?;
                let query = ActorsSince {
                    actor_type: required(r.actor_type, "ActorType")?,
                    updated_on_or_after: r.updated_on_or_after.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                // Through the streaming method, so that a connector implementing only it answers
                // here too (`handle_streaming` writes the same actors as they come).
                actors_response(c.stream_actors_by_timestamp(&conn, query).await?.collect().await?)
            }
        })
    }

    /// Whether a save of `info` under `guid` may go on: `Ok(false)` when the same values are
    /// stored already (nothing to do), an error when it would replace other values (stored, or
    /// kept as the tombstone of a deleted connection) without what [`ReplacePolicy`] asks for,
    /// or store one connection more than allowed.
    async fn may_store(&self, guid: ConnectionGuid, info: &StringDict, config: &T::Config) -> ConnectorResult<bool> {
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
                ReplacePolicy::Test => match self.connector.test_config(config).await {
                    Ok(()) => Ok(true),
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

    /// The all-zero GUID of `GetList` / `GetListItems` during set-up means "no connection yet".
    async fn setup_or_load(&self, guid: Option<ConnectionGuid>) -> ConnectorResult<Option<Arc<Connection<T::Config>>>> {
        match guid {
            None => Ok(None),
            Some(g) if g.is_nil() => Ok(None),
            Some(g) => self.load(Some(g)).await.map(Some),
        }
    }
}

impl<T: ErpConnector> SoapHandler for Hosted<T> {
    fn secret_keys(&self) -> Vec<String> {
        // The configuration's own list: every secret field, whatever its widget type.
        T::Config::secret_keys().into_iter().map(str::to_owned).collect()
    }

    fn authenticate(&self, signed_token: &str) -> crate::contract::auth::AuthenticationResponse {
        match &self.handshake {
            Some(handshake) => handshake.answer(signed_token, std::time::SystemTime::now()),
            None => crate::contract::auth::AuthenticationResponse::refused(
                "SuperOffice Online authentication is not set up for this connector (no application key)",
            ),
        }
    }

    fn handle(&self, request: Request) -> LocalBoxFuture<'_, Response> {
        Box::pin(self.respond(request))
    }

    fn handle_streaming(&self, request: Request) -> LocalBoxFuture<'_, Answer> {
        Box::pin(async move {
            let Request::GetActorsByTimestamp(r) = request else {
                // One boxed future per call on the request path, not one inside another.
                return Answer::Whole(self.respond(request).await);
            };
            let op = Operation::GetActorsByTimestamp;
            let stream = async {
                let conn = self.load(r.base.connection_guid).await?;
                let query = ActorsSince {
                    actor_type: required(r.actor_type, "ActorType")?,
                    updated_on_or_after: r.updated_on_or_after.unwrap_or_default(),
                    field_keys: r.field_keys.unwrap_or_default(),
                };
                self.connector.stream_actors_by_timestamp(&conn, query).await
            };
            match stream.await {
                Ok(actors) => {
                    let include_tech = self.tech_explanations;
                    Answer::Actors(Box::pin(actors.map(move |item| {
                        item.map_err(|error| {
                            tracing::warn!(operation = %op, error = %shown(&error.to_string()), "connector failed while streaming actors");
                            error.into_wire(include_tech)
                        })
                    })))
                }
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
fn config_list_answer<C: ConnectionConfig>(request: &Request) -> Option<Response> {
    let (name, keys) = match request {
        Request::GetList(r) => (r.list_name.as_deref()?, None),
        Request::GetListItems(r) => (r.list_name.as_deref()?, Some(r.list_item_keys.as_deref().unwrap_or_default())),
        _ => return None,
    };
    let list = C::lists().into_iter().find(|l| l.name == name)?;
    let wanted = |key: &&str| keys.is_none_or(|keys| keys.iter().any(|w| w == key));
    Some(list_response(list.items.iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (*k, *v)).collect()))
}

/// Refuses configuration values before they are parsed or stored: keys the configuration does
/// not declare, values longer than their field's `MaxLength` (or [`DEFAULT_MAX_VALUE_BYTES`]),
/// and a whole larger than `max_config_bytes`.
fn check_config<C: ConnectionConfig>(info: &StringDict, limits: &ConnectionLimits) -> ConnectorResult<()> {
    let total: usize = info.iter().map(|(k, v)| k.len() + v.map_or(0, str::len)).sum();
    if total > limits.max_config_bytes {
        return Err(ConnectorError::new(format!(
            "The connection's values take {total} bytes; at most {} are accepted (ERP_CONNECTOR_MAX_CONFIG_BYTES).",
            limits.max_config_bytes
        )));
    }
    let fields = C::fields();
    for (key, value) in info.iter() {
        let Some(field) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else {
            let known: Vec<_> = fields.iter().filter_map(|f| f.field_key.as_deref()).collect();
            return Err(ConnectorError::new(format!(
                "The connection has a value for `{}`, which is not one of this connector's settings ({}).",
                shown(key),
                if known.is_empty() { "it has none".to_owned() } else { known.join(", ") }
            )));
        };
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
    Ok(())
}

fn parse_config<C: ConnectionConfig>(info: &StringDict) -> ConnectorResult<C> {
    C::from_info(info).map_err(|e| ConnectorError::new(e.to_string()))
}

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

fn list_response(items: StringDict) -> Response {
    Response::ListItems(ListItemsResponse { list_items: Some(items), ..Default::default() })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::connector::NoConfig;
    use crate::store::{ChangeListener, StoreError};

    /// A store in memory that lets the test announce changes, as a shared store does.
    #[derive(Default)]
    struct Announcing {
        rows: Mutex<HashMap<(String, ConnectionGuid), StringDict>>,
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
        fn save(&self, connector: &str, guid: ConnectionGuid, info: &StringDict) -> Result<(), StoreError> {
            self.rows.lock().unwrap().insert((connector.to_owned(), guid), info.clone());
            Ok(())
        }
        fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<StringDict>, StoreError> {
            Ok(self.rows.lock().unwrap().get(&(connector.to_owned(), guid)).cloned())
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
            store.save("shop", guid, &StringDict::new()).unwrap();
            hosted.load(Some(guid)).await.expect("saved");
        }
        store.delete_elsewhere("shop", untold, false);
        store.delete_elsewhere("shop", told, true);
        store.rows.lock().unwrap().remove(&("shop".to_owned(), elsewhere));
        store.delete_elsewhere("ledger", elsewhere, true);
        assert!(hosted.load(Some(untold)).await.is_ok(), "untold: served from the cache until the TTL");
        assert!(hosted.load(Some(elsewhere)).await.is_ok(), "another connector's change is not this one's");
        let Err(err) = hosted.load(Some(told)).await else { panic!("told: the cache forgot it") };
        assert_eq!(err.error_code.as_deref(), Some(error_codes::UNKNOWN_CONNECTION_ID));
        for listener in store.listeners.lock().unwrap().iter() {
            listener(StoreChange::Unknown);
        }
        assert!(hosted.load(Some(untold)).await.is_err(), "Unknown: everything forgotten");
    }

    #[test]
    fn the_cache_is_bounded_and_expired_entries_go_first() {
        let cache = ConnectionCache::new(Duration::from_millis(50), 3);
        let conn = |guid| Arc::new(Connection { guid, config: NoConfig });
        let first = ConnectionGuid::new_random();
        cache.put(conn(first), cache.generation());
        for _ in 0..10 {
            cache.put(conn(ConnectionGuid::new_random()), cache.generation());
        }
        assert_eq!(cache.len(), 3, "bounded");
        assert!(cache.get(first).is_none(), "the oldest went first");
        std::thread::sleep(Duration::from_millis(60));
        cache.saved(conn(ConnectionGuid::new_random()));
        assert_eq!(cache.len(), 1, "expired entries are dropped, not kept until read");
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_kept() {
        let cache = ConnectionCache::new(Duration::from_secs(60), 100);
        let guid = ConnectionGuid::new_random();
        let conn = || Arc::new(Connection { guid, config: NoConfig });
        let before = cache.generation();
        cache.forget(guid);
        cache.put(conn(), before);
        assert!(cache.get(guid).is_none(), "read before the change, put after it: dropped");
        cache.put(conn(), cache.generation());
        assert!(cache.get(guid).is_some());
        let before = cache.generation();
        cache.forget_all();
        assert!(cache.get(guid).is_none());
        cache.saved(conn());
        cache.put(conn(), before);
        assert!(cache.get(guid).is_some(), "a save is kept");
    }
}

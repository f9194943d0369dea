//! The host of one connector: from a decoded request to the author's method and back, the
//! framework's half of every call.
//!
//! It owns the connection lifecycle (save, delete, unknown GUIDs answered with
//! `UNKNOWN_CONNECTION_ID` so that EIS resends, spec §5.2; `lifecycle.rs`), keeps parsed
//! connections and their ERP sessions (`cache.rs`), answers each operation (`calls.rs`, its
//! dispatch made of the table of the author's methods), calls the author's methods behind an
//! object-safe interface (`erased.rs`), and turns every outcome, failures included, into the
//! operation's response.

mod cache;
mod calls;
mod credential_tests;
mod erased;
mod lifecycle;
mod schema;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use crate::connector::{ConnectorError, ConnectorResult, ErpConnector, Reply};
use crate::contract::*;

use super::per_source::PerSource;
use super::settings::ConnectionLimits;
use crate::http::{Answer, CallContext, LocalBoxFuture, SoapHandler};
use crate::store::{ConnectionStore, StoreChange, blocking};
use crate::untrusted::shown;
use cache::{ConnectionCache, Loaded, values_hash};
use credential_tests::CredentialTests;
use erased::{Adapter, AnyConfig, AnyConn, Bare, Methods};

/// A connector as the service hosts it: the user's value (behind an object-safe adapter, so that this code
/// is compiled once), its name, the shared store, and a cache of parsed connections with their
/// sessions.
pub struct Hosted {
    methods: Box<dyn Methods + Send + Sync>,
    name: String,
    store: Arc<dyn ConnectionStore>,
    tech_explanations: bool,
    limits: ConnectionLimits,
    allow_variables: crate::connector::allow::Variables,
    cache: Arc<ConnectionCache<Loaded>>,
    saves: PerSource,
    /// New connections stored per source and hour.
    new_connections: PerSource,
    /// Bounds on `test_config` runs.
    credential_tests: CredentialTests,
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
    /// Where configuration allow-lists read their `${NAME}` patterns.
    pub allow_variables: crate::connector::allow::Variables,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            tech_explanations: false,
            cache_ttl: Duration::from_secs(60),
            limits: ConnectionLimits::default(),
            allow_variables: crate::connector::allow::Variables::default(),
        }
    }
}

/// Most bytes of one configuration value whose field declares no `MaxLength`.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 4096;

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
        let HostOptions { tech_explanations, cache_ttl, limits, allow_variables } = options;
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
            allow_variables,
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

    /// The state of connection `guid` in this connector's store.
    fn state_of(&self, guid: ConnectionGuid) -> crate::connector::ConnectionState {
        crate::connector::ConnectionState::stored(self.store.clone(), &self.name, guid)
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
        let config = self.methods.parse(&info, &self.allow_variables).map_err(|e| {
            ConnectorError::new(format!("The saved configuration of this connection is no longer valid: {e}. Edit and save the connection again."))
        })?;
        // Keys only: values may be passwords.
        tracing::debug!(connection = %guid, keys = ?info.keys().map(shown).collect::<Vec<_>>(), "connection read from the store");
        let values = values_hash(&info);
        let mut fresh = Loaded::new(guid, config, values, self.state_of(guid));
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
                let conn = Bare { guid: loaded.guid, config: &loaded.config, state: loaded.state.clone() };
                let opened = self.methods.open_session(conn).await;
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

    /// The empty response of `op` with `reply`'s status.
    fn reply_empty(&self, reply: Reply<()>, op: Operation) -> Response {
        self.reply(reply, |()| Response::empty(op))
    }

    /// The response of `op` with `reply`'s payload (through `payload`) and status.
    fn reply<V>(&self, reply: Reply<V>, payload: impl FnOnce(V) -> Response) -> Response {
        let (value, status) = reply.into_wire(self.tech_explanations);
        let mut response = payload(value);
        *response.result_mut() = status;
        response
    }

    /// The values parsed into the connector's configuration type.
    fn parse(&self, info: &StringDict) -> ConnectorResult<AnyConfig> {
        self.methods.parse(info, &self.allow_variables).map_err(|e| ConnectorError::new(e.to_string()))
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

pub(super) fn required<V>(value: Option<V>, member: &str) -> ConnectorResult<V> {
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

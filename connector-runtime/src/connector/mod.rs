//! What a connector author implements: [`ErpConnector`], over a typed [`ConnectionConfig`].
//!
//! Every method has a default that answers as the contract says an unsupported feature must
//! (spec §5.5): no actor types, no fields, nothing searchable, no lists, read-only. Implement only
//! what the ERP supports.
//!
//! The framework owns the connection lifecycle (`WSSaveConnection`, `WSDeleteConnection`, unknown
//! GUIDs) and hands each method the stored, typed configuration as a [`Connection`], with the
//! connection's ERP session when the connector has one ([`ErpConnector::open_session`]).

mod actors;
pub mod allow;
mod config;
mod error;
pub mod remote;
mod reply;
pub mod search;
mod session;
mod stream;
mod values;

#[doc(hidden)]
pub use actors::{ActorChange, NewActor, ParentRef};
#[doc(hidden)]
pub use config::derive_support as config_derive;
pub use config::{ConfigError, ConfigList, ConfigValue, ConnectionConfig, NoConfig, Password};
pub use error::{ConnectorError, ConnectorResult, GENERIC_USER_TEXT};
pub use reply::Reply;
pub use session::{Connection, NoSession};
pub(crate) use session::{is_no_session, no_session};
pub(crate) use stream::only_fields;
pub use stream::{ActorSender, ActorStream};

use crate::contract::{ActorType, ErpActor, FieldMetadata, StringDict};

/// `WSTestConfigData`: configuration values to check before they are saved, parsed into the
/// connector's type and as they were sent.
#[derive(Debug)]
pub struct ConfigTest<C> {
    /// The values, parsed and validated.
    pub config: std::sync::Arc<C>,
    /// The values as sent (`ConnectionInfo`): field key to value, secrets included.
    pub values: StringDict,
}

/// `WSGetActors`: actors by ERP key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetActors {
    /// The actor type.
    pub actor_type: ActorType,
    /// The keys to return.
    pub erp_keys: Vec<String>,
    /// The fields to fill in (only these need be present).
    pub field_keys: Vec<String>,
}

/// `WSSearchActors`: free-text search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchActors {
    /// The actor type.
    pub actor_type: ActorType,
    /// The text searched for.
    pub search_text: String,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

/// `WSSearchActorByParent`: free-text search among a parent's children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchByParent {
    /// The actor type searched.
    pub actor_type: ActorType,
    /// The text searched for.
    pub search_text: String,
    /// The parent's type.
    pub parent_actor_type: ActorType,
    /// The parent's ERP key.
    pub parent_erp_key: String,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

/// `WSSearchActorsAdvanced`: criteria search; an actor matches when it meets every criterion.
/// The framework has checked each restriction against the connector's searchable fields and their
/// types (see [`search`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AdvancedSearch {
    /// The actor type.
    pub actor_type: ActorType,
    /// The criteria, typed.
    pub criteria: Vec<search::Criterion>,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

impl AdvancedSearch {
    /// Whether `actor` meets every criterion (for connectors that search in memory).
    pub fn matches(&self, actor: &ErpActor) -> bool {
        search::matches_all(&self.criteria, actor)
    }
}

/// `WSGetActorsByTimestamp`: the change poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorsSince {
    /// The actor type.
    pub actor_type: ActorType,
    /// A `LastModified` this connector returned earlier: return the actors changed on or after
    /// it. `None` on the first poll (EIS sends it empty): return every actor of the type.
    pub since: Option<String>,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

/// A SuperOffice ERP Sync connector: the methods EIS calls, over a typed configuration, and,
/// for an ERP with logins, a session per connection (`S`, see [`ErpConnector::open_session`]).
///
/// Put `#[erp_connector(app_id = "...")]` on the connector's struct (or on this impl). The value
/// is shared by the service's worker threads (hence `Send + Sync`); the futures of its methods
/// run on one worker each and need not be `Send`.
///
/// ```
/// use erp_connector::prelude::*;
///
/// #[derive(ConnectionConfig)]
/// struct Config {
///     /// The ERP company code.
///     #[field(display = "Company", mandatory)]
///     company: String,
/// }
///
/// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
/// struct MyErp;
///
/// impl ErpConnector for MyErp {
///     type Config = Config;
///
///     async fn supported_actor_types(&self, _: &Connection<Config>) -> ConnectorResult<Reply<Vec<ActorType>>> {
///         Ok(vec![ActorType::Customer].into())
///     }
///
///     async fn get_actors(&self, conn: &Connection<Config>, q: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> {
///         Ok(q.erp_keys
///             .iter()
///             .map(|key| ErpActor::new(ActorType::Customer, key, "000000000001").with_field("NAME", &conn.config.company))
///             .collect())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `ErpConnector`",
    label = "this type is not a connector",
    note = "add `impl ErpConnector for {Self} {{ type Config = ...; /* the methods your ERP supports */ }}`"
)]
#[allow(async_fn_in_trait)]
pub trait ErpConnector<S: Send + Sync + 'static = NoSession>: Send + Sync + Sized + 'static {
    /// The typed configuration of a connection (`#[derive(ConnectionConfig)]`, or [`NoConfig`]).
    type Config: ConnectionConfig;

    /// Opens the connection's ERP session (logs in). Implement it with `impl ErpConnector<MySession>`.
    ///
    /// The framework opens a session when a method first needs one (one for concurrent first
    /// calls), keeps it with the connection's cached configuration (also past the cache entry's
    /// expiry while the stored values stay the same), and drops it when the connection is saved,
    /// deleted or found changed (after [`ErpConnector::close_session`]) and when another replica
    /// changes it. A method that returns [`ConnectorError::session_expired`] is called once more
    /// with a new session.
    async fn open_session(&self, conn: &Connection<Self::Config>) -> ConnectorResult<S> {
        let _ = conn;
        no_session()
    }

    /// Closes a session the framework drops because its connection was saved anew, deleted or
    /// found changed (logs out). Default: nothing; the session is dropped.
    async fn close_session(&self, conn: &Connection<Self::Config, S>) {
        let _ = conn;
    }

    /// `WSTestConfigData`: after the values have been parsed and validated, check that they work
    /// (e.g. log in), without saving. Default: valid values are enough.
    async fn test_config(&self, test: &ConfigTest<Self::Config>) -> ConnectorResult<Reply> {
        let _ = test;
        Ok(Reply::ok())
    }

    /// `WSTestConnection`: check that a saved connection works. Default: it does (its session,
    /// if any, opened).
    async fn test_connection(&self, conn: &Connection<Self::Config, S>) -> ConnectorResult<Reply> {
        let _ = conn;
        Ok(Reply::ok())
    }

    /// `WSSaveConnection`, after the values have been stored: what to answer. An error is sent
    /// as the answer; the values stay stored. Default: a plain `Ok`.
    async fn connection_saved(&self, conn: &Connection<Self::Config>) -> ConnectorResult<Reply> {
        let _ = conn;
        Ok(Reply::ok())
    }

    /// `WSDeleteConnection`, before the configuration is removed: clean up, and say what to
    /// answer. The connection is deleted whatever this returns (SuperOffice has deleted it
    /// already); an error is sent as the answer. Default: a plain `Ok`.
    async fn connection_deleted(&self, conn: &Connection<Self::Config>) -> ConnectorResult<Reply> {
        let _ = conn;
        Ok(Reply::ok())
    }

    /// `WSGetSupportedActorTypes`. Default: none.
    async fn supported_actor_types(
        &self,
        conn: &Connection<Self::Config, S>,
    ) -> ConnectorResult<Reply<Vec<ActorType>>> {
        let _ = conn;
        Ok(Reply::new(Vec::new()))
    }

    /// `WSGetSupportedActorTypeFields`: the fields of one actor type. Default: none.
    async fn actor_type_fields(
        &self,
        conn: &Connection<Self::Config, S>,
        actor_type: &ActorType,
    ) -> ConnectorResult<Reply<Vec<FieldMetadata>>> {
        let _ = (conn, actor_type);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSGetSearchableFields`: keys usable in advanced search. Default: none (no advanced
    /// search for the type).
    async fn searchable_fields(
        &self,
        conn: &Connection<Self::Config, S>,
        actor_type: &ActorType,
    ) -> ConnectorResult<Reply<Vec<String>>> {
        let _ = (conn, actor_type);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSGetActors`. Default: none found.
    async fn get_actors(
        &self,
        conn: &Connection<Self::Config, S>,
        query: GetActors,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let _ = (conn, query);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSSearchActors`. Default: none found.
    async fn search_actors(
        &self,
        conn: &Connection<Self::Config, S>,
        query: SearchActors,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let _ = (conn, query);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSSearchActorByParent`. Default: none found.
    async fn search_actor_by_parent(
        &self,
        conn: &Connection<Self::Config, S>,
        query: SearchByParent,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let _ = (conn, query);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSSearchActorsAdvanced`. Default: none found.
    async fn search_actors_advanced(
        &self,
        conn: &Connection<Self::Config, S>,
        query: AdvancedSearch,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let _ = (conn, query);
        Ok(Reply::new(Vec::new()))
    }

    /// `WSCreateActor`: create an actor, return it with its new `ErpKey` and `LastModified`. The
    /// framework has checked it against [`ErpConnector::actor_type_fields`] (see [`NewActor`]).
    /// Default: refused, the ERP is read-only.
    async fn create_actor(
        &self,
        conn: &Connection<Self::Config, S>,
        actor: NewActor,
    ) -> ConnectorResult<Reply<ErpActor>> {
        let _ = (conn, actor);
        Err(ConnectorError::read_only())
    }

    /// `WSSaveActors`: update actors, return them as saved (fresh `LastModified`). The framework
    /// has checked them against [`ErpConnector::actor_type_fields`] (see [`ActorChange`]).
    /// Default: refused, the ERP is read-only.
    async fn save_actors(
        &self,
        conn: &Connection<Self::Config, S>,
        actors: Vec<ActorChange>,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let _ = (conn, actors);
        Err(ConnectorError::read_only())
    }

    /// `WSGetList`: every item of a list, key to display text. `conn` is `None` while a
    /// connection is being set up (SuperOffice sends the all-zero GUID). Default: no items.
    async fn get_list(
        &self,
        conn: Option<&Connection<Self::Config, S>>,
        list_name: &str,
    ) -> ConnectorResult<Reply<StringDict>> {
        let _ = (conn, list_name);
        Ok(Reply::new(StringDict::new()))
    }

    /// `WSGetListItems`: the display texts of some items. Default: those of [`Self::get_list`].
    async fn get_list_items(
        &self,
        conn: Option<&Connection<Self::Config, S>>,
        list_name: &str,
        keys: Vec<String>,
    ) -> ConnectorResult<Reply<StringDict>> {
        let all = self.get_list(conn, list_name).await?;
        Ok(all.map(|all| keys.into_iter().filter_map(|k| all.get(&k).map(|v| (k.clone(), v.to_owned()))).collect()))
    }

    /// `WSGetActorsByTimestamp`: the actors changed on or after a stamp. The answer is an
    /// [`ActorStream`], written while the actors come, so that a first sync of any size takes flat
    /// memory: from a list (`Ok(actors.into())`, or `collect()` into it), from blocking code
    /// ([`ActorStream::from_blocking`]), or page by page ([`ActorStream::paged`]). Default: none.
    async fn get_actors_by_timestamp(
        &self,
        conn: &Connection<Self::Config, S>,
        query: ActorsSince,
    ) -> ConnectorResult<ActorStream> {
        let _ = (conn, query);
        Ok(ActorStream::from_vec(Vec::new()))
    }
}

//! What a connector author implements: [`ErpConnector`], over a typed [`ConnectionConfig`].
//!
//! Every method has a default that answers as the contract says an unsupported feature must
//! (spec §5.5): no actor types, no fields, nothing searchable, no lists, read-only. Implement only
//! what the ERP supports; `#[erp_connector]` checks the names and signatures at compile time.
//!
//! The framework owns the connection lifecycle (`WSSaveConnection`, `WSDeleteConnection`, unknown
//! GUIDs) and hands each method the stored, typed configuration as a [`Connection`].

pub mod allow;
mod config;
mod error;
mod stream;

#[doc(hidden)]
pub use config::derive_support as config_derive;
pub use config::{ConfigError, ConfigList, ConfigValue, ConnectionConfig, NoConfig, Password};
pub use error::{ConnectorError, ConnectorResult, GENERIC_USER_TEXT};
pub use stream::{ActorSender, ActorStream};

use crate::contract::{ActorType, ConnectionGuid, ErpActor, FieldMetadata, SearchRestriction, StringDict};

/// One sync connection: its GUID (chosen by SuperOffice) and its typed configuration.
#[derive(Debug, Clone)]
pub struct Connection<C> {
    /// The connection's GUID.
    pub guid: ConnectionGuid,
    /// The configuration values saved for it, parsed.
    pub config: C,
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

/// `WSSearchActorsAdvanced`: criteria search; every restriction must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvancedSearch {
    /// The actor type.
    pub actor_type: ActorType,
    /// The criteria.
    pub restrictions: Vec<SearchRestriction>,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

/// `WSGetActorsByTimestamp`: the change poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorsSince {
    /// The actor type.
    pub actor_type: ActorType,
    /// A `LastModified` this connector returned earlier; return actors changed on or after it.
    /// Empty (or unreadable) on the first poll: return everything.
    pub updated_on_or_after: String,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

/// A SuperOffice ERP Sync connector. Put `#[erp_connector(app_id = "...")]` on the impl.
///
/// The value is shared by the service's worker threads (hence `Send + Sync`); the futures of
/// its methods run on one worker each and need not be `Send`.
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
/// struct MyErp;
///
/// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
/// impl ErpConnector for MyErp {
///     type Config = Config;
///
///     async fn supported_actor_types(&self, _: &Connection<Config>) -> ConnectorResult<Vec<ActorType>> {
///         Ok(vec![ActorType::Customer])
///     }
///
///     async fn get_actors(&self, conn: &Connection<Config>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
///         Ok(q.erp_keys
///             .iter()
///             .map(|key| ErpActor::new(ActorType::Customer, key, "000000000001").with_field("NAME", &conn.config.company))
///             .collect())
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait ErpConnector: Send + Sync + Sized + 'static {
    /// The typed configuration of a connection (`#[derive(ConnectionConfig)]`).
    type Config: ConnectionConfig;

    /// `WSTestConfigData`: after the values have been parsed and validated, check that they work
    /// (e.g. log in), without saving. Default: valid values are enough.
    async fn test_config(&self, config: &Self::Config) -> ConnectorResult<()> {
        let _ = config;
        Ok(())
    }

    /// `WSTestConnection`: check that a saved connection works. Default: it does.
    async fn test_connection(&self, conn: &Connection<Self::Config>) -> ConnectorResult<()> {
        let _ = conn;
        Ok(())
    }

    /// Called after SuperOffice deleted a connection, before its configuration is removed.
    async fn connection_deleted(&self, conn: &Connection<Self::Config>) -> ConnectorResult<()> {
        let _ = conn;
        Ok(())
    }

    /// `WSGetSupportedActorTypes`. Default: none.
    async fn supported_actor_types(&self, conn: &Connection<Self::Config>) -> ConnectorResult<Vec<ActorType>> {
        let _ = conn;
        Ok(Vec::new())
    }

    /// `WSGetSupportedActorTypeFields`: the fields of one actor type. Default: none.
    async fn actor_type_fields(
        &self,
        conn: &Connection<Self::Config>,
        actor_type: &ActorType,
    ) -> ConnectorResult<Vec<FieldMetadata>> {
        let _ = (conn, actor_type);
        Ok(Vec::new())
    }

    /// `WSGetSearchableFields`: keys usable in advanced search. Default: none (no advanced
    /// search for the type).
    async fn searchable_fields(
        &self,
        conn: &Connection<Self::Config>,
        actor_type: &ActorType,
    ) -> ConnectorResult<Vec<String>> {
        let _ = (conn, actor_type);
        Ok(Vec::new())
    }

    /// `WSGetActors`. Default: none found.
    async fn get_actors(&self, conn: &Connection<Self::Config>, query: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, query);
        Ok(Vec::new())
    }

    /// `WSSearchActors`. Default: none found.
    async fn search_actors(
        &self,
        conn: &Connection<Self::Config>,
        query: SearchActors,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, query);
        Ok(Vec::new())
    }

    /// `WSSearchActorByParent`. Default: none found.
    async fn search_actor_by_parent(
        &self,
        conn: &Connection<Self::Config>,
        query: SearchByParent,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, query);
        Ok(Vec::new())
    }

    /// `WSSearchActorsAdvanced`. Default: none found.
    async fn search_actors_advanced(
        &self,
        conn: &Connection<Self::Config>,
        query: AdvancedSearch,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, query);
        Ok(Vec::new())
    }

    /// `WSCreateActor`: create an actor, return it with its new `ErpKey` and `LastModified`.
    /// Default: refused, the ERP is read-only.
    async fn create_actor(&self, conn: &Connection<Self::Config>, actor: ErpActor) -> ConnectorResult<ErpActor> {
        let _ = (conn, actor);
        Err(ConnectorError::read_only())
    }

    /// `WSSaveActors`: update actors, return them as saved (fresh `LastModified`).
    /// Default: refused, the ERP is read-only.
    async fn save_actors(
        &self,
        conn: &Connection<Self::Config>,
        actors: Vec<ErpActor>,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, actors);
        Err(ConnectorError::read_only())
    }

    /// `WSGetList`: every item of a list, key to display text. `conn` is `None` while a
    /// connection is being set up (SuperOffice sends the all-zero GUID). Default: no items.
    async fn get_list(&self, conn: Option<&Connection<Self::Config>>, list_name: &str) -> ConnectorResult<StringDict> {
        let _ = (conn, list_name);
        Ok(StringDict::new())
    }

    /// `WSGetListItems`: the display texts of some items. Default: those of [`Self::get_list`].
    async fn get_list_items(
        &self,
        conn: Option<&Connection<Self::Config>>,
        list_name: &str,
        keys: Vec<String>,
    ) -> ConnectorResult<StringDict> {
        let all = self.get_list(conn, list_name).await?;
        Ok(keys.into_iter().filter_map(|k| all.get(&k).map(|v| (k.clone(), v.to_owned()))).collect())
    }

    /// `WSGetActorsByTimestamp`: actors changed on or after a stamp. Default: none.
    async fn get_actors_by_timestamp(
        &self,
        conn: &Connection<Self::Config>,
        query: ActorsSince,
    ) -> ConnectorResult<Vec<ErpActor>> {
        let _ = (conn, query);
        Ok(Vec::new())
    }

    /// `WSGetActorsByTimestamp` as a stream: the answer is written while the actors come, so a
    /// first sync of any size takes flat memory. Implement this instead of
    /// [`ErpConnector::get_actors_by_timestamp`] when the result can be large; the default
    /// answers with that method's actors. Implementing both is a compile error of
    /// `#[erp_connector]` (one of them would never run).
    async fn stream_actors_by_timestamp(
        &self,
        conn: &Connection<Self::Config>,
        query: ActorsSince,
    ) -> ConnectorResult<ActorStream> {
        self.get_actors_by_timestamp(conn, query).await.map(ActorStream::from)
    }
}

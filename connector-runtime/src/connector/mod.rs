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
mod keys;
pub(crate) mod methods;
pub mod remote;
mod reply;
mod schema;
pub mod search;
mod session;
mod state;
mod stream;
mod values;

#[doc(hidden)]
pub use actors::{ActorChange, NewActor, ParentRef};
pub(crate) use actors::{ListItems, check_outgoing};
#[doc(hidden)]
pub use config::derive_support as config_derive;
pub use config::{ConfigError, ConfigList, ConfigValue, ConnectionConfig, NoConfig, Password};
pub use error::{ConnectorError, ConnectorResult, GENERIC_USER_TEXT};
pub use reply::{IntoReply, Reply};
pub(crate) use schema::UnknownType;
pub use schema::{ActorSchema, Field, Schema};
pub use session::{Connection, NoSession};
pub(crate) use session::{is_no_session, no_session};
pub use state::{ConnectionState, Versioned};
pub(crate) use stream::only_fields;
pub use stream::{ActorSender, ActorStream};
pub use values::ActorValues;

use crate::contract::{ActorType, ErpActor, Stamp, StringDict};

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

/// `WSSearchActors`: free-text search. [`SearchActors::matches`] judges an actor for connectors
/// that search in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchActors {
    /// The actor type.
    pub actor_type: ActorType,
    /// The text searched for.
    pub search_text: String,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

impl SearchActors {
    /// Whether `actor` matches the text: found, without regard to case, in the value of one of
    /// `fields` (the connector's usual "contains"); an empty text matches every actor.
    pub fn matches<T>(&self, actor: &ErpActor, fields: &[crate::contract::Key<T>]) -> bool {
        search::free_text_matches(&self.search_text, fields.iter().filter_map(|k| actor.field(k.name())))
    }
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

impl SearchByParent {
    /// Whether `actor` is a child of the parent searched and matches the text as
    /// [`SearchActors::matches`] judges it (an empty text: every child).
    pub fn matches<T>(&self, actor: &ErpActor, fields: &[crate::contract::Key<T>]) -> bool {
        actor.parent_actor_type.as_ref() == Some(&self.parent_actor_type)
            && actor.parent_erp_key.as_deref().map(str::trim) == Some(self.parent_erp_key.trim())
            && search::free_text_matches(&self.search_text, fields.iter().filter_map(|k| actor.field(k.name())))
    }
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
    pub since: Option<Stamp>,
    /// The fields to fill in.
    pub field_keys: Vec<String>,
}

impl ActorsSince {
    /// Whether an actor stamped `stamp` is due: changed on or after [`Self::since`] (every actor
    /// on the first poll).
    pub fn includes(&self, stamp: &Stamp) -> bool {
        self.since.as_ref().is_none_or(|since| stamp >= since)
    }
}

/// A connector's connection with its session, the first parameter of most methods:
/// `&Conn<Self>`, or `&Conn<Self, MySession>` for a connector with sessions.
pub type Conn<T, S = NoSession> = Connection<<T as ErpConnector<S>>::Config, S>;

/// Makes the [`ErpConnector`] trait of the table of [`methods::author_methods`]: its
/// session methods, then one method a table entry.
macro_rules! erp_connector_trait {
    ($([$op:ident $name:ident $self_:ident $conn:ident $kind:ident
        [$($mode:ident $arg:ident $ty:ty),*] [$answer:ident $ret:ty] $body:block [$(#[$doc:meta])*]])*) => {
        /// A SuperOffice ERP Sync connector: the methods EIS calls, over a typed configuration, and,
        /// for an ERP with logins, a session per connection (`S`, see [`ErpConnector::open_session`]).
        ///
        /// Put `#[erp_connector(app_id = "...")]` on this impl (or on the connector's struct). A method
        /// answers plain data (`ConnectorResult<Vec<ErpActor>>`), or a [`Reply`] where it sends a state
        /// or a text for the user; on the impl, the attribute allows that refinement of the trait's
        /// `impl IntoReply<..>` (on the struct, add `#[allow(refining_impl_trait)]` to the impl). The value
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
        /// const NAME: Key<String> = Key::new("NAME");
        ///
        /// struct MyErp;
        ///
        /// #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
        /// impl ErpConnector for MyErp {
        ///     type Config = Config;
        ///
        ///     async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        ///         Ok(Schema::new().actor(ActorType::Customer, [NAME.field("Name")]))
        ///     }
        ///
        ///     async fn get_actors(&self, conn: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        ///         Ok(q.erp_keys
        ///             .iter()
        ///             .map(|key| ErpActor::new(ActorType::Customer, key, Stamp::counter(1)).with_field(NAME, &conn.config.company))
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

            /// The ERP's actor types and their fields ([`Schema`]). The framework asks once per
            /// connection and session (not before each call), answers the schema operations from it,
            /// refuses calls for other actor types, and checks values both ways against it.
            /// Default: no actor types.
            async fn schema(&self, conn: &Connection<Self::Config, S>) -> ConnectorResult<Schema> {
                let _ = conn;
                Ok(Schema::new())
            }

            /// Closes a session the framework drops because its connection was saved anew, deleted or
            /// found changed (logs out). Default: nothing; the session is dropped.
            async fn close_session(&self, conn: &Connection<Self::Config, S>) {
                let _ = conn;
            }

            $(
                $(#[$doc])*
                async fn $name(
                    &$self_,
                    $conn: conn_type!($kind),
                    $($arg: methods::param_type!($mode, '_, $ty)),*
                ) -> methods::author_return!($answer, $ret) $body
            )*
        }
    };
}

/// The connection parameter of a trait method, by kind (see [`methods`]).
macro_rules! conn_type {
    (tested) => { &ConfigTest<Self::Config> };
    (bare) => { &Connection<Self::Config> };
    (session) => { &Connection<Self::Config, S> };
    (optional) => { Option<&Connection<Self::Config, S>> };
}

methods::author_methods!(erp_connector_trait);

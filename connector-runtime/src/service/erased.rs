//! The connector behind an object-safe interface, its configuration and session type-erased:
//! the dispatch ([`super::dispatch`]) is then compiled once, in this crate, and each connector's
//! crate compiles only this small adapter. An edit of a method body recompiles the adapter's
//! call of it, not the whole dispatch (bench/macro-cost, docs/performance.md).

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::connector::{
    ActorChange, ActorStream, ActorsSince, AdvancedSearch, ConfigError, ConfigList, ConfigTest, Connection,
    ConnectionConfig, ConnectorError, ConnectorResult, ErpConnector, GetActors, NewActor, Reply, SearchActors,
    SearchByParent, is_no_session,
};
use crate::contract::{ActorType, ConnectionGuid, ErpActor, FieldMetadata, StringDict};
use crate::http::LocalBoxFuture;

/// A connection's parsed configuration, of the connector's type.
pub(super) type AnyConfig = Arc<dyn Any + Send + Sync>;

/// A connection's session, of the connector's type.
pub(super) type AnySession = Arc<dyn Any + Send + Sync>;

/// A connection as the dispatch hands it over: GUID, configuration and session, erased.
pub(super) struct AnyConn {
    pub guid: ConnectionGuid,
    pub config: AnyConfig,
    pub session: AnySession,
}

type Fut<'a, R> = LocalBoxFuture<'a, ConnectorResult<R>>;

/// What the dispatch calls: the connector's configuration type and methods.
pub(super) trait Methods {
    fn fields(&self) -> Vec<FieldMetadata>;
    fn lists(&self) -> Vec<&'static ConfigList>;
    fn secret_keys(&self) -> Vec<&'static str>;
    fn parse(&self, info: &StringDict) -> Result<AnyConfig, ConfigError>;
    fn has_sessions(&self) -> bool;
    fn open_session<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, AnySession>;
    fn close_session<'a>(&'a self, conn: &'a AnyConn) -> LocalBoxFuture<'a, ()>;
    fn test_config<'a>(&'a self, config: &'a AnyConfig, values: &'a StringDict) -> Fut<'a, Reply>;
    fn connection_saved<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, Reply>;
    fn connection_deleted<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, Reply>;
    fn test_connection<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Reply>;
    fn supported_actor_types<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Reply<Vec<ActorType>>>;
    fn actor_type_fields<'a>(&'a self, conn: &'a AnyConn, t: &'a ActorType) -> Fut<'a, Reply<Vec<FieldMetadata>>>;
    fn searchable_fields<'a>(&'a self, conn: &'a AnyConn, t: &'a ActorType) -> Fut<'a, Reply<Vec<String>>>;
    fn get_actors<'a>(&'a self, conn: &'a AnyConn, q: GetActors) -> Fut<'a, Reply<Vec<ErpActor>>>;
    fn search_actors<'a>(&'a self, conn: &'a AnyConn, q: SearchActors) -> Fut<'a, Reply<Vec<ErpActor>>>;
    fn search_actor_by_parent<'a>(&'a self, conn: &'a AnyConn, q: SearchByParent) -> Fut<'a, Reply<Vec<ErpActor>>>;
    fn search_actors_advanced<'a>(&'a self, conn: &'a AnyConn, q: AdvancedSearch) -> Fut<'a, Reply<Vec<ErpActor>>>;
    fn create_actor<'a>(&'a self, conn: &'a AnyConn, actor: NewActor) -> Fut<'a, Reply<ErpActor>>;
    fn save_actors<'a>(&'a self, conn: &'a AnyConn, actors: Vec<ActorChange>) -> Fut<'a, Reply<Vec<ErpActor>>>;
    fn get_list<'a>(&'a self, conn: Option<&'a AnyConn>, name: &'a str) -> Fut<'a, Reply<StringDict>>;
    fn get_list_items<'a>(
        &'a self,
        conn: Option<&'a AnyConn>,
        name: &'a str,
        keys: Vec<String>,
    ) -> Fut<'a, Reply<StringDict>>;
    fn get_actors_by_timestamp<'a>(&'a self, conn: &'a AnyConn, q: ActorsSince) -> Fut<'a, ActorStream>;
}

/// [`Methods`] of a connector `T` with sessions of type `S`.
pub(super) struct Adapter<T, S> {
    connector: T,
    session: PhantomData<fn() -> S>,
}

impl<T, S> Adapter<T, S> {
    pub(super) fn new(connector: T) -> Self {
        Adapter { connector, session: PhantomData }
    }
}

/// The error of a value of another type than the connector's (not reachable: the dispatch
/// stores only what this adapter made).
fn mismatch() -> ConnectorError {
    ConnectorError::new("The connector's stored connection is of another type.")
}

fn config<C: Send + Sync + 'static>(config: &AnyConfig) -> ConnectorResult<Arc<C>> {
    config.clone().downcast::<C>().map_err(|_| mismatch())
}

fn bare<C: Send + Sync + 'static>(guid: ConnectionGuid, any: &AnyConfig) -> ConnectorResult<Connection<C>> {
    Ok(Connection::of(guid, config::<C>(any)?))
}

fn typed<C: Send + Sync + 'static, S: Send + Sync + 'static>(conn: &AnyConn) -> ConnectorResult<Connection<C, S>> {
    let session = conn.session.clone().downcast::<S>().map_err(|_| mismatch())?;
    Ok(Connection { guid: conn.guid, config: config::<C>(&conn.config)?, session })
}

fn typed_opt<C: Send + Sync + 'static, S: Send + Sync + 'static>(
    conn: Option<&AnyConn>,
) -> ConnectorResult<Option<Connection<C, S>>> {
    conn.map(typed).transpose()
}

impl<T: ErpConnector<S>, S: Send + Sync + 'static> Methods for Adapter<T, S> {
    fn fields(&self) -> Vec<FieldMetadata> {
        T::Config::fields()
    }

    fn lists(&self) -> Vec<&'static ConfigList> {
        T::Config::lists()
    }

    fn secret_keys(&self) -> Vec<&'static str> {
        T::Config::secret_keys()
    }

    fn parse(&self, info: &StringDict) -> Result<AnyConfig, ConfigError> {
        T::Config::from_info(info).map(|c| Arc::new(c) as AnyConfig)
    }

    fn has_sessions(&self) -> bool {
        !is_no_session::<S>()
    }

    fn open_session<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, AnySession> {
        Box::pin(async move {
            let conn = bare::<T::Config>(guid, config)?;
            self.connector.open_session(&conn).await.map(|s| Arc::new(s) as AnySession)
        })
    }

    fn close_session<'a>(&'a self, conn: &'a AnyConn) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(conn) = typed::<T::Config, S>(conn) {
                self.connector.close_session(&conn).await;
            }
        })
    }

    fn test_config<'a>(&'a self, config: &'a AnyConfig, values: &'a StringDict) -> Fut<'a, Reply> {
        Box::pin(async move {
            let test = ConfigTest { config: self::config::<T::Config>(config)?, values: values.clone() };
            self.connector.test_config(&test).await
        })
    }

    fn connection_saved<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, Reply> {
        Box::pin(async move { self.connector.connection_saved(&bare(guid, config)?).await })
    }

    fn connection_deleted<'a>(&'a self, guid: ConnectionGuid, config: &'a AnyConfig) -> Fut<'a, Reply> {
        Box::pin(async move { self.connector.connection_deleted(&bare(guid, config)?).await })
    }

    fn test_connection<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Reply> {
        Box::pin(async move { self.connector.test_connection(&typed(conn)?).await })
    }

    fn supported_actor_types<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Reply<Vec<ActorType>>> {
        Box::pin(async move { self.connector.supported_actor_types(&typed(conn)?).await })
    }

    fn actor_type_fields<'a>(&'a self, conn: &'a AnyConn, t: &'a ActorType) -> Fut<'a, Reply<Vec<FieldMetadata>>> {
        Box::pin(async move { self.connector.actor_type_fields(&typed(conn)?, t).await })
    }

    fn searchable_fields<'a>(&'a self, conn: &'a AnyConn, t: &'a ActorType) -> Fut<'a, Reply<Vec<String>>> {
        Box::pin(async move { self.connector.searchable_fields(&typed(conn)?, t).await })
    }

    fn get_actors<'a>(&'a self, conn: &'a AnyConn, q: GetActors) -> Fut<'a, Reply<Vec<ErpActor>>> {
        Box::pin(async move { self.connector.get_actors(&typed(conn)?, q).await })
    }

    fn search_actors<'a>(&'a self, conn: &'a AnyConn, q: SearchActors) -> Fut<'a, Reply<Vec<ErpActor>>> {
        Box::pin(async move { self.connector.search_actors(&typed(conn)?, q).await })
    }

    fn search_actor_by_parent<'a>(&'a self, conn: &'a AnyConn, q: SearchByParent) -> Fut<'a, Reply<Vec<ErpActor>>> {
        Box::pin(async move { self.connector.search_actor_by_parent(&typed(conn)?, q).await })
    }

    fn search_actors_advanced<'a>(&'a self, conn: &'a AnyConn, q: AdvancedSearch) -> Fut<'a, Reply<Vec<ErpActor>>> {
        Box::pin(async move { self.connector.search_actors_advanced(&typed(conn)?, q).await })
    }

    fn create_actor<'a>(&'a self, conn: &'a AnyConn, actor: NewActor) -> Fut<'a, Reply<ErpActor>> {
        Box::pin(async move { self.connector.create_actor(&typed(conn)?, actor).await })
    }

    fn save_actors<'a>(&'a self, conn: &'a AnyConn, actors: Vec<ActorChange>) -> Fut<'a, Reply<Vec<ErpActor>>> {
        Box::pin(async move { self.connector.save_actors(&typed(conn)?, actors).await })
    }

    fn get_list<'a>(&'a self, conn: Option<&'a AnyConn>, name: &'a str) -> Fut<'a, Reply<StringDict>> {
        Box::pin(async move { self.connector.get_list(typed_opt::<T::Config, S>(conn)?.as_ref(), name).await })
    }

    fn get_list_items<'a>(
        &'a self,
        conn: Option<&'a AnyConn>,
        name: &'a str,
        keys: Vec<String>,
    ) -> Fut<'a, Reply<StringDict>> {
        Box::pin(
            async move { self.connector.get_list_items(typed_opt::<T::Config, S>(conn)?.as_ref(), name, keys).await },
        )
    }

    fn get_actors_by_timestamp<'a>(&'a self, conn: &'a AnyConn, q: ActorsSince) -> Fut<'a, ActorStream> {
        Box::pin(async move { self.connector.get_actors_by_timestamp(&typed(conn)?, q).await })
    }
}

//! The connector behind an object-safe interface, its configuration and session type-erased:
//! the dispatch ([`super::dispatch`]) is then compiled once, in this crate, and each connector's
//! crate compiles only this small adapter. An edit of a method body recompiles the adapter's
//! call of it, not the whole dispatch (bench/macro-cost, docs/performance.md).

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::connector::allow::Variables;
use crate::connector::methods::{author_methods, host_answer, host_return, param_type};
use crate::connector::{
    ActorChange, ActorStream, ActorsSince, AdvancedSearch, ConfigError, ConfigList, ConfigTest, Connection,
    ConnectionConfig, ConnectionState, ConnectorError, ConnectorResult, ErpConnector, GetActors, IntoReply, NewActor,
    Reply, Schema, SearchActors, SearchByParent, is_no_session,
};
use crate::contract::{ConnectionGuid, ErpActor, FieldMetadata, StringDict};
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
    pub state: ConnectionState,
}

type Fut<'a, R> = LocalBoxFuture<'a, ConnectorResult<R>>;

/// A configuration not yet saved, as `test_config` gets it (a [`ConfigTest`]).
pub(super) struct Tested<'a> {
    pub config: &'a AnyConfig,
    pub values: &'a StringDict,
}

/// A saved connection without its session.
pub(super) struct Bare<'a> {
    pub guid: ConnectionGuid,
    pub config: &'a AnyConfig,
    pub state: ConnectionState,
}

/// The connection parameter of an erased method, by kind (see `connector::methods`).
macro_rules! erased_conn {
    ($l:lifetime, tested) => { Tested<$l> };
    ($l:lifetime, bare) => { Bare<$l> };
    ($l:lifetime, session) => { &$l AnyConn };
    ($l:lifetime, optional) => { Option<&$l AnyConn> };
}

/// The author's typed connection of an erased one, by kind.
macro_rules! typed_conn {
    ($conn:ident, tested) => {
        &tested::<T::Config>($conn)?
    };
    ($conn:ident, bare) => {
        &bare::<T::Config>($conn)?
    };
    ($conn:ident, session) => {
        &typed::<T::Config, S>($conn)?
    };
    ($conn:ident, optional) => {
        typed_opt::<T::Config, S>($conn)?.as_ref()
    };
}

/// [`Methods`] and its [`Adapter`] of the table of `connector::methods`.
macro_rules! erased_methods {
    ($([$op:ident $name:ident $self_:ident $conn:ident $kind:ident
        [$($mode:ident $arg:ident $ty:ty),*] [$answer:ident $ret:ty] $body:block [$(#[$doc:meta])*]])*) => {
        /// What the host calls: the connector's configuration type and methods.
        pub(super) trait Methods {
            fn fields(&self) -> Vec<FieldMetadata>;
            fn lists(&self) -> Vec<&'static ConfigList>;
            fn secret_keys(&self) -> Vec<&'static str>;
            fn parse(&self, info: &StringDict, variables: &Variables) -> Result<AnyConfig, ConfigError>;
            fn has_sessions(&self) -> bool;
            fn open_session<'a>(&'a self, conn: Bare<'a>) -> Fut<'a, AnySession>;
            fn close_session<'a>(&'a self, conn: &'a AnyConn) -> LocalBoxFuture<'a, ()>;
            fn schema<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Schema>;
            $(
                fn $name<'a>(
                    &'a self,
                    conn: erased_conn!('a, $kind),
                    $($arg: param_type!($mode, 'a, $ty)),*
                ) -> LocalBoxFuture<'a, host_return!($answer, $ret)>;
            )*
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

            fn parse(&self, info: &StringDict, variables: &Variables) -> Result<AnyConfig, ConfigError> {
                T::Config::from_info_in(info, variables).map(|c| Arc::new(c) as AnyConfig)
            }

            fn has_sessions(&self) -> bool {
                !is_no_session::<S>()
            }

            fn open_session<'a>(&'a self, conn: Bare<'a>) -> Fut<'a, AnySession> {
                Box::pin(async move {
                    let conn = bare::<T::Config>(conn)?;
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

            fn schema<'a>(&'a self, conn: &'a AnyConn) -> Fut<'a, Schema> {
                Box::pin(async move { self.connector.schema(&typed::<T::Config, S>(conn)?).await })
            }

            $(
                fn $name<'a>(
                    &'a self,
                    conn: erased_conn!('a, $kind),
                    $($arg: param_type!($mode, 'a, $ty)),*
                ) -> LocalBoxFuture<'a, host_return!($answer, $ret)> {
                    Box::pin(async move {
                        host_answer!($answer, self.connector.$name(typed_conn!(conn, $kind), $($arg),*).await)
                    })
                }
            )*
        }
    };
}

author_methods!(erased_methods);

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

fn bare<C: Send + Sync + 'static>(conn: Bare<'_>) -> ConnectorResult<Connection<C>> {
    Ok(Connection::of(conn.guid, config::<C>(conn.config)?, conn.state))
}

fn tested<C: Send + Sync + 'static>(test: Tested<'_>) -> ConnectorResult<ConfigTest<C>> {
    Ok(ConfigTest { config: config::<C>(test.config)?, values: test.values.clone() })
}

fn typed<C: Send + Sync + 'static, S: Send + Sync + 'static>(conn: &AnyConn) -> ConnectorResult<Connection<C, S>> {
    let session = conn.session.clone().downcast::<S>().map_err(|_| mismatch())?;
    Ok(Connection { guid: conn.guid, config: config::<C>(&conn.config)?, session, state: conn.state.clone() })
}

fn typed_opt<C: Send + Sync + 'static, S: Send + Sync + 'static>(
    conn: Option<&AnyConn>,
) -> ConnectorResult<Option<Connection<C, S>>> {
    conn.map(typed).transpose()
}

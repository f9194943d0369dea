//! A connection as a method sees it: its GUID, its configuration, its ERP session and its state.

use std::any::{Any, TypeId};
use std::sync::{Arc, LazyLock};

use super::{ConnectionState, ConnectorError, ConnectorResult};
use crate::contract::ConnectionGuid;

/// The session of a connector without one (the default of [`super::ErpConnector`]'s `S`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoSession;

/// One sync connection: its GUID (chosen by SuperOffice), its typed configuration and, for a
/// connector with sessions, its open ERP session.
///
/// Cheap to clone (the configuration and the session are shared), so a stream that outlives the
/// call can keep one.
#[derive(Debug)]
pub struct Connection<C, S = NoSession> {
    /// The connection's GUID.
    pub guid: ConnectionGuid,
    /// The configuration values saved for it, parsed.
    pub config: Arc<C>,
    /// The connection's ERP session ([`NoSession`] for a connector without sessions).
    pub session: Arc<S>,
    /// What the connector learnt about the connection since it was saved (a rotated refresh
    /// token), kept in the connection store.
    pub state: ConnectionState,
}

impl<C, S> Clone for Connection<C, S> {
    fn clone(&self) -> Self {
        Connection {
            guid: self.guid,
            config: self.config.clone(),
            session: self.session.clone(),
            state: self.state.clone(),
        }
    }
}

static NO_SESSION: LazyLock<Arc<NoSession>> = LazyLock::new(|| Arc::new(NoSession));

impl<C> Connection<C> {
    /// A connection without session, its state in memory (tests call connector methods with one).
    pub fn new(guid: ConnectionGuid, config: C) -> Self {
        Connection::of(guid, Arc::new(config), ConnectionState::in_memory())
    }

    pub(crate) fn of(guid: ConnectionGuid, config: Arc<C>, state: ConnectionState) -> Self {
        Connection { guid, config, session: NO_SESSION.clone(), state }
    }

    /// The same connection with `session`.
    pub fn with_session<S>(self, session: S) -> Connection<C, S> {
        Connection { guid: self.guid, config: self.config, session: Arc::new(session), state: self.state }
    }
}

/// Whether `S` is [`NoSession`].
pub(crate) fn is_no_session<S: 'static>() -> bool {
    TypeId::of::<S>() == TypeId::of::<NoSession>()
}

/// The default `open_session`: [`NoSession`] for a connector without sessions; for one that
/// names a session type without opening it, an answer that says so.
pub(crate) fn no_session<S: 'static>() -> ConnectorResult<S> {
    let none: Box<dyn Any> = Box::new(NoSession);
    match none.downcast::<S>() {
        Ok(session) => Ok(*session),
        Err(_) => {
            tracing::error!(
                session = std::any::type_name::<S>(),
                "the connector declares a session type but does not implement open_session"
            );
            Err(ConnectorError::new("The connector cannot open an ERP session (open_session is not implemented)."))
        }
    }
}

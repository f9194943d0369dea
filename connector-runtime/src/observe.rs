//! One observer of calls: the endpoint tells what happens to each call (begun, answered, a
//! handshake) here, and this module tells every observer that is on: the Prometheus metrics
//! ([`crate::metrics`]) and the status page's record ([`crate::activity`]). Both implement
//! [`CallObserver`]; an observer added later implements it too, and the endpoint is unchanged.

use std::time::Instant;

use crate::contract::{ConnectionGuid, Operation, ResponseStatus};

/// One call being answered: who asked and when.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    /// The hosted connector's index (the order the service mounted them in).
    pub connector: usize,
    /// The connection the request names, if any.
    pub guid: Option<ConnectionGuid>,
    /// The operation.
    pub operation: Operation,
    /// When its request was read.
    pub started: Instant,
}

/// What an observer is told of calls.
pub(crate) trait CallObserver: Sync {
    /// A call's request was admitted; it is in flight until [`CallObserver::ended`].
    fn begun(&self);
    /// A call begun is no longer in flight.
    fn ended(&self);
    /// `call` was answered with `status`.
    fn answered(&self, call: &Call, status: &ResponseStatus);
    /// An `Authenticate` of connector `connector` was answered.
    fn handshake(&self, connector: usize, succeeded: bool, reason: Option<&str>, tenant: Option<&str>);
}

/// The observers that are on.
type Observers = [Option<&'static dyn CallObserver>; 2];

fn observers() -> Observers {
    [crate::metrics::observer(), crate::activity::recorder().map(|a| a as &'static dyn CallObserver)]
}

/// A call in flight, until dropped.
pub(crate) struct InFlight(Observers);

impl InFlight {
    /// A call begins.
    pub(crate) fn start() -> InFlight {
        let observers = observers();
        observers.iter().flatten().for_each(|o| o.begun());
        InFlight(observers)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.iter().flatten().for_each(|o| o.ended());
    }
}

impl Call {
    /// The call was answered with `status`. Never inlined, so that a profile shows its whole
    /// cost under its name (`bench/observe-cost`).
    #[inline(never)]
    pub(crate) fn answered(&self, status: &ResponseStatus) {
        observers().iter().flatten().for_each(|o| o.answered(self, status));
    }
}

/// An `Authenticate` of connector `connector` was answered.
pub(crate) fn handshake(connector: usize, succeeded: bool, reason: Option<&str>, tenant: Option<&str>) {
    observers().iter().flatten().for_each(|o| o.handshake(connector, succeeded, reason, tenant));
}

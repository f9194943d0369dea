//! Actors as a stream: a first sync can return hundreds of thousands of actors in one
//! `WSGetActorsByTimestamp` answer (the contract has no paging). A connector that returns an
//! [`ActorStream`] has its actors written to the HTTP body as they come, so memory stays flat
//! whatever the count.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use futures_util::stream::LocalBoxStream;

use super::{ConnectorError, ConnectorResult};
use crate::contract::ErpActor;

/// Actors to answer with, produced while the answer is being written.
///
/// An error part-way ends the answer with `State=Error` after the actors already sent (EIS then
/// treats the whole poll as failed and asks again).
///
/// ```
/// use erp_connector::connector::ActorStream;
/// use erp_connector::prelude::*;
///
/// // From a blocking source (a database cursor), on the blocking pool, with back-pressure:
/// let stream = ActorStream::from_blocking(|out| {
///     for key in 1..=3 {
///         out.send(ErpActor::new(ActorType::Customer, key.to_string(), format!("{key:012}")))?;
///     }
///     Ok(())
/// });
/// let actors = block_on(stream.collect()).unwrap();
/// assert_eq!(actors.len(), 3);
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct ActorStream {
    inner: LocalBoxStream<'static, ConnectorResult<ErpActor>>,
}

impl ActorStream {
    /// Any stream of actors.
    pub fn new(stream: impl Stream<Item = ConnectorResult<ErpActor>> + 'static) -> Self {
        ActorStream { inner: Box::pin(stream) }
    }

    /// Actors already in memory.
    pub fn from_vec(actors: Vec<ErpActor>) -> Self {
        Self::new(futures_util::stream::iter(actors.into_iter().map(Ok)))
    }

    /// Actors produced by blocking code (a database cursor, a file) run on the blocking pool.
    /// At most [`ActorSender::CAPACITY`] actors wait to be written: `send` blocks while the
    /// client reads slowly, and fails once the answer is abandoned, which ends the producer
    /// through `?`.
    ///
    pub fn from_blocking(produce: impl FnOnce(&ActorSender) -> ConnectorResult<()> + Send + 'static) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(ActorSender::CAPACITY);
        let sender = ActorSender { tx };
        let job = move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| produce(&sender)));
            let failure = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(_) => Some(ConnectorError::new("The connector failed while reading the actors.")),
            };
            if let Some(e) = failure {
                let _ = sender.tx.blocking_send(Err(e));
            }
        };
        // In the service (a Tokio runtime) on its blocking pool; elsewhere (a unit test) on a
        // thread of its own.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(job)),
            Err(_) => drop(std::thread::spawn(job)),
        }
        Self::new(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
    }

    /// Collects the actors (for answers that cannot be streamed).
    pub async fn collect(mut self) -> ConnectorResult<Vec<ErpActor>> {
        use futures_util::StreamExt as _;
        let mut actors = Vec::new();
        while let Some(actor) = self.next().await {
            actors.push(actor?);
        }
        Ok(actors)
    }
}

impl From<Vec<ErpActor>> for ActorStream {
    fn from(actors: Vec<ErpActor>) -> Self {
        Self::from_vec(actors)
    }
}

impl Stream for ActorStream {
    type Item = ConnectorResult<ErpActor>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for ActorStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActorStream")
    }
}

/// Where [`ActorStream::from_blocking`] code sends its actors.
#[derive(Debug)]
pub struct ActorSender {
    tx: tokio::sync::mpsc::Sender<ConnectorResult<ErpActor>>,
}

impl ActorSender {
    /// Actors that may wait to be written before `send` blocks.
    pub const CAPACITY: usize = 256;

    /// Sends one actor, waiting while the answer's writer is behind. An error means the answer
    /// was abandoned (the client went away): stop producing.
    pub fn send(&self, actor: ErpActor) -> ConnectorResult<()> {
        self.tx
            .blocking_send(Ok(actor))
            .map_err(|_| ConnectorError::new("The answer was abandoned; no more actors are needed."))
    }
}

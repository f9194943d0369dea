//! Actors as a stream: a first sync can return hundreds of thousands of actors in one
//! `WSGetActorsByTimestamp` answer (the contract has no paging). A connector that returns an
//! [`ActorStream`] has its actors written to the HTTP body as they come, so memory stays flat
//! whatever the count.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use futures_util::stream::LocalBoxStream;

use super::{ConnectorError, ConnectorResult, Reply};
use crate::contract::ErpActor;
use crate::http::WireItem;

/// What travels through an [`ActorStream`]: the actors, then possibly the answer's status.
enum Item {
    Actor(ErpActor),
    /// The end, with the state, code and texts to answer with.
    End(Reply),
}

/// Actors to answer with, produced while the answer is being written.
///
/// An error part-way ends the answer with `State=Error` after the actors already sent (EIS then
/// treats the whole poll as failed and asks again). A stream can also end with a successful
/// status of its own ([`ActorStream::ending`], or what a [`ActorStream::from_blocking`]
/// producer returns): the state and texts of a [`Reply`], sent after the actors.
///
/// ```
/// use erp_connector::connector::ActorStream;
/// use erp_connector::prelude::*;
///
/// // From a blocking source (a database cursor), on the blocking pool, with back-pressure:
/// let stream = ActorStream::from_blocking(|out| {
///     for key in 1..=3 {
///         out.send(ErpActor::new(ActorType::Customer, key.to_string(), Stamp::counter(key)))?;
///     }
///     Ok(())
/// });
/// let actors = block_on(stream.collect()).unwrap();
/// assert_eq!(actors.value.len(), 3);
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct ActorStream {
    inner: LocalBoxStream<'static, ConnectorResult<Item>>,
    /// The status the stream ended with, once it has ended.
    ended: Option<Reply>,
}

impl ActorStream {
    /// Any stream of actors.
    pub fn new(stream: impl Stream<Item = ConnectorResult<ErpActor>> + 'static) -> Self {
        use futures_util::StreamExt as _;
        Self::of_items(stream.map(|item| item.map(Item::Actor)))
    }

    fn of_items(stream: impl Stream<Item = ConnectorResult<Item>> + 'static) -> Self {
        ActorStream { inner: Box::pin(stream), ended: None }
    }

    /// Actors already in memory.
    pub fn from_vec(actors: Vec<ErpActor>) -> Self {
        Self::new(futures_util::stream::iter(actors.into_iter().map(Ok)))
    }

    /// Builder: once the actors are written, answer with this reply's state, code and texts
    /// (e.g. `Reply::ok().info("3 archived customers skipped")`).
    pub fn ending(self, status: Reply) -> Self {
        use futures_util::StreamExt as _;
        let inner = self.inner.chain(futures_util::stream::once(async move { Ok(Item::End(status)) }));
        ActorStream { inner: Box::pin(inner), ended: None }
    }

    /// Actors from a cursor-paged ERP API: `fetch(cursor)` answers one page and the cursor of the
    /// next (`None` after the last). The next page is fetched while this one is written (the
    /// ERP's time and the writing overlap), so memory holds two pages whatever the total; an
    /// error ends the answer with it, after the actors already fetched.
    ///
    /// ```
    /// use erp_connector::prelude::*;
    ///
    /// // Three pages of two customers, the cursor being the next offset.
    /// let stream = ActorStream::paged(0u32, |offset| async move {
    ///     let page = (offset..offset + 2).map(|n| ErpActor::new(ActorType::Customer, n.to_string(), Stamp::counter(1))).collect();
    ///     Ok((page, (offset < 4).then_some(offset + 2)))
    /// });
    /// # let actors = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(stream.collect()).unwrap();
    /// # assert_eq!(actors.value.len(), 6);
    /// ```
    pub fn paged<C, F, Fut>(first: C, fetch: F) -> Self
    where
        C: Unpin + 'static,
        F: FnMut(C) -> Fut + Unpin + 'static,
        Fut: std::future::Future<Output = ConnectorResult<(Vec<ErpActor>, Option<C>)>> + 'static,
    {
        Self::of_items(Paged {
            fetch,
            pending: None,
            start: Some(first),
            ready: Default::default(),
            waiting: None,
            failed: None,
        })
    }

    /// Actors of a keyset-paged read, the usual way to page a change poll: `fetch(after)` answers
    /// at most `page` actors that come after `after` (the last actor of the previous page, `None`
    /// for the first) in an order the ERP keeps stable, e.g. by stamp and then by key. A page
    /// shorter than `page` is the last. Fetched ahead as [`ActorStream::paged`] is.
    ///
    /// ```
    /// use erp_connector::prelude::*;
    ///
    /// // Seven customers, three a page, each page after the last key read.
    /// let stream = ActorStream::keyset(3, |after: Option<ErpActor>| async move {
    ///     let from = after.and_then(|a| a.erp_key?.parse::<u32>().ok()).map_or(1, |k| k + 1);
    ///     Ok((from..=7).take(3).map(|n| ErpActor::new(ActorType::Customer, n.to_string(), Stamp::counter(n.into()))).collect())
    /// });
    /// # let actors = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(stream.collect()).unwrap();
    /// # assert_eq!(actors.value.len(), 7);
    /// ```
    pub fn keyset<F, Fut>(page: usize, mut fetch: F) -> Self
    where
        F: FnMut(Option<ErpActor>) -> Fut + Unpin + 'static,
        Fut: std::future::Future<Output = ConnectorResult<Vec<ErpActor>>> + 'static,
    {
        Self::paged(None, move |after| {
            let actors = fetch(after);
            async move {
                let actors = actors.await?;
                let next = if actors.len() < page.max(1) { None } else { actors.last().cloned().map(Some) };
                Ok((actors, next))
            }
        })
    }

    /// Actors produced by blocking code (a database cursor, a file) run on the blocking pool.
    /// At most [`ActorSender::CAPACITY`] actors wait to be written: `send` blocks while the
    /// client reads slowly, and fails once the answer is abandoned, which ends the producer
    /// through `?`.
    ///
    /// The producer's `Ok` is the answer's status: `Ok(())` for a plain `Ok`, or a [`Reply`].
    pub fn from_blocking<R: Into<Reply>>(
        produce: impl FnOnce(&ActorSender) -> ConnectorResult<R> + Send + 'static,
    ) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(ActorSender::CAPACITY);
        let sender = ActorSender { tx };
        let job = move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| produce(&sender)));
            let end = match outcome {
                Ok(Ok(status)) => Ok(Item::End(status.into())),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(ConnectorError::new("The connector failed while reading the actors.")),
            };
            let _ = sender.tx.blocking_send(end);
        };
        // In the service (a Tokio runtime) on its blocking pool; elsewhere (a unit test) on a
        // thread of its own.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(job)),
            Err(_) => drop(std::thread::spawn(job)),
        }
        Self::of_items(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
    }

    /// The same actors with only the fields in `keys` (none dropped when `keys` is empty).
    pub(crate) fn only_fields(self, keys: Vec<String>) -> Self {
        use futures_util::StreamExt as _;
        if keys.is_empty() {
            return self;
        }
        let inner = self.inner.map(move |item| match item {
            Ok(Item::Actor(mut actor)) => {
                only_fields(&mut actor, &keys);
                Ok(Item::Actor(actor))
            }
            other => other,
        });
        ActorStream { inner: Box::pin(inner), ended: self.ended }
    }

    /// The same actors, each checked against `fields` as it passes ([`super::check_outgoing`]):
    /// the first that fails ends the answer with the error naming it.
    pub(crate) fn checked(self, fields: Vec<crate::contract::FieldMetadata>) -> Self {
        use futures_util::StreamExt as _;
        let inner = self.inner.map(move |item| match item {
            Ok(Item::Actor(actor)) => super::check_outgoing(&actor, &fields).map(|()| Item::Actor(actor)),
            other => other,
        });
        ActorStream { inner: Box::pin(inner), ended: self.ended }
    }

    /// Collects the actors and the status the stream ended with (for answers that cannot be
    /// streamed).
    pub async fn collect(mut self) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        use futures_util::StreamExt as _;
        let mut actors = Vec::new();
        while let Some(actor) = self.next().await {
            actors.push(actor?);
        }
        Ok(self.ended.take().unwrap_or_else(Reply::ok).map(|()| actors))
    }

    /// The actors, then the answer's status: a failure, or the successful status the stream
    /// ended with, if any.
    pub(crate) fn into_wire(self, include_tech: bool) -> LocalBoxStream<'static, WireItem> {
        use futures_util::StreamExt as _;
        Box::pin(self.inner.map(move |item| match item {
            Ok(Item::Actor(actor)) => WireItem::Actor(actor),
            Ok(Item::End(reply)) => WireItem::End(reply.into_wire(include_tech).1),
            Err(error) => {
                tracing::warn!(error = %crate::untrusted::shown(&error.to_string()), "connector failed while streaming actors");
                WireItem::End(error.into_wire(include_tech))
            }
        }))
    }
}

/// Drops the fields of `actor` that are not in `keys` (none when `keys` is empty): EIS asked for
/// those, and a connector may fill more.
pub(crate) fn only_fields(actor: &mut ErpActor, keys: &[String]) {
    if let Some(values) = actor.field_values.as_mut()
        && !keys.is_empty()
    {
        values.retain(|key| keys.iter().any(|k| k == key));
    }
}

impl From<Vec<ErpActor>> for ActorStream {
    fn from(actors: Vec<ErpActor>) -> Self {
        Self::from_vec(actors)
    }
}

impl FromIterator<ErpActor> for ActorStream {
    /// The actors, collected first (for answers small enough to hold).
    fn from_iter<I: IntoIterator<Item = ErpActor>>(actors: I) -> Self {
        Self::from_vec(actors.into_iter().collect())
    }
}

impl From<Reply<Vec<ErpActor>>> for ActorStream {
    /// The actors, and the reply's status after them.
    fn from(reply: Reply<Vec<ErpActor>>) -> Self {
        let Reply { value, state, error_code, user_explanation, tech_explanation } = reply;
        let status = Reply { value: (), state, error_code, user_explanation, tech_explanation };
        let stream = Self::from_vec(value);
        if status == Reply::ok() { stream } else { stream.ending(status) }
    }
}

impl Stream for ActorStream {
    type Item = ConnectorResult<ErpActor>;

    /// The actors; a successful status the stream ends with is kept for [`ActorStream::collect`].
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match self.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(Item::Actor(actor)))) => Poll::Ready(Some(Ok(actor))),
                Poll::Ready(Some(Ok(Item::End(status)))) => {
                    self.ended = Some(status);
                    continue;
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
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
    tx: tokio::sync::mpsc::Sender<ConnectorResult<Item>>,
}

impl ActorSender {
    /// Actors that may wait to be written before `send` blocks.
    pub const CAPACITY: usize = 256;

    /// Sends one actor, waiting while the answer's writer is behind. An error means the answer
    /// was abandoned (the client went away): stop producing.
    pub fn send(&self, actor: ErpActor) -> ConnectorResult<()> {
        self.tx
            .blocking_send(Ok(Item::Actor(actor)))
            .map_err(|_| ConnectorError::new("The answer was abandoned; no more actors are needed."))
    }
}

/// The stream of [`ActorStream::paged`]: one page being written (`ready`), the next fetched
/// meanwhile (`pending`, then `waiting`, with the cursor after it in `start`).
struct Paged<C, F, Fut> {
    fetch: F,
    pending: Option<Pin<Box<Fut>>>,
    /// The cursor of the next fetch, until it starts.
    start: Option<C>,
    ready: std::collections::VecDeque<ErpActor>,
    waiting: Option<Vec<ErpActor>>,
    failed: Option<ConnectorError>,
}

impl<C, F, Fut> Stream for Paged<C, F, Fut>
where
    C: Unpin,
    F: FnMut(C) -> Fut + Unpin,
    Fut: std::future::Future<Output = ConnectorResult<(Vec<ErpActor>, Option<C>)>>,
{
    type Item = ConnectorResult<Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            // Drive the next page's fetch while the current one is written.
            if this.waiting.is_none()
                && let Some(pending) = &mut this.pending
                && let Poll::Ready(outcome) = pending.as_mut().poll(cx)
            {
                this.pending = None;
                match outcome {
                    Ok((page, next)) => {
                        this.waiting = Some(page);
                        this.start = next;
                    }
                    Err(e) => this.failed = Some(e),
                }
            }
            if let Some(actor) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(Item::Actor(actor))));
            }
            if let Some(page) = this.waiting.take() {
                this.ready = page.into();
                // The page after it, fetched while this one is written.
                if let Some(cursor) = this.start.take() {
                    this.pending = Some(Box::pin((this.fetch)(cursor)));
                }
                continue;
            }
            if let Some(e) = this.failed.take() {
                return Poll::Ready(Some(Err(e)));
            }
            match (this.pending.is_some(), this.start.take()) {
                (true, start) => {
                    this.start = start;
                    return Poll::Pending;
                }
                (false, Some(cursor)) => this.pending = Some(Box::pin((this.fetch)(cursor))),
                (false, None) => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use futures_util::StreamExt as _;

    use super::*;
    use crate::contract::ActorType;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    /// Pages of three: the fetches as they are asked for.
    fn pages(log: Rc<RefCell<Vec<u32>>>, fail_at: Option<u32>) -> ActorStream {
        ActorStream::paged(0u32, move |page| {
            let log = log.clone();
            async move {
                log.borrow_mut().push(page);
                if Some(page) == fail_at {
                    return Err(ConnectorError::new("The ERP went away."));
                }
                let actors = (0..3)
                    .map(|i| {
                        ErpActor::new(ActorType::Customer, format!("{page}-{i}"), crate::contract::Stamp::text("1"))
                    })
                    .collect();
                Ok((actors, (page < 3).then_some(page + 1)))
            }
        })
    }

    #[test]
    fn the_next_page_is_fetched_while_one_is_written() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut stream = pages(log.clone(), None);
        block_on(async {
            let first = stream.inner.next().await;
            assert!(matches!(first, Some(Ok(Item::Actor(a))) if a.erp_key.as_deref() == Some("0-0")));
            // The first actor is out and the second page is already fetched: two pages held.
            let second = stream.inner.next().await;
            assert!(second.is_some());
            assert_eq!(*log.borrow(), vec![0, 1]);
        });
        let all = block_on(pages(log.clone(), None).collect()).unwrap();
        let keys: Vec<_> = all.value.iter().filter_map(|a| a.erp_key.clone()).collect();
        assert_eq!(keys.len(), 12);
        assert_eq!(keys.first().map(String::as_str), Some("0-0"));
        assert_eq!(keys.last().map(String::as_str), Some("3-2"));
    }

    #[test]
    fn a_keyset_read_asks_after_the_last_actor_until_a_short_page() {
        // Six actors, pages of three: the third fetch finds none and ends the read.
        let asked = Rc::new(RefCell::new(Vec::new()));
        let log = asked.clone();
        let stream = ActorStream::keyset(3, move |after: Option<ErpActor>| {
            let from = after.as_ref().and_then(|a| a.erp_key.as_deref()?.parse::<u32>().ok()).unwrap_or(0);
            log.borrow_mut().push(from);
            let page: Vec<_> = (from + 1..=6)
                .take(3)
                .map(|n| ErpActor::new(ActorType::Customer, n.to_string(), crate::contract::Stamp::counter(n.into())))
                .collect();
            async move { Ok(page) }
        });
        let keys: Vec<_> = block_on(stream.collect()).unwrap().value.into_iter().filter_map(|a| a.erp_key).collect();
        assert_eq!(keys, ["1", "2", "3", "4", "5", "6"]);
        assert_eq!(*asked.borrow(), [0, 3, 6]);
    }

    #[test]
    fn an_error_comes_after_the_actors_fetched_before_it() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut stream = pages(log.clone(), Some(2));
        let items: Vec<_> = block_on(async {
            let mut items = Vec::new();
            while let Some(item) = stream.inner.next().await {
                items.push(item.map(|_| ()));
            }
            items
        });
        assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 6);
        assert!(items.last().is_some_and(|i| i.as_ref().is_err_and(|e| e.to_string() == "The ERP went away.")));
        assert_eq!(*log.borrow(), vec![0, 1, 2]);
    }
}

//! Streamed `ActorArrayPluginResponseWS` answers: the actors are written into a chunked HTTP body
//! as the connector produces them, so memory stays flat whatever their number. The first actor
//! is awaited before anything is sent, so that an answer with no actors, or one that fails at
//! once, is a whole answer like any other.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use futures_util::stream::LocalBoxStream;
use futures_util::{FutureExt as _, StreamExt as _};

use super::{STREAM_CHUNK, WireItem, internal_error, timed_out};
use crate::contract::{ActorArrayResponse, ErpActor, Operation, Response, ResponseStatus};
use crate::observe::Call;
use crate::soap::{self, StreamedActors};

type Actors = LocalBoxStream<'static, WireItem>;

/// The next actor; a panic in the connector's stream, or no actor within `limit`, is an error.
async fn next(actors: &mut Actors, operation: Operation, limit: Option<Duration>) -> Option<WireItem> {
    let item = AssertUnwindSafe(actors.next()).catch_unwind();
    let outcome = match limit {
        None => item.await,
        Some(limit) => match actix_web::rt::time::timeout(limit, item).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(%operation, seconds = limit.as_secs_f64(), "the connector's stream gave no actor in time");
                return Some(WireItem::End(timed_out(operation, limit).result().clone()));
            }
        },
    };
    match outcome {
        Ok(item) => item,
        Err(_) => {
            tracing::error!(%operation, "connector panicked while streaming actors");
            Some(WireItem::End(internal_error(operation).result().clone()))
        }
    }
}

/// The answer of actors that ended with `status`: a failure drops them, a successful status
/// (the connector's `OkWithInfo`, say) goes with them.
fn ended(operation: Operation, actors: Vec<ErpActor>, status: ResponseStatus) -> Response {
    if status.is_ok {
        Response::ActorArray(ActorArrayResponse { actors: Some(actors), result: status })
    } else {
        Response::failure(operation, status)
    }
}

/// All the actors as one response (for profiles that write the status first, and capture mode).
pub(super) async fn collect(operation: Operation, mut actors: Actors, limit: Option<Duration>) -> Response {
    let mut all = Vec::new();
    while let Some(item) = next(&mut actors, operation, limit).await {
        match item {
            WireItem::Actor(actor) => all.push(actor),
            WireItem::End(status) => return ended(operation, all, status),
        }
    }
    ended(operation, all, ResponseStatus::ok())
}

/// How a streamed answer starts.
pub(super) enum Started {
    /// A response streaming from the first actor on.
    Streaming(HttpResponse),
    /// The whole answer: there were no actors, or the stream failed at once.
    Whole(Response),
}

/// A streamed response once the first actor is there; the whole answer when there is none or
/// the stream fails at once.
pub(super) async fn start(
    parts: StreamedActors,
    call: Call,
    mut actors: Actors,
    span: tracing::Span,
    limit: Option<Duration>,
) -> Started {
    let operation = call.operation;
    let first = match next(&mut actors, operation, limit).await {
        None => return Started::Whole(ended(operation, Vec::new(), ResponseStatus::ok())),
        Some(WireItem::End(status)) => return Started::Whole(ended(operation, Vec::new(), status)),
        Some(WireItem::Actor(actor)) => actor,
    };
    let mut buf = Vec::with_capacity(STREAM_CHUNK + STREAM_CHUNK / 4);
    buf.extend_from_slice(parts.head());
    parts.actor(&first, &mut buf);
    let state = Streaming { parts, call, actors, buf, count: 1, bytes: 0, done: false, span, limit };
    let body = futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        st.fill().await;
        let chunk = actix_web::web::Bytes::from(std::mem::replace(
            &mut st.buf,
            Vec::with_capacity(STREAM_CHUNK + STREAM_CHUNK / 4),
        ));
        st.bytes += chunk.len();
        Some((Ok::<_, std::convert::Infallible>(chunk), st))
    });
    Started::Streaming(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(soap::CONTENT_TYPE)))
            .streaming(body),
    )
}

/// Bytes of a spooled answer's actors kept in memory before they go to a temporary file.
pub const SPOOL_AFTER_BYTES: usize = 4 * 1024 * 1024;

/// A spooled answer: whole bytes when it stayed small, else a response sent from the file.
pub(super) enum Spooled {
    /// The whole answer, and its status.
    Bytes(Vec<u8>, ResponseStatus),
    /// A response whose body is read from the spool file.
    Streamed(HttpResponse),
}

/// An answer whose status comes before its actors (the wrapped profiles): the actors are
/// written as they come, past [`SPOOL_AFTER_BYTES`] into an unnamed temporary file (removed by
/// the system when closed, on every path: end, error, a client that goes away, a crash); once
/// the stream ends and the status is known, the answer is sent as head, file and tail with its
/// length. Memory stays at about [`SPOOL_AFTER_BYTES`] whatever the number of actors.
pub(super) async fn spool(
    profile: soap::WireProfile,
    call: Call,
    mut actors: Actors,
    span: tracing::Span,
    limit: Option<Duration>,
) -> Spooled {
    let (operation, started) = (call.operation, call.started);
    let (spooled, status) = match spool_actors(profile, operation, &mut actors, limit).await {
        Ok(done) => done,
        Err(e) => {
            let why = "is too large to hold in memory and could not be written to a temporary file";
            return spool_failed(&span, profile, operation, &e, why);
        }
    };
    let Spool { mem, file, mut file_len, count } = spooled;
    let Some((head, tail)) = soap::StreamedActors::around(profile, operation, &status) else {
        let out = no_actors(profile, operation, &status);
        return Spooled::Bytes(out, status);
    };
    let Some(f) = file else {
        let mut out = Vec::with_capacity(head.len() + mem.len() + tail.len());
        out.extend_from_slice(&head);
        out.extend_from_slice(&mem);
        out.extend_from_slice(&tail);
        return Spooled::Bytes(out, status);
    };
    let (f, rest, written) = match spill(Some(f), mem, true).await {
        Ok(done) => done,
        Err(e) => return spool_failed(&span, profile, operation, &e, "could not be written to a temporary file"),
    };
    drop(rest);
    file_len += written;
    let total = head.len() as u64 + file_len + tail.len() as u64;
    call.answered(&status);
    crate::metrics::streamed(count);
    span.in_scope(|| {
        tracing::info!(
            state = %status.state,
            error_code = status.error_code.as_deref().unwrap_or(""),
            micros = started.elapsed().as_micros() as u64,
            bytes = total,
            actors = count,
            "answered (spooled)"
        )
    });
    let state = SpoolRead { head: Some(head), file: Some(f), left: file_len, tail: Some(tail) };
    let body = futures_util::stream::unfold(state, |mut st| async move {
        let chunk = st.next_chunk().await?;
        Some((chunk, st))
    });
    Spooled::Streamed(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(soap::CONTENT_TYPE)))
            .body(actix_web::body::SizedStream::new(total, body)),
    )
}

/// The actors written so far: in memory, and past [`SPOOL_AFTER_BYTES`] in a temporary file.
struct Spool {
    mem: Vec<u8>,
    file: Option<std::fs::File>,
    file_len: u64,
    count: usize,
}

/// Writes the actors as they come into a [`Spool`]; with the stream's final status.
async fn spool_actors(
    profile: soap::WireProfile,
    operation: Operation,
    actors: &mut Actors,
    limit: Option<Duration>,
) -> std::io::Result<(Spool, ResponseStatus)> {
    let mut spool = Spool { mem: Vec::with_capacity(STREAM_CHUNK), file: None, file_len: 0, count: 0 };
    loop {
        match next(actors, operation, limit).await {
            Some(WireItem::Actor(actor)) => {
                soap::write_array_item(profile, &actor, &mut spool.mem);
                spool.count += 1;
                if spool.mem.len() >= SPOOL_AFTER_BYTES {
                    let (f, emptied, written) = spill(spool.file.take(), std::mem::take(&mut spool.mem), false).await?;
                    (spool.file, spool.mem) = (Some(f), emptied);
                    spool.file_len += written;
                }
            }
            Some(WireItem::End(status)) => return Ok((spool, status)),
            None => return Ok((spool, ResponseStatus::ok())),
        }
    }
}

/// The answer when the spool cannot be written: an error status that says so, `why` in its
/// words, the cause in the log.
fn spool_failed(
    span: &tracing::Span,
    profile: soap::WireProfile,
    operation: Operation,
    error: &std::io::Error,
    why: &str,
) -> Spooled {
    span.in_scope(|| tracing::error!(error = %error, "cannot spool the answer to a temporary file"));
    let status = ResponseStatus::error(format!("The answer to {operation} {why}; see the connector's log."));
    let out = no_actors(profile, operation, &status);
    Spooled::Bytes(out, status)
}

/// The whole answer with `status` and no actor.
fn no_actors(profile: soap::WireProfile, operation: Operation, status: &ResponseStatus) -> Vec<u8> {
    let mut out = Vec::new();
    match soap::StreamedActors::around(profile, operation, status) {
        Some((head, tail)) => {
            out.extend_from_slice(&head);
            out.extend_from_slice(&tail);
        }
        None => soap::write_response(profile, operation, &Response::failure(operation, status.clone()), &mut out),
    }
    out
}

/// Appends `buf` to the spool file (created on first use) on the blocking pool, and with
/// `rewind` goes back to its start for reading; gives back the file, the emptied buffer and the
/// bytes written.
async fn spill(
    file: Option<std::fs::File>,
    mut buf: Vec<u8>,
    rewind: bool,
) -> std::io::Result<(std::fs::File, Vec<u8>, u64)> {
    let job = move || {
        use std::io::{Seek as _, Write as _};
        let mut file = match file {
            Some(file) => file,
            None => tempfile::tempfile()?,
        };
        file.write_all(&buf)?;
        if rewind {
            file.rewind()?;
        }
        let written = buf.len() as u64;
        buf.clear();
        Ok((file, buf, written))
    };
    actix_web::rt::task::spawn_blocking(job).await.map_err(std::io::Error::other)?
}

/// Reads a spooled answer back: head, the file in chunks, tail.
struct SpoolRead {
    head: Option<Vec<u8>>,
    file: Option<std::fs::File>,
    left: u64,
    tail: Option<Vec<u8>>,
}

impl SpoolRead {
    async fn next_chunk(&mut self) -> Option<Result<actix_web::web::Bytes, std::io::Error>> {
        if let Some(head) = self.head.take() {
            return Some(Ok(head.into()));
        }
        if self.left > 0
            && let Some(mut file) = self.file.take()
        {
            let want = (self.left as usize).min(STREAM_CHUNK * 4);
            let job = move || {
                use std::io::Read as _;
                let mut chunk = vec![0u8; want];
                file.read_exact(&mut chunk)?;
                Ok::<_, std::io::Error>((file, chunk))
            };
            return match actix_web::rt::task::spawn_blocking(job).await {
                Ok(Ok((file, chunk))) => {
                    self.left -= chunk.len() as u64;
                    self.file = Some(file);
                    Some(Ok(chunk.into()))
                }
                Ok(Err(e)) => Some(Err(e)),
                Err(e) => Some(Err(std::io::Error::other(e))),
            };
        }
        self.file = None;
        self.tail.take().map(|tail| Ok(tail.into()))
    }
}

struct Streaming {
    parts: StreamedActors,
    call: Call,
    actors: Actors,
    buf: Vec<u8>,
    count: usize,
    bytes: usize,
    done: bool,
    span: tracing::Span,
    limit: Option<Duration>,
}

/// A body dropped before its end means the client went away (or the server is stopping): say
/// how far the answer got, as the "answered" line would have.
impl Drop for Streaming {
    fn drop(&mut self) {
        if !self.done {
            let (count, bytes, micros) = (self.count, self.bytes, self.call.started.elapsed().as_micros() as u64);
            self.span.in_scope(|| {
                tracing::warn!(
                    micros,
                    bytes,
                    actors = count,
                    "the client went away before the streamed answer ended (bytes: handed to the connection)"
                )
            });
        }
    }
}

impl Streaming {
    /// Writes actors until a chunk is full or the stream ends (then with the tail).
    async fn fill(&mut self) {
        while self.buf.len() < STREAM_CHUNK {
            let status = match next(&mut self.actors, self.call.operation, self.limit).await {
                Some(WireItem::Actor(actor)) => {
                    self.parts.actor(&actor, &mut self.buf);
                    self.count += 1;
                    continue;
                }
                Some(WireItem::End(status)) => status,
                None => ResponseStatus::ok(),
            };
            self.parts.tail(&status, &mut self.buf);
            self.done = true;
            let (count, bytes, micros) =
                (self.count, self.bytes + self.buf.len(), self.call.started.elapsed().as_micros() as u64);
            self.call.answered(&status);
            crate::metrics::streamed(count);
            self.span.in_scope(|| {
                tracing::info!(
                    state = %status.state,
                    error_code = status.error_code.as_deref().unwrap_or(""),
                    micros,
                    bytes,
                    actors = count,
                    "answered (streamed)"
                )
            });
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody as _;

    use super::*;
    use crate::contract::ActorType;
    use crate::test_logs::logged;

    /// Streams `count` actors and reads `chunks` chunks of the body before dropping it.
    fn stream(count: usize, chunks: usize) -> String {
        logged(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let op = Operation::GetActorsByTimestamp;
                let parts = StreamedActors::new(soap::WireProfile::MessageContract, op).unwrap();
                let actors: Actors = futures_util::stream::iter((0..count).map(|i| {
                    WireItem::Actor(ErpActor::new(
                        ActorType::Customer,
                        i.to_string(),
                        crate::contract::Stamp::text("000001"),
                    ))
                }))
                .boxed_local();
                let span = tracing::info_span!("call");
                let call = Call { connector: 0, guid: None, operation: op, started: std::time::Instant::now() };
                let Started::Streaming(response) = start(parts, call, actors, span, None).await else {
                    panic!("a stream with actors starts streaming")
                };
                let mut body = response.into_body();
                for _ in 0..chunks {
                    std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_next(cx)).await;
                }
            });
        })
    }

    #[test]
    fn a_streamed_answer_cut_short_says_how_far_it_got() {
        let logs = stream(100_000, 1);
        assert!(logs.contains("the client went away before the streamed answer ended"), "{logs}");
        assert!(logs.contains("actors="), "{logs}");
        assert!(!logs.contains("answered (streamed)"), "{logs}");
    }

    #[test]
    fn a_streamed_answer_read_to_the_end_says_answered() {
        let logs = stream(10, 2);
        assert!(logs.contains("answered (streamed)") && logs.contains("actors=10"), "{logs}");
        assert!(!logs.contains("went away"), "{logs}");
    }
}

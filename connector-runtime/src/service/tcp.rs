//! The TCP connections of a listener, bounded and timed, so that a few idle connections cannot
//! take the service down (docs/security.md, "Connections"):
//!
//! - **Per source**: one source holds at most `per_source` connections (idle ones and half-sent
//!   request heads included). A source is an IPv4 address or an IPv6 /64 (one network hands out a
//!   whole /64, so counting per address would give one client millions of bounds). Trusted proxies
//!   are exempt: all their clients share their address; bound clients at the proxy (deploy/).
//! - **Strangers in a pool of their own**: with an allow-list, direct peers outside it (and not
//!   trusted proxies) share a small pool of connections (they still get `/health` and an empty
//!   403), so that strangers, however many addresses they have, never take a connection from a
//!   source the allow-list admits.
//! - **Timed between requests**: actix times the head of a connection's first request only; a
//!   client that sent one request and then one byte of the next was never timed out. A watchdog
//!   closes every connection that has been outside a request (waiting for the next head, or
//!   holding a half-sent one) longer than `idle`. Inside a request the body and call deadlines
//!   apply.
//! - **Within the open-file limit**: [`plan`] raises the limit to its hard limit at start and
//!   divides what it allows between the listeners, leaving room for the store, the ERP's
//!   connections and logs.
//!
//! The watchdog closes a socket through a duplicate of its descriptor (a shutdown through any
//! descriptor ends the connection for all of them), so a connection costs two descriptors;
//! [`plan`] counts both. Without the duplicate the watchdog could only hold the descriptor's
//! number, which the kernel hands to the next connection as soon as actix closes the socket.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Extensions, Service, ServiceRequest, ServiceResponse};
use ipnet::IpNet;

use crate::sync::lock;

/// The rules of one listener's door.
pub(crate) struct Rules {
    /// The listener, for the log: `SOAP` or `admin`.
    pub listener: &'static str,
    /// Connections one source may hold; 0: no bound.
    pub per_source: usize,
    /// Peers whose connections are not counted (trusted proxies).
    pub exempt: Vec<IpNet>,
    /// The allow-list: peers outside it (but for the exempt) share `outsiders` connections;
    /// empty: no such pool.
    pub admit_only: Vec<IpNet>,
    /// Connections all peers outside `admit_only` may hold together.
    pub outsiders: usize,
    /// How long a connection may be outside a request.
    pub idle: Duration,
}

/// One listener's connections: the counts per source and the clocks the watchdog reads.
pub(crate) struct Gate {
    rules: Rules,
    epoch: Instant,
    state: Mutex<State>,
    /// When a refusal was last logged (ms since `epoch`): a flood is logged once a second.
    last_warning: AtomicU64,
}

#[derive(Default)]
struct State {
    per_source: HashMap<Source, usize>,
    outsiders: usize,
    live: HashMap<u64, Live>,
    next_id: u64,
}

/// A connection the watchdog may close: a duplicate of its socket and its clock.
struct Live {
    socket: socket2::Socket,
    clock: Arc<Clock>,
    closed: bool,
}

/// Whether a connection is inside a request, and since when it is not.
pub(crate) struct Clock {
    epoch: Instant,
    in_request: AtomicU32,
    idle_since_ms: AtomicU64,
}

impl Clock {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn begin(&self) {
        self.in_request.fetch_add(1, Ordering::AcqRel);
    }

    fn end(&self) {
        self.idle_since_ms.store(self.now_ms(), Ordering::Release);
        self.in_request.fetch_sub(1, Ordering::AcqRel);
    }

    /// How long the connection has been outside a request; `None` inside one.
    fn idle_for(&self, now_ms: u64) -> Option<Duration> {
        (self.in_request.load(Ordering::Acquire) == 0)
            .then(|| Duration::from_millis(now_ms.saturating_sub(self.idle_since_ms.load(Ordering::Acquire))))
    }
}

/// What is counted for a source: an IPv4 address, or the /64 of an IPv6 one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Source(IpAddr);

impl Source {
    /// The source `ip` belongs to (IPv4-mapped IPv6 addresses as IPv4).
    pub(crate) fn of(ip: IpAddr) -> Source {
        match crate::http::canonical(ip) {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                Source(IpAddr::V6(Ipv6Addr::from(prefix)))
            }
            v4 => Source(v4),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
            v4 => write!(f, "{v4}"),
        }
    }
}

/// A connection let in: kept in the connection's data, so that it is released when the
/// connection closes.
pub(crate) struct Admitted {
    gate: Arc<Gate>,
    counted: Option<Source>,
    outsider: bool,
    id: u64,
    clock: Arc<Clock>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut state = lock(&self.gate.state);
        state.live.remove(&self.id);
        if self.outsider {
            state.outsiders -= 1;
        }
        if let Some(source) = self.counted
            && let Some(n) = state.per_source.get_mut(&source)
        {
            *n -= 1;
            if *n == 0 {
                state.per_source.remove(&source);
            }
        }
    }
}

/// Why a connection was not let in.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    OutsidersFull,
    SourceFull,
}

impl Gate {
    pub(crate) fn new(rules: Rules) -> Arc<Gate> {
        Arc::new(Gate { rules, epoch: Instant::now(), state: Mutex::default(), last_warning: AtomicU64::new(0) })
    }

    /// For `HttpServer::on_connect`: lets the connection in (its data then holds it) or closes it
    /// before a byte is read.
    pub(crate) fn on_connect(self: &Arc<Self>, connection: &dyn std::any::Any, data: &mut Extensions) {
        let Some(tcp) = tcp_of(connection) else { return };
        let _ = tcp.set_nodelay(true);
        let socket = socket2::SockRef::from(tcp);
        let Ok(peer) = tcp.peer_addr() else {
            let _ = socket.shutdown(std::net::Shutdown::Both);
            return;
        };
        let duplicate = match socket.try_clone() {
            Ok(duplicate) => duplicate,
            Err(e) => {
                // Out of descriptors: the connection could not be timed, so it is not kept.
                self.warn(
                    || tracing::warn!(listener = self.rules.listener, error = %e, "connection closed: cannot watch it"),
                );
                let _ = socket.shutdown(std::net::Shutdown::Both);
                return;
            }
        };
        match self.admit(peer.ip(), duplicate) {
            Ok(admitted) => {
                data.insert(admitted);
            }
            Err(refusal) => {
                let source = Source::of(peer.ip());
                self.warn(|| match refusal {
                    Refusal::OutsidersFull => tracing::warn!(
                        listener = self.rules.listener, client = %peer.ip(), bound = self.rules.outsiders,
                        "connection refused: sources outside ERP_CONNECTOR_ALLOW_FROM hold as many connections as they may"
                    ),
                    Refusal::SourceFull => tracing::warn!(
                        listener = self.rules.listener, source = %source, bound = self.rules.per_source,
                        "connection refused: the source holds as many connections as it may"
                    ),
                });
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
        }
    }

    fn admit(self: &Arc<Self>, ip: IpAddr, socket: socket2::Socket) -> Result<Admitted, Refusal> {
        let ip = crate::http::canonical(ip);
        let exempt = self.rules.exempt.iter().any(|net| net.contains(&ip));
        let outsider =
            !exempt && !self.rules.admit_only.is_empty() && !self.rules.admit_only.iter().any(|net| net.contains(&ip));
        let clock =
            Arc::new(Clock { epoch: self.epoch, in_request: AtomicU32::new(0), idle_since_ms: AtomicU64::new(0) });
        clock.idle_since_ms.store(clock.now_ms(), Ordering::Release);
        let mut state = lock(&self.state);
        if outsider && state.outsiders >= self.rules.outsiders {
            return Err(Refusal::OutsidersFull);
        }
        let counted = match exempt || self.rules.per_source == 0 {
            true => None,
            false => {
                let source = Source::of(ip);
                let n = state.per_source.entry(source).or_insert(0);
                if *n >= self.rules.per_source {
                    return Err(Refusal::SourceFull);
                }
                *n += 1;
                Some(source)
            }
        };
        if outsider {
            state.outsiders += 1;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.live.insert(id, Live { socket, clock: clock.clone(), closed: false });
        Ok(Admitted { gate: self.clone(), counted, outsider, id, clock })
    }

    /// Closes every connection outside a request for longer than the rules allow; returns how
    /// many it closed.
    fn sweep(&self) -> usize {
        let now = self.epoch.elapsed().as_millis() as u64;
        let mut state = lock(&self.state);
        let mut closed = 0;
        for live in state.live.values_mut().filter(|live| !live.closed) {
            if live.clock.idle_for(now).is_some_and(|idle| idle > self.rules.idle) {
                let _ = live.socket.shutdown(std::net::Shutdown::Both);
                live.closed = true;
                closed += 1;
            }
        }
        closed
    }

    /// Runs the watchdog on the current actix system until the gate is dropped.
    pub(crate) fn watch(self: &Arc<Self>) {
        let gate: Weak<Gate> = Arc::downgrade(self);
        let every = (self.rules.idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(1));
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(every).await;
                let Some(gate) = gate.upgrade() else { return };
                let closed = gate.sweep();
                if closed > 0 {
                    tracing::debug!(listener = gate.rules.listener, closed, "closed connections idle between requests");
                }
            }
        });
    }

    /// Logs a refusal, at most once a second.
    fn warn(&self, log: impl FnOnce()) {
        let now = self.epoch.elapsed().as_millis() as u64 + 1000;
        let last = self.last_warning.load(Ordering::Relaxed);
        if now >= last + 1000
            && self.last_warning.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            log();
        }
    }
}

/// The TCP stream of a new connection, plain or TLS.
fn tcp_of(connection: &dyn std::any::Any) -> Option<&actix_web::rt::net::TcpStream> {
    let tcp = connection.downcast_ref::<actix_web::rt::net::TcpStream>();
    #[cfg(feature = "tls")]
    let tcp = tcp.or_else(|| connection.downcast_ref::<super::tls::Stream>().map(|s| s.get_ref().0));
    tcp
}

/// For `App::wrap_fn`: marks the connection as inside a request from its head until its answer's
/// body is done, so that the watchdog leaves it alone meanwhile.
pub(crate) fn timed<S, B>(
    req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse<TimedBody<B>>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let clock = req.conn_data::<Admitted>().map(|admitted| admitted.clock.clone());
    let in_request = clock.map(|clock| {
        clock.begin();
        InRequest(clock)
    });
    let answer = service.call(req);
    async move {
        let response = answer.await?;
        Ok(response.map_body(|_, body| TimedBody { body, _in_request: in_request }))
    }
}

/// Ends its request on the connection's clock when dropped.
pub(crate) struct InRequest(Arc<Clock>);

impl Drop for InRequest {
    fn drop(&mut self) {
        self.0.end();
    }
}

pin_project_lite::pin_project! {
    /// An answer's body that ends its request when it is done (written or dropped).
    pub(crate) struct TimedBody<B> {
        #[pin]
        body: B,
        _in_request: Option<InRequest>,
    }
}

impl<B: MessageBody> MessageBody for TimedBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        self.project().body.poll_next(cx)
    }
}

/// How the open-file limit is shared out: the connections each listener may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The open-file limit the plan fits.
    pub fd_limit: u64,
    /// SOAP listener connections per worker (`HttpServer::max_connections`).
    pub per_worker: usize,
    /// SOAP listener connections per source; 0: no bound.
    pub per_source: usize,
    /// SOAP listener connections all sources outside the allow-list hold together (an eighth).
    pub outsiders: usize,
    /// Admin listener connections.
    pub admin: usize,
    /// Admin listener connections per source.
    pub admin_per_source: usize,
}

impl Plan {
    /// Descriptors kept for everything else: the store, the ERP's connections, logs, captures.
    pub(crate) fn reserve(fd_limit: u64) -> u64 {
        64 + fd_limit / 8
    }

    /// Shares `fd_limit` out for `workers` workers, the configured connections per worker and per
    /// source: each connection costs two descriptors (the socket, the watchdog's duplicate), the
    /// admin listener gets an eighth of the connections (at most 64), and one source at most a
    /// sixteenth of the SOAP listener's, so that at least 16 sources are needed to fill it.
    pub(crate) fn new(fd_limit: u64, workers: usize, max_connections: usize, per_source: usize) -> Plan {
        let workers = workers.max(1);
        let usable = usize::try_from(fd_limit.saturating_sub(Self::reserve(fd_limit)) / 2).unwrap_or(usize::MAX);
        let admin = (usable / 8).clamp(1, 64);
        let soap = workers.saturating_mul(max_connections.max(1)).min(usable.saturating_sub(admin)).max(workers);
        let per_worker = (soap / workers).max(1);
        let per_source = match per_source {
            0 => 0,
            n => n.min((per_worker * workers / 16).max(1)),
        };
        let outsiders = (per_worker * workers / 8).max(1);
        Plan { fd_limit, per_worker, per_source, outsiders, admin, admin_per_source: (admin / 16).max(1) }
    }
}

/// Raises the open-file limit to its hard limit and returns the limit in force.
pub(crate) fn raise_fd_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            let current = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024);
            tracing::warn!(error = %e, limit = current, "cannot raise the open-file limit");
            current
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(per_source: usize, exempt: &str, admit_only: &str) -> Arc<Gate> {
        let nets = |text: &str| crate::http::SourcePolicy::parse_list(text).unwrap();
        Gate::new(Rules {
            listener: "test",
            per_source,
            exempt: nets(exempt),
            admit_only: nets(admit_only),
            outsiders: 2,
            idle: Duration::from_millis(50),
        })
    }

    /// A connected pair on loopback: the server side's socket as the gate would get it.
    fn socket() -> (std::net::TcpStream, socket2::Socket) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, socket2::Socket::from(server))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn counts_per_source_and_releases_on_drop() {
        let gate = gate(2, "10.0.0.0/8", "");
        let a = gate.admit(ip("192.0.2.1"), socket().1).unwrap();
        let b = gate.admit(ip("192.0.2.1"), socket().1).unwrap();
        assert_eq!(gate.admit(ip("192.0.2.1"), socket().1).err(), Some(Refusal::SourceFull), "the third");
        assert_eq!(gate.admit(ip("::ffff:192.0.2.1"), socket().1).err(), Some(Refusal::SourceFull), "as IPv6");
        assert!(gate.admit(ip("192.0.2.2"), socket().1).is_ok(), "another address");
        assert!(gate.admit(ip("10.1.2.3"), socket().1).unwrap().counted.is_none(), "a trusted proxy");
        drop(a);
        assert!(gate.admit(ip("192.0.2.1"), socket().1).is_ok(), "released when a connection closes");
        drop(b);
        assert!(!lock(&gate.state).per_source.contains_key(&Source::of(ip("192.0.2.1"))), "forgotten at zero");
        assert!(lock(&gate.state).live.is_empty(), "nothing is watched once every connection closed");
    }

    #[test]
    fn an_ipv6_network_is_one_source() {
        let gate = gate(2, "", "");
        let _a = gate.admit(ip("2001:db8:1:2::1"), socket().1).unwrap();
        let _b = gate.admit(ip("2001:db8:1:2:ffff::9"), socket().1).unwrap();
        assert_eq!(gate.admit(ip("2001:db8:1:2::77"), socket().1).err(), Some(Refusal::SourceFull));
        assert!(gate.admit(ip("2001:db8:1:3::1"), socket().1).is_ok(), "the next /64");
        assert_eq!(Source::of(ip("2001:db8:1:2::1")).to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn strangers_share_a_pool_of_their_own() {
        let gate = gate(1, "10.0.0.0/8", "192.0.2.0/24");
        let a = gate.admit(ip("198.51.100.1"), socket().1).unwrap();
        let _b = gate.admit(ip("203.0.113.1"), socket().1).unwrap();
        assert_eq!(gate.admit(ip("203.0.113.2"), socket().1).err(), Some(Refusal::OutsidersFull));
        assert!(gate.admit(ip("192.0.2.9"), socket().1).is_ok(), "an allowed source is not crowded out");
        assert!(gate.admit(ip("10.0.0.1"), socket().1).is_ok(), "a trusted proxy speaks for its clients");
        drop(a);
        assert!(gate.admit(ip("203.0.113.2"), socket().1).is_ok(), "released when a stranger leaves");
    }

    #[test]
    fn the_watchdog_closes_connections_idle_between_requests_only() {
        use std::io::Read;
        let gate = gate(0, "", "");
        let (mut idle_client, idle_server) = socket();
        let (mut busy_client, busy_server) = socket();
        let _idle = gate.admit(ip("192.0.2.1"), idle_server).unwrap();
        let busy = gate.admit(ip("192.0.2.2"), busy_server).unwrap();
        busy.clock.begin();
        assert_eq!(gate.sweep(), 0, "nothing is idle long enough yet");
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(gate.sweep(), 1, "the idle one");
        assert_eq!(gate.sweep(), 0, "closed once");
        let mut byte = [0u8; 1];
        assert_eq!(idle_client.read(&mut byte).unwrap(), 0, "the client sees the connection end");
        busy_client.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        assert!(busy_client.read(&mut byte).is_err(), "the one inside a request stays open");
        busy.clock.end();
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(gate.sweep(), 1, "once its answer is done, its idle time counts");
    }

    #[test]
    fn the_plan_fits_the_open_file_limit() {
        for (limit, workers) in [(1024, 2), (1024, 16), (4096, 2), (65_536, 8), (1_048_576, 2), (256, 4)] {
            let plan = Plan::new(limit, workers, 2048, 512);
            let connections = (plan.per_worker * workers + plan.admin) as u64;
            assert!(
                2 * connections + Plan::reserve(limit) <= limit.max(2 * (workers as u64 + 1) + Plan::reserve(limit)),
                "{limit} {workers}: {plan:?}"
            );
            assert!(plan.per_source * 16 <= plan.per_worker * workers, "16 sources to fill it: {plan:?}");
            assert!(plan.admin >= 1 && plan.admin_per_source >= 1 && plan.per_source >= 1);
        }
        let generous = Plan::new(1_048_576, 2, 2048, 512);
        assert_eq!((generous.per_worker, generous.per_source, generous.admin), (2048, 256, 64));
        assert_eq!(Plan::new(1024, 2, 2048, 0).per_source, 0, "no bound stays no bound");
        let tight = Plan::new(1024, 2, 2048, 512);
        assert_eq!((tight.per_worker, tight.per_source, tight.admin), (182, 22, 52));
    }
}

//! The connections a host keeps parsed, with their ERP sessions, so that a call does not wait
//! for the store or log in again.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::erased::{AnyConfig, AnyConn, AnySession};
use crate::bounded::Bounded;
use crate::connector::{ConnectionState, ListItems, Schema};
use crate::contract::{ConnectionGuid, StringDict};

/// A connection as the cache keeps it: its parsed configuration and its session, opened on
/// first use.
pub(super) struct Loaded {
    pub(super) guid: ConnectionGuid,
    pub(super) config: AnyConfig,
    /// The connection's state in the store.
    pub(super) state: ConnectionState,
    /// A hash of the stored values this was parsed from: a fresh read of the same values keeps
    /// the session (no new ERP login each time the cache entry expires).
    pub(super) values: u64,
    /// One cell per session: replaced by an empty one when the connector says it expired, so
    /// that concurrent calls open one session, not one each.
    session: std::sync::Mutex<Arc<tokio::sync::OnceCell<AnySession>>>,
    /// The connector's schema, asked for once (kept with the session: the same values, read
    /// again, keep it).
    pub(super) schema: Arc<tokio::sync::OnceCell<Arc<Schema>>>,
    /// The items of the lists whose values have been checked, asked for once an entry.
    pub(super) lists: std::sync::Mutex<ListItems>,
}

impl Loaded {
    pub(super) fn new(guid: ConnectionGuid, config: AnyConfig, values: u64, state: ConnectionState) -> Self {
        Loaded {
            guid,
            config,
            state,
            values,
            session: std::sync::Mutex::new(Arc::new(tokio::sync::OnceCell::new())),
            schema: Arc::default(),
            lists: std::sync::Mutex::default(),
        }
    }

    /// Takes over `earlier`'s session and schema (the same values, read again).
    pub(super) fn keeping(mut self, earlier: &Loaded) -> Self {
        *crate::sync::lock(&self.session) = earlier.cell();
        self.schema = earlier.schema.clone();
        self
    }

    pub(super) fn cell(&self) -> Arc<tokio::sync::OnceCell<AnySession>> {
        crate::sync::lock(&self.session).clone()
    }

    /// The connection with `session`.
    pub(super) fn with(&self, session: AnySession) -> AnyConn {
        AnyConn { guid: self.guid, config: self.config.clone(), session, state: self.state.clone() }
    }

    /// The connection with its session, if one is open.
    pub(super) fn opened(&self) -> Option<AnyConn> {
        Some(self.with(self.cell().get().cloned()?))
    }

    /// Forgets `failed` (unless another call has already replaced it).
    pub(super) fn expire(&self, failed: &AnySession) {
        let mut cell = crate::sync::lock(&self.session);
        if cell.get().is_some_and(|s| Arc::ptr_eq(s, failed)) {
            *cell = Arc::new(tokio::sync::OnceCell::new());
        }
    }
}

/// A hash of a connection's stored values, in key order (kept in memory only, to tell a fresh
/// read of the same values from changed ones).
pub(super) fn values_hash(info: &StringDict) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut pairs: Vec<(&str, Option<&str>)> = info.iter().collect();
    pairs.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    pairs.hash(&mut hasher);
    hasher.finish()
}

/// Parsed connections kept for a while, so that a call does not wait for the store. Saves and
/// deletes through this process update it at once; a shared store tells of changes through other
/// replicas ([`ConnectionStore::watch`]); otherwise they are seen once an entry is older than the
/// time to live.
pub(super) struct ConnectionCache<V> {
    ttl: Duration,
    /// Whether entries are kept at all (a time to live and a capacity above zero).
    keeps: bool,
    entries: RwLock<CacheEntries<V>>,
}

struct CacheEntries<V> {
    /// Expired entries make room first, then the oldest.
    by_guid: Bounded<ConnectionGuid, Cached<V>>,
    /// Counts changes heard of, so that a read that began before one is not cached after it.
    generation: u64,
}

/// When an entry was read, and the connection.
type Cached<V> = (Instant, Arc<V>);

impl<V> ConnectionCache<V> {
    fn entries(&self) -> std::sync::RwLockReadGuard<'_, CacheEntries<V>> {
        crate::sync::read(&self.entries)
    }

    fn entries_mut(&self) -> std::sync::RwLockWriteGuard<'_, CacheEntries<V>> {
        crate::sync::write(&self.entries)
    }

    pub(super) fn get(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        self.entries().by_guid.get(&guid).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, c)| c.clone())
    }

    /// The entry of `guid` whose time is up, if it is still there.
    pub(super) fn expired(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        self.entries().by_guid.get(&guid).filter(|(at, _)| at.elapsed() >= self.ttl).map(|(_, c)| c.clone())
    }

    /// The mark to give [`Self::put`] for a read starting now.
    pub(super) fn generation(&self) -> u64 {
        self.entries().generation
    }

    pub(super) fn new(ttl: Duration, capacity: usize) -> Self {
        let entries = CacheEntries { by_guid: Bounded::new(capacity), generation: 0 };
        ConnectionCache { ttl, keeps: !ttl.is_zero() && capacity > 0, entries: RwLock::new(entries) }
    }

    /// Keeps `conn`, read since `generation`, unless a change was heard of in the meantime;
    /// returns what is kept. A read that finishes second gets the first one's entry, so that
    /// concurrent first calls share one (and one session).
    pub(super) fn put(&self, guid: ConnectionGuid, conn: Arc<V>, generation: u64) -> Arc<V> {
        if !self.keeps {
            return conn;
        }
        let mut entries = self.entries_mut();
        if entries.generation != generation {
            return conn;
        }
        if let Some((at, kept)) = entries.by_guid.get(&guid)
            && at.elapsed() < self.ttl
        {
            return kept.clone();
        }
        entries.by_guid.insert(guid, (Instant::now(), conn.clone()), self.expiry());
        conn
    }

    /// Keeps `conn`, just saved, in place of anything read before the save; returns that.
    pub(super) fn saved(&self, guid: ConnectionGuid, conn: Arc<V>) -> Option<Arc<V>> {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        let old = entries.by_guid.remove(&guid).map(|(_, old)| old);
        if self.keeps {
            entries.by_guid.insert(guid, (Instant::now(), conn), self.expiry());
        }
        old
    }

    /// Whether an entry's time is up (such entries make room first in a full cache).
    fn expiry(&self) -> impl Fn(&Cached<V>) -> bool + use<V> {
        let ttl = self.ttl;
        move |(at, _)| at.elapsed() >= ttl
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries().by_guid.len()
    }

    /// Forgets `guid`; returns what was kept for it.
    pub(super) fn forget(&self, guid: ConnectionGuid) -> Option<Arc<V>> {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.remove(&guid).map(|(_, old)| old)
    }

    pub(super) fn forget_all(&self) {
        let mut entries = self.entries_mut();
        entries.generation += 1;
        entries.by_guid.clear();
    }
}

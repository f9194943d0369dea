//! The one bounded map: every map whose keys a caller chooses (sources, callers, connections,
//! targets, admin sessions) holds at most its capacity, and makes room the same way: for a new
//! key in a full map, the entries the owner calls stale leave first, and if none did, the one
//! touched least recently. Eviction scans the map once, O(n) for a map that is full; with room
//! freed by the stale entries, a whole expiry period of inserts costs that scan once.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// A map of at most `capacity` entries, each with the tick it was last touched.
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    capacity: usize,
    entries: HashMap<K, (V, u64)>,
    tick: u64,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    /// An empty map of at most `capacity` entries (0: it keeps none).
    pub(crate) fn new(capacity: usize) -> Self {
        Bounded { capacity, entries: HashMap::new(), tick: 0 }
    }

    /// `key`'s value, touched now, made by `make` if new; a new key in a full map first makes
    /// room: the entries `stale` says are leave, and if none did, the least recently touched.
    /// `None` only for a map of capacity 0.
    pub(crate) fn touch(&mut self, key: K, stale: impl FnMut(&V) -> bool, make: impl FnOnce() -> V) -> Option<&mut V> {
        let tick = self.room_for(&key, stale)?;
        let (value, touched) = self.entries.entry(key).or_insert_with(|| (make(), tick));
        *touched = tick;
        Some(value)
    }

    /// Puts `value` under `key`, touched now (making room as [`Bounded::touch`] does).
    pub(crate) fn insert(&mut self, key: K, value: V, stale: impl FnMut(&V) -> bool) {
        if let Some(tick) = self.room_for(&key, stale) {
            self.entries.insert(key, (value, tick));
        }
    }

    /// The tick of a touch of `key`, room made for it if it is new; `None` for capacity 0.
    fn room_for(&mut self, key: &K, stale: impl FnMut(&V) -> bool) -> Option<u64> {
        if self.capacity == 0 {
            return None;
        }
        if !self.entries.contains_key(key) {
            self.make_room(stale);
        }
        self.tick += 1;
        Some(self.tick)
    }

    fn make_room(&mut self, mut stale: impl FnMut(&V) -> bool) {
        if self.entries.len() < self.capacity {
            return;
        }
        self.entries.retain(|_, (value, _)| !stale(value));
        if self.entries.len() >= self.capacity
            && let Some(oldest) = self.entries.iter().min_by_key(|(_, (_, touched))| *touched).map(|(k, _)| k.clone())
        {
            self.entries.remove(&oldest);
        }
    }

    /// `key`'s value, not touched.
    pub(crate) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Whether `key` is in the map.
    pub(crate) fn contains<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.entries.contains_key(key)
    }

    /// Removes `key`; its value.
    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.entries.remove(key).map(|(value, _)| value)
    }

    /// Keeps the entries `keep` says to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries.retain(|key, (value, _)| keep(key, value));
    }

    /// Forgets every entry.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// How many entries there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every entry, in no order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(key, (value, _))| (key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_map_lets_the_least_recently_touched_go_one_at_a_time() {
        let mut map = Bounded::new(3);
        for key in 0..3 {
            map.insert(key, key * 10, |_| false);
        }
        *map.touch(0, |_| false, || 0).unwrap() += 1; // 0 is touched again: 1 is now the oldest
        map.insert(3, 30, |_| false);
        assert_eq!(map.len(), 3);
        assert!(!map.contains(&1), "the least recently touched left");
        assert_eq!((map.get(&0), map.get(&2), map.get(&3)), (Some(&1), Some(&20), Some(&30)));
        map.insert(0, 5, |_| true);
        assert_eq!((map.len(), map.get(&0)), (3, Some(&5)), "a key already there makes no room");
    }

    #[test]
    fn stale_entries_make_room_first_and_all_at_once() {
        let mut map = Bounded::new(4);
        for key in 0..4 {
            map.insert(key, key, |_| false);
        }
        map.insert(9, 9, |value| *value % 2 == 1);
        let mut kept: Vec<_> = map.iter().map(|(k, _)| *k).collect();
        kept.sort_unstable();
        assert_eq!(kept, [0, 2, 9], "1 and 3 were stale; 0, the oldest, stays");
    }

    #[test]
    fn a_map_of_capacity_zero_keeps_nothing() {
        let mut map = Bounded::new(0);
        map.insert("a", 1, |_| false);
        assert!(map.touch("b", |_| false, || 2).is_none());
        assert_eq!(map.len(), 0);
    }
}

//! The value types the contract is made of: actor types, connection GUIDs and string
//! dictionaries (spec §3.3–§3.5). The schema refers to them; they know nothing of it.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

pub use compact_str::CompactString;
use indexmap::IndexMap;

/// An `ErpActorType` name. On the wire it is a string so that the set can grow; a name this
/// version does not know is kept as [`ActorType::Other`] and written back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorType {
    /// `Unknown` (0): must not be sent by a connector.
    Unknown,
    /// `Customer` (1): a company.
    Customer,
    /// `Supplier` (2): a company.
    Supplier,
    /// `Partner` (3): both customer and supplier.
    Partner,
    /// `Person` (4): a contact person, normally with a parent.
    Person,
    /// `Project` (5).
    Project,
    /// `Employee` (6): not synchronised by EIS yet.
    Employee,
    /// `Sale` (7): not synchronised by EIS yet.
    Sale,
    /// A name this version does not know, kept verbatim.
    Other(String),
}

impl ActorType {
    /// The known names, in `ErpActorType` order.
    pub const KNOWN: &'static [ActorType] = &[
        ActorType::Unknown,
        ActorType::Customer,
        ActorType::Supplier,
        ActorType::Partner,
        ActorType::Person,
        ActorType::Project,
        ActorType::Employee,
        ActorType::Sale,
    ];

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            ActorType::Unknown => "Unknown",
            ActorType::Customer => "Customer",
            ActorType::Supplier => "Supplier",
            ActorType::Partner => "Partner",
            ActorType::Person => "Person",
            ActorType::Project => "Project",
            ActorType::Employee => "Employee",
            ActorType::Sale => "Sale",
            ActorType::Other(s) => s,
        }
    }

    /// Whether the name is one of the `ErpActorType` names.
    pub fn is_known(&self) -> bool {
        !matches!(self, ActorType::Other(_))
    }

    /// Reads a wire string. Known names match ignoring ASCII case (whether EIS is case-sensitive
    /// is not documented); anything else is kept as [`ActorType::Other`].
    pub fn parse(s: &str) -> ActorType {
        Self::KNOWN
            .iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .cloned()
            .unwrap_or_else(|| ActorType::Other(s.to_owned()))
    }
}

impl fmt::Display for ActorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ActorType {
    fn from(s: &str) -> Self {
        ActorType::parse(s)
    }
}

impl FromStr for ActorType {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ActorType::parse(s))
    }
}

/// The GUID that identifies a sync connection. EIS sends it as a string; any common textual form
/// (hyphenated, braced, 32 hex digits, `urn:uuid:`) is accepted and normalised to lowercase
/// hyphenated, which is how .NET's `Guid.ToString()` writes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionGuid(uuid::Uuid);

impl ConnectionGuid {
    /// The all-zero GUID, sent with `GetList` / `GetListItems` while a connection is being set up.
    pub const NIL: ConnectionGuid = ConnectionGuid(uuid::Uuid::nil());

    /// Parses any common GUID form, ignoring surrounding whitespace.
    pub fn parse(s: &str) -> Result<Self, InvalidGuid> {
        uuid::Uuid::try_parse(s.trim()).map(ConnectionGuid).map_err(|_| InvalidGuid { value: s.to_owned() })
    }

    /// A new random (version 4) GUID.
    pub fn new_random() -> Self {
        ConnectionGuid(uuid::Uuid::new_v4())
    }

    /// Whether this is the all-zero GUID of a connection not yet saved.
    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }

    /// Writes the canonical form into a stack buffer and returns it.
    pub fn encode<'b>(&self, buf: &'b mut [u8; 36]) -> &'b str {
        self.0.hyphenated().encode_lower(buf)
    }
}

impl From<uuid::Uuid> for ConnectionGuid {
    fn from(u: uuid::Uuid) -> Self {
        ConnectionGuid(u)
    }
}

impl fmt::Display for ConnectionGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for ConnectionGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionGuid({self})")
    }
}

impl FromStr for ConnectionGuid {
    type Err = InvalidGuid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConnectionGuid::parse(s)
    }
}

/// A string that is not a GUID in any common form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a GUID (expected e.g. 3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf)")]
pub struct InvalidGuid {
    /// The rejected text.
    pub value: String,
}

/// A `Dictionary<string,string>` as the contract uses it (`ConnectionInfo`, `FieldValues`,
/// `ListItems`): keys in insertion order, values that may be null (`i:nil`). A repeated key keeps
/// its first position and takes the last value. Two dictionaries are equal when they hold the
/// same entries, in any order.
///
/// Keys and values are [`CompactString`]s: text of up to 24 bytes (most field keys and values) is
/// kept inline, so filling an actor's fields costs no allocation per field. Anything that converts
/// into a `CompactString` can be inserted: `&str`, `String` (its buffer is kept), `Cow<str>`.
/// Up to 16 entries (an actor's fields) are a plain list searched in order, cheaper than hashing
/// at that size; larger dictionaries are indexed by a seeded hash, so that even hostile input
/// with many keys costs linear time.
#[derive(Clone, Default)]
pub struct StringDict(Entries);

type Entry = (CompactString, Option<CompactString>);

#[derive(Clone)]
enum Entries {
    Small(Vec<Entry>),
    Large(IndexMap<CompactString, Option<CompactString>, DictHasher>),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::Small(Vec::new())
    }
}

/// Most entries kept as a plain list.
const SMALL_DICT: usize = 16;

/// Key equality for the list: lengths first, which tells most field keys apart without a
/// byte comparison (a third of the time of filling an actor's fields went to those).
#[inline]
fn same(a: &CompactString, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes() == b.as_bytes()
}

/// foldhash with a per-process random seed: several times faster than SipHash on the short keys
/// of field dictionaries, and still seeded so that hostile keys cannot be precomputed to collide.
type DictHasher = foldhash::fast::RandomState;

impl StringDict {
    /// An empty dictionary.
    pub fn new() -> Self {
        StringDict::default()
    }

    /// An empty dictionary with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        StringDict(if n <= SMALL_DICT {
            Entries::Small(Vec::with_capacity(n))
        } else {
            Entries::Large(IndexMap::with_capacity_and_hasher(n, DictHasher::default()))
        })
    }

    /// Sets `key` to `value`; returns the previous value if the key was present.
    pub fn insert(
        &mut self,
        key: impl Into<CompactString>,
        value: impl Into<CompactString>,
    ) -> Option<Option<CompactString>> {
        self.insert_opt(key, Some(value.into()))
    }

    /// Sets `key` to a possibly-null value.
    pub fn insert_opt(
        &mut self,
        key: impl Into<CompactString>,
        value: Option<CompactString>,
    ) -> Option<Option<CompactString>> {
        let key = key.into();
        match &mut self.0 {
            Entries::Small(list) => {
                if let Some((_, old)) = list.iter_mut().find(|(k, _)| same(k, &key)) {
                    return Some(std::mem::replace(old, value));
                }
                if list.len() < SMALL_DICT {
                    list.push((key, value));
                    return None;
                }
                let mut map = IndexMap::with_capacity_and_hasher(list.len() * 2, DictHasher::default());
                map.extend(list.drain(..));
                map.insert(key, value);
                self.0 = Entries::Large(map);
                None
            }
            Entries::Large(map) => map.insert(key, value),
        }
    }

    /// Builder form of [`StringDict::insert`].
    pub fn with(mut self, key: impl Into<CompactString>, value: impl Into<CompactString>) -> Self {
        self.insert(key, value);
        self
    }

    fn slot(&self, key: &str) -> Option<&Option<CompactString>> {
        match &self.0 {
            Entries::Small(list) => list.iter().find(|(k, _)| same(k, key)).map(|(_, v)| v),
            Entries::Large(map) => map.get(key),
        }
    }

    /// The value of `key`; `None` if the key is absent or its value is null.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.slot(key).and_then(|v| v.as_deref())
    }

    /// The entry of `key`: `None` if absent, `Some(None)` if present and null.
    pub fn entry_value(&self, key: &str) -> Option<Option<&str>> {
        self.slot(key).map(|v| v.as_deref())
    }

    /// Whether `key` is present (null or not).
    pub fn contains_key(&self, key: &str) -> bool {
        self.slot(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Option<CompactString>> {
        match &mut self.0 {
            Entries::Small(list) => {
                let at = list.iter().position(|(k, _)| same(k, key))?;
                Some(list.remove(at).1)
            }
            Entries::Large(map) => map.shift_remove(key),
        }
    }

    /// Keeps the entries whose key `keep` accepts, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        match &mut self.0 {
            Entries::Small(list) => list.retain(|(k, _)| keep(k)),
            Entries::Large(map) => map.retain(|k, _| keep(k)),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match &self.0 {
            Entries::Small(list) => list.len(),
            Entries::Large(map) => map.len(),
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, Option<&str>)> + '_ {
        let (small, large) = match &self.0 {
            Entries::Small(list) => (list.as_slice(), None),
            Entries::Large(map) => (&[][..], Some(map)),
        };
        let small = small.iter().map(|(k, v)| (k, v));
        let large = large.into_iter().flat_map(|m| m.iter());
        EntriesIter { inner: small.chain(large), left: self.len() }
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

/// [`StringDict::iter`]: a chain of the two representations, one of them empty.
struct EntriesIter<I> {
    inner: I,
    left: usize,
}

impl<'a, I: Iterator<Item = (&'a CompactString, &'a Option<CompactString>)>> Iterator for EntriesIter<I> {
    type Item = (&'a str, Option<&'a str>);
    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = self.inner.next()?;
        self.left -= 1;
        Some((k.as_str(), v.as_deref()))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a, I: Iterator<Item = (&'a CompactString, &'a Option<CompactString>)>> ExactSizeIterator for EntriesIter<I> {}

impl PartialEq for StringDict {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.entry_value(k) == Some(v))
    }
}

impl Eq for StringDict {}

impl fmt::Debug for StringDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<CompactString>, V: Into<CompactString>> FromIterator<(K, V)> for StringDict {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut dict = StringDict::new();
        dict.extend(iter);
        dict
    }
}

impl<K: Into<CompactString>, V: Into<CompactString>> Extend<(K, V)> for StringDict {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a> IntoIterator for &'a StringDict {
    type Item = (&'a str, Option<&'a str>);
    type IntoIter = Box<dyn ExactSizeIterator<Item = (&'a str, Option<&'a str>)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// `dict[&key]`: the value of a key that must be present (panics otherwise, like a map).
impl<S: Borrow<str>> std::ops::Index<&S> for StringDict {
    type Output = Option<CompactString>;
    fn index(&self, key: &S) -> &Option<CompactString> {
        let key = key.borrow();
        self.slot(key).unwrap_or_else(|| panic!("no key `{key}` in the dictionary"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What a dictionary must behave like: a list in first-insertion order, last value wins.
    #[derive(Default)]
    struct Model(Vec<(String, Option<String>)>);

    impl Model {
        fn insert(&mut self, k: &str, v: Option<&str>) -> Option<Option<String>> {
            match self.0.iter_mut().find(|(key, _)| key == k) {
                Some((_, old)) => Some(std::mem::replace(old, v.map(str::to_owned))),
                None => {
                    self.0.push((k.to_owned(), v.map(str::to_owned)));
                    None
                }
            }
        }
        fn remove(&mut self, k: &str) -> Option<Option<String>> {
            let at = self.0.iter().position(|(key, _)| key == k)?;
            Some(self.0.remove(at).1)
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, Option<String>),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Keys from a small range, so that repeats and removals hit; up to 40 distinct keys,
        // so that dictionaries cross from the list to the index and back in size.
        prop_oneof![
            3 => (0u8..40, proptest::option::of("[a-zA-Z0-9 &<]{0,30}")).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => (0u8..40).prop_map(Op::Remove),
        ]
    }

    proptest! {
        #[test]
        fn a_dictionary_behaves_like_an_ordered_list(ops in proptest::collection::vec(op(), 0..120)) {
            let (mut dict, mut model) = (StringDict::new(), Model::default());
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let key = format!("KEY{k}");
                        let old = dict.insert_opt(key.as_str(), v.as_deref().map(CompactString::from));
                        prop_assert_eq!(old.map(|o| o.map(String::from)), model.insert(&key, v.as_deref()));
                    }
                    Op::Remove(k) => {
                        let key = format!("KEY{k}");
                        prop_assert_eq!(dict.remove(&key).map(|o| o.map(String::from)), model.remove(&key));
                    }
                }
                let entries: Vec<(String, Option<String>)> =
                    dict.iter().map(|(k, v)| (k.to_owned(), v.map(str::to_owned))).collect();
                prop_assert_eq!(&entries, &model.0);
                prop_assert_eq!(dict.len(), model.0.len());
                prop_assert_eq!(dict.iter().len(), model.0.len());
                for (k, v) in &model.0 {
                    prop_assert_eq!(dict.entry_value(k), Some(v.as_deref()));
                    prop_assert_eq!(dict.get(k), v.as_deref());
                }
                prop_assert!(!dict.contains_key("ABSENT"));
            }
            // Equality ignores order.
            let reversed: StringDict = {
                let mut d = StringDict::new();
                for (k, v) in model.0.iter().rev() {
                    d.insert_opt(k.as_str(), v.as_deref().map(CompactString::from));
                }
                d
            };
            prop_assert_eq!(&reversed, &dict);
        }
    }

    #[test]
    fn a_large_dictionary_keeps_order_and_equality() {
        let big: StringDict = (0..100).map(|i| (format!("K{i}"), i.to_string())).collect();
        assert_eq!(big.len(), 100);
        assert_eq!(big.keys().nth(57), Some("K57"));
        assert_eq!(big[&"K99"].as_deref(), Some("99"));
        let mut other = big.clone();
        assert_eq!(other.insert("K3", "changed"), Some(Some("3".into())));
        assert_ne!(other, big);
        assert_eq!(format!("{:?}", StringDict::new().with("A", "1")), r#"{"A": Some("1")}"#);
    }
}

//! Carrier types (`ErpActorWS`, `FieldMetadataInfoWS`, `SearchRestrictionInfoWS`), the contract's
//! enums, and the value types the contract is made of: connection GUIDs, actor types and string
//! dictionaries. Spec §3.4, §3.5.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

pub use compact_str::CompactString;
use indexmap::IndexMap;

use super::schema::{EnumSchema, EnumSlot, Field, Kind, Ref, Slot, wire_record};

/// Declares a DataContract enum that travels as its member name.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $wire:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),*
        }

        impl $name {
            /// The enum's data-contract description.
            pub const SCHEMA: &'static EnumSchema = &EnumSchema {
                name: $wire,
                values: &[$( (stringify!($variant), $value) ),*],
            };

            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$( $name::$variant ),*];

            /// The member name as it travels on the wire.
            pub const fn wire_name(self) -> &'static str {
                match self {
                    $( $name::$variant => stringify!($variant) ),*
                }
            }

            /// The numeric value .NET gives the member (not used on the wire).
            pub const fn value(self) -> i32 {
                match self {
                    $( $name::$variant => $value ),*
                }
            }

            /// Parses a wire name (exact, as WCF does).
            pub fn from_wire_name(name: &str) -> Option<Self> {
                match name {
                    $( stringify!($variant) => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.wire_name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownEnumValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_wire_name(s).ok_or_else(|| UnknownEnumValue {
                    enum_name: $wire,
                    value: s.to_owned(),
                    allowed: Self::SCHEMA,
                })
            }
        }

        impl Field for $name {
            const KIND: Kind = Kind::Enum(Self::SCHEMA);
            fn as_ref(&self) -> Ref<'_> {
                Ref::Enum(self.wire_name())
            }
            fn as_slot(&mut self) -> Slot<'_> {
                Slot::Enum(self)
            }
        }

        impl EnumSlot for $name {
            fn set_wire_name(&mut self, name: &str) -> bool {
                match Self::from_wire_name(name) {
                    Some(v) => {
                        *self = v;
                        true
                    }
                    None => false,
                }
            }
            fn enum_schema(&self) -> &'static EnumSchema {
                Self::SCHEMA
            }
        }
    };
}

/// A string that is not a member of a contract enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {enum_name} value; expected one of {}", super::schema::enum_names(allowed))]
pub struct UnknownEnumValue {
    /// The data-contract enum name.
    pub enum_name: &'static str,
    /// The rejected text.
    pub value: String,
    /// The enum's schema.
    pub allowed: &'static EnumSchema,
}

wire_enum! {
    /// `ResponseStateWS`: the detailed status of every response (spec §3.5).
    pub enum ResponseState as "ResponseStateWS" {
        /// Completed normally.
        #[default]
        Ok = 0,
        /// Completed, with something to show or log.
        OkWithInfo = 1,
        /// Completed, possibly degraded: warn the user.
        Warning = 2,
        /// Not completed.
        Error = 3,
    }
}

impl ResponseState {
    /// `IsOk` as the contract defines it: true unless the state is `Error`.
    pub const fn is_ok(self) -> bool {
        !matches!(self, ResponseState::Error)
    }
}

wire_enum! {
    /// `FieldMetadataTypeInfoWS`: the widget and data type of a field (spec §3.5). The numbers are
    /// inferred from the sister Quote contract; only the names travel.
    pub enum FieldType as "FieldMetadataTypeInfoWS" {
        /// A 0/1 checkbox, sent as `[I:1]` / `[I:0]`.
        #[default]
        Checkbox = 0,
        /// Single-line text.
        Text = 1,
        /// Masked text.
        Password = 2,
        /// A whole number, `[I:n]`.
        Integer = 3,
        /// A decimal number, `[F:n]`.
        Double = 4,
        /// A drop-down whose items come from `GetList`; the value is the item key.
        List = 5,
        /// A date and time, `[DT:..]`.
        Datetime = 6,
        /// Static, non-editable text.
        Label = 99,
    }
}

wire_enum! {
    /// `FieldAccessInfoWS`: whether a field is editable or required (spec §3.5).
    pub enum FieldAccess as "FieldAccessInfoWS" {
        /// Editable, optional.
        #[default]
        Normal = 0,
        /// Must be filled in.
        Mandatory = 1,
        /// Shown, not editable.
        ReadOnly = 2,
    }
}

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

wire_record! {
    /// `ErpActorWS`: an actor (customer, supplier, person, project, ...) in the ERP (spec §3.4).
    #[derive(Default)]
    pub struct ErpActor as "ErpActorWS" (Carrier) {
        /// One of the `ErpActorType` names.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The connector's stable primary key for the actor; empty on `CreateActor` input.
        "ErpKey" => pub erp_key: Option<String>,
        /// Field key to encoded value (see [`crate::contract::FieldValue`]).
        "FieldValues" => pub field_values: Option<StringDict>,
        /// A monotonic, globally ordered change stamp; required on every returned actor.
        "LastModified" => pub last_modified: Option<String>,
        /// Type of the parent actor, e.g. the customer of a person.
        "ParentActorType" => pub parent_actor_type: Option<ActorType>,
        /// ERP key of the parent actor.
        "ParentErpKey" => pub parent_erp_key: Option<String>,
    }
}

impl ErpActor {
    /// An actor of `actor_type` with key `erp_key`, stamp `last_modified` and no fields yet.
    pub fn new(actor_type: ActorType, erp_key: impl Into<String>, last_modified: impl Into<String>) -> Self {
        ErpActor {
            actor_type: Some(actor_type),
            erp_key: Some(erp_key.into()),
            field_values: Some(StringDict::new()),
            last_modified: Some(last_modified.into()),
            parent_actor_type: None,
            parent_erp_key: None,
        }
    }

    /// Builder: sets all field values at once, replacing any set before. Building the
    /// dictionary with [`StringDict::with_capacity`] first saves its re-growth on every actor.
    pub fn with_fields(mut self, fields: StringDict) -> Self {
        self.field_values = Some(fields);
        self
    }

    /// Builder: sets the parent actor.
    pub fn with_parent(mut self, actor_type: ActorType, erp_key: impl Into<String>) -> Self {
        self.parent_actor_type = Some(actor_type);
        self.parent_erp_key = Some(erp_key.into());
        self
    }

    /// The value of a field, if present and not null.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.field_values.as_ref().and_then(|d| d.get(key))
    }
}

wire_record! {
    /// `FieldMetadataInfoWS`: describes one configuration field or one ERP actor field
    /// (spec §3.4). Member order on the wire is ordinal by name, as `DataContractSerializer`
    /// writes a DataContract without `Order`.
    #[derive(Default)]
    pub struct FieldMetadata as "FieldMetadataInfoWS" (Carrier) {
        /// Normal, mandatory or read-only.
        "Access" => pub access: FieldAccess,
        /// Pre-filled value, encoded; for list fields the item key.
        "DefaultValue" => pub default_value: Option<String>,
        /// Tooltip; may be a multi-language string.
        "DisplayDescription" => pub display_description: Option<String>,
        /// Label; may be a multi-language string.
        "DisplayName" => pub display_name: Option<String>,
        /// The key used in `ConnectionInfo` / `FieldValues` and searches.
        "FieldKey" => pub field_key: Option<String>,
        /// Widget and data type.
        "FieldType" => pub field_type: FieldType,
        /// The list to fetch with `GetList` when the type is `List`.
        "ListName" => pub list_name: Option<String>,
        /// Maximum string length; 0 is unlimited.
        "MaxLength" => pub max_length: i32,
        /// Display order, lowest first; must be unique.
        "Rank" => pub rank: i32,
    }
}

impl FieldMetadata {
    /// A field with key, label, type and rank; other members empty.
    pub fn new(
        field_key: impl Into<String>,
        display_name: impl Into<String>,
        field_type: FieldType,
        rank: i32,
    ) -> Self {
        FieldMetadata {
            field_key: Some(field_key.into()),
            display_name: Some(display_name.into()),
            field_type,
            rank,
            ..FieldMetadata::default()
        }
    }
}

wire_record! {
    /// `SearchRestrictionInfoWS`: one criterion of an advanced search (spec §3.4, §3.6).
    /// A `ScalarValue` element, if a sender includes one, is read as the first value.
    #[derive(Default)]
    pub struct SearchRestriction as "SearchRestrictionInfoWS" (Carrier, extra = scalar_value_slot) {
        /// A searchable field key or a special key ([`crate::contract::special_keys`]).
        "FieldKey" => pub field_key: Option<String>,
        /// An operator ([`crate::contract::operators`]).
        "Operator" => pub operator: Option<String>,
        /// The encoded values; one for most operators, several for `between` and `oneof`.
        "Values" => pub values: Option<Vec<String>>,
    }
}

fn scalar_value_slot<'a>(r: &'a mut SearchRestriction, local_name: &str) -> Option<Slot<'a>> {
    (local_name == "ScalarValue").then_some(Slot::FirstItem(&mut r.values))
}

impl SearchRestriction {
    /// A restriction on `field_key` with `operator` and values.
    pub fn new<V: Into<String>>(
        field_key: impl Into<String>,
        operator: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        SearchRestriction {
            field_key: Some(field_key.into()),
            operator: Some(operator.into()),
            values: Some(values.into_iter().map(Into::into).collect()),
        }
    }

    /// The first value (`ScalarValue` in .NET).
    pub fn scalar_value(&self) -> Option<&str> {
        self.values.as_ref().and_then(|v| v.first()).map(String::as_str)
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

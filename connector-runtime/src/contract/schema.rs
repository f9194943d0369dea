//! The contract as data: one [`TypeSchema`] per wire type, read by the SOAP reader, the writer,
//! the WSDL generator and the test client alike.
//!
//! Every request, response and carrier type implements [`Record`]: it exposes its members by index,
//! in the order its schema lists them, as borrowed [`Ref`]s (for writing) and mutable [`Slot`]s (for
//! reading). No code outside this module knows a member name by heart; the wire layer walks the
//! schema.

use std::fmt;

use super::primitives::{ActorType, ConnectionGuid, StringDict};

/// How a type is serialised by WCF, which decides its member order and namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeRole {
    /// A top-level request or response class (a WCF `MessageContract` under the default wire
    /// profile). Its members, base-class members included, are ordered by the wire profile.
    Message,
    /// A nested carrier (a WCF `DataContract` in the EIS namespace): members ordinally sorted.
    Carrier,
}

/// The shape of one member's value on the wire.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `xs:string`, nillable.
    String,
    /// `xs:boolean`.
    Bool,
    /// `xs:int`.
    Int,
    /// A DataContract enum, written as its member name.
    Enum(&'static EnumSchema),
    /// A connection GUID: `xs:string` on the wire, normalised when read.
    Guid,
    /// An actor type: `xs:string` on the wire, one of the `ErpActorType` names.
    ActorType,
    /// `string[]`: `ArrayOfstring` in the serialization Arrays namespace.
    StringArray,
    /// `Dictionary<string,string>`: `ArrayOfKeyValueOfstringstring`.
    Dictionary,
    /// One nested carrier.
    Record(&'static TypeSchema),
    /// An array of carriers (`ArrayOf<Carrier>`).
    RecordArray(&'static TypeSchema),
}

impl Kind {
    /// Whether the member can be `i:nil` (every reference type in .NET).
    pub fn is_nillable(self) -> bool {
        !matches!(self, Kind::Bool | Kind::Int | Kind::Enum(_))
    }
}

/// One member of a wire type.
#[derive(Debug)]
pub struct Member {
    /// The element name on the wire, e.g. `ConnectionGuid`.
    pub name: &'static str,
    /// The Rust field that holds it, for error messages and docs.
    pub field: &'static str,
    /// The value shape.
    pub kind: Kind,
}

/// A DataContract enum: wire names and their numeric values.
#[derive(Debug, PartialEq, Eq)]
pub struct EnumSchema {
    /// The data-contract name, e.g. `ResponseStateWS`.
    pub name: &'static str,
    /// `(wire name, numeric value)` in declaration order.
    pub values: &'static [(&'static str, i32)],
}

/// The description of one wire type.
#[derive(Debug)]
pub struct TypeSchema {
    /// The .NET class name, which is the wrapper or item element name on the wire.
    pub name: &'static str,
    /// The Rust type that carries it.
    pub rust_name: &'static str,
    /// Message wrapper or carrier.
    pub role: TypeRole,
    /// The base class whose members are serialised with this type's own.
    pub base: Option<&'static TypeSchema>,
    /// The type's own members, in ordinal order of their names (checked by a unit test).
    pub members: &'static [Member],
}

/// Where a member comes from when a type is walked: its own members or its base class's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A member declared on the base class.
    Base,
    /// A member declared on the type itself.
    Own,
}

/// The order in which the members of a message are put on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberOrder {
    /// .NET `TypeLoader` for MessageContracts: all body members of the hierarchy in one ordinal
    /// sort by name (no `Order` is set on any member).
    GlobalOrdinal,
    /// `DataContractSerializer`: base-class members first, then the derived class's, each group
    /// ordinal by name.
    BaseFirst,
}

impl TypeSchema {
    /// Walks every wire member, base included, in the given order, calling `f` with the level,
    /// the index within that level, and the member. Allocation-free: the hot path of the writer.
    pub fn for_each_member(&self, order: MemberOrder, mut f: impl FnMut(Level, usize, &'static Member)) {
        let own = self.members;
        let base = self.base.map_or(&[][..], |b| b.members);
        match order {
            MemberOrder::BaseFirst => {
                base.iter().enumerate().for_each(|(i, m)| f(Level::Base, i, m));
                own.iter().enumerate().for_each(|(i, m)| f(Level::Own, i, m));
            }
            MemberOrder::GlobalOrdinal => {
                let (mut b, mut o) = (0, 0);
                while b < base.len() || o < own.len() {
                    let take_base =
                        o >= own.len() || (b < base.len() && base[b].name.as_bytes() <= own[o].name.as_bytes());
                    if take_base {
                        f(Level::Base, b, &base[b]);
                        b += 1;
                    } else {
                        f(Level::Own, o, &own[o]);
                        o += 1;
                    }
                }
            }
        }
    }

    /// The members in wire order, as a list (for the WSDL and tests).
    pub fn wire_members(&self, order: MemberOrder) -> Vec<(Level, usize, &'static Member)> {
        let mut all = Vec::new();
        self.for_each_member(order, |l, i, m| all.push((l, i, m)));
        all
    }

    /// The member at `(level, index)`.
    pub fn member_at(&self, level: Level, index: usize) -> &'static Member {
        match level {
            Level::Own => &self.members[index],
            Level::Base => &self.base.expect("schema declares a base").members[index],
        }
    }

    /// Finds a member by its wire name (case-sensitive, as WCF is), own members first.
    pub fn find(&self, name: &str) -> Option<(Level, usize)> {
        if let Some(i) = self.members.iter().position(|m| m.name == name) {
            return Some((Level::Own, i));
        }
        self.base.and_then(|b| b.members.iter().position(|m| m.name == name)).map(|i| (Level::Base, i))
    }
}

/// The names of an enum's values, comma-separated (for error messages).
pub fn enum_names(schema: &EnumSchema) -> String {
    schema.values.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// A value of a wire type whose members can be read and written through its [`TypeSchema`].
pub trait Record: fmt::Debug + Send + Sync {
    /// The schema this value follows.
    fn schema(&self) -> &'static TypeSchema;
    /// Member `index` of [`TypeSchema::members`], borrowed.
    fn member(&self, index: usize) -> Ref<'_>;
    /// Member `index` of [`TypeSchema::members`], for filling in.
    fn member_mut(&mut self, index: usize) -> Slot<'_>;
    /// The base-class part, if the type has one.
    fn base(&self) -> Option<&dyn Record> {
        None
    }
    /// The base-class part, mutable.
    fn base_mut(&mut self) -> Option<&mut dyn Record> {
        None
    }
    /// A slot for an element that is not a declared member but is still accepted when read
    /// (e.g. `SearchRestrictionInfoWS.ScalarValue`). `None` means: skip the element.
    fn extra_slot(&mut self, _local_name: &str) -> Option<Slot<'_>> {
        None
    }
}

impl dyn Record + '_ {
    /// The member at `(level, index)`, borrowed.
    pub fn member_at(&self, level: Level, index: usize) -> Ref<'_> {
        match level {
            Level::Own => self.member(index),
            Level::Base => self.base().expect("schema declares a base").member(index),
        }
    }

    /// The member at `(level, index)`, for filling in.
    pub fn member_at_mut(&mut self, level: Level, index: usize) -> Slot<'_> {
        match level {
            Level::Own => self.member_mut(index),
            Level::Base => self.base_mut().expect("schema declares a base").member_mut(index),
        }
    }
}

/// A wire type with a static schema and a default (empty) value, so that readers can create it.
pub trait RecordType: Record + Default + 'static {
    /// The schema of the type.
    const SCHEMA: &'static TypeSchema;
}

/// A borrowed member value, as the writer sees it.
#[derive(Clone, Copy)]
pub enum Ref<'a> {
    /// A string, `None` is nil.
    String(Option<&'a str>),
    /// A boolean.
    Bool(bool),
    /// A 32-bit integer.
    Int(i32),
    /// An enum member name.
    Enum(&'static str),
    /// A connection GUID.
    Guid(Option<&'a ConnectionGuid>),
    /// An actor type.
    ActorType(Option<&'a ActorType>),
    /// A string array.
    StringArray(Option<&'a [String]>),
    /// A string dictionary.
    Dictionary(Option<&'a StringDict>),
    /// One nested carrier.
    Record(Option<&'a dyn Record>),
    /// An array of carriers.
    RecordArray(Option<&'a dyn RecordSlice>),
}

impl Ref<'_> {
    /// Whether the value is null (`i:nil` on the wire).
    pub fn is_nil(&self) -> bool {
        matches!(
            self,
            Ref::String(None)
                | Ref::Guid(None)
                | Ref::ActorType(None)
                | Ref::StringArray(None)
                | Ref::Dictionary(None)
                | Ref::Record(None)
                | Ref::RecordArray(None)
        )
    }
}

/// A mutable member, as the reader fills it.
pub enum Slot<'a> {
    /// A string.
    String(&'a mut Option<String>),
    /// A boolean.
    Bool(&'a mut bool),
    /// A 32-bit integer.
    Int(&'a mut i32),
    /// An enum, set by wire name.
    Enum(&'a mut dyn EnumSlot),
    /// A connection GUID.
    Guid(&'a mut Option<ConnectionGuid>),
    /// An actor type.
    ActorType(&'a mut Option<ActorType>),
    /// A string array.
    StringArray(&'a mut Option<Vec<String>>),
    /// A string dictionary.
    Dictionary(&'a mut Option<StringDict>),
    /// One nested carrier.
    Record(&'a mut dyn RecordOption),
    /// An array of carriers.
    RecordArray(&'a mut dyn RecordVec),
    /// A single string that stands for the first item of an array when the array is absent.
    FirstItem(&'a mut Option<Vec<String>>),
}

/// An enum that can be set from its wire name.
pub trait EnumSlot {
    /// Sets the value from a wire name; `false` if the name is not a member.
    fn set_wire_name(&mut self, name: &str) -> bool;
    /// The enum's schema, for error messages.
    fn enum_schema(&self) -> &'static EnumSchema;
}

/// An optional nested carrier being read.
pub trait RecordOption {
    /// Marks the carrier as nil.
    fn set_nil(&mut self);
    /// Creates an empty carrier (replacing any earlier one) and returns it for filling.
    fn fill(&mut self) -> &mut dyn Record;
}

/// An optional array of carriers being read.
pub trait RecordVec {
    /// Marks the array as nil.
    fn set_nil(&mut self);
    /// Makes the array present and empty.
    fn set_empty(&mut self);
    /// Appends an empty carrier and returns it for filling.
    fn push(&mut self) -> &mut dyn Record;
    /// Bytes one carrier takes in the array (its inline size).
    fn item_bytes(&self) -> usize;
}

/// A borrowed array of carriers.
pub trait RecordSlice {
    /// Number of items.
    fn len(&self) -> usize;
    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Item `index`.
    fn item(&self, index: usize) -> &dyn Record;
}

impl<T: RecordType> RecordOption for Option<T> {
    fn set_nil(&mut self) {
        *self = None;
    }
    fn fill(&mut self) -> &mut dyn Record {
        self.insert(T::default())
    }
}

impl<T: RecordType> RecordVec for Option<Vec<T>> {
    fn set_nil(&mut self) {
        *self = None;
    }
    fn set_empty(&mut self) {
        *self = Some(Vec::new());
    }
    fn push(&mut self) -> &mut dyn Record {
        let items = self.get_or_insert_with(Vec::new);
        items.push(T::default());
        items.last_mut().expect("just pushed")
    }
    fn item_bytes(&self) -> usize {
        size_of::<T>()
    }
}

impl<T: RecordType> RecordSlice for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn item(&self, index: usize) -> &dyn Record {
        &self[index]
    }
}

/// A Rust field type that can hold a member: ties the Rust type to its [`Kind`] and to the
/// borrowed and mutable views. Implemented for every field type the contract uses.
pub trait Field {
    /// The wire shape of this field type.
    const KIND: Kind;
    /// Borrowed view.
    fn as_ref(&self) -> Ref<'_>;
    /// Mutable view.
    fn as_slot(&mut self) -> Slot<'_>;
}

impl Field for Option<String> {
    const KIND: Kind = Kind::String;
    fn as_ref(&self) -> Ref<'_> {
        Ref::String(self.as_deref())
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::String(self)
    }
}

impl Field for bool {
    const KIND: Kind = Kind::Bool;
    fn as_ref(&self) -> Ref<'_> {
        Ref::Bool(*self)
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::Bool(self)
    }
}

impl Field for i32 {
    const KIND: Kind = Kind::Int;
    fn as_ref(&self) -> Ref<'_> {
        Ref::Int(*self)
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::Int(self)
    }
}

impl Field for Option<ConnectionGuid> {
    const KIND: Kind = Kind::Guid;
    fn as_ref(&self) -> Ref<'_> {
        Ref::Guid(self.as_ref())
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::Guid(self)
    }
}

impl Field for Option<ActorType> {
    const KIND: Kind = Kind::ActorType;
    fn as_ref(&self) -> Ref<'_> {
        Ref::ActorType(self.as_ref())
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::ActorType(self)
    }
}

impl Field for Option<Vec<String>> {
    const KIND: Kind = Kind::StringArray;
    fn as_ref(&self) -> Ref<'_> {
        Ref::StringArray(self.as_deref())
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::StringArray(self)
    }
}

impl Field for Option<StringDict> {
    const KIND: Kind = Kind::Dictionary;
    fn as_ref(&self) -> Ref<'_> {
        Ref::Dictionary(self.as_ref())
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::Dictionary(self)
    }
}

impl<T: RecordType> Field for Option<T> {
    const KIND: Kind = Kind::Record(T::SCHEMA);
    fn as_ref(&self) -> Ref<'_> {
        Ref::Record(self.as_ref().map(|r| r as &dyn Record))
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::Record(self)
    }
}

impl<T: RecordType> Field for Option<Vec<T>> {
    const KIND: Kind = Kind::RecordArray(T::SCHEMA);
    fn as_ref(&self) -> Ref<'_> {
        Ref::RecordArray(self.as_ref().map(|v| v as &dyn RecordSlice))
    }
    fn as_slot(&mut self) -> Slot<'_> {
        Slot::RecordArray(self)
    }
}

/// Declares a wire type: the Rust struct, its [`TypeSchema`] and its [`Record`] impl, from one
/// list, so that a member's wire name, Rust field and type are written exactly once.
///
/// Members must be listed in ordinal order of their wire names (a unit test checks every schema).
macro_rules! wire_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident as $wire:literal ($role:ident $(, extra = $extra:path)?) $(: $base_field:ident : $base_ty:ty)? {
            $(
                $(#[$fmeta:meta])*
                $member:literal => pub $field:ident : $fty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            $(
                #[doc = concat!("The base-class members (`", stringify!($base_ty), "`).")]
                pub $base_field: $base_ty,
            )?
            $(
                $(#[$fmeta])*
                #[doc = ""]
                #[doc = concat!("Wire member `", $member, "`.")]
                pub $field: $fty,
            )*
        }

        impl $crate::contract::schema::RecordType for $name {
            const SCHEMA: &'static $crate::contract::schema::TypeSchema = &$crate::contract::schema::TypeSchema {
                name: $wire,
                rust_name: stringify!($name),
                role: $crate::contract::schema::TypeRole::$role,
                base: wire_record!(@base $($base_ty)?),
                members: &[
                    $(
                        $crate::contract::schema::Member {
                            name: $member,
                            field: stringify!($field),
                            kind: <$fty as $crate::contract::schema::Field>::KIND,
                        },
                    )*
                ],
            };
        }

        impl $crate::contract::schema::Record for $name {
            fn schema(&self) -> &'static $crate::contract::schema::TypeSchema {
                <Self as $crate::contract::schema::RecordType>::SCHEMA
            }
            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn member(&self, index: usize) -> $crate::contract::schema::Ref<'_> {
                let mut i = 0usize;
                $(
                    if index == i {
                        return $crate::contract::schema::Field::as_ref(&self.$field);
                    }
                    i += 1;
                )*
                panic!("{} has no member {index}", stringify!($name))
            }
            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn member_mut(&mut self, index: usize) -> $crate::contract::schema::Slot<'_> {
                let mut i = 0usize;
                $(
                    if index == i {
                        return $crate::contract::schema::Field::as_slot(&mut self.$field);
                    }
                    i += 1;
                )*
                panic!("{} has no member {index}", stringify!($name))
            }
            $(
                fn base(&self) -> Option<&dyn $crate::contract::schema::Record> {
                    Some(&self.$base_field)
                }
                fn base_mut(&mut self) -> Option<&mut dyn $crate::contract::schema::Record> {
                    Some(&mut self.$base_field)
                }
            )?
            $(
                fn extra_slot(&mut self, local_name: &str) -> Option<$crate::contract::schema::Slot<'_>> {
                    $extra(self, local_name)
                }
            )?
        }
    };
    (@base $base_ty:ty) => {
        Some(<$base_ty as $crate::contract::schema::RecordType>::SCHEMA)
    };
    (@base) => {
        None
    };
}

pub(crate) use wire_record;

//! Carrier types (`ErpActorWS`, `FieldMetadataInfoWS`, `SearchRestrictionInfoWS`) and the
//! contract's enums, declared with the schema. Spec §3.4, §3.5.

use std::fmt;
use std::str::FromStr;

use super::primitives::{ActorType, StringDict};
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
    /// An actor of `actor_type` with key `erp_key`, change stamp `last_modified` (a
    /// [`Stamp`](super::Stamp): a counter, a date-time, ...) and no fields yet.
    pub fn new(actor_type: ActorType, erp_key: impl Into<String>, last_modified: impl Into<super::Stamp>) -> Self {
        ErpActor {
            actor_type: Some(actor_type),
            erp_key: Some(erp_key.into()),
            field_values: Some(StringDict::new()),
            last_modified: Some(last_modified.into().to_string()),
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

    /// The change stamp (`LastModified`), read as the framework writes stamps.
    pub fn stamp(&self) -> Option<super::Stamp> {
        self.last_modified.as_deref().map(super::Stamp::parse)
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

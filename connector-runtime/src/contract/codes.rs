//! Constants of the contract: error codes, search operators and special search keys
//! (spec §3.6). Spelled exactly as SuperOffice sends and expects them.

/// `ResponseErrorCodes`: the values of `ErrorCode` that EIS acts on, and room for a connector's
/// own. SuperOffice's misspellings are part of the wire and stay inside [`ErrorCode::wire`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The connector has no configuration for the GUID: EIS resends it with `WSSaveConnection`
    /// and retries the call once (spec §5.2).
    UnknownConnectionId,
    /// An unknown field key (on the wire `UNKOWN_FIELDKEY`, as SuperOffice spells it).
    UnknownFieldKey,
    /// An unknown list item (on the wire `UNKOWN_LISTITEM_ID`, as SuperOffice spells it).
    UnknownListItemId,
    /// A code of the connector's own, sent as written (EIS shows and logs it, and acts on none).
    Other(String),
}

impl ErrorCode {
    /// The codes EIS knows, with their wire spellings.
    const KNOWN: [(ErrorCode, &'static str); 3] = [
        (ErrorCode::UnknownConnectionId, "UNKNOWN_CONNECTION_ID"),
        (ErrorCode::UnknownFieldKey, "UNKOWN_FIELDKEY"),
        (ErrorCode::UnknownListItemId, "UNKOWN_LISTITEM_ID"),
    ];

    /// The code as it travels.
    pub fn wire(&self) -> &str {
        match self {
            ErrorCode::Other(code) => code,
            known => Self::KNOWN.iter().find(|(k, _)| k == known).map_or("", |(_, wire)| wire),
        }
    }

    /// A code read off the wire: a known spelling is its variant, anything else [`ErrorCode::Other`].
    pub fn from_wire(code: &str) -> ErrorCode {
        Self::KNOWN
            .iter()
            .find(|(_, wire)| *wire == code)
            .map_or_else(|| ErrorCode::Other(code.to_owned()), |(k, _)| k.clone())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire())
    }
}

impl From<&str> for ErrorCode {
    /// A connector's own code, or a known one by its wire spelling.
    fn from(code: &str) -> Self {
        ErrorCode::from_wire(code)
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        ErrorCode::from_wire(&code)
    }
}

/// Search operators of `SearchRestrictionInfoWS.Operator`, per field type.
pub mod operators {
    /// Equal (every type). For strings: case-insensitive.
    pub const EQUALS: &str = "=";
    /// Strings: starts with.
    pub const BEGINS: &str = "begins";
    /// Strings: contains.
    pub const CONTAINS: &str = "contains";
    /// Strings: ends with.
    pub const ENDS: &str = "ends";
    /// Strings: does not start with.
    pub const NOT_BEGINS: &str = "notbegins";
    /// Strings: does not contain.
    pub const NOT_CONTAINS: &str = "notcontains";
    /// Strings: does not end with.
    pub const NOT_ENDS: &str = "notends";
    /// Strings: is not equal.
    pub const IS_NOT: &str = "isnot";
    /// Strings, numbers, dates: between two values, inclusive.
    pub const BETWEEN: &str = "between";
    /// Numbers: greater than.
    pub const GREATER: &str = ">";
    /// Numbers: less than.
    pub const LESS: &str = "<";
    /// Numbers: greater than or equal.
    pub const GREATER_OR_EQUAL: &str = ">=";
    /// Numbers: less than or equal.
    pub const LESS_OR_EQUAL: &str = "<=";
    /// Numbers: not equal.
    pub const NOT_EQUAL: &str = "!=";
    /// Lists: the value is one of the given item keys.
    pub const ONE_OF: &str = "oneof";
    /// Lists: the value is none of the given item keys.
    pub const NOT_ONE_OF: &str = "notoneof";
    /// Dates: before.
    pub const BEFORE: &str = "before";
    /// Dates: after.
    pub const AFTER: &str = "after";
    /// Dates: before or equal.
    pub const BEFORE_OR_EQUAL: &str = "beforeOrEqual";
    /// Dates: after or equal.
    pub const AFTER_OR_EQUAL: &str = "afterOrEqual";

    /// Operators for text fields.
    pub const STRING: &[&str] = &[EQUALS, BEGINS, CONTAINS, ENDS, NOT_BEGINS, NOT_CONTAINS, NOT_ENDS, IS_NOT, BETWEEN];
    /// Operators for integer and double fields.
    pub const NUMBER: &[&str] = &[EQUALS, GREATER, LESS, GREATER_OR_EQUAL, LESS_OR_EQUAL, NOT_EQUAL, BETWEEN];
    /// Operators for checkbox fields.
    pub const BOOL: &[&str] = &[EQUALS];
    /// Operators for list fields.
    pub const LIST: &[&str] = &[ONE_OF, NOT_ONE_OF];
    /// Operators for date-time fields.
    pub const DATETIME: &[&str] = &[EQUALS, BEFORE, AFTER, BEFORE_OR_EQUAL, AFTER_OR_EQUAL, BETWEEN];

    /// The operators that apply to a field type (`Password` and `Label` are not searchable).
    pub fn for_field_type(field_type: crate::contract::FieldType) -> &'static [&'static str] {
        use crate::contract::FieldType;
        match field_type {
            FieldType::Text => STRING,
            FieldType::Integer | FieldType::Double => NUMBER,
            FieldType::Checkbox => BOOL,
            FieldType::List => LIST,
            FieldType::Datetime => DATETIME,
            FieldType::Password | FieldType::Label => &[],
        }
    }
}

/// `SpecialSearchKeys`: restriction keys every advanced search must accept although they are not
/// declared fields.
pub mod special_keys {
    /// Limit to actors under the parent with this ERP key.
    pub const PARENT_ERP_KEY: &str = "ParentErpKey";
    /// Limit to actors whose parent has this actor type.
    pub const PARENT_ACTOR_TYPE: &str = "ParentActorType";
}

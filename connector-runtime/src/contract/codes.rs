//! String constants of the contract: error codes, search operators and special search keys
//! (spec §3.6). Spelled exactly as SuperOffice sends and expects them.

/// `ResponseErrorCodes`: values of `ErrorCode`. SuperOffice's misspellings are part of the wire.
pub mod error_codes {
    /// The connector has no configuration for the GUID: EIS resends it with `WSSaveConnection`
    /// and retries the call once (spec §5.2).
    pub const UNKNOWN_CONNECTION_ID: &str = "UNKNOWN_CONNECTION_ID";
    /// An unknown field key. The wire value is misspelled `UNKOWN_FIELDKEY` by SuperOffice.
    pub const UNKNOWN_FIELDKEY: &str = "UNKOWN_FIELDKEY";
    /// An unknown list item. The wire value is misspelled `UNKOWN_LISTITEM_ID` by SuperOffice.
    pub const UNKNOWN_LISTITEM_ID: &str = "UNKOWN_LISTITEM_ID";
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

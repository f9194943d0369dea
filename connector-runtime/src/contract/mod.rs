//! The `IErpConnectorWS` contract as Rust types (spec `erp-contract.md` §2–§3).
//!
//! * [`Operation`] and [`OPERATIONS`]: the 17 operations, their SOAPActions and classes.
//! * [`Request`] / [`Response`]: a decoded call and its answer.
//! * Request and response classes ([`GetActorsRequest`], [`ActorArrayResponse`], ...), carriers
//!   ([`ErpActor`], [`FieldMetadata`], [`SearchRestriction`]) and enums ([`ResponseState`],
//!   [`FieldType`], [`FieldAccess`], [`ActorType`]).
//! * [`FieldValue`] and [`LocalizedText`]: the encodings inside string values.
//! * [`schema`]: the same contract as data, which drives the SOAP reader, writer and WSDL.
//!
//! Wire names stay in the schema; Rust names are Rust's (`ErpActorWS` is [`ErpActor`],
//! `FieldMetaDataObjects` is [`FieldMetadataResponse::fields`]).

pub mod auth;
mod codes;
mod localized;
mod messages;
pub mod ns;
mod operations;
mod primitives;
pub mod schema;
mod stamp;
mod typed;
mod types;
mod value;

pub use codes::{ErrorCode, operators, special_keys};
pub use localized::LocalizedText;
pub use messages::*;
pub use operations::{OPERATIONS, Operation, OperationSpec, Request, Response};
pub use primitives::{ActorType, CompactString, ConnectionGuid, InvalidGuid, StringDict};
pub use stamp::Stamp;
pub use typed::{FieldInput, FieldKind, FromFieldValue, IntoFieldValue, Key, ListItem};
pub use types::{ErpActor, FieldAccess, FieldMetadata, FieldType, ResponseState, SearchRestriction, UnknownEnumValue};
pub use value::{FieldValue, ValueError};

#[cfg(test)]
mod tests {
    use super::schema::{Kind, MemberOrder, RecordType, TypeSchema};
    use super::*;

    fn all_schemas() -> Vec<&'static TypeSchema> {
        let mut all: Vec<&'static TypeSchema> = Vec::new();
        fn visit(s: &'static TypeSchema, all: &mut Vec<&'static TypeSchema>) {
            if all.iter().any(|x| x.name == s.name) {
                return;
            }
            all.push(s);
            if let Some(b) = s.base {
                visit(b, all);
            }
            for m in s.members {
                if let Kind::Record(t) | Kind::RecordArray(t) = m.kind {
                    visit(t, all);
                }
            }
        }
        for op in OPERATIONS {
            op.request.into_iter().chain([op.response]).for_each(|s| visit(s, &mut all));
        }
        all
    }

    #[test]
    fn every_schema_lists_members_in_ordinal_order() {
        for s in all_schemas() {
            let names: Vec<_> = s.members.iter().map(|m| m.name).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            assert_eq!(names, sorted, "{} must list its members ordinally", s.name);
        }
        assert_eq!(all_schemas().len(), 23, "14 request classes, 6 response classes, 3 carriers");
    }

    #[test]
    fn table_has_seventeen_operations_in_enum_order() {
        assert_eq!(OPERATIONS.len(), 17);
        assert_eq!(Operation::all().len(), crate::http::OPERATION_COUNT);
        for (i, spec) in OPERATIONS.iter().enumerate() {
            assert_eq!(spec.operation as usize, i);
            assert_eq!(Operation::from_name(spec.name), Some(spec.operation));
            assert_eq!(
                spec.action,
                format!("http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/{}", spec.name)
            );
        }
    }

    #[test]
    fn message_order_is_global_ordinal_or_base_first() {
        let names = |order| {
            FieldMetadataResponse::SCHEMA.wire_members(order).iter().map(|(_, _, m)| m.name).collect::<Vec<_>>()
        };
        // .NET TypeLoader: one ordinal sort over the whole hierarchy (fixtures README §3.1).
        assert_eq!(
            names(MemberOrder::GlobalOrdinal),
            ["ErrorCode", "FieldMetaDataObjects", "IsOk", "State", "TechExplanation", "UserExplanation"]
        );
        // DataContractSerializer: base first.
        assert_eq!(
            names(MemberOrder::BaseFirst),
            ["ErrorCode", "IsOk", "State", "TechExplanation", "UserExplanation", "FieldMetaDataObjects"]
        );
        let request: Vec<_> = GetActorsByTimestampRequest::SCHEMA
            .wire_members(MemberOrder::GlobalOrdinal)
            .iter()
            .map(|(_, _, m)| m.name)
            .collect();
        assert_eq!(request, ["ActorType", "ConnectionGuid", "FieldKeys", "UpdatedOnOrAfter"]);
    }

    #[test]
    fn request_guid_is_found_through_the_schema() {
        let mut r = Request::empty(Operation::GetActors);
        assert_eq!(r.connection_guid(), None);
        *r.connection_guid_mut().unwrap() = Some(ConnectionGuid::NIL);
        assert_eq!(r.connection_guid(), Some(ConnectionGuid::NIL));
        assert!(Request::empty(Operation::TestConfigData).connection_guid_mut().is_none());
        assert!(Request::empty(Operation::GetConfigData).connection_guid_mut().is_none());
    }

    #[test]
    fn guids_in_every_common_form_normalise() {
        let canonical = "3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf";
        for form in [
            canonical,
            "3AEF3AF6-8642-4FC1-8DC9-4E08BD76A6BF",
            "{3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf}",
            "3aef3af686424fc18dc94e08bd76a6bf",
            "urn:uuid:3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf",
            "  3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf\n",
        ] {
            assert_eq!(ConnectionGuid::parse(form).unwrap().to_string(), canonical, "{form}");
        }
        assert!(ConnectionGuid::parse("not-a-guid").is_err());
        assert!(ConnectionGuid::parse("00000000-0000-0000-0000-000000000000").unwrap().is_nil());
    }

    #[test]
    fn actor_types_keep_unknown_names() {
        assert_eq!(ActorType::parse("Customer"), ActorType::Customer);
        assert_eq!(ActorType::parse("customer"), ActorType::Customer);
        let future = ActorType::parse("Invoice");
        assert_eq!(future, ActorType::Other("Invoice".into()));
        assert_eq!(future.as_str(), "Invoice");
        assert!(!future.is_known());
    }

    #[test]
    fn error_codes_keep_superoffice_spelling() {
        assert_eq!(ErrorCode::UnknownFieldKey.wire(), "UNKOWN_FIELDKEY");
        assert_eq!(ErrorCode::UnknownListItemId.wire(), "UNKOWN_LISTITEM_ID");
        assert_eq!(ErrorCode::UnknownConnectionId.wire(), "UNKNOWN_CONNECTION_ID");
        for code in [ErrorCode::UnknownFieldKey, ErrorCode::UnknownListItemId, ErrorCode::UnknownConnectionId] {
            assert_eq!(ErrorCode::from_wire(code.wire()), code);
        }
        assert_eq!(ErrorCode::from("EMPTY_EXPORT"), ErrorCode::Other("EMPTY_EXPORT".into()));
        assert_eq!(ErrorCode::from("UNKOWN_FIELDKEY"), ErrorCode::UnknownFieldKey, "a known code by its spelling");
    }

    #[test]
    fn enums_name_their_values() {
        assert_eq!("Warning".parse::<ResponseState>(), Ok(ResponseState::Warning));
        let err = "Bad".parse::<FieldType>().unwrap_err().to_string();
        assert!(err.contains("Checkbox, Text, Password"), "{err}");
        assert_eq!(FieldType::Label.value(), 99);
        assert!(!ResponseState::Error.is_ok() && ResponseState::Warning.is_ok());
    }

    #[test]
    fn default_result_is_ok() {
        let r = ResponseStatus::default();
        assert!(r.is_ok && r.state == ResponseState::Ok);
        let e = ResponseStatus {
            error_code: Some(ErrorCode::UnknownConnectionId.wire().into()),
            ..ResponseStatus::error("no")
        };
        assert!(!e.is_ok && e.state == ResponseState::Error);
    }
}

//! Request and response classes of `IErpConnectorWS` (spec §3.1–§3.3). Each is a top-level
//! message: under the default wire profile a WCF MessageContract whose wrapper element is the class
//! name. Members are listed in ordinal order; base-class members live in the `base` / `result`
//! field and are merged into the wire order by the profile.

use super::primitives::{ActorType, ConnectionGuid, StringDict};
use super::schema::wire_record;
use super::types::{ErpActor, FieldMetadata, ResponseState, SearchRestriction};

wire_record! {
    /// `RequestBaseWS`: the base of every request that names a connection. `WSTestConnection`,
    /// `WSDeleteConnection` and `WSGetSupportedActorTypes` send it bare.
    #[derive(Default)]
    pub struct RequestBase as "RequestBaseWS" (Message) {
        /// The connection, chosen by SuperOffice.
        "ConnectionGuid" => pub connection_guid: Option<ConnectionGuid>,
    }
}

wire_record! {
    /// `TestConfigDataRequestWS`: configuration values to test without saving. It has no GUID and
    /// does not derive from `RequestBaseWS`.
    #[derive(Default)]
    pub struct TestConfigDataRequest as "TestConfigDataRequestWS" (Message) {
        /// Field key to value, keys from `WSGetConfigData`.
        "ConnectionInfo" => pub connection_info: Option<StringDict>,
    }
}

wire_record! {
    /// `SaveConnectionRequestWS`: store these values under the GUID (create or overwrite).
    #[derive(Default)]
    pub struct SaveConnectionRequest as "SaveConnectionRequestWS" (Message): base: RequestBase {
        /// Field key to value.
        "ConnectionInfo" => pub connection_info: Option<StringDict>,
    }
}

wire_record! {
    /// `GetSupportedActorTypeFieldsRequestWS`: describe the fields of one actor type.
    #[derive(Default)]
    pub struct GetSupportedActorTypeFieldsRequest as "GetSupportedActorTypeFieldsRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
    }
}

wire_record! {
    /// `GetSearchableFieldsRequestWS`: which fields of one actor type advanced search may use.
    #[derive(Default)]
    pub struct GetSearchableFieldsRequest as "GetSearchableFieldsRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
    }
}

wire_record! {
    /// `GetActorsRequestWS`: fetch actors by ERP key.
    #[derive(Default)]
    pub struct GetActorsRequest as "GetActorsRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The keys to fetch.
        "ErpKeys" => pub erp_keys: Option<Vec<String>>,
        /// The fields to fill in.
        "FieldKeys" => pub field_keys: Option<Vec<String>>,
    }
}

wire_record! {
    /// `SearchActorsRequestWS`: free-text search over one actor type.
    #[derive(Default)]
    pub struct SearchActorsRequest as "SearchActorsRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The fields to fill in.
        "FieldKeys" => pub field_keys: Option<Vec<String>>,
        /// The text to search for.
        "SearchText" => pub search_text: Option<String>,
    }
}

wire_record! {
    /// `SearchActorByParentRequestWS`: free-text search among the children of one parent.
    #[derive(Default)]
    pub struct SearchActorByParentRequest as "SearchActorByParentRequestWS" (Message): base: RequestBase {
        /// The actor type searched.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The fields to fill in.
        "FieldKeys" => pub field_keys: Option<Vec<String>>,
        /// ERP key of the parent.
        "ParentActorErpKey" => pub parent_actor_erp_key: Option<String>,
        /// Type of the parent.
        "ParentActorType" => pub parent_actor_type: Option<ActorType>,
        /// The text to search for.
        "SearchText" => pub search_text: Option<String>,
    }
}

wire_record! {
    /// `SearchActorsAdvancedRequestWS`: criteria search; all restrictions must match.
    #[derive(Default)]
    pub struct SearchActorsAdvancedRequest as "SearchActorsAdvancedRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The fields to fill in ("show in search" columns).
        "FieldKeys" => pub field_keys: Option<Vec<String>>,
        /// The criteria.
        "Restrictions" => pub restrictions: Option<Vec<SearchRestriction>>,
    }
}

wire_record! {
    /// `CreateActorRequestWS`: create an actor (empty `ErpKey` and `LastModified` on input).
    #[derive(Default)]
    pub struct CreateActorRequest as "CreateActorRequestWS" (Message): base: RequestBase {
        /// The actor to create.
        "Actor" => pub actor: Option<ErpActor>,
    }
}

wire_record! {
    /// `SaveActorsRequestWS`: update existing actors.
    #[derive(Default)]
    pub struct SaveActorsRequest as "SaveActorsRequestWS" (Message): base: RequestBase {
        /// The actors with their new values.
        "Actors" => pub actors: Option<Vec<ErpActor>>,
    }
}

wire_record! {
    /// `GetListRequestWS`: every item of a named list.
    #[derive(Default)]
    pub struct GetListRequest as "GetListRequestWS" (Message): base: RequestBase {
        /// The list name (`FieldMetadataInfoWS.ListName`).
        "ListName" => pub list_name: Option<String>,
    }
}

wire_record! {
    /// `GetListItemsRequestWS`: display texts of some items of a list.
    #[derive(Default)]
    pub struct GetListItemsRequest as "GetListItemsRequestWS" (Message): base: RequestBase {
        /// The item keys.
        "ListItemKeys" => pub list_item_keys: Option<Vec<String>>,
        /// The list name.
        "ListName" => pub list_name: Option<String>,
    }
}

wire_record! {
    /// `GetActorsByTimestampRequestWS`: the change poll; actors changed on or after a stamp.
    #[derive(Default)]
    pub struct GetActorsByTimestampRequest as "GetActorsByTimestampRequestWS" (Message): base: RequestBase {
        /// The actor type.
        "ActorType" => pub actor_type: Option<ActorType>,
        /// The fields to fill in.
        "FieldKeys" => pub field_keys: Option<Vec<String>>,
        /// A `LastModified` value this connector returned earlier.
        "UpdatedOnOrAfter" => pub updated_on_or_after: Option<String>,
    }
}

wire_record! {
    /// `ConnectorResultBaseWS`: the status every response carries (spec §3.1), named
    /// `ResponseStatus` here so as not to clash with the `ConnectorResult` of connector methods. The default value
    /// is an OK answer, as the .NET parameterless constructor gives.
    pub struct ResponseStatus as "ConnectorResultBaseWS" (Message) {
        /// A machine-readable code, as [`crate::contract::ErrorCode::wire`] spells it.
        "ErrorCode" => pub error_code: Option<String>,
        /// True unless `State` is `Error`.
        "IsOk" => pub is_ok: bool,
        /// The detailed status.
        "State" => pub state: ResponseState,
        /// Technical details, in English.
        "TechExplanation" => pub tech_explanation: Option<String>,
        /// Text for the user; may be a multi-language string.
        "UserExplanation" => pub user_explanation: Option<String>,
    }
}

impl Default for ResponseStatus {
    fn default() -> Self {
        ResponseStatus::ok()
    }
}

impl ResponseStatus {
    /// A plain OK answer.
    pub fn ok() -> Self {
        ResponseStatus {
            error_code: None,
            is_ok: true,
            state: ResponseState::Ok,
            tech_explanation: None,
            user_explanation: None,
        }
    }

    /// An answer with the given state; `IsOk` follows from it.
    pub fn with_state(state: ResponseState, user_explanation: impl Into<String>) -> Self {
        ResponseStatus {
            is_ok: state.is_ok(),
            state,
            user_explanation: Some(user_explanation.into()),
            ..ResponseStatus::ok()
        }
    }

    /// A failed answer (`IsOk=false`, `State=Error`) with a text for the user.
    pub fn error(user_explanation: impl Into<String>) -> Self {
        Self::with_state(ResponseState::Error, user_explanation)
    }
}

wire_record! {
    /// `StringArrayPluginResponseWS`: a list of strings (actor types, searchable fields).
    #[derive(Default)]
    pub struct StringArrayResponse as "StringArrayPluginResponseWS" (Message): result: ResponseStatus {
        /// The strings.
        "Items" => pub items: Option<Vec<String>>,
    }
}

wire_record! {
    /// `FieldMetadataInfoArrayPluginResponseWS`: field descriptions (config or actor fields).
    #[derive(Default)]
    pub struct FieldMetadataResponse as "FieldMetadataInfoArrayPluginResponseWS" (Message): result: ResponseStatus {
        /// The fields (`FieldMetaDataObjects`, capital D, on the wire).
        "FieldMetaDataObjects" => pub fields: Option<Vec<FieldMetadata>>,
    }
}

wire_record! {
    /// `ListItemArrayPluginResponseWS`: list items, key to display text.
    #[derive(Default)]
    pub struct ListItemsResponse as "ListItemArrayPluginResponseWS" (Message): result: ResponseStatus {
        /// Item key to display text.
        "ListItems" => pub list_items: Option<StringDict>,
    }
}

wire_record! {
    /// `ActorArrayPluginResponseWS`: a list of actors.
    #[derive(Default)]
    pub struct ActorArrayResponse as "ActorArrayPluginResponseWS" (Message): result: ResponseStatus {
        /// The actors.
        "Actors" => pub actors: Option<Vec<ErpActor>>,
    }
}

wire_record! {
    /// `ActorPluginResponseWS`: one actor (the answer to `WSCreateActor`).
    #[derive(Default)]
    pub struct ActorResponse as "ActorPluginResponseWS" (Message): result: ResponseStatus {
        /// The actor.
        "Actor" => pub actor: Option<ErpActor>,
    }
}

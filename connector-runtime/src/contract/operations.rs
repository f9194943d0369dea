//! The 17 operations of `IErpConnectorWS` (spec §2): one table that names each operation, its
//! SOAPAction, and its request and response types. The reader, the writer, the WSDL and the test
//! client all work from [`Operation::spec`].

use super::messages::*;
use super::ns::{contract_name, eis_ns};
use super::primitives::ConnectionGuid;
use super::schema::{Kind, Level, Record, RecordType, Slot, TypeSchema};

/// Everything the wire layer needs to know about one operation.
#[derive(Debug)]
pub struct OperationSpec {
    /// The operation.
    pub operation: Operation,
    /// The operation name, e.g. `WSGetActors`; the last segment of the SOAPAction.
    pub name: &'static str,
    /// The SOAPAction URI: contract namespace / contract name / operation name (spec §4.4).
    pub action: &'static str,
    /// The request class; `None` for `WSGetConfigData`, which takes no parameter.
    pub request: Option<&'static TypeSchema>,
    /// The response class.
    pub response: &'static TypeSchema,
}

macro_rules! operations {
    (
        $(
            $(#[$meta:meta])*
            $op:ident = $name:literal ( $($req:ident)? ) -> $resp_variant:ident ($resp:ident);
        )*
    ) => {
        /// An operation of `IErpConnectorWS`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            $( $(#[$meta])* $op, )*
        }

        /// The operation table, in the order of spec §2.
        pub static OPERATIONS: &[OperationSpec] = &[
            $(
                OperationSpec {
                    operation: Operation::$op,
                    name: $name,
                    action: concat!(eis_ns!(), "/", contract_name!(), "/", $name),
                    request: operations!(@req $($req)?),
                    response: <$resp as RecordType>::SCHEMA,
                },
            )*
        ];

        /// A decoded request: the operation and its request class.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Request {
            $(
                $(#[$meta])*
                $op $( ($req) )?,
            )*
        }

        impl Request {
            /// An empty request of `operation`, for a reader to fill in.
            pub fn empty(operation: Operation) -> Request {
                match operation {
                    $( Operation::$op => Request::$op $( (<$req>::default()) )?, )*
                }
            }

            /// The operation this request calls.
            pub fn operation(&self) -> Operation {
                match self {
                    $( operations!(@pat $op $($req)?) => Operation::$op, )*
                }
            }

            /// The request class, `None` for `WSGetConfigData`.
            pub fn record(&self) -> Option<&dyn Record> {
                match self {
                    $( operations!(@bind $op r $($req)?) => operations!(@some r $($req)?), )*
                }
            }

            /// The request class, mutable.
            pub fn record_mut(&mut self) -> Option<&mut dyn Record> {
                match self {
                    $( operations!(@bind $op r $($req)?) => operations!(@some_mut r $($req)?), )*
                }
            }
        }

        impl Response {
            /// The empty (OK) response of `operation`.
            pub fn empty(operation: Operation) -> Response {
                match operation {
                    $( Operation::$op => Response::$resp_variant(<$resp>::default()), )*
                }
            }
        }
    };
    (@req $req:ident) => { Some(<$req as RecordType>::SCHEMA) };
    (@req) => { None };
    (@pat $op:ident $req:ident) => { Request::$op(_) };
    (@pat $op:ident) => { Request::$op };
    (@bind $op:ident $r:ident $req:ident) => { Request::$op($r) };
    (@bind $op:ident $r:ident) => { Request::$op };
    (@some $r:ident $req:ident) => { Some($r as &dyn Record) };
    (@some $r:ident) => { None };
    (@some_mut $r:ident $req:ident) => { Some($r as &mut dyn Record) };
    (@some_mut $r:ident) => { None };
}

operations! {
    /// Describe the configuration fields of a new connection.
    GetConfigData = "WSGetConfigData" () -> FieldMetadata(FieldMetadataResponse);
    /// Test configuration values without saving them.
    TestConfigData = "WSTestConfigData" (TestConfigDataRequest) -> Result(ResponseStatus);
    /// Store configuration values under a connection GUID.
    SaveConnection = "WSSaveConnection" (SaveConnectionRequest) -> Result(ResponseStatus);
    /// Check that a saved connection works.
    TestConnection = "WSTestConnection" (RequestBase) -> Result(ResponseStatus);
    /// The connection was deleted in SuperOffice.
    DeleteConnection = "WSDeleteConnection" (RequestBase) -> Result(ResponseStatus);
    /// The actor types this connection supports.
    GetSupportedActorTypes = "WSGetSupportedActorTypes" (RequestBase) -> StringArray(StringArrayResponse);
    /// The fields of one actor type.
    GetSupportedActorTypeFields = "WSGetSupportedActorTypeFields" (GetSupportedActorTypeFieldsRequest) -> FieldMetadata(FieldMetadataResponse);
    /// Actors by ERP key.
    GetActors = "WSGetActors" (GetActorsRequest) -> ActorArray(ActorArrayResponse);
    /// The fields advanced search may use for one actor type.
    GetSearchableFields = "WSGetSearchableFields" (GetSearchableFieldsRequest) -> StringArray(StringArrayResponse);
    /// Criteria search.
    SearchActorsAdvanced = "WSSearchActorsAdvanced" (SearchActorsAdvancedRequest) -> ActorArray(ActorArrayResponse);
    /// Free-text search.
    SearchActors = "WSSearchActors" (SearchActorsRequest) -> ActorArray(ActorArrayResponse);
    /// Free-text search among the children of a parent.
    SearchActorByParent = "WSSearchActorByParent" (SearchActorByParentRequest) -> ActorArray(ActorArrayResponse);
    /// Create an actor.
    CreateActor = "WSCreateActor" (CreateActorRequest) -> Actor(ActorResponse);
    /// Update actors.
    SaveActors = "WSSaveActors" (SaveActorsRequest) -> ActorArray(ActorArrayResponse);
    /// Every item of a list.
    GetList = "WSGetList" (GetListRequest) -> ListItems(ListItemsResponse);
    /// Some items of a list.
    GetListItems = "WSGetListItems" (GetListItemsRequest) -> ListItems(ListItemsResponse);
    /// Actors changed on or after a timestamp (the change poll).
    GetActorsByTimestamp = "WSGetActorsByTimestamp" (GetActorsByTimestampRequest) -> ActorArray(ActorArrayResponse);
}

impl Operation {
    /// Every operation, in the order of spec §2.
    pub fn all() -> impl ExactSizeIterator<Item = Operation> {
        OPERATIONS.iter().map(|s| s.operation)
    }

    /// The table row of this operation.
    pub fn spec(self) -> &'static OperationSpec {
        // The table is declared in enum order, so the discriminant is the index.
        &OPERATIONS[self as usize]
    }

    /// The operation name, e.g. `WSGetActors`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The SOAPAction URI.
    pub fn action(self) -> &'static str {
        self.spec().action
    }

    /// Finds an operation by name (exact).
    pub fn from_name(name: &str) -> Option<Operation> {
        OPERATIONS.iter().find(|s| s.name == name).map(|s| s.operation)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// The connection GUID the request carries, if its class has one and it was sent.
    pub fn connection_guid(&self) -> Option<ConnectionGuid> {
        let record = self.record()?;
        let (level, index) = guid_member(record.schema())?;
        match record.member_at(level, index) {
            super::schema::Ref::Guid(g) => g.copied(),
            _ => None,
        }
    }

    /// The slot of the connection GUID, if the request class has one.
    pub fn connection_guid_mut(&mut self) -> Option<&mut Option<ConnectionGuid>> {
        let record = self.record_mut()?;
        let (level, index) = guid_member(record.schema())?;
        match record.member_at_mut(level, index) {
            Slot::Guid(g) => Some(g),
            _ => None,
        }
    }
}

fn guid_member(schema: &TypeSchema) -> Option<(Level, usize)> {
    let own = schema.members.iter().position(|m| matches!(m.kind, Kind::Guid)).map(|i| (Level::Own, i));
    own.or_else(|| schema.base?.members.iter().position(|m| matches!(m.kind, Kind::Guid)).map(|i| (Level::Base, i)))
}

macro_rules! responses {
    ($( $(#[$meta:meta])* $variant:ident($class:ty), )*) => {
        /// A response: one of the six response classes.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Response {
            $( $(#[$meta])* $variant($class), )*
        }

        impl Response {
            /// The response class.
            pub fn record(&self) -> &dyn Record {
                match self {
                    $( Response::$variant(r) => r, )*
                }
            }

            /// The response class, mutable.
            pub fn record_mut(&mut self) -> &mut dyn Record {
                match self {
                    $( Response::$variant(r) => r, )*
                }
            }
        }
    };
}

responses! {
    /// `ConnectorResultBaseWS`.
    Result(ResponseStatus),
    /// `StringArrayPluginResponseWS`.
    StringArray(StringArrayResponse),
    /// `FieldMetadataInfoArrayPluginResponseWS`.
    FieldMetadata(FieldMetadataResponse),
    /// `ListItemArrayPluginResponseWS`.
    ListItems(ListItemsResponse),
    /// `ActorArrayPluginResponseWS`.
    ActorArray(ActorArrayResponse),
    /// `ActorPluginResponseWS`.
    Actor(ActorResponse),
}

impl Response {
    /// The status part every response carries.
    pub fn result(&self) -> &ResponseStatus {
        match self {
            Response::Result(r) => r,
            Response::StringArray(r) => &r.result,
            Response::FieldMetadata(r) => &r.result,
            Response::ListItems(r) => &r.result,
            Response::ActorArray(r) => &r.result,
            Response::Actor(r) => &r.result,
        }
    }

    /// The status part, mutable.
    pub fn result_mut(&mut self) -> &mut ResponseStatus {
        match self {
            Response::Result(r) => r,
            Response::StringArray(r) => &mut r.result,
            Response::FieldMetadata(r) => &mut r.result,
            Response::ListItems(r) => &mut r.result,
            Response::ActorArray(r) => &mut r.result,
            Response::Actor(r) => &mut r.result,
        }
    }

    /// The response of `operation` that carries only `result` (e.g. an error), with every other
    /// member nil.
    pub fn failure(operation: Operation, result: ResponseStatus) -> Response {
        let mut response = Response::empty(operation);
        *response.result_mut() = result;
        response
    }
}

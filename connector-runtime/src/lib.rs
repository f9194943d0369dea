//! # erp-connector
//!
//! Write a SuperOffice **ERP Sync connector** in Rust: the SOAP 1.1 service that SuperOffice's
//! ERP Integration Server (EIS) calls to read and write customers, suppliers, persons and projects.
//!
//! A connector is a configuration type, its ERP's schema (written once, with typed keys), the
//! methods its ERP supports under `#[erp_connector]`, and `main`:
//!
//! ```no_run
//! use erp_connector::prelude::*;
//!
//! /// What SuperOffice asks for when an administrator adds a connection.
//! #[derive(ConnectionConfig)]
//! struct ShopConfig {
//!     /// The shop's company code in the ERP.
//!     #[field(display = "Company", mandatory, max_length = 20)]
//!     company: String,
//! }
//!
//! const NAME: Key<String> = Key::new("NAME");
//!
//! struct Shop;
//!
//! #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "shop")]
//! impl ErpConnector for Shop {
//!     type Config = ShopConfig;
//!
//!     async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
//!         Ok(Schema::new().actor(ActorType::Customer, [NAME.field("Name").searchable()]))
//!     }
//!
//!     async fn get_actors(&self, conn: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
//!         Ok(q.erp_keys
//!             .iter()
//!             .map(|key| ErpActor::new(ActorType::Customer, key, Stamp::counter(1)).with_field(NAME, &conn.config.company))
//!             .collect())
//!     }
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     erp_connector::run(Shop)
//! }
//! ```
//!
//! [`run`] serves it: the SOAP endpoint with its WSDL, the connection store, SuperOffice Online's
//! `Authenticate`, `/health` and `/ready`, settings from a file and the environment. Every method
//! of [`connector::ErpConnector`] has a default that answers as the contract says an unsupported
//! feature must; `erp-connector emulate` plays EIS against it.
//!
//! This crate is the runtime. Its layers, data flowing one way:
//!
//! * [`contract`]: the `IErpConnectorWS` contract as Rust types and as data (one table);
//! * [`soap`]: the wire format: a tolerant, hardened envelope reader, an exact writer (as .NET WCF
//!   writes), SOAP faults, wire profiles and the WSDL;
//! * `http`: the SOAP endpoint on actix-web (internal);
//! * [`connector`]: what an author implements ([`connector::ErpConnector`], sessions, replies,
//!   typed search and values, typed configuration);
//! * [`store`]: the connection store (SQLite, secrets encrypted at rest);
//! * [`auth`]: SuperOffice Online's `Authenticate` handshake (keys, tokens);
//! * [`service`]: settings, the connection lifecycle, and [`run`].
//!
//! The wire alone, for tools that read or write the contract's messages:
//!
//! ```
//! use erp_connector::contract::{Operation, Response};
//! use erp_connector::soap::{self, Limits, WireProfile};
//!
//! let body = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
//!   <RequestBaseWS xmlns="http://www.superoffice.net/EIS/Connector/1.0">
//!     <ConnectionGuid>{3AEF3AF6-8642-4FC1-8DC9-4E08BD76A6BF}</ConnectionGuid>
//!   </RequestBaseWS></s:Body></s:Envelope>"#;
//! let request = soap::read_request(body, Some(Operation::TestConnection.action()), &Limits::default())?;
//! assert_eq!(request.connection_guid().unwrap().to_string(), "3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf");
//!
//! let mut out = Vec::new();
//! let answer = Response::empty(request.operation());
//! soap::write_response(WireProfile::default(), request.operation(), &answer, &mut out);
//! assert!(out.starts_with(b"<s:Envelope"));
//! # Ok::<(), soap::ReadError>(())
//! ```
// One audited exception: removing secret variables from the environment while the process has
// a single thread (`service::environment`).
#![deny(unsafe_code)]
#![warn(unreachable_pub)]
// Small functions: at most 80 lines of code each (clippy.toml), tests excepted.
#![warn(clippy::too_many_lines)]
#![cfg_attr(test, allow(clippy::too_many_lines))]

pub mod auth;
// Public for the `erp-connector` command and the tests; not the author's API.
#[doc(hidden)]
pub mod capture;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
pub mod connector;
pub mod contract;
// Public for the tests (an endpoint around a hand-written handler); not the author's API.
mod activity;
mod bounded;
#[doc(hidden)]
pub mod http;
pub mod metrics;
mod observe;
pub mod service;
pub mod soap;
pub mod store;
mod sync;
#[cfg(test)]
mod test_logs;
#[cfg(any(test, feature = "testing"))]
pub mod testkit;
pub mod untrusted;

/// The date-time types of [`Stamp`](contract::Stamp) and date fields (`Key<NaiveDateTime>`),
/// re-exported so that a connector needs no chrono of its own.
pub use chrono;
pub use erp_connector_macros::{ConfigList, ConnectionConfig, erp_connector};
pub use service::{Service, run};

/// Everything a connector author needs, in one import.
pub mod prelude {
    pub use crate::connector::remote::{ApiError, Auth, ErpAddress, ErpApi};
    pub use crate::connector::search::{Condition, Criterion, DateOp, NumberOp, Target, TextOp};
    pub use crate::connector::{
        ActorChange, ActorStream, ActorValues, ActorsSince, AdvancedSearch, ConfigList, ConfigTest, ConfigValue, Conn,
        Connection, ConnectionConfig, ConnectorError, ConnectorResult, ErpConnector, Field, GetActors, IntoReply,
        NewActor, NoConfig, NoSession, ParentRef, Password, Reply, Schema, SearchActors, SearchByParent,
    };
    pub use crate::contract::{
        ActorType, ConnectionGuid, ErpActor, ErrorCode, FieldType, Key, ListItem, LocalizedText, Stamp, StringDict,
    };
    pub use crate::{ConfigList, ConnectionConfig, erp_connector};
}

/// The README's examples, compiled as doc tests so that the README cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// What macro-generated code uses. Not a public API: it changes with every release; the version
/// in the module name makes a mismatch between the macro and the runtime a clear error.
#[doc(hidden)]
pub mod __private {
    /// The interface of runtime 0.1 for macros 0.1.
    pub mod v0_1 {
        pub use crate::connector::config_derive::*;
        pub use crate::connector::{ConfigError, ConfigList, ConfigValue, ConnectionConfig, ErpConnector, NoConfig};
        pub use crate::contract::FieldType;
        pub use crate::contract::{FieldAccess, FieldMetadata, StringDict};
        pub use crate::service::Registered;
        pub use std::{option::Option, result::Result, vec::Vec};
    }
}

//! A SuperOffice ERP Sync connector on [Tryton](https://www.tryton.org), over its JSON-RPC API.
//!
//! * [`rpc`]: Tryton's JSON-RPC (login sessions, faults as answers, its date-times);
//! * [`mapping`]: actor types, fields and stamps onto Tryton's models;
//! * [`domain`]: advanced searches as Tryton domains;
//! * [`connector`]: the `ErpConnector` methods.

pub mod connector;
pub mod domain;
pub mod mapping;
pub mod rpc;

pub use connector::{Tryton, TrytonConfig};

//! The SOAP 1.1 wire format of the contract.
//!
//! * [`read_request`] / [`read_response`]: tolerant, hardened reading (see [`reader`]);
//! * [`write_response`] / [`write_request`]: exact writing, as .NET WCF writes (see [`writer`]);
//! * [`WireProfile`]: the body shape (spec §4.5), and [`shape`]: how a message shows its own;
//! * [`Fault`] / [`write_fault`]: SOAP 1.1 faults in WCF's shape;
//! * [`wsdl`]: the WSDL, generated from the same contract table.

pub mod auth;
pub mod fault;
pub mod profile;
pub mod reader;
pub mod shape;
pub mod writer;
pub mod wsdl;

pub use fault::{Fault, FaultCode, write_fault};
pub use profile::{ProfileChoice, UnknownProfile, WireProfile};
pub use reader::{
    Limits, ReadError, operation_from_action, read_message, read_request, read_request_traced, read_response,
    read_response_traced,
};
pub use shape::{Shape, Skipped, Trace};
pub use writer::{
    CONTENT_TYPE, StreamedActors, escape_text, write_array_item, write_request, write_response, write_response_record,
};

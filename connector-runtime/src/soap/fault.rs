//! SOAP 1.1 faults, shaped as WCF writes them. Used only for what the contract cannot answer
//! inside a response: an unreadable envelope or an unknown action (spec §4.7). Every other failure
//! is an answer with `IsOk=false`.

use std::fmt;

use crate::contract::ns;

use super::profile::WireProfile;
use super::writer::MessageWriter;

/// The `faultcode` of a SOAP 1.1 fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultCode {
    /// `s:Client`: the message was at fault (unreadable, unknown action, over a limit).
    Client,
    /// `s:Server`: the service failed.
    Server,
    /// Any other code read from a peer's fault, as written.
    Other(String),
}

impl FaultCode {
    /// The qualified code as written on the wire.
    pub fn as_qname(&self) -> &str {
        match self {
            FaultCode::Client => "s:Client",
            FaultCode::Server => "s:Server",
            FaultCode::Other(s) => s,
        }
    }

    /// Reads a `faultcode` text (any prefix).
    pub fn parse(text: &str) -> FaultCode {
        match text.trim().rsplit(':').next() {
            Some("Client") => FaultCode::Client,
            Some("Server") => FaultCode::Server,
            _ => FaultCode::Other(text.trim().to_owned()),
        }
    }
}

/// A SOAP 1.1 fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Whose fault it is.
    pub code: FaultCode,
    /// The `faultstring`: short, for a person, free of internals.
    pub message: String,
    /// Internal details; written only when the service runs with fault details enabled
    /// (WCF's `IncludeExceptionDetailInFaults`).
    pub detail: Option<String>,
}

impl Fault {
    /// A client fault with a message.
    pub fn client(message: impl Into<String>) -> Self {
        Fault { code: FaultCode::Client, message: message.into(), detail: None }
    }

    /// A server fault with a message.
    pub fn server(message: impl Into<String>) -> Self {
        Fault { code: FaultCode::Server, message: message.into(), detail: None }
    }

    /// Builder: attaches internal details (written only in debug mode).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_qname(), self.message)
    }
}

/// Writes `fault` as a SOAP 1.1 envelope. `include_detail` adds the detail as WCF's
/// `ExceptionDetail` (only behind a debug switch: it may reveal internals).
pub fn write_fault(fault: &Fault, include_detail: bool, out: &mut Vec<u8>) {
    let mut w = MessageWriter::new(WireProfile::MessageContract, out);
    w.envelope(|w| {
        w.start("s:Fault");
        w.text_element("faultcode", fault.code.as_qname());
        w.open("faultstring");
        w.attr("xml:lang", "en-US");
        w.close();
        w.text(&fault.message);
        w.end("faultstring");
        if let (true, Some(detail)) = (include_detail, &fault.detail) {
            w.start("detail");
            w.open("ExceptionDetail");
            w.attr("xmlns", "http://schemas.datacontract.org/2004/07/System.ServiceModel");
            w.attr("xmlns:i", ns::XSI);
            w.close();
            w.text_element("Message", detail);
            w.end("ExceptionDetail");
            w.end("detail");
        }
        w.end("s:Fault");
    });
}

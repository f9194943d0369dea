//! # erp-connector
//!
//! Write a SuperOffice **ERP Sync connector** in Rust: the SOAP 1.1 service that SuperOffice's
//! ERP Integration Server (EIS) calls to read and write customers, suppliers, persons and projects.
//!
//! This crate is the runtime. Its layers, data flowing one way:
//!
//! * [`contract`]: the `IErpConnectorWS` contract as Rust types and as data (one table);
//! * [`soap`]: the wire format: a tolerant, hardened envelope reader, an exact writer (as .NET WCF
//!   writes), SOAP faults, wire profiles and the WSDL;
//! * [`http`]: the SOAP endpoint on actix-web.
#![forbid(unsafe_code)]

pub mod contract;
pub mod http;

pub mod soap;

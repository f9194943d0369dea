//! Procedural macros of `erp-connector`.
//!
//! The crate is glue only: it parses and validates the user's code and expands onto the hidden
//! `__private` module of the runtime crate `erp-connector`, which owns every SOAP, XML, JWT and key
//! concern. The attribute `#[erp_connector]` and `#[derive(ConnectionConfig)]` land here with the
//! connector service (issue 3); until then this crate exports nothing.

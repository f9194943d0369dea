//! `IIntegrationServiceConnectorAuth`: the `Authenticate` handshake of SuperOffice Online
//! (auth-protocol.md §5.2). Served at the same address as `IErpConnectorWS`.
//!
//! Its namespace and body shape are not public: requests are read tolerantly whatever they are,
//! and the answer takes the request's own (`soap::auth::AuthShape`). [`DEFAULT_NAMESPACE`] is the
//! placeholder our clients (the testkit, the emulator) send in.

use super::schema::wire_record;

/// The service contract name, the middle segment of the SOAPAction.
pub const CONTRACT_NAME: &str = "IIntegrationServiceConnectorAuth";
/// The operation name, the last segment of the SOAPAction.
pub const OPERATION: &str = "Authenticate";
/// The contract namespace our clients send `Authenticate` in (a placeholder; see the module docs).
pub const DEFAULT_NAMESPACE: &str = "http://www.superoffice.com/superid/connectorauth/0.1";
/// The data-contract namespace of the request and response classes if they are POCOs
/// (`SuperOffice.SuperID.Contracts.V1`), used by the wrapped-poco profile.
pub const POCO_NAMESPACE: &str = "http://schemas.datacontract.org/2004/07/SuperOffice.SuperID.Contracts.V1";

wire_record! {
    /// `AuthenticationRequest`: SuperOffice's signed token.
    #[derive(Default)]
    pub struct AuthenticationRequest as "AuthenticationRequest" (Message) {
        /// The JWT signed by SuperOffice.
        "SignedToken" => pub signed_token: Option<String>,
    }
}

wire_record! {
    /// `AuthenticationResponse`: the verdict and, on success, the partner token.
    #[derive(Default)]
    pub struct AuthenticationResponse as "AuthenticationResponse" (Message) {
        /// Why the handshake failed; nil on success.
        "Reason" => pub reason: Option<String>,
        /// `NONCE.yyyyMMddHHmm.BASE64` signed with the application key; nil on failure.
        "SignedApplicationToken" => pub signed_application_token: Option<String>,
        /// Whether the token was accepted.
        "Succeeded" => pub succeeded: bool,
    }
}

impl AuthenticationResponse {
    /// A success carrying the partner token.
    pub fn success(token: String) -> Self {
        AuthenticationResponse { reason: None, signed_application_token: Some(token), succeeded: true }
    }

    /// A refusal with a short reason (sent to SuperOffice: no secrets).
    pub fn refused(reason: impl Into<String>) -> Self {
        AuthenticationResponse { reason: Some(reason.into()), signed_application_token: None, succeeded: false }
    }
}

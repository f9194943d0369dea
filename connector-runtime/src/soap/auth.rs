//! The `Authenticate` message on the wire: recognising it, reading it tolerantly (the token by
//! local name in a SOAP header or the body, at either depth), and writing the answer in the
//! configured shape and namespace.

use crate::contract::auth::{AuthenticationRequest, AuthenticationResponse, CONTRACT_NAME, OPERATION, POCO_NAMESPACE};

use super::profile::WireProfile;
use super::reader::{Limits, ReadError, read_message};
use super::writer::{ContractNamespaces, write_contract_message};

/// Whether a SOAPAction names `.../IIntegrationServiceConnectorAuth/Authenticate`.
pub fn is_authenticate_action(action: &str) -> bool {
    let action = action.trim().trim_matches('"');
    let mut segments = action.rsplit('/');
    segments.next() == Some(OPERATION) && segments.next() == Some(CONTRACT_NAME)
}

/// Whether a body element (when there is no SOAPAction) is an `Authenticate` request.
pub fn is_authenticate_element(local_name: &str) -> bool {
    local_name == "AuthenticationRequest" || local_name == OPERATION
}

/// Reads an `Authenticate` request: `SignedToken` from the body, else from a SOAP header.
pub fn read_authenticate(body: &[u8], limits: &Limits) -> Result<AuthenticationRequest, ReadError> {
    let mut request = AuthenticationRequest::default();
    let (_, header_token) = read_message(body, &mut request, "SignedToken", limits)?;
    if request.signed_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        request.signed_token = header_token;
    }
    Ok(request)
}

/// Writes the `Authenticate` answer in contract namespace `namespace` under `profile`.
pub fn write_authenticate_response(
    profile: WireProfile,
    namespace: &str,
    response: &AuthenticationResponse,
    out: &mut Vec<u8>,
) {
    let namespaces = ContractNamespaces { contract: namespace, poco: POCO_NAMESPACE };
    write_contract_message(profile, namespaces, OPERATION, true, response, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_action_and_reads_the_token_wherever_it_is() {
        assert!(is_authenticate_action("\"http://x/IIntegrationServiceConnectorAuth/Authenticate\""));
        assert!(!is_authenticate_action("http://x/IErpConnectorWS/Authenticate"));
        let body = |inner: &str, header: &str| {
            format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{header}</s:Header><s:Body>{inner}</s:Body></s:Envelope>"#
            )
        };
        for xml in [
            body(
                r#"<AuthenticationRequest xmlns="urn:any"><SignedToken> a.b.c </SignedToken></AuthenticationRequest>"#,
                "",
            ),
            body(
                r#"<Authenticate xmlns="urn:any"><request><x:SignedToken xmlns:x="urn:y">a.b.c</x:SignedToken></request></Authenticate>"#,
                "",
            ),
            body(
                r#"<AuthenticationRequest xmlns="urn:any"/>"#,
                r#"<h:SignedToken xmlns:h="urn:h">a.b.c
            </h:SignedToken>"#,
            ),
        ] {
            let request = read_authenticate(xml.as_bytes(), &Limits::default()).unwrap();
            assert_eq!(request.signed_token.as_deref().map(str::trim), Some("a.b.c"), "{xml}");
        }
    }

    #[test]
    fn writes_the_answer_in_the_configured_namespace() {
        let mut out = Vec::new();
        let response = AuthenticationResponse::success("N.202611281500.SIG".into());
        write_authenticate_response(WireProfile::MessageContract, "urn:auth", &response, &mut out);
        let xml = String::from_utf8(out).unwrap();
        assert_eq!(
            xml,
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><AuthenticationResponse xmlns="urn:auth"><Reason i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/><SignedApplicationToken>N.202611281500.SIG</SignedApplicationToken><Succeeded>true</Succeeded></AuthenticationResponse></s:Body></s:Envelope>"#
        );
        let mut out = Vec::new();
        write_authenticate_response(
            WireProfile::WrappedPoco,
            "urn:auth",
            &AuthenticationResponse::refused("no"),
            &mut out,
        );
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains(r#"<AuthenticateResponse xmlns="urn:auth"><AuthenticateResult xmlns:a="http://schemas.datacontract.org/2004/07/SuperOffice.SuperID.Contracts.V1""#), "{xml}");
    }
}

//! The `Authenticate` message on the wire: recognising it, reading it tolerantly (the token by
//! local name in a SOAP header or the body, at either depth), and answering in the shape and the
//! namespaces the request used, whatever they are (the contract's namespace is not public,
//! auth-protocol.md §5.2).

use crate::contract::auth::{AuthenticationRequest, AuthenticationResponse, CONTRACT_NAME, OPERATION};

use super::profile::WireProfile;
use super::reader::{Limits, ReadError, read_message};
use super::shape::Trace;
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

/// How to answer an `Authenticate` request: the shape and namespaces it was sent in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthShape {
    /// MessageContract (`<AuthenticationRequest>` in the body), wrapped-eis (`<Authenticate>
    /// <request>` with members in the wrapper's namespace) or wrapped-poco (members in another).
    pub profile: WireProfile,
    /// The namespace of the body element (empty: none).
    pub namespace: String,
    /// The namespace of the members (the same as `namespace` unless wrapped-poco).
    pub member_namespace: String,
}

impl AuthShape {
    /// The shape a request's [`Trace`] shows. The body element names it: `Authenticate` is the
    /// wrapped style, anything else (`AuthenticationRequest`) the MessageContract one; members in
    /// the wrapper's namespace (or not seen) mean DataContracts of that namespace, members in
    /// another namespace POCOs of it.
    pub fn of(trace: &Trace) -> Self {
        let namespace = trace.body_namespace.clone();
        if trace.body_element != OPERATION {
            return AuthShape { profile: WireProfile::MessageContract, member_namespace: namespace.clone(), namespace };
        }
        match trace.member_namespace.as_deref() {
            Some(member) if trace.first_child.as_deref() == Some("request") && member != namespace => {
                AuthShape { profile: WireProfile::WrappedPoco, member_namespace: member.to_owned(), namespace }
            }
            _ => AuthShape { profile: WireProfile::WrappedEis, member_namespace: namespace.clone(), namespace },
        }
    }
}

/// Reads an `Authenticate` request: `SignedToken` from the body, else from a SOAP header; with
/// the shape to answer in and the request's trace.
pub fn read_authenticate(body: &[u8], limits: &Limits) -> Result<(AuthenticationRequest, AuthShape, Trace), ReadError> {
    let mut request = AuthenticationRequest::default();
    let (trace, header_token) = read_message(body, &mut request, "SignedToken", limits)?;
    if request.signed_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        request.signed_token = header_token;
    }
    Ok((request, AuthShape::of(&trace), trace))
}

/// Writes the `Authenticate` answer in `shape`.
pub fn write_authenticate_response(shape: &AuthShape, response: &AuthenticationResponse, out: &mut Vec<u8>) {
    let namespaces = ContractNamespaces { contract: &shape.namespace, poco: &shape.member_namespace };
    write_contract_message(shape.profile, namespaces, OPERATION, true, response, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(inner: &str, header: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{header}</s:Header><s:Body>{inner}</s:Body></s:Envelope>"#
        )
    }

    #[test]
    fn recognises_the_action_and_reads_the_token_wherever_it_is() {
        assert!(is_authenticate_action("\"http://x/IIntegrationServiceConnectorAuth/Authenticate\""));
        assert!(!is_authenticate_action("http://x/IErpConnectorWS/Authenticate"));
        for xml in [
            envelope(
                r#"<AuthenticationRequest xmlns="urn:any"><SignedToken> a.b.c </SignedToken></AuthenticationRequest>"#,
                "",
            ),
            envelope(
                r#"<Authenticate xmlns="urn:any"><request><x:SignedToken xmlns:x="urn:y">a.b.c</x:SignedToken></request></Authenticate>"#,
                "",
            ),
            envelope(
                r#"<AuthenticationRequest xmlns="urn:any"/>"#,
                r#"<h:SignedToken xmlns:h="urn:h">a.b.c
            </h:SignedToken>"#,
            ),
        ] {
            let (request, _, _) = read_authenticate(xml.as_bytes(), &Limits::default()).unwrap();
            assert_eq!(request.signed_token.as_deref().map(str::trim), Some("a.b.c"), "{xml}");
        }
    }

    /// Whatever namespace and shape the request used, the answer uses them: three namespaces,
    /// each in the three shapes.
    #[test]
    fn answers_in_the_namespace_and_shape_of_the_request() {
        let response = AuthenticationResponse::success("N.202611281500.SIG".into());
        for namespace in
            ["urn:auth", "http://www.superoffice.com/superid/connectorauth/0.1", "http://example.com/x/1.0"]
        {
            let member_ns = "http://schemas.datacontract.org/2004/07/Some.Clr.Namespace";
            let requests = [
                (
                    format!(
                        r#"<AuthenticationRequest xmlns="{namespace}"><SignedToken>t</SignedToken></AuthenticationRequest>"#
                    ),
                    format!(
                        r#"<AuthenticationResponse xmlns="{namespace}"><Reason i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/><SignedApplicationToken>N.202611281500.SIG</SignedApplicationToken><Succeeded>true</Succeeded></AuthenticationResponse>"#
                    ),
                ),
                (
                    format!(
                        r#"<Authenticate xmlns="{namespace}"><request xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><SignedToken>t</SignedToken></request></Authenticate>"#
                    ),
                    format!(
                        r#"<AuthenticateResponse xmlns="{namespace}"><AuthenticateResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Reason i:nil="true"/><SignedApplicationToken>N.202611281500.SIG</SignedApplicationToken><Succeeded>true</Succeeded></AuthenticateResult></AuthenticateResponse>"#
                    ),
                ),
                (
                    format!(
                        r#"<Authenticate xmlns="{namespace}"><request xmlns:a="{member_ns}"><a:SignedToken>t</a:SignedToken></request></Authenticate>"#
                    ),
                    format!(
                        r#"<AuthenticateResponse xmlns="{namespace}"><AuthenticateResult xmlns:a="{member_ns}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:Reason i:nil="true"/><a:SignedApplicationToken>N.202611281500.SIG</a:SignedApplicationToken><a:Succeeded>true</a:Succeeded></AuthenticateResult></AuthenticateResponse>"#
                    ),
                ),
            ];
            for (request, expected) in requests {
                let (_, shape, _) = read_authenticate(envelope(&request, "").as_bytes(), &Limits::default()).unwrap();
                let mut out = Vec::new();
                write_authenticate_response(&shape, &response, &mut out);
                let xml = String::from_utf8(out).unwrap();
                assert_eq!(xml, envelope(&expected, "").replace("<s:Header></s:Header>", ""), "{request}");
            }
        }
    }
}

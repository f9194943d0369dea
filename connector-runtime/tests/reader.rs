//! The reader's tolerance (every case of spec §4.5 "Reading requests") and its hardening (every
//! limit and every refused construct), with the typed error each failure gives.

use erp_connector::contract::{ActorType, ConnectionGuid, ErrorCode, Operation, Request, Response};
use erp_connector::soap::{FaultCode, Limits, ReadError, read_request, read_response};

const EIS: &str = "http://www.superoffice.net/EIS/Connector/1.0";
const GUID: &str = "3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf";

fn envelope(body: &str) -> String {
    format!(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#)
}

fn read(body: &str, action: Option<&str>) -> Result<Request, ReadError> {
    read_request(envelope(body).as_bytes(), action, &Limits::default())
}

fn get_actors(request: Request) -> erp_connector::contract::GetActorsRequest {
    match request {
        Request::GetActors(r) => r,
        other => panic!("expected WSGetActors, got {other:?}"),
    }
}

const GET_ACTORS: &str = r#"<GetActorsRequestWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ActorType>Customer</ActorType><ConnectionGuid>3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf</ConnectionGuid><ErpKeys xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:string>1</a:string></ErpKeys></GetActorsRequestWS>"#;

#[test]
fn soap_action_quoted_unquoted_or_absent() {
    let action = Operation::GetActors.action();
    for header in [format!("\"{action}\""), action.to_owned(), format!("  \"{action}\" "), "WSGetActors".to_owned()] {
        assert_eq!(read(GET_ACTORS, Some(&header)).unwrap().operation(), Operation::GetActors, "{header}");
    }
    assert_eq!(read(GET_ACTORS, None).unwrap().operation(), Operation::GetActors);
    assert_eq!(read(GET_ACTORS, Some("\"\"")).unwrap().operation(), Operation::GetActors);
}

#[test]
fn unknown_action_or_ambiguous_body_is_a_clear_error() {
    let err = read(GET_ACTORS, Some("\"http://x/IErpConnectorWS/WSFly\"")).unwrap_err();
    assert!(matches!(err, ReadError::UnknownAction(_)));
    assert!(err.to_string().contains("IErpConnectorWS/WSGetActors"), "names the expected form: {err}");
    let base = format!(r#"<RequestBaseWS xmlns="{EIS}"><ConnectionGuid>{GUID}</ConnectionGuid></RequestBaseWS>"#);
    let err = read(&base, None).unwrap_err();
    assert!(matches!(err, ReadError::UnknownOperation(ref e) if e == "RequestBaseWS"));
    assert!(err.to_string().contains("SOAPAction"));
    assert!(matches!(read("<Nonsense/>", None), Err(ReadError::UnknownOperation(_))));
}

#[test]
fn members_in_any_order_any_prefix_and_unknown_ones_skipped() {
    let body = format!(
        r#"<x:GetActorsRequestWS xmlns:x="{EIS}"><!-- note --><x:Extra><deep>1</deep></x:Extra>
           <y:FieldKeys xmlns:y="urn:other" xmlns:q="urn:q"><q:string>NAME</q:string></y:FieldKeys>
           <x:ConnectionGuid>{GUID}</x:ConnectionGuid><?pi data?><x:ActorType><![CDATA[Supplier]]></x:ActorType>
           </x:GetActorsRequestWS>"#
    );
    let r = get_actors(read(&body, Some(Operation::GetActors.action())).unwrap());
    assert_eq!(r.actor_type, Some(ActorType::Supplier));
    assert_eq!(r.field_keys, Some(vec!["NAME".into()]));
    assert_eq!(r.erp_keys, None, "absent means null");
    assert_eq!(r.base.connection_guid.unwrap().to_string(), GUID);
}

#[test]
fn members_one_level_deeper_as_in_the_wrapped_styles() {
    let body = format!(
        r#"<WSGetActors xmlns="{EIS}"><request xmlns:d="http://schemas.datacontract.org/2004/07/SuperOffice.ErpSync"><d:ActorType>Person</d:ActorType><d:ConnectionGuid>{GUID}</d:ConnectionGuid></request></WSGetActors>"#
    );
    let r = get_actors(read(&body, None).unwrap());
    assert_eq!(r.actor_type, Some(ActorType::Person));
}

#[test]
fn connection_guid_from_a_soap_header() {
    let xml = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ConnectionGuid xmlns:h="{EIS}">{{3AEF3AF6-8642-4FC1-8DC9-4E08BD76A6BF}}</h:ConnectionGuid></s:Header><s:Body><RequestBaseWS xmlns="{EIS}"/></s:Body></s:Envelope>"#
    );
    let r = read_request(xml.as_bytes(), Some(Operation::TestConnection.action()), &Limits::default()).unwrap();
    assert_eq!(r.connection_guid().unwrap().to_string(), GUID);
    // A GUID in the body wins over the header.
    let other = "00000000-0000-0000-0000-000000000001";
    let xml = xml.replace(
        r#"<RequestBaseWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"/>"#,
        &format!(r#"<RequestBaseWS xmlns="{EIS}"><ConnectionGuid>{other}</ConnectionGuid></RequestBaseWS>"#),
    );
    let r = read_request(xml.as_bytes(), Some(Operation::TestConnection.action()), &Limits::default()).unwrap();
    assert_eq!(r.connection_guid().unwrap().to_string(), other);
}

#[test]
fn nil_and_absent_both_mean_null() {
    for member in [
        r#"<ErpKeys i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>"#,
        r#"<ErpKeys xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="1"><ignored/></ErpKeys>"#,
        "",
    ] {
        let body = format!(r#"<GetActorsRequestWS xmlns="{EIS}">{member}</GetActorsRequestWS>"#);
        assert_eq!(get_actors(read(&body, None).unwrap()).erp_keys, None, "{member}");
    }
    // nil in a foreign namespace is not xsi:nil.
    let body =
        format!(r#"<GetActorsRequestWS xmlns="{EIS}"><ErpKeys xmlns:i="urn:x" i:nil="true"/></GetActorsRequestWS>"#);
    assert_eq!(get_actors(read(&body, None).unwrap()).erp_keys, Some(vec![]));
}

#[test]
fn guids_in_common_forms_are_normalised_and_empty_is_null() {
    for form in [
        "{3AEF3AF6-8642-4FC1-8DC9-4E08BD76A6BF}",
        "3aef3af686424fc18dc94e08bd76a6bf",
        " 3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf ",
    ] {
        let body = format!(r#"<RequestBaseWS xmlns="{EIS}"><ConnectionGuid>{form}</ConnectionGuid></RequestBaseWS>"#);
        let r = read(&body, Some(Operation::DeleteConnection.action())).unwrap();
        assert_eq!(r.connection_guid(), Some(ConnectionGuid::parse(GUID).unwrap()));
    }
    let body = format!(r#"<RequestBaseWS xmlns="{EIS}"><ConnectionGuid/></RequestBaseWS>"#);
    assert_eq!(read(&body, Some(Operation::DeleteConnection.action())).unwrap().connection_guid(), None);
    let body = format!(r#"<RequestBaseWS xmlns="{EIS}"><ConnectionGuid>nope</ConnectionGuid></RequestBaseWS>"#);
    let err = read(&body, Some(Operation::DeleteConnection.action())).unwrap_err();
    assert!(matches!(&err, ReadError::InvalidValue { member, .. } if member == "ConnectionGuid"), "{err}");
}

#[test]
fn declaration_bom_and_character_references() {
    let xml = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{}",
        envelope(&format!(
            r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>a&#xD;&#10;b &amp; &lt;c&gt; &quot;&apos; &#x1F600;</SearchText></SearchActorsRequestWS>"#
        ))
    );
    let Request::SearchActors(r) = read_request(xml.as_bytes(), None, &Limits::default()).unwrap() else { panic!() };
    assert_eq!(r.search_text.as_deref(), Some("a\r\nb & <c> \"' 😀"));
    // A literal CR LF is normalised to LF, as XML requires.
    let body =
        format!("<SearchActorsRequestWS xmlns=\"{EIS}\"><SearchText>a\r\nb</SearchText></SearchActorsRequestWS>");
    let Request::SearchActors(r) = read(&body, None).unwrap() else { panic!() };
    assert_eq!(r.search_text.as_deref(), Some("a\nb"));
}

#[test]
fn scalar_value_is_accepted_as_the_first_value() {
    let body = format!(
        r#"<SearchActorsAdvancedRequestWS xmlns="{EIS}"><Restrictions><SearchRestrictionInfoWS><FieldKey>NAME</FieldKey><Operator>begins</Operator><ScalarValue>Ork</ScalarValue></SearchRestrictionInfoWS></Restrictions></SearchActorsAdvancedRequestWS>"#
    );
    let Request::SearchActorsAdvanced(r) = read(&body, None).unwrap() else { panic!() };
    assert_eq!(r.restrictions.unwrap()[0].scalar_value(), Some("Ork"));
}

#[test]
fn refused_encodings() {
    let mut bytes = envelope(GET_ACTORS).into_bytes();
    bytes.insert(100, 0xFF);
    assert_eq!(read_request(&bytes, None, &Limits::default()), Err(ReadError::InvalidUtf8 { offset: 100 }));
    let xml = format!("<?xml version=\"1.0\" encoding=\"utf-16\"?>{}", envelope(GET_ACTORS));
    let err = read_request(xml.as_bytes(), None, &Limits::default()).unwrap_err();
    assert_eq!(err, ReadError::UnsupportedEncoding("utf-16".into()));
}

#[test]
fn doctype_and_entities_are_refused() {
    let xxe = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        envelope(&format!(
            r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>&xxe;</SearchText></SearchActorsRequestWS>"#
        ))
    );
    assert_eq!(read_request(xxe.as_bytes(), None, &Limits::default()), Err(ReadError::Doctype));
    let lol = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";
    assert_eq!(read_request(lol.as_bytes(), None, &Limits::default()), Err(ReadError::Doctype));
    let undeclared =
        format!(r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>&nbsp;</SearchText></SearchActorsRequestWS>"#);
    let err = read(&undeclared, None).unwrap_err();
    assert_eq!(err, ReadError::UndefinedEntity("nbsp".into()));
    assert!(err.to_string().contains("character reference"));
    let bad_ref =
        format!(r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>&#xD800;</SearchText></SearchActorsRequestWS>"#);
    assert!(matches!(read(&bad_ref, None), Err(ReadError::InvalidCharRef(_))));
}

fn small() -> Limits {
    Limits {
        max_depth: 8,
        max_elements: 20,
        max_attributes: 4,
        max_namespace_bindings: 6,
        max_text_len: 16,
        max_array_items: 5,
        max_value_bytes: 4096,
    }
}

fn limit_of(xml: &str) -> &'static str {
    match read_request(xml.as_bytes(), None, &small()) {
        Err(ReadError::Limit { what, .. }) => what,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn every_limit_holds() {
    let deep =
        format!("<GetActorsRequestWS xmlns=\"{EIS}\">{}{}</GetActorsRequestWS>", "<a>".repeat(10), "</a>".repeat(10));
    assert_eq!(limit_of(&envelope(&deep)), "nesting depth");
    let many = format!("<GetActorsRequestWS xmlns=\"{EIS}\">{}</GetActorsRequestWS>", "<a/>".repeat(30));
    assert_eq!(limit_of(&envelope(&many)), "elements");
    let attrs = format!(r#"<GetActorsRequestWS xmlns="{EIS}" a="1" b="2" c="3" d="4"/>"#);
    assert_eq!(limit_of(&envelope(&attrs)), "attributes on one element");
    let text = format!(
        r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>{}</SearchText></SearchActorsRequestWS>"#,
        "x".repeat(17)
    );
    assert_eq!(limit_of(&envelope(&text)), "text length of one element");
    let split = format!(
        r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>{}&amp;{}</SearchText></SearchActorsRequestWS>"#,
        "x".repeat(8),
        "y".repeat(8)
    );
    assert_eq!(limit_of(&envelope(&split)), "text length of one element", "pieces add up");
    let nested_ns: String = (0..8).map(|i| format!("<e{i} xmlns:p{i}=\"urn:{i}\" xmlns:q{i}=\"urn:q{i}\">")).collect();
    let closing: String = (0..8).rev().map(|i| format!("</e{i}>")).collect();
    let xml = envelope(&format!("<GetActorsRequestWS xmlns=\"{EIS}\">{nested_ns}{closing}</GetActorsRequestWS>"));
    let what = limit_of(&xml);
    assert!(what == "namespace bindings" || what == "nesting depth", "{what}");
    let err = read_request(envelope(&deep).as_bytes(), None, &small()).unwrap_err().to_string();
    assert!(err.contains("nesting depth") && err.contains('8'), "{err}");
    let keys = |n: usize| {
        let items = "<a:string>k</a:string>".repeat(n);
        envelope(&format!(
            r#"<GetActorsRequestWS xmlns="{EIS}"><ErpKeys xmlns:a="{ARRAYS}">{items}</ErpKeys></GetActorsRequestWS>"#
        ))
    };
    assert!(read_request(keys(5).as_bytes(), None, &small()).is_ok(), "five items fit");
    assert_eq!(limit_of(&keys(6)), "items in one array");
}

const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";

/// Empty items cost nothing on the wire and a carrier each in memory: what they may take is
/// bounded, in whichever array or dictionary they come.
#[test]
fn the_memory_values_take_is_bounded() {
    let limits = Limits { max_value_bytes: 1 << 20, ..Limits::default() };
    let actors = |n: usize| {
        envelope(&format!(
            r#"<SaveActorsRequestWS xmlns="{EIS}"><Actors>{}</Actors></SaveActorsRequestWS>"#,
            "<ErpActorWS/>".repeat(n)
        ))
    };
    assert!(read_request(actors(100).as_bytes(), None, &limits).is_ok());
    let err = read_request(actors(100_000).as_bytes(), None, &limits).unwrap_err();
    assert!(matches!(err, ReadError::Limit { what: "bytes the message's values take in memory", .. }), "{err}");
    assert!(err.to_string().contains("1048576"), "{err}");
    let entries = "<a:KeyValueOfstringstring><a:Key>K</a:Key><a:Value/></a:KeyValueOfstringstring>".repeat(20_000);
    let dict = envelope(&format!(
        r#"<SaveConnectionRequestWS xmlns="{EIS}"><ConnectionInfo xmlns:a="{ARRAYS}">{entries}</ConnectionInfo></SaveConnectionRequestWS>"#
    ));
    assert!(matches!(read_request(dict.as_bytes(), None, &limits), Err(ReadError::Limit { .. })));
    let long = envelope(&format!(
        r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>{}</SearchText></SearchActorsRequestWS>"#,
        "x".repeat(2 << 20)
    ));
    assert!(matches!(read_request(long.as_bytes(), None, &limits), Err(ReadError::Limit { .. })), "one long text");
    assert_eq!(Limits::value_bytes_for_body(4 << 20), 32 << 20);
}

#[test]
fn namespace_binding_limit_alone() {
    let decls: String = (0..5).map(|i| format!(" xmlns:p{i}=\"urn:{i}\"")).collect();
    let inner: String = (0..5).map(|i| format!(" xmlns:r{i}=\"urn:r{i}\"")).collect();
    let xml = envelope(&format!("<GetActorsRequestWS xmlns=\"{EIS}\"{decls}><x{inner}/></GetActorsRequestWS>"));
    let limits = Limits { max_attributes: 10, ..small() };
    assert!(matches!(
        read_request(xml.as_bytes(), None, &limits),
        Err(ReadError::Limit { what: "namespace bindings", .. })
    ));
}

#[test]
fn malformed_documents_are_named() {
    for (xml, why) in [
        (envelope(GET_ACTORS).replace("</s:Envelope>", ""), "truncated"),
        (envelope(GET_ACTORS).replace("</ErpKeys>", "</FieldKeys>"), "mismatched end tag"),
        (envelope("<GetActorsRequestWS a=1/>"), "unquoted attribute"),
        (format!("{}<more/>", envelope(GET_ACTORS)), "content after the envelope"),
    ] {
        let err = read_request(xml.as_bytes(), None, &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::Malformed { .. }), "{why}: {err:?}");
    }
}

#[test]
fn envelope_shape_errors() {
    let soap12 = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
    assert_eq!(read_request(soap12.as_bytes(), None, &Limits::default()), Err(ReadError::Soap12));
    let err = read_request(b"<html><body/></html>", None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ReadError::NotEnvelope { ref found } if found == "html"));
    let no_body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>"#;
    assert_eq!(read_request(no_body.as_bytes(), None, &Limits::default()), Err(ReadError::MissingBody));
    assert_eq!(read("", None), Err(ReadError::EmptyBody));
    assert_eq!(read("  ", None), Err(ReadError::EmptyBody));
    assert!(matches!(read_request(b"", None, &Limits::default()), Err(ReadError::NotEnvelope { .. })));
}

#[test]
fn wrong_values_name_the_member() {
    let body =
        format!(r#"<SearchActorsRequestWS xmlns="{EIS}"><SearchText>a<b/>c</SearchText></SearchActorsRequestWS>"#);
    assert_eq!(read(&body, None), Err(ReadError::UnexpectedElement { member: "SearchText".into(), found: "b".into() }));
    let body = format!(
        r#"<SaveConnectionRequestWS xmlns="{EIS}"><ConnectionInfo><KeyValueOfstringstring><Value>v</Value></KeyValueOfstringstring></ConnectionInfo></SaveConnectionRequestWS>"#
    );
    assert_eq!(read(&body, None), Err(ReadError::MissingKey { member: "ConnectionInfo".into() }));

    let response =
        |inner: &str| envelope(&format!(r#"<ConnectorResultBaseWS xmlns="{EIS}">{inner}</ConnectorResultBaseWS>"#));
    let read_resp =
        |inner: &str| read_response(response(inner).as_bytes(), Operation::TestConnection, &Limits::default());
    let err = read_resp("<IsOk>yes</IsOk>").unwrap_err();
    assert!(err.to_string().contains("`IsOk`") && err.to_string().contains("boolean"), "{err}");
    let err = read_resp("<State>Fine</State>").unwrap_err();
    assert!(err.to_string().contains("Ok, OkWithInfo, Warning, Error"), "{err}");
    let err = read_resp(&format!("<State>{}</State>", "x".repeat(500))).unwrap_err().to_string();
    assert!(err.len() < 300, "long values are shortened in messages: {err}");
    let Response::Result(ok) =
        read_resp("<IsOk> false </IsOk><State>Error</State><ErrorCode>UNKNOWN_CONNECTION_ID</ErrorCode>").unwrap()
    else {
        panic!()
    };
    assert!(!ok.is_ok);
    assert_eq!(ok.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
}

#[test]
fn a_fault_is_read_as_a_fault() {
    let xml = envelope(
        r#"<s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">bad &amp; wrong</faultstring><detail><x/></detail></s:Fault>"#,
    );
    match read_response(xml.as_bytes(), Operation::GetActors, &Limits::default()) {
        Err(ReadError::Fault(f)) => {
            assert_eq!(f.code, FaultCode::Client);
            assert_eq!(f.message, "bad & wrong");
        }
        other => panic!("{other:?}"),
    }
}

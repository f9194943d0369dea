//! The wire format against real WCF traffic (`../shared/fixtures/wcf-reference`, captured between a
//! Mono WCF client and service with the contract declared as spec Option A).
//!
//! * every reference request is read to the values it carries;
//! * every reference request and response, re-written by our writer from the values read, equals
//!   the reference as an XML infoset once the wrapper's members follow .NET's order (one ordinal
//!   sort; Mono writes derived members first, fixtures README §3.1).

mod common;

use std::path::{Path, PathBuf};

use common::infoset::{self, Element};
use erp_connector::contract::{
    ActorType, ConnectionGuid, ErrorCode, FieldAccess, FieldType, Operation, Request, Response, ResponseState,
};
use erp_connector::soap::{Limits, WireProfile, read_request, read_response, write_request, write_response};

fn reference_dir() -> Option<PathBuf> {
    common::shared_dir("wcf_reference").map(|d| d.join("fixtures/wcf-reference"))
}

/// `(operation, file)` for every capture of the ERP contract with the given suffix.
fn captures(dir: &Path, suffix: &str) -> Vec<(Operation, PathBuf)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("reference folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.split('.').next()?.to_owned();
            Some((Operation::from_name(&name)?, p))
        })
        .collect();
    files.sort();
    files
}

/// The reference with the wrapper's members in .NET order: its children ordinally sorted.
fn dotnet_order(reference: &[u8]) -> Element {
    let mut doc = infoset::parse(reference);
    infoset::body_element(&mut doc).sort_children();
    doc
}

/// Our rewrite of a capture equals it as an infoset, with .NET's top-level order.
fn assert_rewritten(path: &Path, ours: &[u8], reference: &[u8]) {
    assert_eq!(
        infoset::parse(ours),
        dotnet_order(reference),
        "{}: our rewrite differs from the reference\nours: {}",
        path.display(),
        String::from_utf8_lossy(ours)
    );
}

fn action(op: Operation) -> String {
    format!("\"{}\"", op.action())
}

#[test]
fn every_reference_request_is_read_and_rewritten_identically() {
    let Some(dir) = reference_dir() else { return };
    let files = captures(&dir, ".request.xml");
    assert_eq!(files.len(), 20, "17 operations plus the nulls, load50 and crlf variants");
    for (op, path) in files {
        let bytes = std::fs::read(&path).unwrap();
        let (request, trace) = erp_connector::soap::read_request_traced(&bytes, Some(&action(op)), &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(request.operation(), op);
        // The shape is detected (WSGetConfigData's body shows none), and nothing was skipped.
        let expected = if op == Operation::GetConfigData {
            erp_connector::soap::Shape::Undetermined
        } else {
            erp_connector::soap::Shape::Known(WireProfile::MessageContract)
        };
        assert_eq!(trace.shape, expected, "{}: {trace}", path.display());
        assert!(trace.skipped.is_empty(), "{}: {:?}", path.display(), trace.skipped);
        let mut ours = Vec::new();
        write_request(WireProfile::MessageContract, &request, &mut ours);
        assert_rewritten(&path, &ours, &bytes);
    }
}

#[test]
fn every_reference_response_is_rewritten_identically() {
    let Some(dir) = reference_dir() else { return };
    let files = captures(&dir, ".response.xml");
    assert_eq!(files.len(), 20);
    for (op, path) in files {
        let bytes = std::fs::read(&path).unwrap();
        let (response, trace) = erp_connector::soap::read_response_traced(&bytes, op, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(trace.shape, erp_connector::soap::Shape::Known(WireProfile::MessageContract), "{}", path.display());
        assert!(trace.skipped.is_empty(), "{}: {:?}", path.display(), trace.skipped);
        let mut ours = Vec::new();
        write_response(WireProfile::MessageContract, op, &response, &mut ours);
        assert_rewritten(&path, &ours, &bytes);
    }
}

fn read_ref(dir: &Path, file: &str, op: Operation) -> Request {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    read_request(&bytes, Some(op.action()), &Limits::default()).unwrap()
}

#[test]
fn reference_requests_carry_the_expected_values() {
    let Some(dir) = reference_dir() else { return };
    let guid = ConnectionGuid::parse("3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf").unwrap();

    let Request::SaveConnection(save) = read_ref(&dir, "WSSaveConnection.request.xml", Operation::SaveConnection)
    else {
        panic!()
    };
    assert_eq!(save.base.connection_guid, Some(guid));
    let info = save.connection_info.unwrap();
    assert_eq!(info.get("PASSWORD"), Some("p&ss<w>rd\"'"));
    assert_eq!(info.entry_value("NOTE"), Some(None), "a nil dictionary value stays nil");
    assert_eq!(info.keys().collect::<Vec<_>>(), ["SERVER", "USER", "PASSWORD", "COMPANY", "NOTE"]);

    let Request::GetActors(get) = read_ref(&dir, "WSGetActors.request.xml", Operation::GetActors) else { panic!() };
    assert_eq!(get.actor_type, Some(ActorType::Customer));
    assert_eq!(get.erp_keys.as_deref(), Some(&["10001".to_owned(), "10002".to_owned()][..]));
    assert_eq!(get.field_keys.unwrap(), ["NAME", "NUMBER1", "COUNTRY"]);

    let Request::SearchActorsAdvanced(adv) =
        read_ref(&dir, "WSSearchActorsAdvanced.request.xml", Operation::SearchActorsAdvanced)
    else {
        panic!()
    };
    let r = adv.restrictions.unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[1].values.as_deref().unwrap(), ["[I:10000]", "[I:20000]"]);
    assert_eq!(r[2].values, None, "nil Values");
    assert_eq!(r[3].values, Some(vec![]), "empty Values");

    let Request::CreateActor(create) = read_ref(&dir, "WSCreateActor.request.xml", Operation::CreateActor) else {
        panic!()
    };
    let actor = create.actor.unwrap();
    assert_eq!(actor.erp_key.as_deref(), Some(""), "empty, not nil");
    assert_eq!(actor.last_modified.as_deref(), Some(""));

    let Request::GetList(list) = read_ref(&dir, "WSGetList.request.xml", Operation::GetList) else { panic!() };
    assert!(list.base.connection_guid.unwrap().is_nil());

    let nulls = read_ref(&dir, "WSGetSupportedActorTypes.nulls.request.xml", Operation::GetSupportedActorTypes);
    assert_eq!(nulls.connection_guid(), None);

    // The three operations that share RequestBaseWS are told apart by SOAPAction only.
    for op in [Operation::TestConnection, Operation::DeleteConnection, Operation::GetSupportedActorTypes] {
        assert_eq!(read_ref(&dir, "WSTestConnection.request.xml", op).operation(), op);
    }
    assert_eq!(read_ref(&dir, "WSGetConfigData.request.xml", Operation::GetConfigData), Request::GetConfigData);
}

#[test]
fn reference_responses_carry_the_expected_values() {
    let Some(dir) = reference_dir() else { return };
    let read = |file: &str, op| read_response(&std::fs::read(dir.join(file)).unwrap(), op, &Limits::default()).unwrap();

    let Response::FieldMetadata(config) = read("WSGetConfigData.response.xml", Operation::GetConfigData) else {
        panic!()
    };
    let fields = config.fields.unwrap();
    assert_eq!(fields[0].access, FieldAccess::Mandatory);
    assert_eq!(fields[0].display_name.as_deref(), Some("US:\"Server\";NO:\"Tjener\""));
    assert_eq!(fields[2].field_type, FieldType::List);
    assert_eq!(fields[3].max_length, 0);
    assert_eq!(fields[3].rank, 4);

    let Response::ListItems(items) = read("WSGetListItems.response.xml", Operation::GetListItems) else { panic!() };
    assert_eq!(items.result.state, ResponseState::Warning);
    assert_eq!(items.result.error_code.as_deref(), Some(ErrorCode::UnknownListItemId.wire()));

    let nulls = read("WSGetSupportedActorTypes.nulls.response.xml", Operation::GetSupportedActorTypes);
    let Response::StringArray(nulls) = nulls else { panic!() };
    assert_eq!(nulls.items, None);
    assert!(!nulls.result.is_ok);
    assert_eq!(nulls.result.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));

    let Response::ActorArray(actors) = read("WSGetActors.load50.response.xml", Operation::GetActors) else { panic!() };
    let actors = actors.actors.unwrap();
    assert_eq!(actors.len(), 50);
    assert!(actors.iter().all(|a| a.field_values.as_ref().unwrap().len() == 10));
}

#[test]
fn the_authenticate_reference_is_read_and_rewritten_identically() {
    use erp_connector::contract::auth::{AuthenticationRequest, AuthenticationResponse, DEFAULT_NAMESPACE};
    use erp_connector::soap::auth::{read_authenticate, write_authenticate_response};
    let Some(dir) = reference_dir() else { return };
    let request = std::fs::read(dir.join("Authenticate.request.xml")).unwrap();
    let (AuthenticationRequest { signed_token }, shape, trace) =
        read_authenticate(&request, &Limits::default()).unwrap();
    assert!(signed_token.unwrap().starts_with("eyJhbGciOiJSUzI1NiIs"));
    // The answer takes the request's shape and namespace.
    assert_eq!((shape.profile, shape.namespace.as_str()), (WireProfile::MessageContract, DEFAULT_NAMESPACE));
    assert!(trace.skipped.is_empty(), "{:?}", trace.skipped);
    for file in ["Authenticate.response.xml", "Authenticate.fail.response.xml"] {
        let reference = std::fs::read(dir.join(file)).unwrap();
        let mut response = AuthenticationResponse::default();
        erp_connector::soap::read_message(&reference, &mut response, "", &Limits::default()).unwrap();
        let mut ours = Vec::new();
        write_authenticate_response(&shape, &response, &mut ours);
        assert_rewritten(&dir.join(file), &ours, &reference);
    }
}

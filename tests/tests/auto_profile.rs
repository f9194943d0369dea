//! The `auto` wire profile over real HTTP: each request is answered in the shape it shows; a
//! request that shows none (`WSGetConfigData`) in its caller's last shape, else the deployment's
//! (kept in a [`ShapeMemory`] across restarts; without an allow-list the first shape detected,
//! which no later caller changes), else the fallback; the WSDL describes the deployment's shape;
//! fixed profiles ignore what requests show and are stored as the deployment's.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use erp_connector::contract::{ConnectionGuid, Operation, Request, RequestBase, Response};
use erp_connector::http::{
    CallContext, EndpointSettings, LocalBoxFuture, ShapeMemory, SoapEndpoint, SoapHandler, SourcePolicy,
};
use erp_connector::soap::{self, Limits, ProfileChoice, Shape, WireProfile};
use erp_connector::testkit::{DEFAULT_PATH as PATH, SoapClient};

struct Empty;

impl SoapHandler for Empty {
    fn handle(&self, _: CallContext, request: Request) -> LocalBoxFuture<'_, Response> {
        Box::pin(async move { Response::empty(request.operation()) })
    }
}

#[derive(Debug, Default)]
struct Memory(Mutex<Option<WireProfile>>);

/// The test's handle on the memory the endpoint owns.
#[derive(Debug)]
struct Shared(Arc<Memory>);

impl ShapeMemory for Shared {
    fn load(&self) -> Option<WireProfile> {
        *self.0.0.lock().unwrap()
    }
    fn save(&self, profile: WireProfile) {
        *self.0.0.lock().unwrap() = Some(profile);
    }
}

fn start(settings: EndpointSettings) -> SocketAddr {
    erp_connector::testkit::serve_endpoint(SoapEndpoint::with_settings(Empty, settings))
}

/// Loopback is a trusted proxy, so each test caller is named by `X-Forwarded-For`.
fn settings(memory: &Arc<Memory>, fallback: WireProfile) -> EndpointSettings {
    EndpointSettings {
        profile: ProfileChoice::Auto,
        profile_fallback: fallback,
        shape_memory: Some(Arc::new(Shared(memory.clone()))),
        sources: SourcePolicy { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Default::default() },
        ..EndpointSettings::default()
    }
}

fn test_connection() -> Request {
    Request::TestConnection(RequestBase { connection_guid: Some(ConnectionGuid::new_random()) })
}

/// Sends `request` in `profile` as `caller`; returns the shape the answer is in.
fn answer_shape(addr: SocketAddr, caller: &str, profile: WireProfile, request: &Request) -> Shape {
    let mut body = Vec::new();
    soap::write_request(profile, request, &mut body);
    let action = format!("\"{}\"", request.operation().action());
    let client = SoapClient::new(addr).with_header("X-Forwarded-For", caller);
    let reply = client.post(&body, &[("SOAPAction", &action)]).unwrap();
    let (_, trace) = soap::read_response_traced(&reply.body, request.operation(), &Limits::default()).unwrap();
    trace.shape
}

fn wsdl_names(addr: SocketAddr, profile: WireProfile) -> bool {
    let wsdl = SoapClient::new(addr).get(&format!("{PATH}?wsdl")).unwrap().text();
    wsdl == soap::wsdl::wsdl(profile, &format!("http://{addr}{PATH}"))
}

#[test]
fn each_caller_is_answered_in_its_own_shape() {
    use WireProfile::*;
    let memory = Arc::new(Memory::default());
    let addr = start(settings(&memory, MessageContract));
    let config = Request::empty(Operation::GetConfigData);
    // Before any caller showed a shape: the fallback, also in the WSDL.
    assert_eq!(answer_shape(addr, "10.0.0.1", WrappedEis, &config), Shape::Known(MessageContract));
    assert!(wsdl_names(addr, MessageContract));
    for profile in WireProfile::ALL {
        assert_eq!(answer_shape(addr, "10.0.0.2", profile, &test_connection()), Shape::Known(profile));
    }
    // Two callers speaking two shapes, each answered in its own, WSGetConfigData included.
    assert_eq!(answer_shape(addr, "10.0.0.3", WrappedPoco, &test_connection()), Shape::Known(WrappedPoco));
    assert_eq!(answer_shape(addr, "10.0.0.4", WrappedEis, &test_connection()), Shape::Known(WrappedEis));
    assert_eq!(answer_shape(addr, "10.0.0.3", WrappedPoco, &config), Shape::Known(WrappedPoco));
    assert_eq!(answer_shape(addr, "10.0.0.4", WrappedEis, &config), Shape::Known(WrappedEis));
    // A caller never seen gets the deployment's shape, which the WSDL describes and the memory
    // keeps: without an allow-list, the first one detected (10.0.0.2's first request), which the
    // callers after it did not change.
    let first = WireProfile::ALL[0];
    assert_eq!(answer_shape(addr, "10.0.0.5", WrappedPoco, &config), Shape::Known(first));
    assert!(wsdl_names(addr, first));
    wait_for(|| *memory.0.lock().unwrap() == Some(first));
    assert_eq!(answer_shape(addr, "10.0.0.4", MessageContract, &config), Shape::Known(WrappedEis), "still its own");
}

#[test]
fn the_deployments_shape_survives_a_restart_through_its_memory() {
    use WireProfile::*;
    let memory = Arc::new(Memory(Mutex::new(Some(WrappedPoco))));
    let addr = start(settings(&memory, MessageContract));
    assert!(wsdl_names(addr, WrappedPoco));
    let config = Request::empty(Operation::GetConfigData);
    assert_eq!(answer_shape(addr, "10.0.0.9", MessageContract, &config), Shape::Known(WrappedPoco));
}

#[test]
fn a_fixed_profile_answers_in_it_whatever_the_request_shows() {
    let memory = Arc::new(Memory::default());
    let addr = start(EndpointSettings {
        profile: WireProfile::WrappedEis.into(),
        ..settings(&memory, WireProfile::MessageContract)
    });
    for profile in WireProfile::ALL {
        let shape = answer_shape(addr, "10.0.0.1", profile, &test_connection());
        assert_eq!(shape, Shape::Known(WireProfile::WrappedEis));
    }
    assert!(wsdl_names(addr, WireProfile::WrappedEis));
    assert_eq!(
        *memory.0.lock().unwrap(),
        Some(WireProfile::WrappedEis),
        "the fixed profile is stored as the deployment's, whatever requests showed"
    );
}

fn wait_for(done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("not within 2 s");
}

//! Every request and response class of the 17 operations, filled with random values through its
//! schema, survives writer then reader unchanged, under every wire profile; and the reader finds
//! the operation from the body alone wherever the body can name it.

mod common;

use common::fill::{self, Random};
use erp_connector::contract::{Operation, Request};
use erp_connector::soap::{Limits, WireProfile, read_request, read_response, write_request, write_response};
use proptest::prelude::*;

fn profiles() -> impl Strategy<Value = WireProfile> {
    prop_oneof![Just(WireProfile::MessageContract), Just(WireProfile::WrappedEis), Just(WireProfile::WrappedPoco)]
}

fn operations() -> impl Strategy<Value = Operation> {
    (0..Operation::all().len()).prop_map(|i| Operation::all().nth(i).unwrap())
}

/// Whether the body element alone names the operation under `profile` (three operations share
/// the `RequestBaseWS` wrapper under the MessageContract shape: only SOAPAction tells them apart).
fn body_names_operation(profile: WireProfile, request: &Request) -> bool {
    profile.is_wrapped() || request.record().is_none_or(|r| r.schema().name != "RequestBaseWS")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn requests_round_trip(op in operations(), profile in profiles(), seed in any::<u64>()) {
        let request = fill::request(op, &mut Random::new(seed));
        let mut xml = Vec::new();
        write_request(profile, &request, &mut xml);
        let text = String::from_utf8_lossy(&xml).into_owned();
        let read = read_request(&xml, Some(op.action()), &Limits::default());
        prop_assert_eq!(read.as_ref(), Ok(&request), "{}", text);
        if body_names_operation(profile, &request) {
            prop_assert_eq!(read_request(&xml, None, &Limits::default()), Ok(request), "{}", text);
        }
    }

    #[test]
    fn responses_round_trip(op in operations(), profile in profiles(), seed in any::<u64>()) {
        let response = fill::response(op, &mut Random::new(seed));
        let mut xml = Vec::new();
        write_response(profile, op, &response, &mut xml);
        let read = read_response(&xml, op, &Limits::default());
        prop_assert_eq!(read, Ok(response), "{}", String::from_utf8_lossy(&xml));
    }
}

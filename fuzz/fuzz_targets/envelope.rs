//! The SOAP envelope reader on any bytes: requests (with or without a SOAPAction) and responses
//! of every operation. It must answer every input with a value or a `ReadError`, never panic,
//! and what it reads must survive being written and read again unchanged.
#![no_main]

use erp_connector::contract::{OPERATIONS, Operation};
use erp_connector::soap::{Limits, WireProfile, read_request, read_response, write_request, write_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let limits = Limits::default();
    let operation: Operation = OPERATIONS[usize::from(selector) % OPERATIONS.len()].operation;
    let profile = [WireProfile::MessageContract, WireProfile::WrappedEis, WireProfile::WrappedPoco]
        [usize::from(selector >> 5) % 3];

    let action = (selector & 0x10 != 0).then(|| operation.action());
    if let Ok(request) = read_request(body, action, &limits) {
        let mut again = Vec::new();
        write_request(profile, &request, &mut again);
        let reread = read_request(&again, Some(request.operation().action()), &limits);
        assert_eq!(reread.as_ref(), Ok(&request), "{}", String::from_utf8_lossy(&again));
    }

    if let Ok(response) = read_response(body, operation, &limits) {
        let mut again = Vec::new();
        write_response(profile, operation, &response, &mut again);
        let reread = read_response(&again, operation, &limits);
        assert_eq!(reread.as_ref(), Ok(&response), "{}", String::from_utf8_lossy(&again));
    }
});

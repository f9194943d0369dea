//! Golden files: the exact bytes our writer puts on the wire for every operation's request and
//! response under every wire profile, from deterministic sample values. A change in the wire
//! format shows up as a diff in `tests/golden/`; regenerate deliberately with
//! `UPDATE_GOLDEN=1 cargo test -p erp-connector --test golden`.

mod common;

use std::path::PathBuf;

use common::fill::{self, Samples};
use erp_connector::contract::Operation;
use erp_connector::soap::{
    Limits, Shape, WireProfile, read_request_traced, read_response_traced, write_request, write_response,
};

fn check(path: PathBuf, actual: &[u8]) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    assert!(
        expected == actual,
        "{} differs from the writer's output:\n--- golden\n{}\n--- writer\n{}",
        path.display(),
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(actual)
    );
}

#[test]
fn every_operation_matches_its_golden_files_under_every_profile() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for profile in WireProfile::ALL {
        for op in Operation::all() {
            let mut samples = Samples::new();
            let request = fill::request(op, &mut samples);
            let response = fill::response(op, &mut samples);

            let mut xml = Vec::new();
            write_request(profile, &request, &mut xml);
            check(root.join(profile.name()).join(format!("{op}.request.xml")), &xml);
            // Read back, and the request shows its own profile (WSGetConfigData's shows none).
            let (read, trace) = read_request_traced(&xml, Some(op.action()), &Limits::default()).unwrap();
            assert_eq!(read, request);
            let shown = if op == Operation::GetConfigData { Shape::Undetermined } else { Shape::Known(profile) };
            assert_eq!(trace.shape, shown, "{profile} {op}: {trace}");
            assert!(trace.skipped.is_empty(), "{profile} {op}: {:?}", trace.skipped);

            let mut xml = Vec::new();
            write_response(profile, op, &response, &mut xml);
            check(root.join(profile.name()).join(format!("{op}.response.xml")), &xml);
            let (read, trace) = read_response_traced(&xml, op, &Limits::default()).unwrap();
            assert_eq!(read, response);
            assert_eq!(trace.shape, Shape::Known(profile), "{profile} {op} response: {trace}");
            assert!(trace.skipped.is_empty(), "{profile} {op}: {:?}", trace.skipped);
        }
    }
}

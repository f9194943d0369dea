//! Every compile error the macros promise, with the exact message and span (`tests/ui/fail`),
//! and the shapes that must compile (`tests/ui/pass`). Regenerate the `.stderr` files after a
//! deliberate change with `TRYBUILD=overwrite cargo test -p erp-connector-ui-tests`, and
//! write the rustc version they were made with to `tests/ui/RUSTC_VERSION`.

use std::process::Command;

/// The rustc version the `.stderr` files hold the words of.
const RUSTC_VERSION: &str = include_str!("../RUSTC_VERSION");

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc).arg("--version").output().expect("rustc runs").stdout;
    let version = String::from_utf8_lossy(&version);
    let version = version.split_whitespace().nth(1).unwrap_or("");
    assert_eq!(
        version,
        RUSTC_VERSION.trim(),
        "the .stderr files of tests/ui were written with rustc {}; run the tests with that toolchain \
         (rustup toolchain install {0}; cargo +{0} test) or regenerate them with TRYBUILD=overwrite and \
         update tests/ui/RUSTC_VERSION",
        RUSTC_VERSION.trim()
    );
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("fail/*.rs");
}

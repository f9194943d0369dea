//! Every compile error the macros promise, with the exact message and span (`tests/ui/fail`),
//! and the shapes that must compile (`tests/ui/pass`). Regenerate the `.stderr` files after a
//! deliberate change with `TRYBUILD=overwrite cargo test -p erp-connector-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}

//! The ledger test connector as a process of its own, for the tests that kill it, fill its disk
//! or read its log (`tests/tests/durability.rs`, `tests/tests/secrets.rs`). Settings come from
//! the environment as for any connector.

use erp_connector_tests::ledger;

fn main() -> std::process::ExitCode {
    match erp_connector::run(ledger::Ledger::new(None)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger-connector: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! What the workspace's tests share: the ledger test connector and helpers to run connectors
//! and a browser. The tests themselves are in `tests/`; `ledger-connector` (`src/bin`) is the
//! ledger as a process of its own.

pub mod browser;
pub mod ledger;
pub mod process;

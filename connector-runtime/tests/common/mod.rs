//! Helpers shared by the wire-format test suites: the shared-folder lookup, an XML infoset model
//! for comparing documents regardless of prefixes, and schema-driven value generators.
#![allow(dead_code, missing_docs)]

pub mod fill;
pub mod infoset;

use std::path::PathBuf;

/// The `../shared` folder, from `ERP_CONNECTOR_SHARED_DIR` (set by `.ci/run`). `None`, with a
/// message on stderr, when it is not set: those tests then skip. A variable that points nowhere
/// is an error, so CI cannot skip silently.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("ERP_CONNECTOR_SHARED_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("fixtures").is_dir(),
                "ERP_CONNECTOR_SHARED_DIR={} has no fixtures/ folder",
                dir.display()
            );
            Some(dir)
        }
        None => {
            eprintln!("SKIPPED {test}: set ERP_CONNECTOR_SHARED_DIR to the shared folder (../shared) to run it");
            None
        }
    }
}

//! Running the `erp-connector` command in the tests.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A fresh temporary folder for one test.
pub fn temp(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("erp-cli-{test}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the command with `args`.
pub fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erp-connector")).args(args).output().unwrap()
}

/// What it printed, both streams.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

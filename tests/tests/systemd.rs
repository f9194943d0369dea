//! The systemd unit of deploy/systemd: `systemd-analyze verify` finds nothing wrong with it (its
//! `ExecStart` pointed at a real connector binary), and its `LimitNOFILE` holds the default
//! connection bounds for the workers it says it does (`open_files_needed`, the plan the service
//! makes at start-up, inverted; tests/tests/flood.rs holds the plan to what the service does).

use std::process::Command;

use erp_connector::service::{Settings, open_files_needed};

const UNIT: &str = include_str!("../../deploy/systemd/erp-connector.service");

/// The unit's value of `name` (its last setting).
fn setting(name: &str) -> String {
    let prefix = format!("{name}=");
    UNIT.lines().rev().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name}")).to_owned()
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let found = Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("ERP_CONNECTOR_REQUIRE_SYSTEMD").is_none(),
            "systemd-analyze is missing (.ci/run installs systemd)"
        );
        eprintln!("SKIPPED: systemd-analyze is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("erp-connector-systemd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let binary = env!("CARGO_BIN_EXE_ledger-connector");
    let unit = UNIT.replace(&format!("ExecStart={}", setting("ExecStart")), &format!("ExecStart={binary}"));
    let path = dir.join("ledger-connector.service");
    std::fs::write(&path, unit).unwrap();
    let verified = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().unwrap();
    let said = String::from_utf8_lossy(&verified.stderr).into_owned() + &String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success() && said.trim().is_empty(), "systemd-analyze verify:\n{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn its_open_file_limit_holds_the_default_bounds_for_13_workers() {
    let nofile: u64 = setting("LimitNOFILE").parse().unwrap();
    let defaults = Settings::default();
    assert!(open_files_needed(&defaults, 13) <= nofile, "{}", open_files_needed(&defaults, 13));
    assert!(open_files_needed(&defaults, 14) > nofile, "the unit's comment says 13 workers");
}

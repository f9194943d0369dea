//! `erp-connector new`: a crate made from each example builds on its own and its tests pass, with
//! every name of the example replaced.

mod common;

use common::{cli, text};
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    common::temp("new", name)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(files(&path)) } else { out.push(path) }
    }
    out
}

/// Scaffolds `name` from `template` and runs its tests, offline, with the workspace's lock file.
fn scaffold_and_test(template: &str, name: &str, forbidden: &[&str]) {
    let dir = temp(name).join(name);
    let out = cli(&[
        "new",
        name,
        "--from",
        template,
        "--app-id",
        "00112233445566778899AABBCCDDEEFF",
        "--path",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    for file in files(&dir) {
        let content = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(!content.contains(word), "{} still says {word}", file.display());
        }
    }
    let main =
        std::fs::read_to_string(dir.join(if template == "hello" { "src/lib.rs" } else { "src/connector.rs" })).unwrap();
    assert!(main.contains(&format!("app_id = \"00112233445566778899aabbccddeeff\", name = \"{name}\"")), "{main}");
    assert!(
        dir.join("erp-connector.toml").is_file()
            && dir.join("README.md").is_file()
            && dir.join(".gitignore").is_file()
            && ["*.key", "app-private-key.*", "/captures/"]
                .iter()
                .all(|p| { std::fs::read_to_string(dir.join(".gitignore")).unwrap().lines().any(|l| l == *p) })
    );
    // Its own image, stack and unit, named after it; the scripts executable and well-formed.
    let env_example = std::fs::read_to_string(dir.join("deploy/compose/.env.example")).unwrap();
    assert!(env_example.contains(&format!("CONNECTOR_IMAGE={name}:latest")), "{env_example}");
    for script in ["deploy/image/build.sh", "deploy/compose/init-secrets.sh"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join(script)).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is executable");
        assert!(Command::new("sh").arg("-n").arg(dir.join(script)).status().unwrap().success(), "{script}");
    }
    assert!(
        dir.join("deploy/image/Dockerfile").is_file() && dir.join("deploy/systemd/erp-connector.service").is_file()
    );

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let test = Command::new(env!("CARGO"))
        .args(["test", "--offline"])
        .current_dir(&dir)
        // trybuild's target directory and the workspace's profiles: the dependencies the UI tests
        // built are built once (CI time), and no debug info for them keeps target/ small.
        .args(["--config", workspace.join(".cargo/config.toml").to_str().unwrap()])
        .env("CARGO_TARGET_DIR", workspace.join("target/tests/trybuild"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(test.status.success(), "the new crate's tests failed:\n{}", text(&test));
    let passed: usize = String::from_utf8_lossy(&test.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. ")?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed >= 4, "only {passed} tests ran:\n{}", text(&test));
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn a_crate_from_hello_passes_its_tests() {
    scaffold_and_test(
        "hello",
        "acme-hello",
        &["hello-connector", "hello_connector", "6cf25376616343b38d14ddcd804f2891", "workspace = true"],
    );
}

#[test]
fn a_crate_from_sqlite_erp_passes_its_tests() {
    scaffold_and_test(
        "sqlite-erp",
        "acme-erp",
        &["sqlite_erp", "sqlite-erp-connector", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "workspace = true"],
    );
}

#[test]
fn a_crate_from_tryton_passes_its_tests() {
    scaffold_and_test(
        "tryton",
        "acme-tryton",
        &["tryton_connector", "tryton-connector", "7e57c0de7e57c0de7e57c0de7e57c0de", "workspace = true"],
    );
}

#[test]
fn a_crate_from_rest_passes_its_tests() {
    scaffold_and_test(
        "rest",
        "acme-cloud",
        &["rest_erp", "rest-erp-connector", "5e7c0de05e7c0de05e7c0de05e7c0de0", "workspace = true"],
    );
}

#[test]
fn bad_names_ids_and_occupied_folders_are_refused() {
    let dir = temp("refused");
    let out = cli(&["new", "Acme_ERP", "--path", dir.join("x").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("`Acme_ERP` is not a usable crate name"), "{}", text(&out));
    let out = cli(&["new", "acme", "--app-id", "xyz", "--path", dir.join("x").to_str().unwrap()]);
    assert!(text(&out).contains("an application id is 32 hexadecimal digits"), "{}", text(&out));
    std::fs::write(dir.join("occupied"), "x").unwrap();
    let out = cli(&["new", "acme", "--path", dir.to_str().unwrap()]);
    assert!(text(&out).contains("exists and is not empty"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

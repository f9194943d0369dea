//! The README cannot rot: its quick-start command, run literally in a fresh clone, serves a
//! connector that reaches `/health` and answers `WSGetConfigData`; and every `ERP_CONNECTOR_*`
//! variable the code reads is documented in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use erp_connector::testkit::{SoapClient, free_port};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The first command of the README's first `sh` block: the quick start.
fn quick_start() -> String {
    let text = readme();
    let block = text.split("```sh\n").nth(1).expect("an sh block").split("```").next().unwrap();
    block.lines().find(|l| !l.trim().is_empty()).unwrap().trim().to_owned()
}

fn variables_in(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            variables_in(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("\"ERP_CONNECTOR_") {
                let name: String = text[i + 1..].chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                found.push(name);
            }
        }
    }
}

#[test]
fn every_setting_variable_is_documented() {
    let mut found = Vec::new();
    for dir in ["connector-runtime/src", "connector-macros/src", "cli/src"] {
        variables_in(&root().join(dir), &mut found);
    }
    found.sort();
    found.dedup();
    assert!(found.len() > 20, "{found:?}");
    let readme = readme();
    let missing: Vec<_> = found.iter().filter(|v| !readme.contains(v.as_str())).collect();
    assert!(missing.is_empty(), "README.md does not document {missing:?}");
}

#[test]
fn the_quick_start_works_in_a_fresh_clone() {
    let command = quick_start();
    assert_eq!(command, "cargo run -p hello-connector");
    let root = root();
    if !root.join(".git").exists() {
        eprintln!("SKIPPED: {} is not a git checkout to clone", root.display());
        return;
    }
    let dir = std::env::temp_dir().join(format!("erp-connector-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cloned = Command::new("git").args(["clone", "--quiet"]).arg(&root).arg(&dir).status().unwrap();
    assert!(cloned.success(), "git clone failed");

    // The README's port, unless something here already listens on it.
    let port = if std::net::TcpListener::bind("127.0.0.1:8080").is_ok() { 8080 } else { free_port() };
    // `exec`: cargo run replaces itself with the connector, so the child is the connector.
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("exec {command}"))
        .current_dir(&dir)
        // The target directory the UI and scaffold tests share (their dependencies, built once).
        .env("CARGO_TARGET_DIR", root.join("target/tests/trybuild"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("ERP_CONNECTOR_")) {
        shell.env_remove(name);
    }
    if port != 8080 {
        shell.env("ERP_CONNECTOR_BIND", format!("127.0.0.1:{port}"));
    }
    let mut child = shell.spawn().unwrap();
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };

    let client = SoapClient::new(format!("127.0.0.1:{port}").parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs(900);
    let health = loop {
        match client.get("/health") {
            Ok(reply) => break reply,
            Err(_) if Instant::now() < deadline && child.try_wait().unwrap().is_none() => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => {
                stop(&mut child);
                panic!("`{command}` did not serve /health: {e}");
            }
        }
    };
    let config = client.get_config_data();
    stop(&mut child);
    assert_eq!(health.status, 200);
    let config = config.unwrap();
    assert!(config.result.is_ok);
    let keys: Vec<_> = config.fields.unwrap().into_iter().filter_map(|f| f.field_key).collect();
    assert_eq!(keys, ["COMPANY", "PASSWORD"]);
    // No set-up: the development key and the store key were made on first start.
    assert!(dir.join(".erp-connector-dev/app-private-key.pem").is_file());
    assert!(dir.join("erp-connector.key").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's table of the emulator's rules, as `conformance::rules` has them.
fn rules_table() -> String {
    let mut table = String::from("| rule | spec | inferred | what the connector must do |\n|---|---|---|---|\n");
    for rule in erp_connector::conformance::rules::ALL {
        let inferred = if rule.inferred { "yes" } else { "" };
        table.push_str(&format!("| `{}` | {} | {inferred} | {} |\n", rule.id, rule.spec, rule.text));
    }
    table
}

/// `conformance::rules` is the one source: the README's table is written from it (the failure
/// prints the table to paste).
#[test]
fn the_readme_lists_every_emulator_rule() {
    let table = rules_table();
    assert!(
        readme().contains(&table),
        "README.md's rules table differs from conformance::rules; it should be:\n\n{table}"
    );
    let count = format!("Each of the {} rules cites the spec", erp_connector::conformance::rules::ALL.len());
    assert!(readme().contains(&count), "README.md should say `{count}`");
}

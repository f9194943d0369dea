//! The `erp-connector` command as a user runs it: keys, partner tokens, offline token checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use erp_connector::auth::{AppKey, verify_partner_token};
use erp_connector::testkit::TestIssuer;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("erp-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cli(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_erp-connector"));
    command.args(args);
    for var in [
        "ERP_CONNECTOR_PRIVATE_KEY",
        "ERP_CONNECTOR_PRIVATE_KEY_FILE",
        "ERP_CONNECTOR_SUPEROFFICE_CERTS",
        "ERP_CONNECTOR_APP_ID",
        "ERP_CONNECTOR_CONFIG",
    ] {
        command.env_remove(var);
    }
    command.env("ERP_CONNECTOR_PROFILE", "production");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn keys_generate_then_token_sign_with_them() {
    let dir = temp("keys");
    let out = cli(&["keys", "generate", "--out", dir.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{out:?}");
    let private = std::fs::read_to_string(dir.join("app-private-key.xml")).unwrap();
    let key = AppKey::parse(&private, "generated").unwrap();
    assert_eq!(
        AppKey::parse(&std::fs::read_to_string(dir.join("app-private-key.pem")).unwrap(), "pem")
            .unwrap()
            .public_key_xml(),
        key.public_key_xml()
    );
    assert_eq!(std::fs::read_to_string(dir.join("app-public-key.xml")).unwrap(), key.public_key_xml());
    // A secret endpoint path: 192 random bits, a fresh one each time.
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let path = printed.lines().find_map(|l| l.trim().strip_prefix("ERP_CONNECTOR_ENDPOINT_PATH=")).expect(&printed);
    assert!(path.starts_with("/erp-") && path.len() == "/erp-".len() + 32, "{path}");
    let other = cli(&["keys", "generate", "--out", temp("keys-other").to_str().unwrap()], &[]);
    assert!(!String::from_utf8_lossy(&other.stdout).contains(path), "a new path each time");
    let again = cli(&["keys", "generate", "--out", dir.to_str().unwrap()], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not overwriting"));

    let key_file = dir.join("app-private-key.xml");
    let signed = cli(
        &["token", "sign", "--nonce", "ABCDEF", "--at", "2021-09-16T11:25:31Z"],
        &[("ERP_CONNECTOR_PRIVATE_KEY_FILE", &key_file)],
    );
    assert!(signed.status.success(), "{signed:?}");
    let token = stdout(&signed).trim().to_owned();
    assert!(token.starts_with("ABCDEF.202109161125."));
    let at = chrono::DateTime::parse_from_rfc3339("2021-09-16T11:26:00Z").unwrap().to_utc();
    verify_partner_token(&key.public_key(), &token, "ABCDEF", at).unwrap();

    let no_key = cli(&["token", "sign", "--nonce", "ABCDEF"], &[]);
    assert_eq!(no_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("ERP_CONNECTOR_PRIVATE_KEY_FILE"));
}

#[test]
fn token_verify_gives_a_verdict_and_the_exit_code() {
    let dir = temp("verify");
    let issuer = TestIssuer::new();
    std::fs::write(dir.join("issuer.crt"), &issuer.cert_pem).unwrap();
    // Valid 2021-09-16T11:23:26Z to 11:29:26Z, like the captured SOD token.
    let jwt = issuer.sign(&TestIssuer::claims("6cf25376616343b38d14ddcd804f2891", "N1", 1_631_791_526), |_| {});
    let certs = dir.join("issuer.crt");
    let args = |at: &'static str| {
        vec![
            "token",
            "verify",
            "--certs",
            certs.to_str().unwrap(),
            "--app-id",
            "6cf25376616343b38d14ddcd804f2891",
            "--at",
            at,
        ]
    };
    let mut valid_args = args("2021-09-16T11:25:00Z");
    valid_args.insert(2, &jwt);
    let valid = cli(&valid_args, &[]);
    assert!(valid.status.success(), "{valid:?}");
    assert!(stdout(&valid).contains("VALID at") && stdout(&valid).contains("\"nonce\": \"N1\""), "{}", stdout(&valid));
    let mut expired_args = args("2026-01-01T00:00:00Z");
    expired_args.insert(2, &jwt);
    let expired = cli(&expired_args, &[]);
    assert_eq!(expired.status.code(), Some(1));
    assert!(stdout(&expired).contains("INVALID") && stdout(&expired).contains("token expired"));
}

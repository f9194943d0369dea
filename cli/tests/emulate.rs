//! `erp-connector emulate`, capture mode and `erp-connector replay`, as a user runs them against
//! a connector.

mod common;

use common::{cli, text};
use std::path::{Path, PathBuf};
use std::process::Output;

use erp_connector::prelude::*;
use erp_connector::testkit::{Spawned, TestIssuer, spawn_with};

/// What SuperOffice asks for.
#[derive(ConnectionConfig)]
struct ShopConfig {
    /// The shop.
    #[field(display = "Shop", rank = 1, mandatory)]
    shop: String,
    /// The shop's password.
    #[field(display = "Password", rank = 2, mandatory)]
    password: Password,
}

/// A tiny connector; `strict` makes the change poll leave out equal timestamps.
struct Shop {
    strict: bool,
}

const STAMPS: &[(&str, &str)] =
    &[("C1", "2024-01-01T00:00:00"), ("C2", "2024-02-01T00:00:00"), ("C3", "2024-02-01T00:00:00")];

fn customers(keep: impl Fn(&str, &Stamp) -> bool, fields: &[String]) -> Vec<ErpActor> {
    STAMPS
        .iter()
        .map(|(k, s)| (k, Stamp::parse(s)))
        .filter(|(k, s)| keep(k, s))
        .map(|(k, s)| {
            let a = ErpActor::new(ActorType::Customer, *k, s);
            if fields.iter().any(|f| f == "NAME") { a.with_value("NAME", format!("Customer {k}")) } else { a }
        })
        .collect()
}

#[erp_connector(app_id = "fedcba9876543210fedcba9876543210", name = "shop")]
impl ErpConnector for Shop {
    type Config = ShopConfig;

    async fn test_config(&self, test: &ConfigTest<ShopConfig>) -> ConnectorResult<Reply> {
        let config = &test.config;
        if config.password.expose() != "s3cret-Pa55" {
            return Err(ConnectorError::new(format!("Wrong password for {}.", config.shop)));
        }
        Ok(Reply::ok())
    }

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        Ok(Schema::new().actor(ActorType::Customer, [Field::new("NAME", "Name", FieldType::Text)]))
    }

    async fn get_actors(&self, _: &Connection<ShopConfig>, q: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        Ok(customers(|k, _| q.erp_keys.iter().any(|e| e == k), &q.field_keys).into())
    }

    async fn get_actors_by_timestamp(
        &self,
        _: &Connection<ShopConfig>,
        q: ActorsSince,
    ) -> ConnectorResult<ActorStream> {
        let due = |s: &Stamp| q.since.as_ref().is_none_or(|since| if self.strict { s > since } else { s >= since });
        Ok(customers(|_, s| due(s), &q.field_keys).into())
    }
}

fn temp(name: &str) -> PathBuf {
    common::temp("emulate", name)
}

/// A shop connector that trusts the emulator's issuer kept in `issuer_dir`.
fn shop(strict: bool, issuer_dir: &Path, capture: Option<PathBuf>) -> Spawned {
    let (_, _) = TestIssuer::load_or_create(issuer_dir).unwrap();
    let cert = issuer_dir.join("issuer-cert.pem");
    spawn_with(Shop { strict }, move |s| {
        s.auth.superoffice_certs = vec![cert];
        s.capture_dir = capture;
    })
}

fn emulate(connector: &Spawned, issuer_dir: &Path, public_key: &Path) -> Output {
    cli(&[
        "emulate",
        &connector.url(),
        "--config",
        "SHOP=Main street",
        "--config",
        "PASSWORD=s3cret-Pa55",
        "--app-id",
        connector.app_id(),
        "--issuer-dir",
        issuer_dir.to_str().unwrap(),
        "--app-public-key",
        public_key.to_str().unwrap(),
    ])
}

#[test]
fn emulate_passes_a_good_connector_and_names_the_rule_a_bad_one_breaks() {
    let dir = temp("rules");
    let issuer = dir.join("issuer");
    let good = shop(false, &issuer, None);
    let key = dir.join("app-public-key.xml");
    std::fs::write(&key, good.app_key().public_key_xml()).unwrap();
    let out = emulate(&good, &issuer, &key);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).lines().any(|l| l.starts_with("authenticate") && l.ends_with("partner token verified")));
    assert!(text(&out).contains("PASSED: no rule broken"), "{}", text(&out));

    let bad = shop(true, &issuer, None);
    std::fs::write(&key, bad.app_key().public_key_xml()).unwrap();
    let out = emulate(&bad, &issuer, &key);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("RULE since-includes-equal (spec §5.3)"), "{}", text(&out));
    assert!(
        text(&out).contains(
            "actor `C3` with LastModified `2024-02-01T00:00:00.0000000` (equal to UpdatedOnOrAfter) is missing"
        ),
        "{}",
        text(&out)
    );

    // A wrong password stops the session with the connector's words; usage errors exit 2.
    let out = cli(&["emulate", &good.url(), "--config", "SHOP=x", "--config", "PASSWORD=no"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("STOPPED: WSTestConfigData answered State=Error Wrong password for x."),
        "{}",
        text(&out)
    );
    let out = cli(&["emulate", &good.url(), "--config", "novalue"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // A bad password the shop's TestConfigData refuses but its TestConnection (the default)
    // accepts: the rule names the call.
    let out = cli(&[
        "emulate",
        &good.url(),
        "--config",
        "SHOP=x",
        "--config",
        "PASSWORD=s3cret-Pa55",
        "--bad-config",
        "PASSWORD=no",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("RULE bad-config-refused (spec §5.1)"), "{}", text(&out));
    assert!(text(&out).contains("WSTestConnection with PASSWORD=`no`: answered IsOk=true"), "{}", text(&out));
    assert!(!text(&out).contains("WSTestConfigData with PASSWORD"), "TestConfigData refused it: {}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capture_redacts_secrets_and_replay_shows_where_answers_differ() {
    let dir = temp("capture");
    let issuer = dir.join("issuer");
    let captured = dir.join("captured");
    let key = dir.join("app-public-key.xml");
    let original = shop(false, &issuer, Some(captured.clone()));
    std::fs::write(&key, original.app_key().public_key_xml()).unwrap();
    let out = emulate(&original, &issuer, &key);
    assert!(out.status.success(), "{}", text(&out));
    drop(original);

    let files: Vec<PathBuf> = std::fs::read_dir(&captured).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(files.iter().any(|f| f.to_string_lossy().ends_with("-WSSaveConnection.request.xml")), "{files:?}");
    assert!(files.iter().any(|f| f.to_string_lossy().ends_with("-Authenticate.response.xml")), "{files:?}");
    for file in &files {
        let content = std::fs::read_to_string(file).unwrap();
        assert!(!content.contains("s3cret-Pa55"), "{} holds the password", file.display());
        assert!(!content.contains("eyJ"), "{} holds a token", file.display());
    }

    // The connection the emulator saved: the password goes back into its requests only.
    let save = files.iter().find(|f| f.to_string_lossy().ends_with("-WSSaveConnection.request.xml")).unwrap();
    let save = std::fs::read_to_string(save).unwrap();
    let guid = save.split("ConnectionGuid>").nth(1).unwrap().trim_end_matches("</").to_owned();
    let folder = captured.to_str().unwrap();

    // The same connector answers the same; the password comes back with --secret.
    let replay = |connector: &Spawned| {
        cli(&[
            "replay",
            folder,
            &connector.url(),
            "--allow-writes",
            "--guid",
            &guid,
            "--secret",
            "PASSWORD=s3cret-Pa55",
        ])
    };
    let same = shop(false, &issuer, None);
    let out = replay(&same);
    assert!(out.status.success(), "{}", text(&out));
    // Skipped: the two Authenticate (tokens) and WSTestConfigData (it names no connection, so it
    // gets no secret back).
    assert!(text(&out).contains(" 0 differ, 3 skipped"), "{}", text(&out));
    // Without the secret, the requests that carry it are skipped, not sent with `***`.
    let out = cli(&["replay", folder, &same.url(), "--allow-writes"]);
    assert!(text(&out).contains("holds a redacted secret"), "{}", text(&out));
    // A secret for no named connection is refused; for another connection it is not restored.
    let out = cli(&["replay", folder, &same.url(), "--secret", "PASSWORD=s3cret-Pa55"]);
    assert!(!out.status.success() && text(&out).contains("--guid"), "{}", text(&out));
    let other = "00000000-0000-0000-0000-000000000001";
    let out =
        cli(&["replay", folder, &same.url(), "--allow-writes", "--guid", other, "--secret", "PASSWORD=s3cret-Pa55"]);
    assert!(text(&out).contains("holds a redacted secret"), "{}", text(&out));
    // Without --allow-writes, nothing that writes is sent.
    let out = cli(&["replay", folder, &same.url(), "--guid", &guid, "--secret", "PASSWORD=s3cret-Pa55"]);
    assert!(text(&out).contains("skipped: it writes (WSSaveConnection)"), "{}", text(&out));

    // A changed connector: the differing members are named.
    let changed = shop(true, &issuer, None);
    let out = replay(&changed);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("DIFFERS"), "{}", text(&out));
    assert!(text(&out).contains("Actors: "), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

//! The defences of an endpoint the protocol leaves unauthenticated (docs/security.md): the
//! secret endpoint path, the source allow-list and trusted proxies, connection ownership, and
//! the bounds on what anonymous callers may store.

use erp_connector::contract::ResponseState;
use erp_connector::prelude::*;
use erp_connector::service::{ReplacePolicy, Settings};
use erp_connector::testkit::{Spawned, new_guid, spawn_with};

/// Connection values of an ERP whose credentials can be checked.
#[derive(ConnectionConfig)]
struct VaultConfig {
    /// The ERP user.
    #[field(display = "User", rank = 1, mandatory, max_length = 40)]
    user: String,
    /// Its password.
    #[field(display = "Password", rank = 2)]
    password: Option<Password>,
}

/// An ERP where user `u` has password `u-secret`; `test_config` logs in.
struct Vault;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "vault")]
impl ErpConnector for Vault {
    type Config = VaultConfig;

    async fn test_config(&self, test: &ConfigTest<VaultConfig>) -> ConnectorResult<Reply> {
        let config = &test.config;
        match config.password.as_ref().map(Password::expose) {
            Some(p) if p == format!("{}-secret", config.user) => Ok(Reply::ok()),
            _ => Err(ConnectorError::new("The ERP refused the user name or password.")),
        }
    }

    async fn test_connection(&self, conn: &Connection<VaultConfig>) -> ConnectorResult<Reply> {
        // Says whose connection it is, so that a test can tell which values are stored.
        Err(ConnectorError::new(format!("stored user: {}", conn.config.user)).with_state(ResponseState::OkWithInfo))
    }
}

fn values(user: &str, password: &str) -> StringDict {
    StringDict::new().with("USER", user).with("PASSWORD", password)
}

fn stored_user(spawned: &Spawned, guid: ConnectionGuid) -> String {
    spawned.client().test_connection(guid).unwrap().user_explanation.unwrap_or_default()
}

#[test]
fn a_save_replaces_other_values_only_when_they_pass_the_test() {
    let spawned = spawn_with(Vault, |_| {});
    let client = spawned.client();
    let guid = new_guid();
    assert!(client.save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);

    // A stranger's save over it, with values the ERP refuses: refused, nothing replaced.
    let hijack = client.save_connection(guid, &values("eve", "guess")).unwrap();
    assert!(!hijack.is_ok);
    let why = hijack.user_explanation.unwrap();
    assert!(why.contains("stored with other values") && why.contains("refused the user name"), "{why}");
    assert_eq!(stored_user(&spawned, guid), "stored user: ann");

    // The same values again (EIS resending): accepted.
    assert!(client.save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);
    // An administrator's edit in SuperOffice: a new, working password. Accepted.
    assert!(client.save_connection(guid, &values("bob", "bob-secret")).unwrap().is_ok);
    assert_eq!(stored_user(&spawned, guid), "stored user: bob");

    // EIS's resend after UNKNOWN_CONNECTION_ID: nothing stored, so nothing to prove.
    let lost = new_guid();
    let unknown = client.test_connection(lost).unwrap();
    assert_eq!(unknown.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
    assert!(client.save_connection(lost, &values("cid", "not-checked")).unwrap().is_ok);
    assert_eq!(stored_user(&spawned, lost), "stored user: cid");
}

#[test]
fn a_delete_does_not_open_the_way_to_a_replacement() {
    let spawned = spawn_with(Vault, |_| {});
    let client = spawned.client();
    let guid = new_guid();
    assert!(client.save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);
    // A stranger deletes it (the protocol lets anyone), then saves values of their own.
    assert!(client.delete_connection(guid).unwrap().is_ok);
    let gone = client.test_connection(guid).unwrap();
    assert_eq!(gone.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()), "deleted is deleted");
    let hijack = client.save_connection(guid, &values("eve", "guess")).unwrap();
    assert!(!hijack.is_ok, "the deleted values still guard the GUID");
    // EIS resending the deleted connection's own values brings it back.
    assert!(client.save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);
    assert_eq!(stored_user(&spawned, guid), "stored user: ann");
}

#[test]
fn the_replace_policy_can_refuse_or_allow() {
    let refuse = spawn_with(Vault, |s| s.connections.replace = ReplacePolicy::Refuse);
    let guid = new_guid();
    assert!(refuse.client().save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);
    let edit = refuse.client().save_connection(guid, &values("bob", "bob-secret")).unwrap();
    assert!(!edit.is_ok && edit.user_explanation.unwrap().contains("add a new connection"));
    assert!(refuse.client().delete_connection(guid).unwrap().is_ok);
    let again = refuse.client().save_connection(guid, &values("bob", "bob-secret")).unwrap();
    assert!(!again.is_ok, "nor after a delete");
    assert!(refuse.client().save_connection(new_guid(), &values("bob", "bob-secret")).unwrap().is_ok, "a new one");

    let allow = spawn_with(Vault, |s| s.connections.replace = ReplacePolicy::Allow);
    assert!(allow.client().save_connection(guid, &values("ann", "ann-secret")).unwrap().is_ok);
    assert!(allow.client().save_connection(guid, &values("eve", "x")).unwrap().is_ok);
    assert_eq!(stored_user(&allow, guid), "stored user: eve");
    assert!(allow.client().delete_connection(guid).unwrap().is_ok);
    assert!(allow.client().save_connection(guid, &values("mallory", "y")).unwrap().is_ok, "allow keeps nothing");
}

#[test]
fn configuration_values_are_bounded_and_only_declared_keys_are_kept() {
    let spawned = spawn_with(Vault, |s: &mut Settings| s.connections.max_config_bytes = 2048);
    let client = spawned.client();
    let refused = |info: &StringDict| {
        let answer = client.save_connection(new_guid(), info).unwrap();
        assert!(!answer.is_ok, "{info:?}");
        let tested = client.test_config_data(info).unwrap();
        assert!(!tested.is_ok);
        answer.user_explanation.unwrap()
    };
    // An undeclared key (a setting a newer release removed, say): ignored, never stored, named.
    let guid = new_guid();
    let answer = client.save_connection(guid, &values("ann", "ann-secret").with("DATABASE", "/etc/passwd")).unwrap();
    assert!(answer.is_ok, "{answer:?}");
    assert!(answer.tech_explanation.unwrap_or_default().contains("Ignored, not stored: DATABASE"));
    assert_eq!(stored_values(&spawned, "vault", guid).keys().collect::<Vec<_>>(), ["USER", "PASSWORD"]);
    let tested = client.test_config_data(&values("ann", "ann-secret").with("DATABASE", "x")).unwrap();
    assert!(tested.is_ok && tested.tech_explanation.unwrap_or_default().contains("DATABASE"));
    let long = client.test_config_data(&values("ann", "ann-secret").with("K".repeat(1500), "x")).unwrap();
    let tech = long.tech_explanation.unwrap_or_default();
    assert!(tech.len() < 700 && tech.contains("bytes)"), "the caller's keys are bounded: {} bytes", tech.len());
    let many: StringDict = (0..40).fold(values("ann", "ann-secret"), |v, i| v.with(format!("K{i}"), "x"));
    assert!(refused(&many).contains("more than 32 keys"));
    let why = refused(&values(&"a".repeat(41), "x"));
    assert!(why.contains("User (USER) is too long: at most 40 characters"), "{why}");
    let why = refused(&values("ann", &"p".repeat(5000)));
    assert!(why.contains("2048"), "total over max_config_bytes: {why}");
    let spawned = spawn_with(Vault, |_| {});
    let why = spawned.client().save_connection(new_guid(), &values("ann", &"p".repeat(5000))).unwrap();
    assert!(why.user_explanation.unwrap().contains("4096 bytes"), "a field without MaxLength: the default bound");
}

#[test]
fn stored_connections_and_saves_per_source_are_capped() {
    let spawned = spawn_with(Vault, |s| s.connections.max_stored = 2);
    let client = spawned.client();
    let (a, b) = (new_guid(), new_guid());
    assert!(client.save_connection(a, &values("a", "a-secret")).unwrap().is_ok);
    assert!(client.save_connection(b, &values("b", "b-secret")).unwrap().is_ok);
    let third = client.save_connection(new_guid(), &values("c", "c-secret")).unwrap();
    assert!(!third.is_ok && third.user_explanation.unwrap().contains("at most 2 connections"));
    assert!(client.save_connection(a, &values("a2", "a2-secret")).unwrap().is_ok, "an edit is no new connection");

    let spawned = spawn_with(Vault, |s| s.connections.saves_per_minute_per_source = 3);
    let client = spawned.client();
    for n in 0..3 {
        assert!(client.save_connection(new_guid(), &values("u", "u-secret")).unwrap().is_ok, "save {n}");
    }
    let fourth = client.save_connection(new_guid(), &values("u", "u-secret")).unwrap();
    assert!(!fourth.is_ok && fourth.user_explanation.unwrap().contains("at most 3 per minute"));

    // New connections per source and hour: edits and resends of stored ones are not new.
    let spawned = spawn_with(Vault, |s| s.connections.new_per_hour_per_source = 2);
    let client = spawned.client();
    let (a, b) = (new_guid(), new_guid());
    assert!(client.save_connection(a, &values("a", "a-secret")).unwrap().is_ok);
    assert!(client.save_connection(b, &values("b", "b-secret")).unwrap().is_ok);
    let third = client.save_connection(new_guid(), &values("c", "c-secret")).unwrap();
    assert!(!third.is_ok && third.user_explanation.unwrap().contains("at most 2 an hour"));
    assert!(client.save_connection(a, &values("a", "a-secret")).unwrap().is_ok, "a resend is no new connection");
}

/// The values stored for `guid`, read from the spawned connector's store.
fn stored_values(spawned: &Spawned, connector: &str, guid: ConnectionGuid) -> StringDict {
    stored_record(spawned, connector, guid).values
}

/// The record stored for `guid`, read from the spawned connector's store.
fn stored_record(spawned: &Spawned, connector: &str, guid: ConnectionGuid) -> erp_connector::store::Record {
    use erp_connector::store::ConnectionStore as _;
    let key = std::fs::read_to_string(spawned.dir().join("store.key")).unwrap();
    let sealer =
        erp_connector::store::crypto::Sealer::new(&erp_connector::store::crypto::StoreKey::parse(&key).unwrap());
    let store = erp_connector::store::SqliteStore::open(&spawned.dir().join("connections.db"), sealer).unwrap();
    store.load(connector, guid).unwrap().expect("stored")
}

/// A shop connector's configuration before a release dropped its `REGION` field.
#[derive(ConnectionConfig)]
struct OldShopConfig {
    #[field(display = "User", rank = 1, mandatory)]
    user: String,
    #[field(display = "Region", rank = 2)]
    region: Option<String>,
}

/// ...and after.
#[derive(ConnectionConfig)]
struct NewShopConfig {
    #[field(display = "User", rank = 1, mandatory)]
    user: String,
}

struct OldShop;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "shop")]
impl ErpConnector for OldShop {
    type Config = OldShopConfig;
}

struct NewShop;

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "shop")]
impl ErpConnector for NewShop {
    type Config = NewShopConfig;
}

/// A release that removes a field takes its connections back: the stored ones load, and EIS's
/// resend of the old values after `UNKNOWN_CONNECTION_ID` is saved without the old key.
#[test]
fn a_release_that_drops_a_field_takes_its_connections_back() {
    let dir = std::env::temp_dir().join(format!("erp-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let same_store = |s: &mut Settings| {
        s.store.path = dir.join("connections.db");
        s.store.key_file = dir.join("store.key");
    };
    let old_values = StringDict::new().with("USER", "ann").with("REGION", "north");
    let (kept, lost) = (new_guid(), new_guid());
    let old = spawn_with(OldShop, same_store);
    assert!(old.client().save_connection(kept, &old_values).unwrap().is_ok);
    old.stop();

    let new = spawn_with(NewShop, same_store);
    let client = new.client();
    assert!(client.test_connection(kept).unwrap().is_ok, "a connection stored with REGION still loads");
    let unknown = client.test_connection(lost).unwrap();
    assert_eq!(unknown.error_code.as_deref(), Some(ErrorCode::UnknownConnectionId.wire()));
    let resent = client.save_connection(lost, &old_values).unwrap();
    assert!(resent.is_ok, "EIS's resend with the old key: {resent:?}");
    assert!(client.test_connection(lost).unwrap().is_ok);
    new.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each stored connection keeps (sealed) the address that saved it, for the operator's
/// `erp-connector connections list --source`.
#[test]
fn a_saved_connection_keeps_its_source() {
    let spawned = spawn_with(Vault, |_| {});
    let guid = new_guid();
    assert!(spawned.client().save_connection(guid, &values("a", "a-secret")).unwrap().is_ok);
    let record = stored_record(&spawned, "vault", guid);
    assert_eq!(record.source, Some("127.0.0.1".parse().unwrap()));
    assert!(record.saved_at > 0 && !record.is_deleted());
}

/// Guessing passwords through `WSTestConfigData` (and locking the ERP's user out, the ERP seeing
/// every attempt from the connector) is bounded: five failed tests of one user rest it for
/// fifteen minutes, whoever asks, and the ERP hears nothing meanwhile; other users are tested.
#[test]
fn password_guesses_through_test_config_are_bounded() {
    let spawned = spawn_with(Vault, |_| {});
    let client = spawned.client();
    for guess in 0..5 {
        let answer = client.test_config_data(&values("admin", &format!("guess-{guess}"))).unwrap();
        assert!(answer.user_explanation.unwrap().contains("refused the user name"), "guess {guess} reached the ERP");
    }
    let rested = client.test_config_data(&values("admin", "admin-secret")).unwrap();
    let why = rested.user_explanation.unwrap();
    assert!(!rested.is_ok && why.contains("locked out") && why.contains("15 minutes"), "{why}");
    assert!(client.test_config_data(&values("ann", "ann-secret")).unwrap().is_ok, "another user is tested");

    let spawned = spawn_with(Vault, |s| s.connections.tests_per_minute_per_source = 2);
    let client = spawned.client();
    assert!(client.test_config_data(&values("a", "a-secret")).unwrap().is_ok);
    assert!(client.test_config_data(&values("b", "b-secret")).unwrap().is_ok);
    let third = client.test_config_data(&values("c", "c-secret")).unwrap();
    assert!(third.user_explanation.unwrap().contains("at most 2 a minute"));
}

#[test]
fn only_the_endpoint_path_answers_and_other_paths_say_nothing() {
    let spawned = spawn_with(Vault, |s| s.endpoint.path = "/erp-Xq3pSecretPath".into());
    assert!(spawned.url().ends_with("/erp-Xq3pSecretPath"));
    assert!(spawned.client().save_connection(new_guid(), &values("a", "a-secret")).unwrap().is_ok);
    let guessed = spawned.client().with_path("/Services/ErpConnectorWS.svc");
    for reply in [
        guessed.post(b"<x/>", &[]).unwrap(),
        guessed.get("/Services/ErpConnectorWS.svc?wsdl").unwrap(),
        guessed.get("/admin").unwrap(),
    ] {
        assert_eq!((reply.status, reply.body.len()), (404, 0), "{}", reply.text());
    }
    let banner = spawned.client().get("/erp-Xq3pSecretPath").unwrap().text();
    assert!(!banner.contains("SuperOffice") && !banner.contains("ERP"), "{banner}");
}

#[test]
fn sources_outside_the_allow_list_get_an_empty_403_and_only_trusted_proxies_may_forward() {
    let only_docs_net = |s: &mut Settings| s.endpoint.allow_from = vec!["192.0.2.0/24".parse().unwrap()];
    let spawned = spawn_with(Vault, only_docs_net);
    let client = spawned.client();
    let reply = client.post(b"<x/>", &[("X-Forwarded-For", "192.0.2.7")]).unwrap();
    assert_eq!((reply.status, reply.body.len()), (403, 0), "a stranger cannot claim an allowed address");
    assert_eq!(client.get(&format!("{}?wsdl", "/Services/ErpConnectorWS.svc")).unwrap().status, 403);
    assert_eq!(client.get("/health").unwrap().status, 200, "health stays for the load balancer");

    let behind_proxy = spawn_with(Vault, |s| {
        only_docs_net(s);
        s.endpoint.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    });
    let client = behind_proxy.client();
    let forwarded = client.post(b"<x/>", &[("X-Forwarded-For", "192.0.2.7"), ("SOAPAction", "\"nothing\"")]).unwrap();
    assert_eq!(forwarded.status, 500, "admitted, then a SOAP fault for the bad envelope: {}", forwarded.text());
    let outside = client.post(b"<x/>", &[("X-Forwarded-For", "198.51.100.1")]).unwrap();
    assert_eq!(outside.status, 403);
    let wsdl = client
        .get_with(
            "/Services/ErpConnectorWS.svc?wsdl",
            &[("X-Forwarded-For", "192.0.2.7"), ("X-Forwarded-Host", "erp.example.com")],
        )
        .unwrap()
        .text();
    assert!(wsdl.contains("http://erp.example.com/Services/ErpConnectorWS.svc"), "trusted proxy's host");
}

#[test]
fn a_strangers_forwarded_host_is_not_reflected_into_the_wsdl() {
    let spawned = spawn_with(Vault, |_| {});
    let wsdl = spawned
        .client()
        .get_with(
            "/Services/ErpConnectorWS.svc?wsdl",
            &[("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "https")],
        )
        .unwrap()
        .text();
    assert!(!wsdl.contains("evil.example") && !wsdl.contains("https://"), "{wsdl}");
    assert!(wsdl.contains(&format!("http://{}/Services/ErpConnectorWS.svc", spawned.addr())));
}

/// A connector whose configuration names the ERP's address: a tool for reaching anything, but
/// for `allow`.
#[derive(ConnectionConfig)]
struct RemoteConfig {
    /// The ERP's address.
    #[field(display = "Server", rank = 1, mandatory, allow = "https://*.erp.example erp.example.com:8069")]
    server: String,
}

/// Counts the `test_config` calls that got through.
struct Remote(std::sync::Arc<std::sync::atomic::AtomicUsize>);

#[erp_connector(app_id = "0123456789abcdef0123456789abcdef", name = "remote")]
impl ErpConnector for Remote {
    type Config = RemoteConfig;

    async fn test_config(&self, test: &ConfigTest<RemoteConfig>) -> ConnectorResult<Reply> {
        let config = &test.config;
        // A real connector would connect to `server` here; only allowed ones get this far.
        assert!(config.server.contains("erp.example"));
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Reply::ok())
    }
}

#[test]
fn an_address_outside_the_fields_allow_list_never_reaches_the_connector() {
    let tested = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let spawned = spawn_with(Remote(tested.clone()), |_| {});
    let client = spawned.client();
    let test = |server: &str| client.test_config_data(&StringDict::new().with("SERVER", server)).unwrap();
    for ssrf in [
        "http://169.254.169.254/latest/meta-data/",
        "https://erp.example.evil.test",
        "https://tenant.erp.example@127.0.0.1:6379",
        "https://tenant.erp.example:22",
        "erp.example.com:22",
        "file:///etc/passwd",
        "https://acme.erp.example/api/../../admin",
        "https://acme.erp.example/api/%2e%2e/admin",
        " https://acme.erp.example/api",
    ] {
        let answer = test(ssrf);
        assert!(!answer.is_ok, "{ssrf}");
        let why = answer.user_explanation.unwrap();
        assert!(why.contains("not an address this connector may connect to"), "{ssrf}: {why}");
        assert!(
            !why.contains("erp.example/api,") && !why.contains("*.erp.example"),
            "the allowed places are not listed: {why}"
        );
        assert!(!client.save_connection(new_guid(), &StringDict::new().with("SERVER", ssrf)).unwrap().is_ok);
    }
    assert_eq!(tested.load(std::sync::atomic::Ordering::SeqCst), 0, "test_config never ran");
    for allowed in ["https://acme.erp.example/api", "erp.example.com:8069"] {
        assert!(test(allowed).is_ok, "{allowed}");
    }
    assert_eq!(tested.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn one_address_holds_a_bounded_number_of_connections() {
    use std::io::Read as _;
    let spawned = spawn_with(Vault, |s| s.max_connections_per_source = 5);
    // Six idle connections (half-sent heads, say) from one address: one of them is closed at
    // once, nothing read (which one depends on the order the two workers take them in).
    let mut idle: Vec<_> = (0..6).map(|_| std::net::TcpStream::connect(spawned.addr()).unwrap()).collect();
    let closed = |idle: &mut Vec<std::net::TcpStream>| {
        idle.iter_mut()
            .map(|socket| {
                socket.set_nonblocking(true).unwrap();
                matches!(socket.read(&mut [0u8; 1]), Ok(0))
            })
            .filter(|closed| *closed)
            .count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while closed(&mut idle) == 0 {
        assert!(std::time::Instant::now() < deadline, "none of the six was closed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(closed(&mut idle), 1, "exactly the one over the bound");
    assert!(spawned.client().get("/health").is_err(), "the same address gets no more");
    // The connections are given back when they close.
    drop(idle);
    while spawned.client().get("/health").is_err() {
        assert!(std::time::Instant::now() < deadline, "connections released when they close");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Sequential calls over fresh connections never hit the bound.
    for _ in 0..20 {
        assert!(spawned.client().save_connection(new_guid(), &values("a", "a-secret")).unwrap().is_ok);
    }
}

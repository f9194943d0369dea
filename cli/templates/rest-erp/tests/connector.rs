//! The REST connector against a strict mock of the ERP (`support/mock_erp.rs`): the EIS
//! emulator's whole session, an access token expiring mid-sync, the rotated refresh token shared
//! by two replicas, a 429 storm during the full sync, the ERP down and frozen, wrong credentials.
//! Each test starts its own mock and gives its own service the mock's address to allow, so the
//! tests run in parallel.

#[path = "support/mock_erp.rs"]
mod mock_erp;

use erp_connector::conformance::Options;
use erp_connector::prelude::*;
use erp_connector::testkit::{Spawned, new_guid, spawn_with};
use mock_erp::{CLIENT_ID, CLIENT_SECRET, FIRST_REFRESH_TOKEN, MockErp};
use rest_erp::{RestConfig, RestErp};

/// A connection to `erp` as an administrator would save it.
fn config(erp: &MockErp) -> RestConfig {
    RestConfig {
        api: erp.api().parse().unwrap(),
        client_id: CLIENT_ID.into(),
        client_secret: Password::new(CLIENT_SECRET),
        refresh_token: Password::new(FIRST_REFRESH_TOKEN),
        timeout_secs: 30,
    }
}

/// The connector, allowed to reach `erp` only, adjusted by `adjust`.
fn serving_with(erp: &MockErp, adjust: impl FnOnce(&mut erp_connector::service::Settings)) -> Spawned {
    let allowed = erp.api();
    spawn_with(RestErp, move |s| {
        s.allow_variables.insert("REST_ERP_ALLOWED_URLS".into(), allowed);
        adjust(s);
    })
}

/// The connector with a connection saved to `config`.
fn connected(erp: &MockErp, config: &RestConfig) -> (Spawned, ConnectionGuid) {
    let connector = serving_with(erp, |_| {});
    let guid = new_guid();
    assert!(connector.client().save_config(guid, config).unwrap().is_ok);
    (connector, guid)
}

/// Every actor of type `t` by the change poll, as EIS's first sync reads them.
fn full_sync(connector: &Spawned, guid: ConnectionGuid, t: ActorType) -> Vec<ErpActor> {
    let q = ActorsSince { actor_type: t, since: None, field_keys: vec!["NAME".into()] };
    let answer = connector.client().get_actors_by_timestamp(guid, &q).unwrap();
    assert!(answer.result.is_ok, "{:?}", answer.result.user_explanation);
    answer.actors.unwrap_or_default()
}

/// Whether a connection's test passes, and its text.
fn test_connection(connector: &Spawned, guid: ConnectionGuid) -> (bool, String) {
    let status = connector.client().test_connection(guid).unwrap();
    (status.is_ok, status.user_explanation.unwrap_or_default())
}

#[test]
fn passes_the_eis_emulator() {
    let erp = MockErp::start(40);
    let connector = serving_with(&erp, |_| {});
    let options =
        Options { bad_config: vec![("API".into(), "http://169.254.169.254/latest/".into())], ..Options::default() }
            .with_config(&config(&erp));
    let report = connector.conformance(options);
    assert!(report.is_clean(), "{report}");
    let step = |name: &str| report.steps.iter().find(|s| s.name == name).unwrap();
    assert_eq!(step("initial sync").note, "140 actors", "{report}"); // 40 + 20 companies, 60 contacts, 20 projects
    assert!(step("create and save").note.starts_with("created and saved Customer"), "{report}");
    assert_eq!(erp.stats().refused_refreshes, 0, "the rotated refresh token was always the one used");
}

#[test]
fn an_access_token_expiring_mid_sync_is_renewed_with_the_rotated_refresh_token() {
    let erp = MockErp::start(250);
    let (connector, guid) = connected(&erp, &config(&erp));
    assert_eq!(test_connection(&connector, guid), (true, String::new()));
    erp.expire_tokens_after(1); // the second page's call finds its token refused
    assert_eq!(full_sync(&connector, guid, ActorType::Customer).len(), 250);
    let stats = erp.stats();
    assert_eq!((stats.refreshes, stats.refused_refreshes), (2, 0), "{stats:?}");
    assert_eq!(erp.current_refresh_token(), "rt-2");
}

#[test]
fn two_replicas_share_the_rotated_refresh_token() {
    let erp = MockErp::start(10);
    let (a, guid) = connected(&erp, &config(&erp));
    let store = a.dir().to_owned();
    let b = serving_with(&erp, move |s| {
        s.store.path = store.join("connections.db");
        s.store.key_file = store.join("store.key");
    });
    assert!(test_connection(&a, guid).0); // A refreshes: rt-0 is spent
    assert!(test_connection(&b, guid).0); // B finds A's token in the state
    erp.expire_tokens_after(0);
    assert!(test_connection(&b, guid).0); // B refreshes with A's refresh token
    assert!(test_connection(&a, guid).0); // A takes B's new access token from the state
    assert_eq!((erp.stats().refreshes, erp.stats().refused_refreshes), (2, 0), "{:?}", erp.stats());

    // Both refresh at the same moment: one rotation wins, and the other replica uses its token.
    erp.expire_tokens_after(0);
    let (x, y) = std::thread::scope(|s| {
        let x = s.spawn(|| full_sync(&a, guid, ActorType::Customer).len());
        let y = s.spawn(|| full_sync(&b, guid, ActorType::Customer).len());
        (x.join().unwrap(), y.join().unwrap())
    });
    assert_eq!((x, y), (10, 10));
    erp.expire_tokens_after(0);
    assert!(test_connection(&a, guid).0, "the refresh token kept is the one that works");
    assert!(test_connection(&b, guid).0);
}

#[test]
fn a_429_storm_during_the_full_sync_is_waited_out() {
    let erp = MockErp::start(250);
    let (connector, guid) = connected(&erp, &config(&erp));
    erp.limit_rate(2);
    for (t, kind) in [
        (ActorType::Customer, "customer"),
        (ActorType::Supplier, "supplier"),
        (ActorType::Person, "contact"),
        (ActorType::Project, "project"),
    ] {
        assert_eq!(full_sync(&connector, guid, t).len(), erp.count(kind), "{kind}");
    }
    assert!(erp.stats().throttled > 0, "the storm happened: {:?}", erp.stats());
}

#[test]
fn an_erp_that_froze_or_went_down_is_a_clear_answer() {
    let erp = MockErp::start(5);
    let (connector, guid) = connected(&erp, &RestConfig { timeout_secs: 2, ..config(&erp) });
    assert!(test_connection(&connector, guid).0);
    let host = erp.api().trim_start_matches("http://").trim_end_matches("/api/v1/").to_owned();

    erp.freeze();
    let (ok, said) = test_connection(&connector, guid);
    assert!(!ok && said.contains(&host) && said.contains("answer"), "{said}");
    assert!(!said.contains("/api/v1") && !said.contains("at-"), "no path, no token: {said}");

    erp.stop();
    let (ok, said) = test_connection(&connector, guid);
    assert!(!ok && said.contains(&host), "{said}");
    let status = connector.client().get_actors_by_timestamp(
        guid,
        &ActorsSince { actor_type: ActorType::Customer, since: None, field_keys: vec![] },
    );
    assert!(!status.unwrap().result.is_ok);
}

#[test]
fn wrong_credentials_are_explained() {
    let erp = MockErp::start(5);
    let wrong_secret = RestConfig { client_secret: Password::new("not-the-secret"), ..config(&erp) };
    let (connector, guid) = connected(&erp, &wrong_secret);
    let (ok, said) = test_connection(&connector, guid);
    assert!(!ok && said.contains("refused the connector's credentials"), "{said}");
    assert!(!said.contains("not-the-secret"), "{said}");

    // A refresh token already spent (pasted twice): the ERP's own words reach the user.
    let guid = new_guid();
    assert!(connector.client().save_config(guid, &config(&erp)).unwrap().is_ok);
    assert!(test_connection(&connector, guid).0);
    let spent = new_guid();
    assert!(connector.client().save_config(spent, &config(&erp)).unwrap().is_ok);
    let (ok, said) = test_connection(&connector, spent);
    assert!(!ok && said.contains("already used"), "{said}");
}

#[test]
fn test_config_checks_the_address_without_spending_the_refresh_token() {
    let erp = MockErp::start(1);
    let connector = serving_with(&erp, |_| {});
    let status = connector.client().test_config(&config(&erp)).unwrap();
    assert!(status.is_ok, "{:?}", status.user_explanation);
    assert!(status.user_explanation.unwrap().starts_with("Acme Cloud ERP answers at 127.0.0.1:"));
    assert_eq!(erp.stats().refreshes, 0);
    let elsewhere = RestConfig { api: "http://127.0.0.1:9/api/v1/".parse().unwrap(), ..config(&erp) };
    let status = connector.client().test_config(&elsewhere).unwrap();
    assert!(!status.is_ok && status.user_explanation.unwrap().contains("may connect to"));
}

//! Refresh tokens that rotate, against a mock ERP that enforces it strictly: each refresh token
//! works once, and only the newest access token is accepted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::connector::ConfigValue;
use crate::connector::remote::test_erp::{Mock, mock, reply, runtime};
use crate::connector::remote::{ApiError, ErpApi};
use crate::contract::{ConnectionGuid, StringDict};
use crate::store::crypto::{Sealer, StoreKey};
use crate::store::{ConnectionStore, Record, SqliteStore};

/// The ERP's side of the tokens.
#[derive(Default)]
struct Issued {
    /// The one refresh token that works.
    refresh: String,
    /// The one access token that works.
    access: String,
    /// Refreshes granted.
    granted: usize,
}

struct Erp {
    mock: Mock,
    issued: Arc<Mutex<Issued>>,
    refused: Arc<AtomicUsize>,
}

fn strict_erp(first_refresh: &str) -> Erp {
    let issued = Arc::new(Mutex::new(Issued { refresh: first_refresh.into(), ..Issued::default() }));
    let refused = Arc::new(AtomicUsize::new(0));
    let (tokens, refusals) = (issued.clone(), refused.clone());
    let mock = mock(move |request, _| {
        let mut issued = tokens.lock().unwrap();
        if request.target == "/api/oauth/token" {
            let form: Vec<(String, String)> =
                url::form_urlencoded::parse(request.body.as_bytes()).map(|(k, v)| (k.into(), v.into())).collect();
            let given = form.iter().find(|(k, _)| k == "refresh_token").map(|(_, v)| v.as_str());
            if given != Some(issued.refresh.as_str()) {
                refusals.fetch_add(1, Ordering::SeqCst);
                return reply(
                    "400 Bad Request",
                    &[("Content-Type", "application/json")],
                    r#"{"error": "invalid_grant"}"#,
                );
            }
            // A refresh takes a moment: replicas refreshing at once overlap.
            std::thread::sleep(std::time::Duration::from_millis(50));
            issued.granted += 1;
            let n = issued.granted;
            (issued.refresh, issued.access) = (format!("r{n}"), format!("a{n}"));
            let body = format!(
                r#"{{"access_token": "a{n}", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r{n}"}}"#
            );
            return reply("200 OK", &[("Content-Type", "application/json")], &body);
        }
        match request.header("authorization") {
            Some(bearer) if bearer == format!("Bearer {}", issued.access) => reply("200 OK", &[], "{}"),
            _ => reply("401 Unauthorized", &[], ""),
        }
    });
    Erp { mock, issued, refused }
}

impl Erp {
    /// The ERP ends the current access token (it expired early, or was revoked).
    fn revoke_access(&self) {
        self.issued.lock().unwrap().access = "revoked".into();
    }

    fn granted(&self) -> usize {
        self.issued.lock().unwrap().granted
    }
}

/// A replica: its own client and token cache, the connection's state in the shared store.
fn replica(erp: &Erp, store: &Arc<dyn ConnectionStore>, guid: ConnectionGuid, pasted: &str) -> ErpApi {
    let base = ErpAddress::parse_value(&erp.mock.base).unwrap();
    let token_url = ErpAddress::parse_value(&format!("{}oauth/token", erp.mock.base)).unwrap();
    let state = ConnectionState::stored(store.clone(), "shop", guid);
    ErpApi::new(&base, std::time::Duration::from_secs(5))
        .with_auth(Auth::refresh_token(&token_url, "client", "secret", pasted, &state))
}

/// Two handles on one SQLite file, as two processes would have: the connection saved.
fn sqlite_stores() -> [Arc<dyn ConnectionStore>; 2] {
    let dir =
        std::env::temp_dir().join(format!("erp-auth-rotation-{}-{}", std::process::id(), ConnectionGuid::new_random()));
    let key = StoreKey::generate().unwrap();
    let open = || -> Arc<dyn ConnectionStore> {
        Arc::new(SqliteStore::open(&dir.join("store.db"), Sealer::new(&key)).unwrap())
    };
    [open(), open()]
}

/// The connection saved with the pasted token.
fn saved(store: &Arc<dyn ConnectionStore>) -> ConnectionGuid {
    let guid = ConnectionGuid::new_random();
    store.save("shop", guid, &Record::saved(StringDict::new().with("REFRESH_TOKEN", "pasted"), None)).unwrap();
    guid
}

#[test]
fn rotated_refresh_tokens_on_sqlite() {
    rotated_refresh_tokens_are_shared_by_replicas_and_survive_restarts(sqlite_stores());
}

/// Two replicas, each with a pool of its own, on one PostgreSQL database.
#[cfg(feature = "postgres")]
#[test]
fn rotated_refresh_tokens_on_postgres() {
    use crate::store::{PostgresOptions, PostgresStore};
    let Some(url) = crate::testkit::scratch_postgres("rotated_refresh_tokens_on_postgres") else { return };
    let key = StoreKey::generate().unwrap();
    let open = || -> Arc<dyn ConnectionStore> {
        Arc::new(PostgresStore::open(&PostgresOptions::new(url.clone()), Sealer::new(&key)).unwrap())
    };
    rotated_refresh_tokens_are_shared_by_replicas_and_survive_restarts([open(), open()]);
}

fn rotated_refresh_tokens_are_shared_by_replicas_and_survive_restarts([store, other]: [Arc<dyn ConnectionStore>; 2]) {
    let erp = strict_erp("pasted");
    let guid = saved(&store);
    let rt = runtime();
    let (a, b) = (replica(&erp, &store, guid, "pasted"), replica(&erp, &other, guid, "pasted"));
    rt.block_on(a.get("customers").send()).unwrap();
    rt.block_on(b.get("customers").send()).unwrap();
    assert_eq!(erp.granted(), 1, "the second replica takes the first one's token from the state");

    // The access token ends; both replicas find out at once: one refresh, both served.
    erp.revoke_access();
    let (first, second) = rt.block_on(async { tokio::join!(a.get("x").send(), b.get("y").send()) });
    first.unwrap();
    second.unwrap();
    assert_eq!(erp.granted(), 2, "one rotation for both replicas");

    // A restart: the pasted token was used up long ago; the state's works.
    let restarted = replica(&erp, &other, guid, "pasted");
    erp.revoke_access();
    rt.block_on(restarted.get("customers").send()).unwrap();
    assert_eq!(erp.granted(), 3);
    let refused_so_far = erp.refused.load(Ordering::SeqCst);
    assert!(refused_so_far <= 1, "at most the loser of the race was refused: {refused_so_far}");

    // An administrator pastes a new token: the save clears the state, the new token is used.
    store.save("shop", guid, &Record::saved(StringDict::new().with("REFRESH_TOKEN", "fresh"), None)).unwrap();
    erp.issued.lock().unwrap().refresh = "fresh".into();
    erp.revoke_access();
    let after_save = replica(&erp, &store, guid, "fresh");
    rt.block_on(after_save.get("customers").send()).unwrap();
    assert_eq!(erp.granted(), 4);
}

#[test]
fn a_refresh_token_the_erp_refuses_is_a_credentials_answer() {
    let erp = strict_erp("the-real-one");
    let [store, _] = sqlite_stores();
    let guid = saved(&store);
    let client = replica(&erp, &store, guid, "a-wrong-one");
    let e = runtime().block_on(client.get("customers").send()).unwrap_err();
    assert!(matches!(e, ApiError::Credentials { status: 400, .. }), "{e:?}");
    let said = crate::connector::ConnectorError::from(e).to_string();
    assert!(said.contains("refused the connector's credentials (HTTP 400): invalid_grant"), "{said}");
    assert!(!said.contains("a-wrong-one") && !said.contains("secret"), "{said}");
    assert_eq!(erp.mock.seen().len(), 1, "the API is not called without a token");
}

//! The host: caches, sessions and the connection lifecycle, in process.

/// A call made in-process, as from loopback.
fn local() -> crate::http::CallContext {
    crate::http::CallContext::local(std::net::IpAddr::from([127, 0, 0, 1]))
}

use std::sync::Mutex;

use std::collections::HashMap;

use super::*;
use crate::connector::{Connection, NoConfig};
use crate::store::Record;
use crate::store::{ChangeListener, StoreError};

/// A store in memory that lets the test announce changes, as a shared store does.
#[derive(Default)]
struct Announcing {
    rows: Mutex<HashMap<(String, ConnectionGuid), Record>>,
    listeners: Mutex<Vec<ChangeListener>>,
}

impl Announcing {
    /// A change made by "another replica": the row goes, and the change is told.
    fn delete_elsewhere(&self, connector: &str, guid: ConnectionGuid, tell: bool) {
        self.rows.lock().unwrap().remove(&(connector.to_owned(), guid));
        if tell {
            for listener in self.listeners.lock().unwrap().iter() {
                listener(StoreChange::Connection { connector, guid });
            }
        }
    }
}

impl ConnectionStore for Announcing {
    fn save(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        self.rows.lock().unwrap().insert((connector.to_owned(), guid), record.clone());
        Ok(())
    }
    fn revise(&self, connector: &str, guid: ConnectionGuid, record: &Record) -> Result<(), StoreError> {
        self.save(connector, guid, record)
    }
    fn load(&self, connector: &str, guid: ConnectionGuid) -> Result<Option<Record>, StoreError> {
        Ok(self.rows.lock().unwrap().get(&(connector.to_owned(), guid)).cloned())
    }
    fn list(&self, _: Option<&str>) -> Result<Vec<crate::store::Listed>, StoreError> {
        unreachable!("not listed in these tests")
    }
    fn delete(&self, connector: &str, guid: ConnectionGuid) -> Result<bool, StoreError> {
        Ok(self.rows.lock().unwrap().remove(&(connector.to_owned(), guid)).is_some())
    }
    fn count(&self, connector: &str) -> Result<u64, StoreError> {
        Ok(self.rows.lock().unwrap().keys().filter(|(c, _)| c == connector).count() as u64)
    }
    fn load_state(&self, _: &str, _: ConnectionGuid) -> Result<Option<crate::store::StoredState>, StoreError> {
        Ok(None)
    }
    fn swap_state(&self, _: &str, _: ConnectionGuid, _: u64, _: &str) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }
    fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
    fn watch(&self, listener: ChangeListener) {
        self.listeners.lock().unwrap().push(listener);
    }
}

struct Quiet;
impl ErpConnector for Quiet {
    type Config = NoConfig;
}

#[actix_web::test]
async fn changes_told_by_the_store_reach_the_cache_and_others_wait_for_the_ttl() {
    let store = Arc::new(Announcing::default());
    let options = HostOptions { cache_ttl: Duration::from_secs(3600), ..HostOptions::default() };
    let hosted = Hosted::new(Quiet, "shop", store.clone(), options);
    let (told, untold, elsewhere) =
        (ConnectionGuid::new_random(), ConnectionGuid::new_random(), ConnectionGuid::new_random());
    for guid in [told, untold, elsewhere] {
        store.save("shop", guid, &Record::saved(StringDict::new(), None)).unwrap();
        hosted.load(Some(guid)).await.expect("saved");
    }
    store.delete_elsewhere("shop", untold, false);
    store.delete_elsewhere("shop", told, true);
    store.rows.lock().unwrap().remove(&("shop".to_owned(), elsewhere));
    store.delete_elsewhere("ledger", elsewhere, true);
    assert!(hosted.load(Some(untold)).await.is_ok(), "untold: served from the cache until the TTL");
    assert!(hosted.load(Some(elsewhere)).await.is_ok(), "another connector's change is not this one's");
    let Err(err) = hosted.load(Some(told)).await else { panic!("told: the cache forgot it") };
    assert_eq!(err.error_code, Some(ErrorCode::UnknownConnectionId));
    for listener in store.listeners.lock().unwrap().iter() {
        listener(StoreChange::Unknown);
    }
    assert!(hosted.load(Some(untold)).await.is_err(), "Unknown: everything forgotten");
}

/// A connector whose session is the number of the login; it counts logins and logouts, and
/// its sessions expire on demand.
#[derive(Default)]
struct Logins {
    opened: std::sync::atomic::AtomicU32,
    closed: Mutex<Vec<u32>>,
    /// Sessions the "ERP" no longer accepts.
    expired: Mutex<Vec<u32>>,
    /// Whether a new session fails at once too (an ERP that keeps refusing).
    always_expired: std::sync::atomic::AtomicBool,
}

struct Login(u32);

#[allow(refining_impl_trait)]
impl ErpConnector<Login> for Arc<Logins> {
    type Config = NoConfig;

    async fn open_session(&self, _: &Connection<NoConfig>) -> ConnectorResult<Login> {
        // Long enough for a concurrent first call to arrive while this one logs in.
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        Ok(Login(self.opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1))
    }

    async fn close_session(&self, conn: &Connection<NoConfig, Login>) {
        self.closed.lock().unwrap().push(conn.session.0);
    }

    async fn test_connection(&self, conn: &Connection<NoConfig, Login>) -> ConnectorResult<Reply<()>> {
        let login = conn.session.0;
        if self.always_expired.load(std::sync::atomic::Ordering::SeqCst)
            || self.expired.lock().unwrap().contains(&login)
        {
            return Err(ConnectorError::session_expired());
        }
        Ok(Reply::new(()).info(format!("login {login}")))
    }
}

fn hosted_logins(ttl: Duration) -> (Arc<Logins>, Hosted, Arc<Announcing>, ConnectionGuid) {
    let logins = Arc::new(Logins::default());
    let store = Arc::new(Announcing::default());
    let options = HostOptions { cache_ttl: ttl, ..HostOptions::default() };
    let guid = ConnectionGuid::new_random();
    // Values other than those saved below (the save replaces them).
    store.save("erp", guid, &Record::saved(StringDict::new().with("OLD", "1"), None)).unwrap();
    (logins.clone(), Hosted::new(logins, "erp", store.clone(), options), store, guid)
}

/// The login number the answer was given with, or the answer's error.
async fn login_of(hosted: &Hosted, guid: ConnectionGuid) -> Result<String, String> {
    let request = Request::TestConnection(RequestBase { connection_guid: Some(guid) });
    let result = hosted.respond(&local(), request).await.result().clone();
    if result.is_ok {
        Ok(result.user_explanation.unwrap_or_default())
    } else {
        Err(result.user_explanation.unwrap_or_default())
    }
}

#[actix_web::test]
async fn a_session_is_opened_once_for_concurrent_first_calls_and_reused() {
    let (logins, hosted, _, guid) = hosted_logins(Duration::from_secs(3600));
    let (a, b) = futures_util::future::join(login_of(&hosted, guid), login_of(&hosted, guid)).await;
    assert_eq!((a.as_deref(), b.as_deref()), (Ok("login 1"), Ok("login 1")), "one login for both");
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"), "reused");
    assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn an_expired_session_is_reopened_once_and_the_call_repeated() {
    let (logins, hosted, _, guid) = hosted_logins(Duration::from_secs(3600));
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
    logins.expired.lock().unwrap().push(1);
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "reopened, called again");
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "the new session is kept");
    logins.always_expired.store(true, std::sync::atomic::Ordering::SeqCst);
    let refused = login_of(&hosted, guid).await.unwrap_err();
    assert!(refused.contains("session expired"), "{refused}");
    assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 3, "once more, not in a loop");
}

#[actix_web::test]
async fn a_session_ends_with_a_save_a_delete_a_replicas_notice_and_changed_values() {
    let (logins, hosted, store, guid) = hosted_logins(Duration::from_secs(3600));
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
    let save = SaveConnectionRequest { base: RequestBase { connection_guid: Some(guid) }, connection_info: None };
    assert!(hosted.respond(&local(), Request::SaveConnection(save)).await.result().is_ok);
    assert_eq!(*logins.closed.lock().unwrap(), [1], "a save closes the session of the old values");
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"));

    store.delete_elsewhere("erp", guid, true);
    store.save("erp", guid, &Record::saved(StringDict::new(), None)).unwrap();
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 3"), "another replica's change");

    assert!(
        hosted
            .respond(&local(), Request::DeleteConnection(RequestBase { connection_guid: Some(guid) }))
            .await
            .result()
            .is_ok
    );
    assert_eq!(*logins.closed.lock().unwrap(), [1, 3], "a delete closes the session");

    // The cache entry's time is up: the same values read again keep the session; values
    // changed behind the cache (no notice) end it.
    let (logins, hosted, store, guid) = hosted_logins(Duration::from_millis(30));
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"));
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 1"), "the same values: the same session");
    store
        .rows
        .lock()
        .unwrap()
        .insert(("erp".to_owned(), guid), Record::saved(StringDict::new().with("OLD", "2"), None));
    std::thread::sleep(Duration::from_millis(40));
    assert_eq!(login_of(&hosted, guid).await.as_deref(), Ok("login 2"), "other values: a new session");
    assert_eq!(*logins.closed.lock().unwrap(), [1], "and the old one closed");
    assert_eq!(logins.opened.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn the_cache_is_bounded_and_expired_entries_go_first() {
    let cache = ConnectionCache::new(Duration::from_millis(50), 3);
    let first = ConnectionGuid::new_random();
    cache.put(first, Arc::new(NoConfig), cache.generation());
    for _ in 0..10 {
        cache.put(ConnectionGuid::new_random(), Arc::new(NoConfig), cache.generation());
    }
    assert_eq!(cache.len(), 3, "bounded");
    assert!(cache.get(first).is_none(), "the oldest went first");
    std::thread::sleep(Duration::from_millis(60));
    cache.saved(ConnectionGuid::new_random(), Arc::new(NoConfig));
    assert_eq!(cache.len(), 1, "expired entries are dropped, not kept until read");
}

#[test]
fn a_read_that_began_before_a_change_is_not_kept() {
    let cache = ConnectionCache::new(Duration::from_secs(60), 100);
    let guid = ConnectionGuid::new_random();
    let conn = || Arc::new(NoConfig);
    let before = cache.generation();
    cache.forget(guid);
    cache.put(guid, conn(), before);
    assert!(cache.get(guid).is_none(), "read before the change, put after it: dropped");
    cache.put(guid, conn(), cache.generation());
    assert!(cache.get(guid).is_some());
    let before = cache.generation();
    cache.forget_all();
    assert!(cache.get(guid).is_none());
    cache.saved(guid, conn());
    cache.put(guid, conn(), before);
    assert!(cache.get(guid).is_some(), "a save is kept");
}

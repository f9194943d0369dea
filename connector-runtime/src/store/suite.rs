//! The behaviour every backend owes: one suite, run against each by [`store_suite!`].

use std::sync::Arc;

use proptest::prelude::*;

use super::crypto::StoreKey;
use super::{ConnectionStore, Record};
use crate::contract::{ConnectionGuid, StringDict};

/// Opens the backend's store under test (the same database each time) with a key.
pub(crate) type Open<'a> = &'a dyn Fn(&StoreKey) -> Box<dyn ConnectionStore>;

/// A connector name no other test uses, so that tests sharing a database stay apart.
fn connector(case: &str) -> String {
    format!("{case}-{}", ConnectionGuid::new_random())
}

/// A connection's state: compare-and-swap across two stores on one database (two replicas),
/// cleared by a save, gone with the connection, sealed.
pub(crate) fn state(open: Open<'_>) {
    let key = StoreKey::generate().unwrap();
    let (store, replica) = (Arc::<dyn ConnectionStore>::from(open(&key)), Arc::<dyn ConnectionStore>::from(open(&key)));
    let shop = connector("state");
    let guid = ConnectionGuid::new_random();
    assert_eq!(store.swap_state(&shop, guid, 0, "{}").unwrap(), None, "no connection, no state");
    store.save(&shop, guid, &Record::saved(StringDict::new().with("TOKEN", "pasted"), None)).unwrap();
    assert_eq!(store.load_state(&shop, guid).unwrap(), None);
    assert_eq!(store.swap_state(&shop, guid, 0, r#"{"refresh":"r1"}"#).unwrap(), Some(1));
    assert_eq!(replica.swap_state(&shop, guid, 0, r#"{"refresh":"stale"}"#).unwrap(), None, "version 0 is gone");
    assert_eq!(replica.swap_state(&shop, guid, 1, r#"{"refresh":"r2"}"#).unwrap(), Some(2));
    let expected = super::StoredState { version: 2, value: r#"{"refresh":"r2"}"#.into() };
    assert_eq!(store.load_state(&shop, guid).unwrap(), Some(expected));
    assert!(
        matches!(open(&StoreKey::generate().unwrap()).load_state(&shop, guid), Err(super::StoreError::Crypto(_))),
        "sealed with the store's key"
    );
    // Eight writers, half through each store, all from version 2: exactly one wins.
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let (store, barrier, shop) =
                (if i % 2 == 0 { &store } else { &replica }.clone(), barrier.clone(), shop.clone());
            std::thread::spawn(move || {
                barrier.wait();
                store.swap_state(&shop, guid, 2, &format!(r#"{{"refresh":"w{i}"}}"#)).unwrap().is_some()
            })
        })
        .collect();
    let winners: usize = writers.into_iter().map(|t| usize::from(t.join().unwrap())).sum();
    assert_eq!(winners, 1);
    assert_eq!(store.load_state(&shop, guid).unwrap().unwrap().version, 3);
    // The same values saved again are not saved (the host skips them); new values clear it.
    store.save(&shop, guid, &Record::saved(StringDict::new().with("TOKEN", "pasted again"), None)).unwrap();
    assert_eq!(replica.load_state(&shop, guid).unwrap(), None, "a save clears the state");
    assert_eq!(replica.swap_state(&shop, guid, 3, "{}").unwrap(), None);
    assert_eq!(replica.swap_state(&shop, guid, 0, r#"{"refresh":"r1"}"#).unwrap(), Some(1));
    assert!(store.delete(&shop, guid).unwrap());
    assert_eq!(store.load_state(&shop, guid).unwrap(), None, "gone with the connection");
    assert_eq!(store.swap_state(&shop, guid, 0, "{}").unwrap(), None);
}

pub(crate) fn lifecycle(open: Open<'_>) {
    let key = StoreKey::generate().unwrap();
    let store = open(&key);
    let (shop, other) = (connector("shop"), connector("other"));
    let guid = ConnectionGuid::new_random();
    let mut info = StringDict::new().with("USER", "admin").with("PASSWORD", "p&ss<w>rd").with("URL", "https://erp");
    info.insert_opt("NOTE", None);
    assert_eq!(store.load(&shop, guid).unwrap(), None);
    let record = Record::saved(info.clone(), Some("192.0.2.9".parse().unwrap()));
    store.save(&shop, guid, &record).unwrap();
    let back = store.load(&shop, guid).unwrap().expect("saved");
    assert_eq!(back, record, "values, source and time");
    assert_eq!(back.values.keys().collect::<Vec<_>>(), ["USER", "PASSWORD", "URL", "NOTE"], "order kept");
    assert_eq!(store.load(&other, guid).unwrap(), None, "connectors are kept apart");
    assert_eq!(store.load(&shop, ConnectionGuid::new_random()).unwrap(), None);
    store.check().unwrap();
    let mut replaced = Record::saved(StringDict::new().with("USER", "other"), None);
    replaced.deleted_at = Some(1_700_000_000);
    store.save(&shop, guid, &replaced).unwrap();
    assert_eq!(store.load(&shop, guid).unwrap(), Some(replaced), "a save replaces everything");
    let listed = store.list(Some(&shop)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].connector.as_str(), listed[0].guid), (shop.as_str(), guid));
    assert!(listed[0].record.as_ref().is_ok_and(|r| r.is_deleted() && r.source.is_none()));
    let everyone = store.list(None).unwrap();
    assert!(everyone.iter().any(|l| l.connector == shop) && !everyone.iter().any(|l| l.connector == other));
    assert!(!store.delete(&other, guid).unwrap(), "another connector's delete leaves it");
    assert!(store.delete(&shop, guid).unwrap());
    assert!(!store.delete(&shop, guid).unwrap());
    assert_eq!(store.load(&shop, guid).unwrap(), None);
}

pub(crate) fn durable_across_reopening(open: Open<'_>) {
    let key = StoreKey::generate().unwrap();
    let (shop, guid) = (connector("shop"), ConnectionGuid::new_random());
    let record = Record::saved(StringDict::new().with("USER", "admin").with("PASSWORD", "secret"), None);
    open(&key).save(&shop, guid, &record).unwrap();
    assert_eq!(open(&key).load(&shop, guid).unwrap(), Some(record));
}

pub(crate) fn secrets_need_the_key(open: Open<'_>) {
    let (shop, guid) = (connector("shop"), ConnectionGuid::new_random());
    let record = Record::saved(StringDict::new().with("USER", "admin").with("PASSWORD", "secret"), None);
    open(&StoreKey::generate().unwrap()).save(&shop, guid, &record).unwrap();
    let other_key = open(&StoreKey::generate().unwrap());
    let err = other_key.load(&shop, guid).unwrap_err();
    assert!(matches!(err, super::StoreError::Crypto(_)), "{err}");
    assert!(err.to_string().contains("store key"), "{err}");
    let listed = other_key.list(Some(&shop)).unwrap();
    assert!(matches!(listed[0].record, Err(super::StoreError::Crypto(_))), "listed, with why it does not open");
}

pub(crate) fn concurrent_saves(open: Open<'_>) {
    let key = StoreKey::generate().unwrap();
    let store: Arc<dyn ConnectionStore> = Arc::from(open(&key));
    let shop = Arc::new(connector("shop"));
    let shared = ConnectionGuid::new_random();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, shop) = (store.clone(), shop.clone());
            std::thread::spawn(move || {
                let mut own = Vec::new();
                for i in 0..25 {
                    let guid = ConnectionGuid::new_random();
                    let info = StringDict::new().with("THREAD", t.to_string()).with("PASSWORD", format!("pw-{t}-{i}"));
                    let record = Record::saved(info, None);
                    store.save(&shop, guid, &record).unwrap();
                    store.save(&shop, shared, &record).unwrap();
                    own.push((guid, record));
                }
                own
            })
        })
        .collect();
    for thread in threads {
        for (guid, info) in thread.join().unwrap() {
            assert_eq!(store.load(&shop, guid).unwrap(), Some(info));
        }
    }
    let last = store.load(&shop, shared).unwrap().expect("the contended row exists");
    assert!(last.values.get("PASSWORD").unwrap().starts_with("pw-"), "one whole save won");
}

/// Any keys and values come back as they were saved.
pub(crate) fn any_values_round_trip(open: Open<'_>) {
    let key = StoreKey::generate().unwrap();
    let store = open(&key);
    let shop = connector("shop");
    let entries = proptest::collection::vec(("\\PC{0,12}", proptest::option::of(any::<String>())), 0..12);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 48, ..ProptestConfig::default() });
    runner
        .run(&entries, |entries| {
            let guid = ConnectionGuid::new_random();
            let mut info = StringDict::new();
            for (k, v) in &entries {
                info.insert_opt(k.as_str(), v.as_deref().map(Into::into));
            }
            let record = Record::saved(info, None);
            store.save(&shop, guid, &record).unwrap();
            prop_assert_eq!(store.load(&shop, guid).unwrap(), Some(record));
            Ok(())
        })
        .unwrap();
}

/// One `#[test]` per case of the suite for the backend `open` (an expression of type
/// `impl Fn(&StoreKey) -> Box<dyn ConnectionStore>`, evaluated in each test); each test returns
/// at once where `skip` is true (a backend not available here).
macro_rules! store_suite {
    ($open:expr) => {
        $crate::store::suite::store_suite!($open, skip: false);
    };
    ($open:expr, skip: $skip:expr) => {
        mod suite {
            #[allow(unused_imports)]
            use super::*;
            use crate::store::suite;

            #[test]
            fn lifecycle() {
                if $skip {
                    return;
                }
                suite::lifecycle(&$open);
            }
            #[test]
            fn durable_across_reopening() {
                if $skip {
                    return;
                }
                suite::durable_across_reopening(&$open);
            }
            #[test]
            fn state() {
                if $skip {
                    return;
                }
                suite::state(&$open);
            }
            #[test]
            fn secrets_need_the_key() {
                if $skip {
                    return;
                }
                suite::secrets_need_the_key(&$open);
            }
            #[test]
            fn concurrent_saves() {
                if $skip {
                    return;
                }
                suite::concurrent_saves(&$open);
            }
            #[test]
            fn any_values_round_trip() {
                if $skip {
                    return;
                }
                suite::any_values_round_trip(&$open);
            }
        }
    };
}
pub(crate) use store_suite;

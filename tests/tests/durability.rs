//! No lost connection data (issue 8): a connector killed with SIGKILL in the middle of a storm of
//! saves keeps every save it answered, and a full disk is answered with an error that corrupts
//! nothing.

use erp_connector_tests::process;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use erp_connector::contract::{ConnectionGuid, StringDict};
use erp_connector::store::crypto::{Sealer, StoreKey};
use erp_connector::store::{ConnectionStore as _, SqliteStore};
use erp_connector::testkit::new_guid;
use process::{Connector, temp_dir};

fn info(i: usize, password: &str) -> StringDict {
    StringDict::new().with("COMPANY", format!("Company {i}")).with("PASSWORD", password).with("CURRENCY", "NOK")
}

/// Every answered save is in the store, decrypted back to what was sent.
fn assert_all_stored(store: &Path, key: &StoreKey, answered: &[(ConnectionGuid, StringDict)]) {
    let store = SqliteStore::open(store, Sealer::new(key)).expect("the store opens cleanly");
    for (guid, sent) in answered {
        let loaded = store.load("ledger", *guid).expect("a stored connection reads back");
        assert_eq!(loaded.map(|r| r.values).as_ref(), Some(sent), "connection {guid}");
    }
}

#[test]
fn every_answered_save_survives_sigkill() {
    let dir = temp_dir("sigkill");
    let store = dir.join("store.db");
    let key = StoreKey::generate().unwrap();
    let connector = Connector::start(&dir, &store, &key.to_base64(), &[]);
    let answered = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let storm: Vec<_> = (0..4)
        .map(|t| {
            let (client, answered, stop) = (connector.client(), answered.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let (guid, sent) = (new_guid(), info(t * 1_000_000 + i, &format!("secret-{t}-{i}")));
                    match client.save_connection(guid, &sent) {
                        Ok(status) if status.is_ok => answered.lock().unwrap().push((guid, sent)),
                        Ok(status) => panic!("a save was refused: {status:?}"),
                        // The connector is gone: whatever was in flight was never answered.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Kill it once a good number of saves are through, while the others are in flight.
    while answered.lock().unwrap().len() < 200 {
        std::thread::sleep(Duration::from_millis(20));
    }
    connector.kill();
    stop.store(true, Ordering::SeqCst);
    for t in storm {
        t.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    eprintln!("{} saves answered before SIGKILL", answered.len());

    // It starts again on the same store, and serves what was saved.
    let again = Connector::start(&dir, &store, &key.to_base64(), &[]);
    let (guid, _) = answered.last().unwrap();
    assert!(again.client().test_connection(*guid).unwrap().is_ok);
    again.kill();
    assert_all_stored(&store, &key, &answered);
}

/// A tmpfs of its own, so that the disk can really fill up (the tests run as root, as in CI).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> SmallDisk {
        let at = dir.join("disk");
        std::fs::create_dir_all(&at).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root; run the tests as root (CI does)");
        SmallDisk(at)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_an_error_answer_and_corrupts_nothing() {
    let dir = temp_dir("full-disk");
    let disk = SmallDisk::mount(&dir, "2m");
    let store = disk.0.join("store.db");
    let key = StoreKey::generate().unwrap();
    let connector = Connector::start(&dir, &store, &key.to_base64(), &[]);
    // Leave about 300 KB free.
    let filler = disk.0.join("filler");
    std::fs::write(&filler, vec![0u8; 1_700_000]).unwrap();
    let client = connector.client();
    let big = "p".repeat(3_000); // within the default bound of a value (4 KiB)
    let mut answered = Vec::new();
    let mut refused = 0;
    for i in 0..400 {
        let (guid, sent) = (new_guid(), info(i, &format!("{big}{i}")));
        let status = client.save_connection(guid, &sent).expect("an answer, not a broken connection");
        if status.is_ok {
            answered.push((guid, sent));
        } else {
            refused += 1;
            let message = status.user_explanation.unwrap_or_default();
            assert!(message.contains("could not access its connection store"), "{message}");
            if refused == 5 {
                break;
            }
        }
    }
    assert_eq!(refused, 5, "the disk never filled up ({} saves)", answered.len());
    // Reading still works on a full disk.
    let (guid, _) = answered.last().unwrap();
    assert!(client.test_connection(*guid).unwrap().is_ok);
    // With room again, saves work again.
    std::fs::remove_file(&filler).unwrap();
    let (guid, sent) = (new_guid(), info(9_999, "after"));
    assert!(client.save_connection(guid, &sent).unwrap().is_ok);
    answered.push((guid, sent));
    connector.kill();
    eprintln!("{} saves answered, 5 refused for want of space", answered.len());
    assert_all_stored(&store, &key, &answered);
    drop(disk);
}

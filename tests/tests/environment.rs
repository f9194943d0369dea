//! Secret variables leave the process environment at start-up, as in a connector's `main`: one
//! thread (this test has no harness, so no other thread runs), and are kept while another runs.
#![allow(unsafe_code)]

use erp_connector::service::{SECRET_VARIABLES, SecretEnvironment};

fn set(name: &str, value: &str) {
    // SAFETY: set while this process has one thread (no harness), or while the only other
    // thread sleeps on a channel and reads no environment.
    unsafe { std::env::set_var(name, value) };
}

fn main() {
    for name in SECRET_VARIABLES {
        set(name, &format!("secret of {name}"));
    }
    let taken = SecretEnvironment::take();
    assert!(taken.removed, "one thread: removed");
    assert_eq!(taken.store_key.as_deref(), Some("secret of ERP_CONNECTOR_STORE_KEY"));
    assert_eq!(taken.private_key.as_deref(), Some("secret of ERP_CONNECTOR_PRIVATE_KEY"));
    for name in SECRET_VARIABLES {
        assert!(std::env::var_os(name).is_none(), "{name} is still in the environment");
    }
    assert!(!format!("{taken:?}").contains("secret of"), "Debug shows no secret");

    // With another thread running, removing would race: the variables stay, and it says so.
    let (stop, wait) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || wait.recv());
    set("ERP_CONNECTOR_STORE_KEY", "kept");
    let taken = SecretEnvironment::take();
    assert!(!taken.removed);
    assert_eq!(std::env::var("ERP_CONNECTOR_STORE_KEY").as_deref(), Ok("kept"));
    drop(stop);
    let _ = other.join();
    println!("environment: 2 checks passed");
}

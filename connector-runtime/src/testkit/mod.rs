//! Test support (feature `testing`): everything a connector author's integration test needs.
//!
//! * [`spawn`]: serves a connector in-process on a free port, with a temporary store, an
//!   application key and a trusted [`TestIssuer`];
//! * [`SoapClient`]: a typed blocking client for the 17 operations and `Authenticate`, built on
//!   the same contract table, reader and writer as the service;
//! * [`TestIssuer`]: SuperOffice in a box, signing `Authenticate` tokens with its own key and
//!   certificate made at test time;
//! * [`to_json`]: a JSON view of any message, to compare answers;
//! * [`crate::conformance`]: the EIS emulator's session and rules, for a whole-connector check.
//!
//! ```no_run
//! # use erp_connector::prelude::*;
//! # struct Hello;
//! # #[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
//! # impl ErpConnector for Hello { type Config = NoConfig; }
//! use erp_connector::testkit::{new_guid, spawn};
//!
//! let connector = spawn(Hello);
//! let client = connector.client();
//! let guid = new_guid();
//! assert!(client.save_connection(guid, &StringDict::new()).unwrap().is_ok);
//! let types = client.get_supported_actor_types(guid).unwrap();
//! assert_eq!(types.items, Some(vec![]));
//! let answer = client.authenticate(&connector.token("nonce-1")).unwrap();
//! assert!(answer.succeeded, "{:?}", answer.reason);
//! ```

mod client;
mod issuer;
mod json;
#[cfg(feature = "postgres")]
mod postgres;
mod spawn;

pub use client::{ClientError, DEFAULT_PATH, HttpReply, Observations, SoapClient};
pub use issuer::TestIssuer;
pub use json::to_json;
#[cfg(feature = "postgres")]
pub use postgres::scratch_postgres;
pub use spawn::{Spawned, serve_endpoint, spawn, spawn_with};

use crate::contract::ConnectionGuid;

/// A fresh random connection GUID, as SuperOffice would choose one.
pub fn new_guid() -> ConnectionGuid {
    ConnectionGuid::new_random()
}

/// A free TCP port on loopback (the port is released before returning, so a race is possible;
/// [`spawn`] binds port 0 instead).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

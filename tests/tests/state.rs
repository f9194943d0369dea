//! A connection's state across the lifecycle EIS drives: kept while the same values come again,
//! kept through a DeleteConnection and EIS's resend of the same values (the tombstone keeps it:
//! a rotated refresh token outlives the pasted one), cleared by new values.

use erp_connector::prelude::*;
use erp_connector::testkit::{new_guid, spawn};

#[derive(ConnectionConfig)]
struct CountingConfig {
    /// Anything: a new value is new configuration.
    #[field(mandatory)]
    token: String,
}

/// Counts its connection tests in the connection's state.
struct Counting;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "counting")]
impl ErpConnector for Counting {
    type Config = CountingConfig;

    async fn test_connection(&self, conn: &Conn<Self>) -> ConnectorResult<Reply> {
        let stored = conn.state.load::<u64>().await?;
        let (version, count) = stored.map_or((0, 0), |s| (s.version, s.value));
        conn.state.swap(version, &(count + 1)).await?;
        Ok(Reply::ok().text(format!("test {}", count + 1)))
    }
}

#[test]
fn the_state_outlives_a_delete_and_resend_but_not_new_values() {
    let connector = spawn(Counting);
    let client = connector.client();
    let guid = new_guid();
    let pasted = StringDict::new().with("TOKEN", "pasted");
    let test = || {
        let status = client.test_connection(guid).unwrap();
        (status.is_ok, status.user_explanation.unwrap_or_default(), status.error_code.unwrap_or_default())
    };
    assert!(client.save_connection(guid, &pasted).unwrap().is_ok);
    assert_eq!(test().1, "test 1");
    assert!(client.save_connection(guid, &pasted).unwrap().is_ok, "EIS sends the same values again");
    assert_eq!(test().1, "test 2");

    assert!(client.delete_connection(guid).unwrap().is_ok);
    let (ok, _, code) = test();
    assert!(!ok && code == "UNKNOWN_CONNECTION_ID", "{code}");
    assert!(client.save_connection(guid, &pasted).unwrap().is_ok, "EIS resends what it has");
    assert_eq!(test().1, "test 3", "the state came back with the same values");

    let pasted_again = StringDict::new().with("TOKEN", "pasted again");
    assert!(client.save_connection(guid, &pasted_again).unwrap().is_ok);
    assert_eq!(test().1, "test 1", "new values start a new state");
}

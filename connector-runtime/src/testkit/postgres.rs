//! A throwaway PostgreSQL schema for tests of the shared store.

use crate::contract::ConnectionGuid;

/// The variable naming a PostgreSQL database tests may create schemas in.
const TEST_DATABASE_VAR: &str = "ERP_CONNECTOR_TEST_POSTGRES_URL";

/// When set, a missing [`TEST_DATABASE_VAR`] fails the tests instead of skipping them (CI).
const REQUIRE_VAR: &str = "ERP_CONNECTOR_REQUIRE_POSTGRES";

/// The URL of a new, empty schema in the database named by `ERP_CONNECTOR_TEST_POSTGRES_URL`,
/// for a test of its own: the store's tables go there (`search_path`). `None` (after printing
/// `SKIPPED`) when the variable is not set; a panic when it is set but the database cannot be
/// used, or when `ERP_CONNECTOR_REQUIRE_POSTGRES` asks for it.
///
/// ```no_run
/// use erp_connector::store::{PostgresOptions, PostgresStore, crypto::{Sealer, StoreKey}};
///
/// let Some(url) = erp_connector::testkit::scratch_postgres("my_test") else { return };
/// let key = StoreKey::generate().unwrap();
/// let store = PostgresStore::open(&PostgresOptions::new(url), Sealer::new(&key)).unwrap();
/// ```
pub fn scratch_postgres(test: &str) -> Option<String> {
    let Some(url) = std::env::var(TEST_DATABASE_VAR).ok().filter(|u| !u.trim().is_empty()) else {
        assert!(std::env::var_os(REQUIRE_VAR).is_none(), "{TEST_DATABASE_VAR} is required ({REQUIRE_VAR} is set)");
        eprintln!("SKIPPED {test}: set {TEST_DATABASE_VAR} to a PostgreSQL database to run it");
        return None;
    };
    let schema = format!("erp_test_{}", ConnectionGuid::new_random().as_uuid().simple());
    let mut client = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_VAR} ({}): {e}", crate::store::redacted_postgres_url(&url)));
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("a schema for the test");
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}options=-csearch_path%3D{schema}"))
}

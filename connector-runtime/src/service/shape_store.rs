//! The deployment's last detected wire shape, kept in the connection store (so it survives
//! restarts and replicas share it) as a record under a connector name no connector can have.

use std::sync::Arc;

use crate::contract::{ConnectionGuid, StringDict};
use crate::http::ShapeMemory;
use crate::soap::WireProfile;
use crate::store::{ConnectionStore, Record};

/// The reserved connector name: connector names are ASCII letters, digits, `_`, `-` and `.`
/// (checked by `#[erp_connector]`), so none has a `:` (and PostgreSQL text cannot hold a NUL).
pub(crate) const CONNECTOR: &str = "erp-connector:wire-profile";
const KEY: &str = "profile";

/// [`ShapeMemory`] in a [`ConnectionStore`].
pub(crate) struct StoredShape(pub(crate) Arc<dyn ConnectionStore>);

impl std::fmt::Debug for StoredShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredShape")
    }
}

impl ShapeMemory for StoredShape {
    fn load(&self) -> Option<WireProfile> {
        match self.0.load(CONNECTOR, ConnectionGuid::NIL) {
            Ok(Some(record)) => record.values.get(KEY).and_then(|v| v.parse().ok()),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the remembered wire profile from the store");
                None
            }
        }
    }

    fn save(&self, profile: WireProfile) {
        let record = Record::saved(StringDict::new().with(KEY, profile.name()), None);
        if let Err(e) = self.0.save(CONNECTOR, ConnectionGuid::NIL, &record) {
            tracing::warn!(error = %e, "cannot store the detected wire profile");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_new_store_handle_on_the_same_file() {
        use crate::store::crypto::{Sealer, StoreKey};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let key = StoreKey::generate().unwrap();
        let open =
            || Arc::new(crate::store::SqliteStore::open(&path, Sealer::new(&key)).unwrap()) as Arc<dyn ConnectionStore>;
        let first = StoredShape(open());
        assert_eq!(first.load(), None);
        first.save(WireProfile::WrappedPoco);
        drop(first);
        let again = StoredShape(open());
        assert_eq!(again.load(), Some(WireProfile::WrappedPoco));
        again.save(WireProfile::MessageContract);
        assert_eq!(again.load(), Some(WireProfile::MessageContract));
        // Not a connection of any connector.
        assert_eq!(again.0.count("hello").unwrap(), 0);
    }
}

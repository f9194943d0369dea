//! The connector's schema as the host keeps it: asked for once per connection (and session),
//! and the items of the lists it names, asked for when a value of one comes in.

use std::sync::Arc;

use super::Hosted;
use super::cache::Loaded;
use crate::connector::{ActorSchema, ConnectorError, ConnectorResult, IntoReply as _, ListItems, Schema, UnknownType};
use crate::contract::{ActorType, ErpActor, FieldMetadata, FieldType, StringDict};

impl Hosted {
    /// The connection's schema: the connector is asked once (one call for concurrent first
    /// calls); a schema with problems is refused, naming them, and asked for again next time.
    pub(super) async fn schema(&self, loaded: &Loaded) -> ConnectorResult<Arc<Schema>> {
        let c = &*self.methods;
        let ask = async || {
            let schema = self.call(loaded, (), async |conn, ()| c.schema(conn).await).await?;
            if !schema.problems().is_empty() {
                let problems = schema.problems().join("; ");
                return Err(ConnectorError::new(format!("The connector's schema is not valid: {problems}.")));
            }
            tracing::debug!(connection = %loaded.guid, types = schema.actor_types().len(), "schema read");
            Ok(Arc::new(schema))
        };
        loaded.schema.get_or_try_init(ask).await.cloned()
    }

    /// The items of each list named by a List field of `fields` that one of `actors` sends a
    /// value for: the configuration's own lists, else the connector's `get_list`, kept with the
    /// connection's cache entry.
    pub(super) async fn list_items(
        &self,
        loaded: &Loaded,
        fields: &[FieldMetadata],
        actors: &[ErpActor],
    ) -> ConnectorResult<ListItems> {
        let mut items = ListItems::new();
        for field in fields.iter().filter(|f| f.field_type == FieldType::List) {
            let (Some(key), Some(list)) = (field.field_key.as_deref(), field.list_name.as_deref()) else { continue };
            if items.contains_key(list) || !actors.iter().any(|a| a.field(key).is_some_and(|v| !v.is_empty())) {
                continue;
            }
            items.insert(list.to_owned(), self.list(loaded, list).await?);
        }
        Ok(items)
    }

    async fn list(&self, loaded: &Loaded, name: &str) -> ConnectorResult<StringDict> {
        if let Some(items) = self.config_list(name, None) {
            return Ok(items);
        }
        if let Some(items) = crate::sync::lock(&loaded.lists).get(name) {
            return Ok(items.clone());
        }
        let c = &*self.methods;
        let items: StringDict =
            self.call(loaded, (), async |conn, ()| c.get_list(Some(conn), name).await).await?.into_reply().value;
        crate::sync::lock(&loaded.lists).insert(name.to_owned(), items.clone());
        Ok(items)
    }
}

/// The declaration of `actor_type` in `schema`; an error naming it when the connector has none.
pub(super) fn of_type<'s>(schema: &'s Schema, actor_type: &ActorType) -> ConnectorResult<&'s ActorSchema> {
    schema.of(actor_type).ok_or_else(|| ConnectorError::new(UnknownType(actor_type).to_string()))
}

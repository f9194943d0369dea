//! The host's answer to each request: the dispatch, made of the table of the author's methods
//! (`connector::methods`), and the handler of each operation that reads through a connection.
//! The lifecycle's handlers are in `lifecycle.rs`.

use super::cache::Loaded;
use super::erased::AnyConn;
use super::schema::of_type;
use super::{Hosted, actors_response, fields_response, list_response, required, strings_response};
use crate::connector::methods::author_methods;
use crate::connector::search::criteria;
use crate::connector::{
    ActorChange, ActorStream, ActorsSince, AdvancedSearch, ConnectorResult, GetActors, ListItems, NewActor, Reply,
    SearchActors, SearchByParent, check_outgoing,
};
use crate::contract::*;
use crate::http::CallContext;

/// `Hosted::answer`: each request to the handler named after the author's method that answers
/// it; `WSGetConfigData` to the configuration's fields, the schema's operations to the schema.
macro_rules! dispatch {
    ($([$op:ident $name:ident $self_:ident $conn:ident $kind:ident
        [$($mode:ident $arg:ident $ty:ty),*] [$answer:ident $ret:ty] $body:block [$(#[$doc:meta])*]])*) => {
        impl Hosted {
            /// The answer to `request`, or the error to answer with.
            pub(super) async fn answer(&self, call: &CallContext, request: Request) -> ConnectorResult<Response> {
                match request {
                    Request::GetConfigData => Ok(fields_response(self.methods.fields())),
                    Request::GetSupportedActorTypes(r) => self.supported_actor_types(r).await,
                    Request::GetSupportedActorTypeFields(r) => self.actor_type_fields(r).await,
                    Request::GetSearchableFields(r) => self.searchable_fields(r).await,
                    $( Request::$op(r) => self.$name(call, r).await, )*
                }
            }
        }
    };
}

author_methods!(dispatch);

impl Hosted {
    /// `WSTestConnection`.
    async fn test_connection(&self, _: &CallContext, r: RequestBase) -> ConnectorResult<Response> {
        let loaded = self.load(r.connection_guid).await?;
        let c = &*self.methods;
        let reply = self.call(&loaded, (), async |conn, ()| c.test_connection(conn).await).await?;
        Ok(self.reply_empty(reply, Operation::TestConnection))
    }

    /// `WSGetSupportedActorTypes`: the schema's types.
    async fn supported_actor_types(&self, r: RequestBase) -> ConnectorResult<Response> {
        let loaded = self.load(r.connection_guid).await?;
        let types = self.schema(&loaded).await?.actor_types();
        Ok(strings_response(types.iter().map(ToString::to_string).collect()))
    }

    /// `WSGetSupportedActorTypeFields`: the fields of one of the schema's types.
    async fn actor_type_fields(&self, r: GetSupportedActorTypeFieldsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor_type = required(r.actor_type, "ActorType")?;
        let schema = self.schema(&loaded).await?;
        Ok(fields_response(of_type(&schema, &actor_type)?.metadata().to_vec()))
    }

    /// `WSGetSearchableFields`: the searchable fields of one of the schema's types.
    async fn searchable_fields(&self, r: GetSearchableFieldsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor_type = required(r.actor_type, "ActorType")?;
        let schema = self.schema(&loaded).await?;
        Ok(strings_response(of_type(&schema, &actor_type)?.searchable_keys()))
    }

    /// `WSGetActors`.
    async fn get_actors(&self, _: &CallContext, r: GetActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = GetActors {
            actor_type: required(r.actor_type, "ActorType")?,
            erp_keys: r.erp_keys.unwrap_or_default(),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let schema = self.schema(&loaded).await?;
        let fields = of_type(&schema, &query.actor_type)?.metadata();
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, (&keys, fields), async |conn, q| c.get_actors(conn, q).await).await
    }

    /// `WSSearchActors`.
    async fn search_actors(&self, _: &CallContext, r: SearchActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = SearchActors {
            actor_type: required(r.actor_type, "ActorType")?,
            search_text: r.search_text.unwrap_or_default(),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let schema = self.schema(&loaded).await?;
        let fields = of_type(&schema, &query.actor_type)?.metadata();
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, (&keys, fields), async |conn, q| c.search_actors(conn, q).await).await
    }

    /// `WSSearchActorByParent`.
    async fn search_actor_by_parent(
        &self,
        _: &CallContext,
        r: SearchActorByParentRequest,
    ) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = SearchByParent {
            actor_type: required(r.actor_type, "ActorType")?,
            search_text: r.search_text.unwrap_or_default(),
            parent_actor_type: required(r.parent_actor_type, "ParentActorType")?,
            parent_erp_key: r.parent_actor_erp_key.unwrap_or_default(),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let schema = self.schema(&loaded).await?;
        let fields = of_type(&schema, &query.actor_type)?.metadata();
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, (&keys, fields), async |conn, q| c.search_actor_by_parent(conn, q).await).await
    }

    /// `WSSearchActorsAdvanced`: the restrictions checked against what the connector says is
    /// searchable, and typed, before it is called.
    async fn search_actors_advanced(
        &self,
        _: &CallContext,
        r: SearchActorsAdvancedRequest,
    ) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor_type = required(r.actor_type, "ActorType")?;
        let (restrictions, field_keys) = (r.restrictions.unwrap_or_default(), r.field_keys.unwrap_or_default());
        let schema = self.schema(&loaded).await?;
        let declared = of_type(&schema, &actor_type)?;
        let criteria = criteria(&restrictions, &actor_type, &declared.searchable_keys(), declared.metadata())?;
        let query = AdvancedSearch { actor_type, criteria, field_keys };
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, (&keys, declared.metadata()), async |conn, q| c.search_actors_advanced(conn, q).await)
            .await
    }

    /// `WSCreateActor`: the actor checked against its type's fields first.
    async fn create_actor(&self, _: &CallContext, r: CreateActorRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor = required(r.actor, "Actor")?;
        let schema = self.schema(&loaded).await?;
        let fields = match &actor.actor_type {
            Some(actor_type) => of_type(&schema, actor_type)?.metadata(),
            None => &[],
        };
        let lists = self.list_items(&loaded, fields, std::slice::from_ref(&actor)).await?;
        let actor = NewActor::checked(actor, fields, &lists)?;
        let c = &*self.methods;
        let created = self.call(&loaded, actor, async |conn, actor| c.create_actor(conn, actor).await).await?;
        check_outgoing(&created.value, fields)?;
        Ok(self.reply(created, |actor| Response::Actor(ActorResponse { actor: Some(actor), ..Default::default() })))
    }

    /// `WSSaveActors`: each actor checked against its type's fields first (asked for once a type).
    async fn save_actors(&self, _: &CallContext, r: SaveActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actors = r.actors.unwrap_or_default();
        let schema = self.schema(&loaded).await?;
        let mut lists = ListItems::new();
        for actor_type in actors.iter().filter_map(|a| a.actor_type.as_ref()) {
            let fields = of_type(&schema, actor_type)?.metadata();
            lists.extend(self.list_items(&loaded, fields, &actors).await?);
        }
        let fields_of = |t: &ActorType| schema.of(t).map_or(&[][..], |t| t.metadata());
        let changes = ActorChange::checked(actors, fields_of, &lists)?;
        let c = &*self.methods;
        let saved = self.call(&loaded, changes, async |conn, changes| c.save_actors(conn, changes).await).await?;
        for actor in &saved.value {
            check_outgoing(actor, actor.actor_type.as_ref().map_or(&[][..], fields_of))?;
        }
        Ok(self.reply(saved, actors_response))
    }

    /// `WSGetList`: one of the configuration's own lists, else the connector's.
    async fn get_list(&self, _: &CallContext, r: GetListRequest) -> ConnectorResult<Response> {
        let name = r.list_name.unwrap_or_default();
        if let Some(items) = self.config_list(&name, None) {
            return Ok(list_response(items));
        }
        let c = &*self.methods;
        let items = match self.setup_or_load(r.base.connection_guid).await? {
            None => c.get_list(None, &name).await?,
            Some(loaded) => self.call(&loaded, (), async |conn, ()| c.get_list(Some(conn), &name).await).await?,
        };
        Ok(self.reply(items, list_response))
    }

    /// `WSGetListItems`: of one of the configuration's own lists, else the connector's.
    async fn get_list_items(&self, _: &CallContext, r: GetListItemsRequest) -> ConnectorResult<Response> {
        let (name, keys) = (r.list_name.unwrap_or_default(), r.list_item_keys.unwrap_or_default());
        if let Some(items) = self.config_list(&name, Some(&keys)) {
            return Ok(list_response(items));
        }
        let c = &*self.methods;
        let items = match self.setup_or_load(r.base.connection_guid).await? {
            None => c.get_list_items(None, &name, keys).await?,
            Some(loaded) => {
                self.call(&loaded, keys, async |conn, keys| c.get_list_items(Some(conn), &name, keys).await).await?
            }
        };
        Ok(self.reply(items, list_response))
    }

    /// `WSGetActorsByTimestamp` answered whole, through the streaming method, so that a
    /// connector implementing only it answers here too (`handle_streaming` writes the same
    /// actors as they come).
    async fn get_actors_by_timestamp(
        &self,
        _: &CallContext,
        r: GetActorsByTimestampRequest,
    ) -> ConnectorResult<Response> {
        let actors = self.poll(r).await?.collect().await?;
        Ok(self.reply(actors, actors_response))
    }

    /// `WSGetActorsByTimestamp` as the connector's stream.
    pub(super) async fn poll(&self, r: GetActorsByTimestampRequest) -> ConnectorResult<ActorStream> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = ActorsSince {
            actor_type: required(r.actor_type, "ActorType")?,
            since: r.updated_on_or_after.filter(|since| !since.trim().is_empty()).map(|since| Stamp::parse(&since)),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let schema = self.schema(&loaded).await?;
        let fields = of_type(&schema, &query.actor_type)?.metadata().to_vec();
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        let actors = self.call(&loaded, query, async |conn, q| c.get_actors_by_timestamp(conn, q).await);
        Ok(actors.await?.only_fields(keys).checked(fields))
    }

    /// A read of actors: `method` called with `query`, answered with only the fields EIS asked
    /// for (all when it named none), each value checked against its field in `fields`.
    async fn read<Q: Clone>(
        &self,
        loaded: &Loaded,
        query: Q,
        (keys, fields): (&[String], &[FieldMetadata]),
        method: impl AsyncFn(&AnyConn, Q) -> ConnectorResult<Reply<Vec<ErpActor>>>,
    ) -> ConnectorResult<Response> {
        let mut found = self.call(loaded, query, method).await?;
        for actor in &mut found.value {
            crate::connector::only_fields(actor, keys);
            check_outgoing(actor, fields)?;
        }
        Ok(self.reply(found, actors_response))
    }

    /// The items of the configuration's own list `name` (`#[derive(ConfigList)]`), those of
    /// `keys` only if given: answered by the framework, with no connection, also during set-up.
    pub(super) fn config_list(&self, name: &str, keys: Option<&[String]>) -> Option<StringDict> {
        if name.is_empty() {
            return None;
        }
        let list = self.methods.lists().into_iter().find(|l| l.name == name)?;
        let wanted = |key: &&str| keys.is_none_or(|keys| keys.iter().any(|w| w == key));
        Some(list.items.iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (*k, *v)).collect())
    }
}

//! The host's answer to each request: the dispatch, made of the table of the author's methods
//! (`connector::methods`), and the handler of each operation that reads through a connection.
//! The lifecycle's handlers are in `lifecycle.rs`.

use super::cache::Loaded;
use super::erased::AnyConn;
use super::{Hosted, actors_response, fields_response, list_response, required, strings_response};
use crate::connector::methods::author_methods;
use crate::connector::search::criteria;
use crate::connector::{
    ActorChange, ActorStream, ActorsSince, AdvancedSearch, ConnectorResult, GetActors, NewActor, Reply, SearchActors,
    SearchByParent,
};
use crate::contract::*;
use crate::http::CallContext;

/// `Hosted::answer`: each request to the handler named after the author's method that answers
/// it, `WSGetConfigData` to the configuration's fields.
macro_rules! dispatch {
    ($([$op:ident $name:ident $self_:ident $conn:ident $kind:ident
        [$($mode:ident $arg:ident $ty:ty),*] $ret:ty $body:block [$(#[$doc:meta])*]])*) => {
        impl Hosted {
            /// The answer to `request`, or the error to answer with.
            pub(super) async fn answer(&self, call: &CallContext, request: Request) -> ConnectorResult<Response> {
                match request {
                    Request::GetConfigData => Ok(fields_response(self.methods.fields())),
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

    /// `WSGetSupportedActorTypes`.
    async fn supported_actor_types(&self, _: &CallContext, r: RequestBase) -> ConnectorResult<Response> {
        let loaded = self.load(r.connection_guid).await?;
        let c = &*self.methods;
        let types = self.call(&loaded, (), async |conn, ()| c.supported_actor_types(conn).await).await?;
        Ok(self.reply(types, |types| strings_response(types.iter().map(ToString::to_string).collect())))
    }

    /// `WSGetSupportedActorTypeFields`.
    async fn actor_type_fields(
        &self,
        _: &CallContext,
        r: GetSupportedActorTypeFieldsRequest,
    ) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor_type = required(r.actor_type, "ActorType")?;
        let c = &*self.methods;
        let fields = self.call(&loaded, (), async |conn, ()| c.actor_type_fields(conn, &actor_type).await).await?;
        Ok(self.reply(fields, fields_response))
    }

    /// `WSGetSearchableFields`.
    async fn searchable_fields(&self, _: &CallContext, r: GetSearchableFieldsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor_type = required(r.actor_type, "ActorType")?;
        let c = &*self.methods;
        let keys = self.call(&loaded, (), async |conn, ()| c.searchable_fields(conn, &actor_type).await).await?;
        Ok(self.reply(keys, strings_response))
    }

    /// `WSGetActors`.
    async fn get_actors(&self, _: &CallContext, r: GetActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = GetActors {
            actor_type: required(r.actor_type, "ActorType")?,
            erp_keys: r.erp_keys.unwrap_or_default(),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, &keys, async |conn, q| c.get_actors(conn, q).await).await
    }

    /// `WSSearchActors`.
    async fn search_actors(&self, _: &CallContext, r: SearchActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let query = SearchActors {
            actor_type: required(r.actor_type, "ActorType")?,
            search_text: r.search_text.unwrap_or_default(),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, &keys, async |conn, q| c.search_actors(conn, q).await).await
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
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        self.read(&loaded, query, &keys, async |conn, q| c.search_actor_by_parent(conn, q).await).await
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
        let c = &*self.methods;
        let search = async |conn: &AnyConn, ()| {
            let searchable = c.searchable_fields(conn, &actor_type).await?.value;
            let fields = c.actor_type_fields(conn, &actor_type).await?.value;
            let criteria = criteria(&restrictions, &actor_type, &searchable, &fields)?;
            let query = AdvancedSearch { actor_type: actor_type.clone(), criteria, field_keys: field_keys.clone() };
            c.search_actors_advanced(conn, query).await
        };
        self.read(&loaded, (), &field_keys, search).await
    }

    /// `WSCreateActor`: the actor checked against its type's fields first.
    async fn create_actor(&self, _: &CallContext, r: CreateActorRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actor = required(r.actor, "Actor")?;
        let c = &*self.methods;
        let create = async |conn: &AnyConn, actor: ErpActor| {
            let fields = match &actor.actor_type {
                Some(actor_type) => c.actor_type_fields(conn, actor_type).await?.value,
                None => Vec::new(),
            };
            c.create_actor(conn, NewActor::checked(actor, &fields)?).await
        };
        let created = self.call(&loaded, actor, create).await?;
        Ok(self.reply(created, |actor| Response::Actor(ActorResponse { actor: Some(actor), ..Default::default() })))
    }

    /// `WSSaveActors`: each actor checked against its type's fields first (asked for once a type).
    async fn save_actors(&self, _: &CallContext, r: SaveActorsRequest) -> ConnectorResult<Response> {
        let loaded = self.load(r.base.connection_guid).await?;
        let actors = r.actors.unwrap_or_default();
        let c = &*self.methods;
        let save = async |conn: &AnyConn, actors: Vec<ErpActor>| {
            let mut fields: Vec<(ActorType, Vec<FieldMetadata>)> = Vec::new();
            for actor_type in actors.iter().filter_map(|a| a.actor_type.as_ref()) {
                if !fields.iter().any(|(t, _)| t == actor_type) {
                    fields.push((actor_type.clone(), c.actor_type_fields(conn, actor_type).await?.value));
                }
            }
            let fields_of = |t: &ActorType| fields.iter().find(|(f, _)| f == t).map_or(&[][..], |(_, f)| f.as_slice());
            c.save_actors(conn, ActorChange::checked(actors, fields_of)?).await
        };
        let saved = self.call(&loaded, actors, save).await?;
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
            since: r.updated_on_or_after.filter(|since| !since.trim().is_empty()),
            field_keys: r.field_keys.unwrap_or_default(),
        };
        let keys = query.field_keys.clone();
        let c = &*self.methods;
        let actors = self.call(&loaded, query, async |conn, q| c.get_actors_by_timestamp(conn, q).await);
        Ok(actors.await?.only_fields(keys))
    }

    /// A read of actors: `method` called with `query`, answered with only the fields EIS asked
    /// for (all when it named none).
    async fn read<Q: Clone>(
        &self,
        loaded: &Loaded,
        query: Q,
        keys: &[String],
        method: impl AsyncFn(&AnyConn, Q) -> ConnectorResult<Reply<Vec<ErpActor>>>,
    ) -> ConnectorResult<Response> {
        let found = self.call(loaded, query, method).await?;
        Ok(self.reply(found, |mut actors| {
            for actor in &mut actors {
                crate::connector::only_fields(actor, keys);
            }
            actors_response(actors)
        }))
    }

    /// The items of the configuration's own list `name` (`#[derive(ConfigList)]`), those of
    /// `keys` only if given: answered by the framework, with no connection, also during set-up.
    fn config_list(&self, name: &str, keys: Option<&[String]>) -> Option<StringDict> {
        if name.is_empty() {
            return None;
        }
        let list = self.methods.lists().into_iter().find(|l| l.name == name)?;
        let wanted = |key: &&str| keys.is_none_or(|keys| keys.iter().any(|w| w == key));
        Some(list.items.iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (*k, *v)).collect())
    }
}

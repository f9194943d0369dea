//! The author's methods that answer an operation: one table, like the contract's `operations!`.
//!
//! [`author_methods!`] hands the table to a callback macro, which makes of it what it needs:
//! the [`ErpConnector`](super::ErpConnector) trait (`connector/mod.rs`), the object-safe methods
//! the host calls and their adapter (`service/host/erased.rs`), and the host's dispatch of each
//! request (`service/host/calls.rs`). Adding an operation's method touches this table, and the
//! handler of its request in `calls.rs`.
//!
//! Each entry: the operation (a `Request` variant) it answers, the method's docs, its signature
//! and its default body. The first parameter after `&self` is the connection, by kind:
//! `tested` (a [`ConfigTest`](super::ConfigTest), values not yet saved), `bare` (a saved
//! connection without its session), `session` (with its session), `optional` (`None` during a
//! connection's set-up). Each further parameter is passed `ref` (borrowed) or `owned`.

/// Calls `$callback!` with the table of the author's methods (see the module docs).
macro_rules! author_methods {
    ($callback:ident) => {
        $crate::connector::methods::author_methods! { @read $callback

            /// `WSTestConfigData`: after the values have been parsed and validated, check that they work
            /// (e.g. log in), without saving. Default: valid values are enough.
            TestConfigData => fn test_config(&self, test: tested) -> ConnectorResult<Reply> {
                let _ = test;
                Ok(Reply::ok())
            }

            /// `WSTestConnection`: check that a saved connection works. Default: it does (its session,
            /// if any, opened).
            TestConnection => fn test_connection(&self, conn: session) -> ConnectorResult<Reply> {
                let _ = conn;
                Ok(Reply::ok())
            }

            /// `WSSaveConnection`, after the values have been stored: what to answer. An error is sent
            /// as the answer; the values stay stored. Default: a plain `Ok`.
            SaveConnection => fn connection_saved(&self, conn: bare) -> ConnectorResult<Reply> {
                let _ = conn;
                Ok(Reply::ok())
            }

            /// `WSDeleteConnection`, before the configuration is removed: clean up, and say what to
            /// answer. The connection is deleted whatever this returns (SuperOffice has deleted it
            /// already); an error is sent as the answer. Default: a plain `Ok`.
            DeleteConnection => fn connection_deleted(&self, conn: bare) -> ConnectorResult<Reply> {
                let _ = conn;
                Ok(Reply::ok())
            }

            /// `WSGetSupportedActorTypes`. Default: none.
            GetSupportedActorTypes => fn supported_actor_types(
                &self, conn: session
            ) -> ConnectorResult<Reply<Vec<ActorType>>> {
                let _ = conn;
                Ok(Reply::new(Vec::new()))
            }

            /// `WSGetSupportedActorTypeFields`: the fields of one actor type. Default: none.
            GetSupportedActorTypeFields => fn actor_type_fields(
                &self, conn: session, ref actor_type: ActorType
            ) -> ConnectorResult<Reply<Vec<FieldMetadata>>> {
                let _ = (conn, actor_type);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSGetSearchableFields`: keys usable in advanced search. Default: none (no advanced
            /// search for the type).
            GetSearchableFields => fn searchable_fields(
                &self, conn: session, ref actor_type: ActorType
            ) -> ConnectorResult<Reply<Vec<String>>> {
                let _ = (conn, actor_type);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSGetActors`. Default: none found.
            GetActors => fn get_actors(
                &self, conn: session, owned query: GetActors
            ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
                let _ = (conn, query);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSSearchActors`. Default: none found.
            SearchActors => fn search_actors(
                &self, conn: session, owned query: SearchActors
            ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
                let _ = (conn, query);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSSearchActorByParent`. Default: none found.
            SearchActorByParent => fn search_actor_by_parent(
                &self, conn: session, owned query: SearchByParent
            ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
                let _ = (conn, query);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSSearchActorsAdvanced`. Default: none found.
            SearchActorsAdvanced => fn search_actors_advanced(
                &self, conn: session, owned query: AdvancedSearch
            ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
                let _ = (conn, query);
                Ok(Reply::new(Vec::new()))
            }

            /// `WSCreateActor`: create an actor, return it with its new `ErpKey` and `LastModified`. The
            /// framework has checked it against [`ErpConnector::actor_type_fields`] (see [`NewActor`]).
            /// Default: refused, the ERP is read-only.
            CreateActor => fn create_actor(
                &self, conn: session, owned actor: NewActor
            ) -> ConnectorResult<Reply<ErpActor>> {
                let _ = (conn, actor);
                Err(ConnectorError::read_only())
            }

            /// `WSSaveActors`: update actors, return them as saved (fresh `LastModified`). The framework
            /// has checked them against [`ErpConnector::actor_type_fields`] (see [`ActorChange`]).
            /// Default: refused, the ERP is read-only.
            SaveActors => fn save_actors(
                &self, conn: session, owned actors: Vec<ActorChange>
            ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
                let _ = (conn, actors);
                Err(ConnectorError::read_only())
            }

            /// `WSGetList`: every item of a list, key to display text. `conn` is `None` while a
            /// connection is being set up (SuperOffice sends the all-zero GUID). Default: no items.
            GetList => fn get_list(
                &self, conn: optional, ref list_name: str
            ) -> ConnectorResult<Reply<StringDict>> {
                let _ = (conn, list_name);
                Ok(Reply::new(StringDict::new()))
            }

            /// `WSGetListItems`: the display texts of some items. Default: those of [`Self::get_list`].
            GetListItems => fn get_list_items(
                &self, conn: optional, ref list_name: str, owned keys: Vec<String>
            ) -> ConnectorResult<Reply<StringDict>> {
                let all = self.get_list(conn, list_name).await?;
                Ok(all.map(|all| {
                    let text = |key: &String| all.get(key).map(str::to_owned);
                    keys.into_iter().filter_map(|key| Some((key.clone(), text(&key)?))).collect()
                }))
            }

            /// `WSGetActorsByTimestamp`: the actors changed on or after a stamp. The answer is an
            /// [`ActorStream`], written while the actors come, so that a first sync of any size takes flat
            /// memory: from a list (`Ok(actors.into())`, or `collect()` into it), from blocking code
            /// ([`ActorStream::from_blocking`]), or page by page ([`ActorStream::paged`]). Default: none.
            GetActorsByTimestamp => fn get_actors_by_timestamp(
                &self, conn: session, owned query: ActorsSince
            ) -> ConnectorResult<ActorStream> {
                let _ = (conn, query);
                Ok(ActorStream::from_vec(Vec::new()))
            }
        }
    };
    // The table's grammar, read once: each entry handed on as
    // `[op name self conn kind [mode arg type, ...] return body [docs]]`.
    (@read $callback:ident $(
        $(#[$doc:meta])*
        $op:ident => fn $name:ident(&$self_:ident, $conn:ident: $kind:ident $(, $mode:ident $arg:ident: $ty:ty)* $(,)?)
            -> $ret:ty $body:block
    )*) => {
        $callback! { $([$op $name $self_ $conn $kind [$($mode $arg $ty),*] $ret $body [$(#[$doc])*]])* }
    };
}
pub(crate) use author_methods;

/// The type of a further parameter: `ref` borrowed (with lifetime `$l`), `owned` by value.
macro_rules! param_type {
    (ref, $l:lifetime, $ty:ty) => { &$l $ty };
    (owned, $l:lifetime, $ty:ty) => { $ty };
}
pub(crate) use param_type;

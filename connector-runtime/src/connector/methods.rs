//! The author's methods that answer an operation: one table, like the contract's `operations!`.
//!
//! [`author_methods!`] hands the table to a callback macro, which makes of it what it needs:
//! the [`ErpConnector`](super::ErpConnector) trait (`connector/mod.rs`), the object-safe methods
//! the host calls and their adapter (`service/host/erased.rs`), and the host's dispatch of each
//! request (`service/host/calls.rs`). Adding an operation's method touches this table, and the
//! handler of its request in `calls.rs`.
//!
//! Each entry: the operation (a `Request` variant) it answers, the method's docs, its signature
//! and its default body; `reply T` (the author returns a `T`, or a `Reply<T>` with a state) or
//! `plain T` (a `T`) says what it answers. The first parameter after `&self` is the connection, by kind:
//! `tested` (a [`ConfigTest`](super::ConfigTest), values not yet saved), `bare` (a saved
//! connection without its session), `session` (with its session), `optional` (`None` during a
//! connection's set-up). Each further parameter is passed `ref` (borrowed) or `owned`.

/// Calls `$callback!` with the table of the author's methods (see the module docs).
macro_rules! author_methods {
    ($callback:ident) => {
        $crate::connector::methods::author_methods! { @read $callback

            /// `WSTestConfigData`: after the values have been parsed and validated, check that they work
            /// (e.g. log in), without saving. Default: valid values are enough.
            TestConfigData => fn test_config(&self, test: tested) -> reply () {
                let _ = test;
                Ok(())
            }

            /// `WSTestConnection`: check that a saved connection works. Default: it does (its session,
            /// if any, opened).
            TestConnection => fn test_connection(&self, conn: session) -> reply () {
                let _ = conn;
                Ok(())
            }

            /// `WSSaveConnection`, after the values have been stored: what to answer. An error is sent
            /// as the answer; the values stay stored. Default: a plain `Ok`.
            SaveConnection => fn connection_saved(&self, conn: bare) -> reply () {
                let _ = conn;
                Ok(())
            }

            /// `WSDeleteConnection`, before the configuration is removed: clean up, and say what to
            /// answer. The connection is deleted whatever this returns (SuperOffice has deleted it
            /// already); an error is sent as the answer. Default: a plain `Ok`.
            DeleteConnection => fn connection_deleted(&self, conn: bare) -> reply () {
                let _ = conn;
                Ok(())
            }

            /// `WSGetActors`. Default: none found.
            GetActors => fn get_actors(
                &self, conn: session, owned query: GetActors
            ) -> reply Vec<ErpActor> {
                let _ = (conn, query);
                Ok(Vec::new())
            }

            /// `WSSearchActors`. Default: none found.
            SearchActors => fn search_actors(
                &self, conn: session, owned query: SearchActors
            ) -> reply Vec<ErpActor> {
                let _ = (conn, query);
                Ok(Vec::new())
            }

            /// `WSSearchActorByParent`. Default: none found.
            SearchActorByParent => fn search_actor_by_parent(
                &self, conn: session, owned query: SearchByParent
            ) -> reply Vec<ErpActor> {
                let _ = (conn, query);
                Ok(Vec::new())
            }

            /// `WSSearchActorsAdvanced`. Default: none found.
            SearchActorsAdvanced => fn search_actors_advanced(
                &self, conn: session, owned query: AdvancedSearch
            ) -> reply Vec<ErpActor> {
                let _ = (conn, query);
                Ok(Vec::new())
            }

            /// `WSCreateActor`: create an actor, return it with its new `ErpKey` and `LastModified`. The
            /// framework has checked it against the [`Schema`](crate::connector::Schema) (see [`NewActor`]).
            /// Default: refused, the ERP is read-only.
            CreateActor => fn create_actor(
                &self, conn: session, owned actor: NewActor
            ) -> reply ErpActor {
                let _ = (conn, actor);
                Err::<ErpActor, _>(ConnectorError::read_only())
            }

            /// `WSSaveActors`: update actors, return them as saved (fresh `LastModified`). The framework
            /// has checked them against the [`Schema`](crate::connector::Schema) (see [`ActorChange`]).
            /// Default: refused, the ERP is read-only.
            SaveActors => fn save_actors(
                &self, conn: session, owned actors: Vec<ActorChange>
            ) -> reply Vec<ErpActor> {
                let _ = (conn, actors);
                Err::<Vec<ErpActor>, _>(ConnectorError::read_only())
            }

            /// `WSGetList`: every item of a list, key to display text. `conn` is `None` while a
            /// connection is being set up (SuperOffice sends the all-zero GUID). Default: no items.
            GetList => fn get_list(
                &self, conn: optional, ref list_name: str
            ) -> reply StringDict {
                let _ = (conn, list_name);
                Ok(StringDict::new())
            }

            /// `WSGetListItems`: the display texts of some items. Default: those of [`Self::get_list`].
            GetListItems => fn get_list_items(
                &self, conn: optional, ref list_name: str, owned keys: Vec<String>
            ) -> reply StringDict {
                let all = self.get_list(conn, list_name).await?.into_reply();
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
            ) -> plain ActorStream {
                let _ = (conn, query);
                Ok(ActorStream::from_vec(Vec::new()))
            }
        }
    };
    // The table's grammar, read once: each entry handed on as
    // `[op name self conn kind [mode arg type, ...] [answer payload] body [docs]]`.
    (@read $callback:ident $(
        $(#[$doc:meta])*
        $op:ident => fn $name:ident(&$self_:ident, $conn:ident: $kind:ident $(, $mode:ident $arg:ident: $ty:ty)* $(,)?)
            -> $answer:ident $ret:ty $body:block
    )*) => {
        $callback! { $([$op $name $self_ $conn $kind [$($mode $arg $ty),*] [$answer $ret] $body [$(#[$doc])*]])* }
    };
}
pub(crate) use author_methods;

/// What the author's method returns: `reply T`, a `T` or a [`Reply<T>`](super::Reply) with a
/// state ([`IntoReply`](super::IntoReply)); `plain T`, a `T`.
macro_rules! author_return {
    (reply, $t:ty) => { ConnectorResult<impl IntoReply<$t>> };
    (plain, $t:ty) => { ConnectorResult<$t> };
}
pub(crate) use author_return;

/// What the host gets of it: a [`Reply`](super::Reply) for `reply`.
macro_rules! host_return {
    (reply, $t:ty) => { ConnectorResult<Reply<$t>> };
    (plain, $t:ty) => { ConnectorResult<$t> };
}
pub(crate) use host_return;

/// The author's answer as the host gets it.
macro_rules! host_answer {
    (reply, $answer:expr) => {
        $answer.map(IntoReply::into_reply)
    };
    (plain, $answer:expr) => {
        $answer
    };
}
pub(crate) use host_answer;

/// The type of a further parameter: `ref` borrowed (with lifetime `$l`), `owned` by value.
macro_rules! param_type {
    (ref, $l:lifetime, $ty:ty) => { &$l $ty };
    (owned, $l:lifetime, $ty:ty) => { $ty };
}
pub(crate) use param_type;

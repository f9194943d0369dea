//! The smallest complete connector: a few customers and persons in memory.
//!
//! `cargo run -p hello-connector` serves `http://127.0.0.1:8080/Services/ErpConnectorWS.svc`
//! (WSDL at `?wsdl`), keeping connections in `./erp-connector.db`. Settings: see the README.

use erp_connector::prelude::*;

/// What SuperOffice asks for when an administrator adds a connection.
#[derive(ConnectionConfig)]
pub struct HelloConfig {
    /// The ERP company (client) to synchronise.
    #[field(display = "Company", rank = 1, mandatory, max_length = 40)]
    pub company: String,
    /// Password of the ERP user (stored encrypted).
    #[field(display = "Password", rank = 2)]
    pub password: Option<Password>,
}

/// The one field of every actor: its name.
const NAME: Key<String> = Key::new("NAME");

/// (actor type, ERP key, name, parent key, change counter)
const ACTORS: &[(ActorType, &str, &str, &str, u64)] = &[
    (ActorType::Customer, "1001", "Orkdal Senter AS", "", 1),
    (ActorType::Customer, "1002", "Æbeltoft & Søn ApS", "", 2),
    (ActorType::Person, "2001", "Kari Nordmann", "1001", 3),
];

/// The connector.
pub struct Hello;

/// The actors of type `t` as EIS sees them (the framework keeps only the fields asked for).
fn actors(t: &ActorType) -> impl Iterator<Item = ErpActor> + '_ {
    ACTORS.iter().filter(move |a| &a.0 == t).map(|(t, key, name, parent, stamp)| {
        let actor = ErpActor::new(t.clone(), *key, Stamp::counter(*stamp)).with_field(NAME, *name);
        if parent.is_empty() { actor } else { actor.with_parent(ActorType::Customer, *parent) }
    })
}

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "hello")]
impl ErpConnector for Hello {
    type Config = HelloConfig;

    async fn test_config(&self, test: &ConfigTest<HelloConfig>) -> ConnectorResult<()> {
        match test.config.password.as_ref().map(Password::expose) {
            Some("wrong") => Err(ConnectorError::new(format!("Cannot log in to company {}.", test.config.company))),
            _ => Ok(()),
        }
    }

    async fn schema(&self, _: &Conn<Self>) -> ConnectorResult<Schema> {
        let fields = || [NAME.field("Name")];
        Ok(Schema::new().actor(ActorType::Customer, fields()).actor(ActorType::Person, fields()))
    }

    async fn get_actors(&self, _: &Conn<Self>, q: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(actors(&q.actor_type).filter(|a| q.erp_keys.iter().any(|k| a.erp_key.as_ref() == Some(k))).collect())
    }

    async fn search_actors(&self, _: &Conn<Self>, q: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(actors(&q.actor_type).filter(|a| q.matches(a, &[NAME])).collect())
    }

    async fn get_actors_by_timestamp(&self, _: &Conn<Self>, q: ActorsSince) -> ConnectorResult<ActorStream> {
        Ok(actors(&q.actor_type).filter(|a| a.stamp().is_some_and(|s| q.includes(&s))).collect())
    }
}

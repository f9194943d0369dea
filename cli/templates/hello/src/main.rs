//! The smallest complete connector: a few customers and persons in memory.
//!
//! `cargo run -p hello-connector` serves `http://127.0.0.1:8080/Services/ErpConnectorWS.svc`
//! (WSDL at `?wsdl`), keeping connections in `./erp-connector.db`. Settings: see the README.

use erp_connector::prelude::*;

/// What SuperOffice asks for when an administrator adds a connection.
#[derive(ConnectionConfig)]
struct HelloConfig {
    /// The ERP company (client) to synchronise.
    #[field(display = "Company", rank = 1, mandatory, max_length = 40)]
    company: String,
    /// Password of the ERP user (stored encrypted).
    #[field(display = "Password", rank = 2)]
    password: Option<Password>,
}

/// (actor type, ERP key, name, parent key, last modified)
const ACTORS: &[(ActorType, &str, &str, &str, &str)] = &[
    (ActorType::Customer, "1001", "Orkdal Senter AS", "", "2024-05-01T10:15:00"),
    (ActorType::Customer, "1002", "Æbeltoft & Søn ApS", "", "2024-05-02T08:00:00"),
    (ActorType::Person, "2001", "Kari Nordmann", "1001", "2024-05-03T12:30:00"),
];

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", name = "hello")]
struct Hello;

fn actor((actor_type, key, name, parent, stamp): &(ActorType, &str, &str, &str, &str), fields: &[String]) -> ErpActor {
    let mut a = ErpActor::new(actor_type.clone(), *key, *stamp);
    if !parent.is_empty() {
        a = a.with_parent(ActorType::Customer, *parent);
    }
    if fields.iter().any(|f| f == "NAME") {
        a = a.with_field("NAME", *name);
    }
    a
}

fn of_type<'a>(
    t: &'a ActorType,
) -> impl Iterator<Item = &'static (ActorType, &'static str, &'static str, &'static str, &'static str)> + 'a {
    ACTORS.iter().filter(move |a| &a.0 == t)
}

impl ErpConnector for Hello {
    type Config = HelloConfig;

    async fn test_config(&self, test: &ConfigTest<HelloConfig>) -> ConnectorResult<Reply> {
        match test.config.password.as_ref().map(Password::expose) {
            Some("wrong") => Err(ConnectorError::new(format!("Cannot log in to company {}.", test.config.company))),
            _ => Ok(Reply::ok()),
        }
    }

    async fn supported_actor_types(&self, _: &Connection<HelloConfig>) -> ConnectorResult<Reply<Vec<ActorType>>> {
        Ok(vec![ActorType::Customer, ActorType::Person].into())
    }

    async fn actor_type_fields(
        &self,
        _: &Connection<HelloConfig>,
        _: &ActorType,
    ) -> ConnectorResult<Reply<Vec<FieldMetadata>>> {
        Ok(vec![FieldMetadata::new("NAME", "Name", FieldType::Text, 1)].into())
    }

    async fn get_actors(&self, _: &Connection<HelloConfig>, q: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        Ok(of_type(&q.actor_type)
            .filter(|a| q.erp_keys.iter().any(|k| k == a.1))
            .map(|a| actor(a, &q.field_keys))
            .collect())
    }

    async fn search_actors(
        &self,
        _: &Connection<HelloConfig>,
        q: SearchActors,
    ) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        let text = q.search_text.to_lowercase();
        Ok(of_type(&q.actor_type)
            .filter(|a| a.2.to_lowercase().contains(&text))
            .map(|a| actor(a, &q.field_keys))
            .collect())
    }

    async fn get_actors_by_timestamp(
        &self,
        _: &Connection<HelloConfig>,
        q: ActorsSince,
    ) -> ConnectorResult<ActorStream> {
        let since = q.since.as_deref().unwrap_or("");
        Ok(of_type(&q.actor_type).filter(|a| a.4 >= since).map(|a| actor(a, &q.field_keys)).collect())
    }
}

fn main() -> std::io::Result<()> {
    erp_connector::run(Hello)
}

//! Every ErpConnector method, with the documented signatures (the change poll as a list; as a
//! stream in streamed_poll.rs, since a connector implements one of the two).
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(mandatory)]
    server: String,
}

struct Everything;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Everything {
    type Config = Config;
    async fn test_config(&self, _: &Config) -> ConnectorResult<()> { Ok(()) }
    async fn test_connection(&self, _: &Connection<Config>) -> ConnectorResult<()> { Ok(()) }
    async fn connection_deleted(&self, _: &Connection<Config>) -> ConnectorResult<()> { Ok(()) }
    async fn supported_actor_types(&self, _: &Connection<Config>) -> ConnectorResult<Vec<ActorType>> { Ok(vec![]) }
    async fn actor_type_fields(&self, _: &Connection<Config>, _: &ActorType) -> ConnectorResult<Vec<FieldMetadata>> { Ok(vec![]) }
    async fn searchable_fields(&self, _: &Connection<Config>, _: &ActorType) -> ConnectorResult<Vec<String>> { Ok(vec![]) }
    async fn get_actors(&self, _: &Connection<Config>, _: GetActors) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn search_actors(&self, _: &Connection<Config>, _: SearchActors) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn search_actor_by_parent(&self, _: &Connection<Config>, _: SearchByParent) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn search_actors_advanced(&self, _: &Connection<Config>, _: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn create_actor(&self, _: &Connection<Config>, a: ErpActor) -> ConnectorResult<ErpActor> { Ok(a) }
    async fn save_actors(&self, _: &Connection<Config>, a: Vec<ErpActor>) -> ConnectorResult<Vec<ErpActor>> { Ok(a) }
    async fn get_list(&self, _: Option<&Connection<Config>>, _: &str) -> ConnectorResult<StringDict> { Ok(StringDict::new()) }
    async fn get_list_items(&self, _: Option<&Connection<Config>>, _: &str, _: Vec<String>) -> ConnectorResult<StringDict> { Ok(StringDict::new()) }
    async fn get_actors_by_timestamp(&self, _: &Connection<Config>, _: ActorsSince) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!(Everything::METHODS.len(), 15, "every method but the streamed poll");
    assert_eq!(Everything::NAME, "everything");
}

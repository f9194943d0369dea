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
    async fn test_config(&self, _: &ConfigTest<Config>) -> ConnectorResult<Reply> { Ok(()) }
    async fn test_connection(&self, _: &Connection<Config>) -> ConnectorResult<Reply> { Ok(()) }
    async fn connection_deleted(&self, _: &Connection<Config>) -> ConnectorResult<Reply> { Ok(()) }
    async fn supported_actor_types(&self, _: &Connection<Config>) -> ConnectorResult<Reply<Vec<ActorType>>> { Ok(vec![]) }
    async fn actor_type_fields(&self, _: &Connection<Config>, _: &ActorType) -> ConnectorResult<Reply<Vec<FieldMetadata>>> { Ok(vec![]) }
    async fn searchable_fields(&self, _: &Connection<Config>, _: &ActorType) -> ConnectorResult<Reply<Vec<String>>> { Ok(vec![]) }
    async fn get_actors(&self, _: &Connection<Config>, _: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![]) }
    async fn search_actors(&self, _: &Connection<Config>, _: SearchActors) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![]) }
    async fn search_actor_by_parent(&self, _: &Connection<Config>, _: SearchByParent) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![]) }
    async fn search_actors_advanced(&self, _: &Connection<Config>, _: AdvancedSearch) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![]) }
    async fn create_actor(&self, _: &Connection<Config>, a: ErpActor) -> ConnectorResult<Reply<ErpActor>> { Ok(a) }
    async fn save_actors(&self, _: &Connection<Config>, a: Vec<ErpActor>) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(a) }
    async fn get_list(&self, _: Option<&Connection<Config>>, _: &str) -> ConnectorResult<Reply<StringDict>> { Ok(StringDict::new()) }
    async fn get_list_items(&self, _: Option<&Connection<Config>>, _: &str, _: Vec<String>) -> ConnectorResult<Reply<StringDict>> { Ok(StringDict::new()) }
    async fn get_actors_by_timestamp(&self, _: &Connection<Config>, _: ActorsSince) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![]) }
}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!(Everything::METHODS.len(), 15, "every method but the streamed poll");
    assert_eq!(Everything::NAME, "everything");
}

//! Every ErpConnector method, with the documented signatures, on a connector with sessions
//! (more forms of the change poll in streamed_poll.rs).
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(mandatory)]
    server: String,
}

struct Login(String);

struct Everything;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector<Login> for Everything {
    type Config = Config;
    async fn open_session(&self, c: &Connection<Config>) -> ConnectorResult<Login> { Ok(Login(c.config.server.clone())) }
    async fn close_session(&self, c: &Connection<Config, Login>) { let _ = &c.session.0; }
    async fn test_config(&self, _: &ConfigTest<Config>) -> ConnectorResult<Reply> { Ok(Reply::ok()) }
    async fn test_connection(&self, _: &Connection<Config, Login>) -> ConnectorResult<Reply> { Ok(Reply::ok()) }
    async fn connection_saved(&self, _: &Connection<Config>) -> ConnectorResult<Reply> { Ok(Reply::ok().info("saved")) }
    async fn connection_deleted(&self, _: &Connection<Config>) -> ConnectorResult<Reply> { Ok(Reply::ok()) }
    async fn supported_actor_types(&self, _: &Connection<Config, Login>) -> ConnectorResult<Reply<Vec<ActorType>>> { Ok(vec![].into()) }
    async fn actor_type_fields(&self, _: &Connection<Config, Login>, _: &ActorType) -> ConnectorResult<Reply<Vec<FieldMetadata>>> { Ok(vec![].into()) }
    async fn searchable_fields(&self, _: &Connection<Config, Login>, _: &ActorType) -> ConnectorResult<Reply<Vec<String>>> { Ok(vec![].into()) }
    async fn get_actors(&self, _: &Connection<Config, Login>, _: GetActors) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![].into()) }
    async fn search_actors(&self, _: &Connection<Config, Login>, _: SearchActors) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![].into()) }
    async fn search_actor_by_parent(&self, _: &Connection<Config, Login>, _: SearchByParent) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![].into()) }
    async fn search_actors_advanced(&self, _: &Connection<Config, Login>, _: AdvancedSearch) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(vec![].into()) }
    async fn create_actor(&self, _: &Connection<Config, Login>, a: NewActor) -> ConnectorResult<Reply<ErpActor>> { Ok(Reply::from(ErpActor::new(a.actor_type, "1", "1")).warning("created without an address")) }
    async fn save_actors(&self, _: &Connection<Config, Login>, a: Vec<ActorChange>) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(a.into_iter().map(|a| ErpActor::new(a.actor_type, a.erp_key, "2")).collect()) }
    async fn get_list(&self, _: Option<&Connection<Config, Login>>, _: &str) -> ConnectorResult<Reply<StringDict>> { Ok(StringDict::new().into()) }
    async fn get_list_items(&self, _: Option<&Connection<Config, Login>>, _: &str, _: Vec<String>) -> ConnectorResult<Reply<StringDict>> { Ok(StringDict::new().into()) }
    async fn get_actors_by_timestamp(&self, _: &Connection<Config, Login>, _: ActorsSince) -> ConnectorResult<ActorStream> { Ok(vec![].into()) }
}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!(Everything::NAME, "everything");
    let _: fn(Everything) -> std::io::Result<()> = erp_connector::run::<Everything, Login>;
}

//! Every ErpConnector method, with the documented signatures, on a connector with sessions
//! (more forms of the change poll in streamed_poll.rs).
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(mandatory)]
    server: String,
}

struct Login(String);

const NAME: Key<String> = Key::new("NAME");

struct Everything;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector<Login> for Everything {
    type Config = Config;
    async fn open_session(&self, c: &Connection<Config>) -> ConnectorResult<Login> { Ok(Login(c.config.server.clone())) }
    async fn close_session(&self, c: &Connection<Config, Login>) { let _ = &c.session.0; }
    async fn test_config(&self, _: &ConfigTest<Config>) -> ConnectorResult<()> { Ok(()) }
    async fn test_connection(&self, _: &Conn<Self, Login>) -> ConnectorResult<Reply> { Ok(Reply::ok().info("the ERP answers slowly")) }
    async fn connection_saved(&self, _: &Connection<Config>) -> ConnectorResult<Reply> { Ok(Reply::ok().info("saved")) }
    async fn connection_deleted(&self, _: &Connection<Config>) -> ConnectorResult<()> { Ok(()) }
    async fn schema(&self, _: &Conn<Self, Login>) -> ConnectorResult<Schema> { Ok(Schema::new().actor(ActorType::Customer, [NAME.field("Name")])) }
    async fn get_actors(&self, _: &Conn<Self, Login>, _: GetActors) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn search_actors(&self, _: &Conn<Self, Login>, _: SearchActors) -> ConnectorResult<Reply<Vec<ErpActor>>> { Ok(Reply::new(vec![]).text("3 archived customers left out")) }
    async fn search_actor_by_parent(&self, _: &Conn<Self, Login>, _: SearchByParent) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn search_actors_advanced(&self, _: &Conn<Self, Login>, _: AdvancedSearch) -> ConnectorResult<Vec<ErpActor>> { Ok(vec![]) }
    async fn create_actor(&self, _: &Conn<Self, Login>, a: NewActor) -> ConnectorResult<Reply<ErpActor>> { Ok(Reply::from(ErpActor::new(a.actor_type, "1", Stamp::counter(1))).warning("created without an address")) }
    async fn save_actors(&self, _: &Conn<Self, Login>, a: Vec<ActorChange>) -> ConnectorResult<Vec<ErpActor>> { Ok(a.into_iter().map(|a| ErpActor::new(a.actor_type, a.erp_key, Stamp::counter(2))).collect()) }
    async fn get_list(&self, _: Option<&Conn<Self, Login>>, _: &str) -> ConnectorResult<StringDict> { Ok(StringDict::new()) }
    async fn get_list_items(&self, _: Option<&Conn<Self, Login>>, _: &str, _: Vec<String>) -> ConnectorResult<StringDict> { Ok(StringDict::new()) }
    async fn get_actors_by_timestamp(&self, _: &Connection<Config, Login>, _: ActorsSince) -> ConnectorResult<ActorStream> { Ok(vec![].into()) }
}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!(Everything::NAME, "everything");
    let _: fn(Everything) -> std::io::Result<()> = erp_connector::run::<Everything, Login>;
}

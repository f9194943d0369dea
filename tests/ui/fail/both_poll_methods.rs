use erp_connector::prelude::*;

struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Shop {
    type Config = NoConfig;
    async fn get_actors_by_timestamp(&self, _: &Connection<NoConfig>, _: ActorsSince) -> ConnectorResult<Reply<Vec<ErpActor>>> {
        Ok(vec![].into())
    }
    async fn stream_actors_by_timestamp(&self, _: &Connection<NoConfig>, _: ActorsSince) -> ConnectorResult<ActorStream> {
        Ok(ActorStream::from(vec![]))
    }
}

fn main() {}

use erp_connector::prelude::*;
struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Shop {
    async fn get_actors(&self, _: &Connection<NoConfig>, _: SearchActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(vec![].into())
    }
}

fn main() {}

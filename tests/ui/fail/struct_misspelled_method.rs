use erp_connector::prelude::*;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
struct Shop;

impl ErpConnector for Shop {
    type Config = NoConfig;

    async fn get_actor(&self, _: &Connection<NoConfig>, _: GetActors) -> ConnectorResult<Vec<ErpActor>> {
        Ok(Vec::new().into())
    }
}

fn main() {}

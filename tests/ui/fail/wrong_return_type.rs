use erp_connector::prelude::*;
struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Shop {
    async fn supported_actor_types(&self, _: &Connection<NoConfig>) -> ConnectorResult<Reply<Vec<String>>> {
        Ok(vec![].into())
    }
}

fn main() {}

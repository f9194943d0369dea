use erp_connector::prelude::*;

struct Login;

struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector<Login> for Shop {
    type Config = NoConfig;

    async fn test_connection(&self, _: &Connection<NoConfig, Login>) -> ConnectorResult<Reply> {
        Ok(Reply::ok())
    }
}

fn main() {}

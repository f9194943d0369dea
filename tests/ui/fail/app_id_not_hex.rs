use erp_connector::prelude::*;
struct Shop;

#[erp_connector(app_id = "my-app-id-from-the-dev-portal-xx")]
impl ErpConnector for Shop {}

fn main() {}

use erp_connector::prelude::*;
struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f289")]
impl ErpConnector for Shop {}

fn main() {}

use erp_connector::prelude::*;
struct Shop;

#[erp_connector(name = "shop")]
impl ErpConnector for Shop {}

fn main() {}

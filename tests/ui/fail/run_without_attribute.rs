use erp_connector::prelude::*;

struct Shop;

impl ErpConnector for Shop {
    type Config = NoConfig;
}

fn main() -> std::io::Result<()> {
    erp_connector::run(Shop)
}

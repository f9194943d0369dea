// A derive that fails still provides the trait, so only its own error shows, not one at every use.
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
enum Config {
    A,
}

#[derive(ConfigList)]
struct Currency {
    code: String,
}

#[derive(ConnectionConfig)]
struct Other {
    #[field(display = "Currency")]
    currency: Option<Currency>,
}

struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl ErpConnector for Shop {
    type Config = Config;
}

fn main() {}

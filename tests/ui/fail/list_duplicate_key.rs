use erp_connector::prelude::*;

#[derive(ConfigList)]
enum Currency {
    #[item(key = "NOK")]
    Krone,
    #[item(key = "NOK")]
    Euro,
}

fn main() {}

use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(mandatory)]
    server: String,
    #[field(mandatory, key = "SERVER")]
    host: String,
}

fn main() {}

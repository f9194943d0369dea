use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(mandatory)]
    servers: Vec<String>,
}

fn main() {}

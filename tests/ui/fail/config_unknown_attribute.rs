use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(dispaly = "Server", mandatory)]
    server: String,
}

fn main() {}

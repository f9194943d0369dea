use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    server: String,
}

fn main() {}

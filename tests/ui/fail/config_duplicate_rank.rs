use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(rank = 1, mandatory)]
    server: String,
    #[field(rank = 1, mandatory)]
    user: String,
}

fn main() {}

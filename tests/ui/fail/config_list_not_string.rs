use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(list = "Companies", mandatory)]
    company: i32,
}

fn main() {}

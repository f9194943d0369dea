use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(default = 10)]
    company: String,
}

fn main() {}

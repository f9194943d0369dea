use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
enum Config {
    A,
}

fn main() {}

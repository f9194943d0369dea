use erp_connector::prelude::*;

#[derive(ConfigList)]
struct Currency {
    code: String,
}

fn main() {}

use erp_connector::prelude::*;

#[derive(ConfigList)]
enum Currency {
    Krone(u32),
    Euro,
}

fn main() {}

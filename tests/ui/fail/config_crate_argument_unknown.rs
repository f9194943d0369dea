use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
#[connection_config(krate = "erp_connector")]
struct Config {
    #[field(display = "Server")]
    server: Option<String>,
}

#[derive(ConnectionConfig)]
#[connection_config(crate = erp_connector)]
struct Unquoted {
    #[field(display = "Server")]
    server: Option<String>,
}

fn main() {}

use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP's port.
    #[field(mandatory, allow = "erp.example.com")]
    port: u16,
}

fn main() {}

use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP's address.
    #[field(mandatory, allow = "https://erp.example.com https://user@*.erp.example")]
    server: String,
}

fn main() {}

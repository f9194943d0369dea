use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP's API, e.g. `https://eu.erp.example/api/`.
    #[field(mandatory)]
    api: ErpAddress,
}

fn main() {}

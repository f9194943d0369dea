use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP's address: the deployment's places, from the environment.
    #[field(mandatory, allow = "https://erp.example.com ${erp_urls}")]
    server: String,
}

fn main() {}

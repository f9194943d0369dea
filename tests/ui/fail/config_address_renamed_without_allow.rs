use erp_connector::connector::remote::ErpAddress as Base;
use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    /// The ERP's API under another name: still an address, still in need of an allow-list.
    #[field(mandatory)]
    api: Base,
}

fn main() {}

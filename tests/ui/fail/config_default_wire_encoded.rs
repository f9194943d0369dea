use erp_connector::prelude::*;

#[derive(ConnectionConfig)]
struct Config {
    #[field(default = "[I:10]")]
    timeout_secs: u32,
    #[field(default = "ten")]
    retries: u8,
}

fn main() {}

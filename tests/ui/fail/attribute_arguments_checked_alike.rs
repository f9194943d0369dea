use erp_connector::prelude::*;

// Every attribute of the crate reads its arguments alike: an unknown key gets the closest known
// one as a suggestion, a repeated key is refused.
#[derive(ConfigList)]
#[config_list(nam = "regions")]
enum Region {
    North,
}

#[derive(ConnectionConfig)]
#[connection_config(crate = "erp_connector", crate = "erp_connector")]
struct Config {
    #[field(display = "Server")]
    server: Option<String>,
}

fn main() {}

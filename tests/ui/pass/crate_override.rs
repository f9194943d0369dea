//! `crate = "..."` for a connector that reaches the runtime through a re-export.
mod platform {
    pub use erp_connector as erp;
}

use platform::erp::prelude::*;

#[derive(ConnectionConfig)]
#[connection_config(crate = "crate::platform::erp")]
struct Config {
    #[field(default = "main")]
    branch: String,
}

struct Reexported;

#[platform::erp::erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891", crate = "crate::platform::erp")]
impl ErpConnector for Reexported {
    type Config = Config;
}

fn main() {}

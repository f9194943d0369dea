//! No configuration and no methods: every operation answers with the contract's defaults.
use erp_connector::prelude::*;

struct Nothing;

#[erp_connector(app_id = "6CF25376616343B38D14DDCD804F2891", name = "nothing-at-all")]
impl ErpConnector for Nothing {}

fn main() {
    use erp_connector::service::Registered;
    assert_eq!(Nothing::NAME, "nothing-at-all");
    let _: fn(Nothing) -> std::io::Result<()> = erp_connector::run::<Nothing, _>;
}

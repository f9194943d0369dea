use erp_connector::prelude::*;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
struct Shop;

fn main() -> std::io::Result<()> {
    erp_connector::run(Shop)
}

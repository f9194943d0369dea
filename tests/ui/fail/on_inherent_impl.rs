use erp_connector::prelude::*;
struct Shop;

#[erp_connector(app_id = "6cf25376616343b38d14ddcd804f2891")]
impl Shop {
    async fn get_actors(&self) {}
}

fn main() {}

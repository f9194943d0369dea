use erp_connector::prelude::*;

fn main() {
    // A stamp is built from a counter or a date-time (or, deliberately, `Stamp::text`).
    let _ = ErpActor::new(ActorType::Customer, "1", "2024-05-01");
}

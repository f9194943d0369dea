use erp_connector::prelude::*;

const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");

fn main() {
    let n = 12;
    let _ = ErpActor::new(ActorType::Customer, "1", Stamp::counter(1)).with_field(EMPLOYEES, n.to_string());
}

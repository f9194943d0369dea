//! The benchmark actors, shared by every benchmark (the service's load bench includes this file
//! too): customers with the 10 fields of [`FIELDS`], one in ten needing escaping; and the
//! `WSGetActorsByTimestamp` answer of some of them.

use erp_connector::contract::{ActorArrayResponse, ActorType, ErpActor, Operation, Response, Stamp};
use erp_connector::soap::{WireProfile, write_response};

/// The actor counts measured.
pub const SIZES: [usize; 3] = [20, 200, 2_000];

/// The fields of every benchmark customer (the load bench asks for them).
#[allow(dead_code)]
pub const FIELDS: [&str; 10] =
    ["NAME", "NUMBER1", "NUMBER2", "PHONE", "EMAIL", "URL", "POSTALAD1", "POSTALZIP", "POSTALCITY", "COUNTRY"];

/// Customer `i`: ERP key `10000 + i`.
pub fn customer(i: usize) -> ErpActor {
    let stamp = format!("2024-05-01T10:{:02}:{:02}.0000000", i / 60 % 60, i % 60);
    let name = if i.is_multiple_of(10) { format!("Æbeltoft & Søn <{i}> ApS") } else { format!("Customer {i} AS") };
    ErpActor::new(ActorType::Customer, format!("{}", 10_000 + i), Stamp::text(stamp))
        .with_value("NAME", name)
        .with_value("NUMBER1", i as i64)
        .with_value("NUMBER2", format!("C-{i:06}"))
        .with_value("PHONE", "+47 22 33 44 55")
        .with_value("EMAIL", format!("post{i}@example.com"))
        .with_value("URL", "https://www.example.com/")
        .with_value("POSTALAD1", "Storgata 1")
        .with_value("POSTALZIP", "0155")
        .with_value("POSTALCITY", "Oslo")
        .with_value("COUNTRY", "NO")
}

/// The response value with `n` actors.
pub fn response(n: usize) -> Response {
    Response::ActorArray(ActorArrayResponse { actors: Some((0..n).map(customer).collect()), ..Default::default() })
}

/// The response's bytes on the wire (default profile).
pub fn xml(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    write_response(WireProfile::MessageContract, Operation::GetActorsByTimestamp, &response(n), &mut out);
    out
}

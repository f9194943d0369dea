//! The benchmark message: a `WSGetActorsByTimestamp` answer of customers with 10 fields each,
//! one in ten needing escaping.

use erp_connector::contract::{ActorArrayResponse, ActorType, ErpActor, FieldValue, Operation, Response};
use erp_connector::soap::{WireProfile, write_response};

/// The actor counts measured.
pub const SIZES: [usize; 3] = [20, 200, 2_000];

/// The response value with `n` actors.
pub fn response(n: usize) -> Response {
    let actors = (0..n)
        .map(|i| {
            let stamp = format!("2024-05-01T10:{:02}:{:02}.0000000", i / 60 % 60, i % 60);
            let name = if i % 10 == 0 { format!("Æbeltoft & Søn <{i}> ApS") } else { format!("Customer {i} AS") };
            ErpActor::new(ActorType::Customer, format!("{}", 10_000 + i), stamp)
                .with_field("NAME", name)
                .with_field("NUMBER1", FieldValue::Int(i as i64).to_string())
                .with_field("NUMBER2", format!("C-{i:06}"))
                .with_field("PHONE", "+47 22 33 44 55")
                .with_field("EMAIL", format!("post{i}@example.com"))
                .with_field("URL", "https://www.example.com/")
                .with_field("POSTALAD1", "Storgata 1")
                .with_field("POSTALZIP", "0155")
                .with_field("POSTALCITY", "Oslo")
                .with_field("COUNTRY", "NO")
        })
        .collect();
    Response::ActorArray(ActorArrayResponse { actors: Some(actors), ..Default::default() })
}

/// The response's bytes on the wire (default profile).
pub fn xml(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    write_response(WireProfile::MessageContract, Operation::GetActorsByTimestamp, &response(n), &mut out);
    out
}

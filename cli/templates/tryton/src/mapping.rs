//! How SuperOffice's actors map onto Tryton's models.
//!
//! * Customers and suppliers are parties (`party.party`) in the category the connection names
//!   (`Customer`, `Supplier` by default); a party in both is both.
//! * Persons are parties with a relation of the connection's type (`Employee of`) to a company;
//!   that company is their parent, a Customer (or a Supplier when it is only one).
//! * Projects are `project.work` records of type `project`; their party is their parent.
//!
//! The ErpKey is Tryton's record id; LastModified is Tryton's `last_modified_at` (the later of
//! the record's write and create dates, in UTC, which Tryton keeps to the microsecond), as a
//! date-time [`Stamp`].

use erp_connector::chrono::NaiveDateTime;
use erp_connector::prelude::*;
use serde_json::Value;

/// The name (mandatory).
pub const NAME: Key<String> = Key::new("NAME");
/// The party's code (Tryton fills one in from its sequence when none is given).
pub const CODE: Key<String> = Key::new("CODE");
/// The first address's street.
pub const STREET: Key<String> = Key::new("STREET");
/// The first address's postal code.
pub const POSTAL_CODE: Key<String> = Key::new("POSTAL_CODE");
/// The first address's city.
pub const CITY: Key<String> = Key::new("CITY");
/// The first address's country: an item of the list `countries` (ISO code).
pub const COUNTRY: Key<ListItem> = Key::new("COUNTRY");
/// The first phone number.
pub const PHONE: Key<String> = Key::new("PHONE");
/// The first e-mail address.
pub const EMAIL: Key<String> = Key::new("EMAIL");
/// The first website.
pub const WEBSITE: Key<String> = Key::new("WEBSITE");
/// Whether the record is active (archived records are synced too, as inactive).
pub const ACTIVE: Key<bool> = Key::new("ACTIVE");
/// When the record was created.
pub const CREATED: Key<NaiveDateTime> = Key::new("CREATED");

/// The list of countries (Tryton's `country.country`, keyed by ISO code).
pub const COUNTRIES: &str = "countries";

/// The contact mechanism types of the fields that hold one.
pub const MECHANISMS: [(Key<String>, &str); 3] = [(PHONE, "phone"), (EMAIL, "email"), (WEBSITE, "website")];

/// The actor types and their fields.
pub fn schema() -> Schema {
    let name = || NAME.field("Name").mandatory().max_length(250).searchable();
    let text = |key: Key<String>, label, max| key.field(label).max_length(max);
    let active = || ACTIVE.field("Active").searchable();
    let created = || CREATED.field("Created").read_only().searchable();
    let company = || {
        [
            name(),
            text(CODE, "Code", 100).searchable(),
            text(STREET, "Street", 250),
            text(POSTAL_CODE, "Postal code", 20).searchable(),
            text(CITY, "City", 100).searchable(),
            COUNTRY.field("Country").list(COUNTRIES).searchable(),
            text(PHONE, "Phone", 100),
            text(EMAIL, "E-mail", 250).searchable(),
            text(WEBSITE, "Website", 250),
            active(),
            created(),
        ]
    };
    Schema::new()
        .actor(ActorType::Customer, company())
        .actor(ActorType::Supplier, company())
        .actor(
            ActorType::Person,
            [name(), text(PHONE, "Phone", 100), text(EMAIL, "E-mail", 250).searchable(), active(), created()],
        )
        .actor(ActorType::Project, [name(), created()])
}

/// The Tryton model of `t`'s records.
pub fn model(t: &ActorType) -> &'static str {
    if *t == ActorType::Project { "project.work" } else { "party.party" }
}

/// The ids among ErpKeys (others name nothing in Tryton).
pub fn ids(keys: &[String]) -> Vec<i64> {
    keys.iter().filter_map(|k| k.trim().parse::<i64>().ok()).filter(|id| *id > 0).collect()
}

/// A text field of a Tryton record (null and `false` are empty).
pub fn text(record: &Value, field: &str) -> String {
    record.get(field).and_then(Value::as_str).unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_is_sound() {
        assert!(super::schema().problems().is_empty(), "{:?}", super::schema().problems());
    }
}

//! How SuperOffice's actors map onto Tryton's models.
//!
//! * Customers and suppliers are parties (`party.party`) in the category the connection names
//!   (`Customer`, `Supplier` by default); a party in both is both.
//! * Persons are parties with a relation of the connection's type (`Employee of`) to a company;
//!   that company is their parent, a Customer (or a Supplier when it is only one).
//! * Projects are `project.work` records of type `project`; their party is their parent.
//!
//! The ErpKey is Tryton's record id; LastModified is Tryton's `last_modified_at` (the later of
//! the record's write and create dates, in UTC, which Tryton keeps to the microsecond) written
//! `YYYY-MM-DDTHH:MM:SS.ffffff`: one width, so the strings sort in time order.

use chrono::NaiveDateTime;
use erp_connector::prelude::*;
use serde_json::Value;

/// The name (mandatory).
pub const NAME: &str = "NAME";
/// The party's code (Tryton fills one in from its sequence when none is given).
pub const CODE: &str = "CODE";
/// The first address's street.
pub const STREET: &str = "STREET";
/// The first address's postal code.
pub const POSTAL_CODE: &str = "POSTAL_CODE";
/// The first address's city.
pub const CITY: &str = "CITY";
/// The first address's country: an item of the list `countries` (ISO code).
pub const COUNTRY: &str = "COUNTRY";
/// The first phone number.
pub const PHONE: &str = "PHONE";
/// The first e-mail address.
pub const EMAIL: &str = "EMAIL";
/// The first website.
pub const WEBSITE: &str = "WEBSITE";
/// Whether the record is active (archived records are synced too, as inactive).
pub const ACTIVE: &str = "ACTIVE";
/// When the record was created.
pub const CREATED: &str = "CREATED";

/// The list of countries (Tryton's `country.country`, keyed by ISO code).
pub const COUNTRIES: &str = "countries";

/// The actor types this connector offers.
pub const TYPES: [ActorType; 4] = [ActorType::Customer, ActorType::Supplier, ActorType::Person, ActorType::Project];

/// The contact mechanism types of the fields that hold one.
pub const MECHANISMS: [(&str, &str); 3] = [(PHONE, "phone"), (EMAIL, "email"), (WEBSITE, "website")];

/// The fields of `t`.
pub fn fields(t: &ActorType) -> Vec<FieldMetadata> {
    let text = |key: &str, name: &str, rank: i32, max: i32| {
        let mut f = FieldMetadata::new(key, name, FieldType::Text, rank);
        f.max_length = max;
        f
    };
    let mut name = text(NAME, "Name", 1, 250);
    name.access = FieldAccess::Mandatory;
    let mut created = FieldMetadata::new(CREATED, "Created", FieldType::Datetime, 20);
    created.access = FieldAccess::ReadOnly;
    let active = FieldMetadata::new(ACTIVE, "Active", FieldType::Checkbox, 19);
    match t {
        ActorType::Customer | ActorType::Supplier => {
            let mut country = FieldMetadata::new(COUNTRY, "Country", FieldType::List, 7);
            country.list_name = Some(COUNTRIES.into());
            vec![
                name,
                text(CODE, "Code", 2, 100),
                text(STREET, "Street", 3, 250),
                text(POSTAL_CODE, "Postal code", 4, 20),
                text(CITY, "City", 5, 100),
                country,
                text(PHONE, "Phone", 8, 100),
                text(EMAIL, "E-mail", 9, 250),
                text(WEBSITE, "Website", 10, 250),
                active,
                created,
            ]
        }
        ActorType::Person => vec![name, text(PHONE, "Phone", 2, 100), text(EMAIL, "E-mail", 3, 250), active, created],
        ActorType::Project => vec![name, created],
        _ => Vec::new(),
    }
}

/// The fields of `t` an advanced search may name.
pub fn searchable(t: &ActorType) -> Vec<String> {
    let keys: &[&str] = match t {
        ActorType::Customer | ActorType::Supplier => &[NAME, CODE, CITY, POSTAL_CODE, COUNTRY, EMAIL, ACTIVE, CREATED],
        ActorType::Person => &[NAME, EMAIL, ACTIVE, CREATED],
        ActorType::Project => &[NAME, CREATED],
        _ => &[],
    };
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// The Tryton model of `t`'s records.
pub fn model(t: &ActorType) -> &'static str {
    if *t == ActorType::Project { "project.work" } else { "party.party" }
}

/// A LastModified from Tryton's `last_modified_at`.
pub fn stamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// `UpdatedOnOrAfter` read back: a stamp this connector wrote (or a shorter ISO form); empty or
/// unreadable means the first, full poll.
pub fn since(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
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
    use super::*;

    #[test]
    fn stamps_have_one_width_and_read_back() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_micro_opt(3, 4, 5, 60).unwrap();
        assert_eq!(stamp(at), "2026-01-02T03:04:05.000060");
        assert_eq!(since(&stamp(at)), Some(at));
        assert_eq!(since(""), None);
        assert_eq!(since("2026-01-02"), chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_opt(0, 0, 0));
    }

    #[test]
    fn every_searchable_field_is_declared() {
        for t in TYPES {
            let declared: Vec<String> = fields(&t).iter().filter_map(|f| f.field_key.clone()).collect();
            assert!(searchable(&t).iter().all(|k| declared.contains(k)), "{t}");
        }
    }
}

//! The ERP's records and how SuperOffice's actors map onto them.
//!
//! * Customers and suppliers are the API's `customers` and `suppliers`;
//! * persons are its `contacts`, each under a company (`company_id`, `company_type`);
//! * projects are its `projects`, each under a customer (`customer_id`).
//!
//! The ErpKey is the record's `id`; LastModified is its `updated_at` (UTC, to the microsecond)
//! as a date-time [`Stamp`].

use erp_connector::chrono::{DateTime, NaiveDateTime};
use erp_connector::prelude::*;
use serde::{Deserialize, Serialize};

/// The name (mandatory).
pub const NAME: Key<String> = Key::new("NAME");
/// The e-mail address.
pub const EMAIL: Key<String> = Key::new("EMAIL");
/// The phone number.
pub const PHONE: Key<String> = Key::new("PHONE");
/// A company's city.
pub const CITY: Key<String> = Key::new("CITY");
/// A company's country: an item of the list [`COUNTRIES`] (ISO code).
pub const COUNTRY: Key<ListItem> = Key::new("COUNTRY");
/// Whether a company is active.
pub const ACTIVE: Key<bool> = Key::new("ACTIVE");

/// The list of countries (the API's `countries`).
pub const COUNTRIES: &str = "countries";

/// The actor types and their fields.
pub fn schema() -> Schema {
    let name = || NAME.field("Name").mandatory().max_length(200).searchable();
    let email = || EMAIL.field("E-mail").max_length(200).searchable();
    let phone = || PHONE.field("Phone").max_length(50);
    let company = || {
        [
            name(),
            email(),
            phone(),
            CITY.field("City").max_length(100).searchable(),
            COUNTRY.field("Country").list(COUNTRIES).searchable(),
            ACTIVE.field("Active").searchable(),
        ]
    };
    Schema::new()
        .actor(ActorType::Customer, company())
        .actor(ActorType::Supplier, company())
        .actor(ActorType::Person, [name(), email(), phone()])
        .actor(ActorType::Project, [name()])
}

/// The API's resource of an actor type the schema has.
pub fn resource(t: &ActorType) -> &'static str {
    match t {
        ActorType::Customer => "customers",
        ActorType::Supplier => "suppliers",
        ActorType::Person => "contacts",
        _ => "projects",
    }
}

/// A record as the API answers it (one shape for all four resources; each has some fields).
#[derive(Debug, Deserialize)]
pub struct Record {
    id: u64,
    name: String,
    updated_at: String,
    email: Option<String>,
    phone: Option<String>,
    city: Option<String>,
    country: Option<String>,
    active: Option<bool>,
    company_id: Option<u64>,
    company_type: Option<String>,
    customer_id: Option<u64>,
}

impl Record {
    /// The record as an actor of type `t`.
    pub fn actor(self, t: &ActorType) -> ErpActor {
        let updated = DateTime::parse_from_rfc3339(&self.updated_at).map(|at| at.naive_utc());
        let stamp = updated.map_or(Stamp::at(NaiveDateTime::MIN), Stamp::at);
        let actor = ErpActor::new(t.clone(), self.id.to_string(), stamp).with_field(NAME, self.name);
        match t {
            ActorType::Customer | ActorType::Supplier => actor
                .with_field(EMAIL, self.email)
                .with_field(PHONE, self.phone)
                .with_field(CITY, self.city)
                .with_field(COUNTRY, self.country)
                .with_field(ACTIVE, self.active),
            ActorType::Person => {
                let parent = match self.company_type.as_deref() {
                    Some("supplier") => ActorType::Supplier,
                    _ => ActorType::Customer,
                };
                let actor = actor.with_field(EMAIL, self.email).with_field(PHONE, self.phone);
                match self.company_id {
                    Some(company) => actor.with_parent(parent, company.to_string()),
                    None => actor,
                }
            }
            _ => match self.customer_id {
                Some(customer) => actor.with_parent(ActorType::Customer, customer.to_string()),
                None => actor,
            },
        }
    }
}

/// What a create or a save writes: the values SuperOffice sent, in the API's names (a field not
/// sent is left out, so a save changes only what was sent).
#[derive(Debug, Default, Serialize)]
pub struct Write {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<u64>,
}

impl Write {
    /// The values of `actor` (a [`NewActor`] or an [`ActorChange`]) of type `t` under `parent`.
    pub fn of(t: &ActorType, actor: &impl ActorValues, parent: Option<&ParentRef>) -> ConnectorResult<Write> {
        let text = |key: Key<String>| actor.value(key).map(|v| v.map(|v| v.trim().to_owned()));
        let parent = parent.map(ParentRef::key::<u64>).transpose()?;
        let mut write = Write { name: text(NAME)?, ..Write::default() };
        match t {
            ActorType::Customer | ActorType::Supplier => {
                write.email = text(EMAIL)?;
                write.phone = text(PHONE)?;
                write.city = text(CITY)?;
                write.country = actor.value(COUNTRY)?;
                write.active = actor.value(ACTIVE)?;
            }
            ActorType::Person => {
                (write.email, write.phone, write.company_id) = (text(EMAIL)?, text(PHONE)?, parent);
            }
            _ => write.customer_id = parent,
        }
        Ok(write)
    }
}

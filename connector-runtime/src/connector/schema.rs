//! The ERP's schema, written once: its actor types and their fields. The framework answers
//! `WSGetSupportedActorTypes`, `WSGetSupportedActorTypeFields` and `WSGetSearchableFields` from
//! it, refuses calls for types it lacks, checks what EIS sends (fields, values, list items) and
//! what the connector answers (values of the declared types) against it.

use std::fmt;

use crate::contract::{
    ActorType, FieldAccess, FieldKind, FieldMetadata, FieldType, IntoFieldValue, Key, LocalizedText,
};
use crate::untrusted::shown;

/// One field of an actor type: key, label, type, and what SuperOffice may do with it.
///
/// Made from a typed [`Key`] (`NAME.field("Name")`, the type taken from the key) or, for fields
/// known only at run time, with [`Field::new`].
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Field {
    metadata: FieldMetadata,
    searchable: bool,
}

impl<T: FieldKind> Key<T> {
    /// A field of this key and its type, labelled `label`.
    pub fn field(self, label: impl Into<String>) -> Field {
        Field::new(self.name(), label, T::FIELD_TYPE)
    }
}

impl Field {
    /// A field of `field_type` (ranked in the order the schema lists it).
    pub fn new(key: impl Into<String>, label: impl Into<String>, field_type: FieldType) -> Self {
        Field { metadata: FieldMetadata::new(key, label, field_type, 0), searchable: false }
    }

    /// Must have a value: refused on create when missing, on save when emptied.
    pub fn mandatory(mut self) -> Self {
        self.metadata.access = FieldAccess::Mandatory;
        self
    }

    /// Shown, never written by SuperOffice: refused on create and save.
    pub fn read_only(mut self) -> Self {
        self.metadata.access = FieldAccess::ReadOnly;
        self
    }

    /// At most `characters` characters (text fields).
    pub fn max_length(mut self, characters: u16) -> Self {
        self.metadata.max_length = characters.into();
        self
    }

    /// Offered to advanced search (`WSGetSearchableFields`).
    pub fn searchable(mut self) -> Self {
        self.searchable = true;
        self
    }

    /// The list (`WSGetList`) a List field's items come from.
    pub fn list(mut self, list_name: impl Into<String>) -> Self {
        self.metadata.list_name = Some(list_name.into());
        self
    }

    /// A tooltip (may be a multi-language text).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.metadata.display_description = Some(text.into());
        self
    }

    /// The label in several languages.
    pub fn labels(mut self, labels: &LocalizedText) -> Self {
        self.metadata.display_name = Some(labels.to_string());
        self
    }

    /// The value a new actor's field is pre-filled with.
    pub fn default_value(mut self, value: impl IntoFieldValue) -> Self {
        self.metadata.default_value = value.into_field_value().map(Into::into);
        self
    }

    /// The field's key.
    pub fn key(&self) -> &str {
        self.metadata.field_key.as_deref().unwrap_or_default()
    }

    /// The field as `WSGetSupportedActorTypeFields` sends it.
    pub fn metadata(&self) -> &FieldMetadata {
        &self.metadata
    }

    /// Whether advanced search offers it.
    pub fn is_searchable(&self) -> bool {
        self.searchable
    }
}

/// One actor type of a [`Schema`]: its fields, ranked in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorSchema {
    actor_type: ActorType,
    fields: Vec<Field>,
    metadata: Vec<FieldMetadata>,
}

impl ActorSchema {
    /// The actor type.
    pub fn actor_type(&self) -> &ActorType {
        &self.actor_type
    }

    /// Its fields, in rank order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field with `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key() == key)
    }

    /// Its fields as `WSGetSupportedActorTypeFields` sends them.
    pub fn metadata(&self) -> &[FieldMetadata] {
        &self.metadata
    }

    /// The keys `WSGetSearchableFields` sends.
    pub fn searchable_keys(&self) -> Vec<String> {
        self.fields.iter().filter(|f| f.searchable).map(|f| f.key().to_owned()).collect()
    }
}

/// The ERP's actor types and their fields, what [`ErpConnector::schema`](super::ErpConnector)
/// returns. The framework asks for it once per connection (again when the connection is saved
/// anew, or its cache entry is read again with other values), so that it may come from the ERP
/// (custom fields) without costing a call each time.
///
/// ```
/// use erp_connector::prelude::*;
///
/// const NAME: Key<String> = Key::new("NAME");
/// const EMPLOYEES: Key<i64> = Key::new("EMPLOYEES");
/// const COUNTRY: Key<ListItem> = Key::new("COUNTRY");
///
/// let schema = Schema::new()
///     .actor(ActorType::Customer, [
///         NAME.field("Name").mandatory().max_length(80).searchable(),
///         EMPLOYEES.field("Employees"),
///         COUNTRY.field("Country").list("countries"),
///     ])
///     .actor(ActorType::Person, [NAME.field("Name").mandatory()]);
/// assert!(schema.problems().is_empty());
/// assert_eq!(schema.of(&ActorType::Customer).unwrap().searchable_keys(), ["NAME"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct Schema {
    types: Vec<ActorSchema>,
    problems: Vec<String>,
}

impl Schema {
    /// A schema without actor types (a connector that supports none answers so).
    pub fn new() -> Self {
        Schema::default()
    }

    /// Adds `actor_type` with `fields`, ranked in this order.
    pub fn actor(mut self, actor_type: ActorType, fields: impl IntoIterator<Item = Field>) -> Self {
        let fields: Vec<Field> = fields.into_iter().collect();
        self.check(&actor_type, &fields);
        let metadata = fields.iter().zip(1..).map(|(f, rank)| FieldMetadata { rank, ..f.metadata.clone() }).collect();
        self.types.push(ActorSchema { actor_type, fields, metadata });
        self
    }

    /// Notes what is wrong with a type's declaration (the service refuses to answer from a schema
    /// with problems, naming them).
    fn check(&mut self, actor_type: &ActorType, fields: &[Field]) {
        if self.types.iter().any(|t| &t.actor_type == actor_type) {
            self.problems.push(format!("actor type {actor_type} is declared twice"));
        }
        if !actor_type.is_known() || *actor_type == ActorType::Unknown {
            self.problems.push(format!("{} is not one of SuperOffice's actor types", shown(actor_type.as_str())));
        }
        for (i, field) in fields.iter().enumerate() {
            let key = field.key();
            if key.is_empty() {
                self.problems.push(format!("{actor_type} has a field without a key"));
            } else if fields[..i].iter().any(|f| f.key() == key) {
                self.problems.push(format!("{actor_type}.{} is declared twice", shown(key)));
            }
            let m = &field.metadata;
            if m.field_type == FieldType::List && m.list_name.as_deref().is_none_or(str::is_empty) {
                self.problems.push(format!("{actor_type}.{} is a List field without a list", shown(key)));
            }
        }
    }

    /// The actor types, in the order declared.
    pub fn actor_types(&self) -> Vec<ActorType> {
        self.types.iter().map(|t| t.actor_type.clone()).collect()
    }

    /// The declaration of `actor_type`, if the ERP has it.
    pub fn of(&self, actor_type: &ActorType) -> Option<&ActorSchema> {
        self.types.iter().find(|t| &t.actor_type == actor_type)
    }

    /// What is wrong with the declarations (a key or a type twice, a List field without a list):
    /// empty when the schema is sound. A test of the connector should assert so.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// An actor type the schema lacks, as the answer names it.
pub(crate) struct UnknownType<'a>(pub(crate) &'a ActorType);

impl fmt::Display for UnknownType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "This connector has no actor type {}.", shown(self.0.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_ranked_in_order_and_mistakes_are_named() {
        const NAME: Key<String> = Key::new("NAME");
        const SINCE: Key<chrono::NaiveDateTime> = Key::new("SINCE");
        let schema = Schema::new().actor(
            ActorType::Customer,
            [NAME.field("Name").mandatory().max_length(20).searchable(), SINCE.field("Since").read_only()],
        );
        let customer = schema.of(&ActorType::Customer).unwrap();
        let ranks: Vec<_> = customer.metadata().iter().map(|m| (m.field_key.clone().unwrap(), m.rank)).collect();
        assert_eq!(ranks, [("NAME".to_owned(), 1), ("SINCE".to_owned(), 2)]);
        assert_eq!(customer.metadata()[1].field_type, FieldType::Datetime, "the type from the key");
        assert_eq!(customer.metadata()[0].max_length, 20);
        assert_eq!(customer.searchable_keys(), ["NAME"]);
        assert!(schema.of(&ActorType::Person).is_none());

        let bad = Schema::new()
            .actor(
                ActorType::Customer,
                [NAME.field("Name"), NAME.field("Again"), Field::new("C", "C", FieldType::List)],
            )
            .actor(ActorType::Customer, [])
            .actor(ActorType::parse("Vendor"), []);
        assert_eq!(
            bad.problems(),
            [
                "Customer.NAME is declared twice",
                "Customer.C is a List field without a list",
                "actor type Customer is declared twice",
                "Vendor is not one of SuperOffice's actor types"
            ]
        );
    }
}

//! What the ERP offers SuperOffice, as data: per actor type, its table, its parent, and its
//! fields (key, label, type, column, limits). Column keys follow SuperOffice's automatic mapping
//! names (spec §5.6) where one fits, so that SuperOffice maps them without the administrator.

use erp_connector::prelude::FieldType::{Checkbox, Datetime, Double, Integer, List, Text};
use erp_connector::prelude::*;

/// One field of an actor type, and where it lives.
#[derive(Debug)]
pub struct Column {
    /// The field key SuperOffice sees.
    pub key: &'static str,
    /// The label.
    pub label: &'static str,
    /// The widget / data type.
    pub kind: FieldType,
    /// The column in the table.
    pub column: &'static str,
    /// What else SuperOffice is told of the field: mandatory, read-only, a length, a list.
    pub declare: fn(Field) -> Field,
}

/// How an actor type finds its parent.
#[derive(Debug)]
pub struct Parent {
    /// The column holding the parent's id.
    pub column: &'static str,
    /// SQL giving the parent's actor type name for row `t`.
    pub type_sql: &'static str,
}

/// An actor type and where it lives.
#[derive(Debug)]
pub struct Table {
    /// The actor type name.
    pub actor_type: &'static str,
    /// The table.
    pub table: &'static str,
    /// A condition on the table's rows (companies are customers or suppliers).
    pub filter: &'static str,
    /// The value of `kind` for new rows of a shared table.
    pub kind: Option<&'static str>,
    /// The parent, if the type has one.
    pub parent: Option<Parent>,
    /// The columns free-text search looks in.
    pub text_columns: &'static [&'static str],
    /// The fields.
    pub fields: &'static [Column],
}

impl Table {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&'static Column> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The actor type.
    pub fn actor_type(&self) -> ActorType {
        ActorType::parse(self.actor_type)
    }
}

const fn col(
    key: &'static str,
    label: &'static str,
    kind: FieldType,
    column: &'static str,
    declare: fn(Field) -> Field,
) -> Column {
    Column { key, label, kind, column, declare }
}

const COMPANY_FIELDS: &[Column] = &[
    col("NAME", "Name", Text, "name", |f| f.mandatory().max_length(80)),
    col("NUMBER1", "Customer number", Text, "number", |f| f.read_only().max_length(20)),
    col("VATNO", "Organisation number", Text, "vat_no", |f| f.max_length(20)),
    col("EMAIL", "E-mail", Text, "email", |f| f.max_length(120)),
    col("PHONE", "Phone", Text, "phone", |f| f.max_length(40)),
    col("STREETAD1", "Street address", Text, "street", |f| f.max_length(80)),
    col("STREETZIP", "Postcode", Text, "zip", |f| f.max_length(10)),
    col("STREETCITY", "City", Text, "city", |f| f.max_length(60)),
    col("COUNTRY", "Country", List, "country", |f| f.list("countries")),
    col("CURRENCY", "Currency", List, "currency", |f| f.list("currencies")),
    col("PAYMENT_TERMS", "Payment terms", List, "payment_terms", |f| f.list("payment_terms")),
    col("CREDIT_LIMIT", "Credit limit", Double, "credit_limit", |f| f),
    col("EMPLOYEES", "Employees", Integer, "employees", |f| f),
    col("ACTIVE", "Active", Checkbox, "active", |f| f),
    col("CREATED", "Created", Datetime, "created", Field::read_only),
];

/// The actor types of this ERP.
pub const TABLES: &[Table] = &[
    Table {
        actor_type: "Customer",
        table: "company",
        filter: "t.kind = 'C'",
        kind: Some("C"),
        parent: None,
        text_columns: &["name", "number", "email", "city"],
        fields: COMPANY_FIELDS,
    },
    Table {
        actor_type: "Supplier",
        table: "company",
        filter: "t.kind = 'S'",
        kind: Some("S"),
        parent: None,
        text_columns: &["name", "number", "email", "city"],
        fields: COMPANY_FIELDS,
    },
    Table {
        actor_type: "Person",
        table: "person",
        filter: "1",
        kind: None,
        parent: Some(Parent {
            column: "company_id",
            type_sql: "(SELECT CASE c.kind WHEN 'S' THEN 'Supplier' ELSE 'Customer' END FROM company c WHERE c.id = t.company_id)",
        }),
        text_columns: &["first_name", "last_name", "email"],
        fields: &[
            col("FIRSTNAME", "First name", Text, "first_name", |f| f.max_length(50)),
            col("LASTNAME", "Last name", Text, "last_name", |f| f.mandatory().max_length(50)),
            col("TITLE", "Title", Text, "title", |f| f.max_length(50)),
            col("EMAIL", "E-mail", Text, "email", |f| f.max_length(120)),
            col("PHONE_DIRECT", "Direct phone", Text, "phone", |f| f.max_length(40)),
            col("BIRTHDATE", "Birth date", Datetime, "birthdate", |f| f),
        ],
    },
    Table {
        actor_type: "Project",
        table: "project",
        filter: "1",
        kind: None,
        parent: Some(Parent {
            column: "customer_id",
            type_sql: "(CASE WHEN t.customer_id IS NULL THEN NULL ELSE 'Customer' END)",
        }),
        text_columns: &["name", "number"],
        fields: &[
            col("NAME", "Name", Text, "name", |f| f.mandatory().max_length(80)),
            col("NUMBER", "Project number", Text, "number", |f| f.read_only().max_length(20)),
            col("TEXT", "Description", Text, "description", |f| f),
            col("BUDGET", "Budget", Double, "budget", |f| f),
            col("ENDDATE", "End date", Datetime, "end_date", |f| f),
            col("ACTIVE", "Active", Checkbox, "active", |f| f),
        ],
    },
];

impl Column {
    /// The field as SuperOffice sees it (every field is offered to advanced search).
    fn declared(&self) -> Field {
        (self.declare)(Field::new(self.key, self.label, self.kind)).searchable()
    }
}

/// The actor types of this ERP and their fields, as the framework answers SuperOffice.
pub fn schema() -> Schema {
    TABLES.iter().fold(Schema::new(), |schema, t| schema.actor(t.actor_type(), t.fields.iter().map(Column::declared)))
}

/// The table of an actor type, if this ERP has it.
pub fn table(actor_type: &ActorType) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.actor_type == actor_type.as_str())
}

/// The lists SuperOffice may ask for, and their tables.
pub const LISTS: &[(&str, &str)] =
    &[("countries", "country"), ("currencies", "currency"), ("payment_terms", "payment_terms")];

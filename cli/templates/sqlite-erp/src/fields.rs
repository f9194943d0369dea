//! What the ERP offers SuperOffice, as data: per actor type, its table, its parent, and its
//! fields (key, label, type, column, limits). Column keys follow SuperOffice's automatic mapping
//! names (spec §5.6) where one fits, so that SuperOffice maps them without the administrator.

use erp_connector::contract::FieldAccess;
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
    /// Longest text (0: unlimited).
    pub max_length: i32,
    /// Normal, Mandatory or ReadOnly.
    pub access: FieldAccess,
    /// The list of a `List` field.
    pub list: Option<&'static str>,
    /// Offered to advanced search.
    pub searchable: bool,
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

const fn field(key: &'static str, label: &'static str, kind: FieldType, column: &'static str) -> Column {
    Column { key, label, kind, column, max_length: 0, access: FieldAccess::Normal, list: None, searchable: true }
}

const fn text(key: &'static str, label: &'static str, column: &'static str, max_length: i32) -> Column {
    Column { max_length, ..field(key, label, FieldType::Text, column) }
}

const fn list(key: &'static str, label: &'static str, column: &'static str, list: &'static str) -> Column {
    Column { list: Some(list), ..field(key, label, FieldType::List, column) }
}

const fn mandatory(f: Column) -> Column {
    Column { access: FieldAccess::Mandatory, ..f }
}

const fn read_only(f: Column) -> Column {
    Column { access: FieldAccess::ReadOnly, ..f }
}

const COMPANY_FIELDS: &[Column] = &[
    mandatory(text("NAME", "Name", "name", 80)),
    read_only(text("NUMBER1", "Customer number", "number", 20)),
    text("VATNO", "Organisation number", "vat_no", 20),
    text("EMAIL", "E-mail", "email", 120),
    text("PHONE", "Phone", "phone", 40),
    text("STREETAD1", "Street address", "street", 80),
    text("STREETZIP", "Postcode", "zip", 10),
    text("STREETCITY", "City", "city", 60),
    list("COUNTRY", "Country", "country", "countries"),
    list("CURRENCY", "Currency", "currency", "currencies"),
    list("PAYMENT_TERMS", "Payment terms", "payment_terms", "payment_terms"),
    field("CREDIT_LIMIT", "Credit limit", FieldType::Double, "credit_limit"),
    field("EMPLOYEES", "Employees", FieldType::Integer, "employees"),
    field("ACTIVE", "Active", FieldType::Checkbox, "active"),
    read_only(field("CREATED", "Created", FieldType::Datetime, "created")),
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
            text("FIRSTNAME", "First name", "first_name", 50),
            mandatory(text("LASTNAME", "Last name", "last_name", 50)),
            text("TITLE", "Title", "title", 50),
            text("EMAIL", "E-mail", "email", 120),
            text("PHONE_DIRECT", "Direct phone", "phone", 40),
            field("BIRTHDATE", "Birth date", FieldType::Datetime, "birthdate"),
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
            mandatory(text("NAME", "Name", "name", 80)),
            read_only(text("NUMBER", "Project number", "number", 20)),
            text("TEXT", "Description", "description", 0),
            field("BUDGET", "Budget", FieldType::Double, "budget"),
            field("ENDDATE", "End date", FieldType::Datetime, "end_date"),
            field("ACTIVE", "Active", FieldType::Checkbox, "active"),
        ],
    },
];

impl Column {
    /// The field as SuperOffice sees it.
    fn declared(&self) -> Field {
        let field = Field::new(self.key, self.label, self.kind).max_length(self.max_length as u16);
        let field = if self.searchable { field.searchable() } else { field };
        let field = match self.access {
            FieldAccess::Mandatory => field.mandatory(),
            FieldAccess::ReadOnly => field.read_only(),
            FieldAccess::Normal => field,
        };
        if let Some(list) = self.list { field.list(list) } else { field }
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

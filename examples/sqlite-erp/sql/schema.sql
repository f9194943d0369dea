-- The sqlite-erp example's ERP database (db.rs creates and upgrades it; bump SCHEMA_VERSION
-- there when this changes).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- One counter for the whole database: every insert and update takes the next value, so
-- LastModified is monotonic and global across actors and types (spec §5.3).
CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO counter (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS country (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS currency (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payment_terms (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS company (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('C', 'S')),
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    vat_no TEXT, email TEXT, phone TEXT, street TEXT, zip TEXT, city TEXT,
    country TEXT REFERENCES country(code),
    currency TEXT REFERENCES currency(code),
    payment_terms TEXT REFERENCES payment_terms(code),
    credit_limit REAL, employees INTEGER, active INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    changed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS company_changed ON company (changed);
CREATE TABLE IF NOT EXISTS person (
    id INTEGER PRIMARY KEY,
    company_id INTEGER REFERENCES company(id),
    first_name TEXT, last_name TEXT NOT NULL, title TEXT, email TEXT, phone TEXT, birthdate TEXT,
    changed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS person_changed ON person (changed);
CREATE INDEX IF NOT EXISTS person_company ON person (company_id);
CREATE TABLE IF NOT EXISTS project (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES company(id),
    number TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT, budget REAL, end_date TEXT, active INTEGER NOT NULL DEFAULT 1,
    changed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS project_changed ON project (changed);
CREATE INDEX IF NOT EXISTS project_customer ON project (customer_id);
INSERT OR IGNORE INTO country (code, name) VALUES ('NO', 'Norway'), ('SE', 'Sweden'), ('DK', 'Denmark'), ('FI', 'Finland'), ('DE', 'Germany'), ('GB', 'United Kingdom');
INSERT OR IGNORE INTO currency (code, name) VALUES ('NOK', 'Norwegian krone'), ('SEK', 'Swedish krona'), ('DKK', 'Danish krone'), ('EUR', 'Euro'), ('GBP', 'Pound sterling');
INSERT OR IGNORE INTO payment_terms (code, name) VALUES ('NET10', '10 days net'), ('NET30', '30 days net'), ('PREPAID', 'Prepayment');

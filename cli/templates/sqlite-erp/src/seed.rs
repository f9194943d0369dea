//! Demo data: `count` actors in the proportions of a small wholesaler (40 % customers, 10 %
//! suppliers, 40 % persons, 10 % projects), reproducible for a given count.

use std::path::Path;

use rusqlite::params;

use crate::db;

const FIRST: &[&str] = &["Kari", "Ola", "Ingrid", "Lars", "Åse", "Björn", "Sofie", "Jonas", "Élodie", "Mikkel"];
const LAST: &[&str] = &["Nordmann", "Hansen", "Johansson", "Berg", "Østby", "Müller", "Lindqvist", "Dubois", "Olsen"];
const WORDS: &[&str] = &["Fjord", "Nord", "Berg", "Sol", "Havn", "Skog", "Lys", "Elv", "Vind", "Stein", "Bakke", "Dal"];
const SUFFIX: &[&str] = &["AS", "ASA", "AB", "ApS", "GmbH", "& Sønner", "Ltd"];
const CITIES: &[(&str, &str, &str)] = &[
    ("Oslo", "0150", "NO"),
    ("Bergen", "5003", "NO"),
    ("Göteborg", "41103", "SE"),
    ("Aarhus", "8000", "DK"),
    ("Hamburg", "20095", "DE"),
];

/// A small deterministic generator (xorshift), so that a count always gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Creates the database at `path` if needed and adds `count` actors; returns how many of each
/// (customers, suppliers, persons, projects).
pub fn seed(path: &Path, count: usize) -> rusqlite::Result<(usize, usize, usize, usize)> {
    let mut conn = db::create(path)?;
    let tx = conn.transaction()?;
    let mut change: i64 = tx.query_row("SELECT value FROM counter WHERE id = 1", [], |r| r.get(0))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ count as u64);
    let customers = (count * 4 / 10).max(1).min(count);
    let suppliers = (count / 10).min(count - customers);
    let projects = (count / 10).min(count - customers - suppliers);
    let persons = count - customers - suppliers - projects;
    let first_company: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM company", [], |r| r.get(0))?;
    {
        let mut company = tx.prepare(
            "INSERT INTO company (kind, number, name, vat_no, email, phone, street, zip, city, country, currency, payment_terms, credit_limit, employees, active, created, changed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        for i in 0..customers + suppliers {
            change += 1;
            let id = first_company + i as i64;
            let kind = if i < customers { "C" } else { "S" };
            let name = format!("{} {} {}", rng.pick(WORDS), rng.pick(WORDS).to_lowercase(), rng.pick(SUFFIX));
            let (city, zip, country) = *rng.pick(CITIES);
            let domain: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
            let currency = match country {
                "SE" => "SEK",
                "DK" => "DKK",
                "DE" => "EUR",
                _ => "NOK",
            };
            company.execute(params![
                kind,
                (10_000 + id).to_string(),
                name,
                format!("{}", 900_000_000 + rng.below(99_999_999)),
                format!("post@{domain}.example"),
                format!("+47 {:08}", rng.below(100_000_000)),
                format!("{} {}", rng.pick(WORDS), 1 + rng.below(120)),
                zip,
                city,
                country,
                currency,
                *rng.pick(&["NET10", "NET30", "PREPAID"]),
                (rng.below(2_000) * 500) as f64,
                rng.below(500) as i64,
                i64::from(rng.below(10) != 0),
                format!("20{:02}-{:02}-{:02} 09:00:00", 10 + rng.below(15), 1 + rng.below(12), 1 + rng.below(28)),
                change,
            ])?;
        }
        let mut person = tx.prepare(
            "INSERT INTO person (company_id, first_name, last_name, title, email, phone, birthdate, changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for _ in 0..persons {
            change += 1;
            let company = first_company + rng.below((customers + suppliers) as u64) as i64;
            let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
            person.execute(params![
                company,
                first,
                last,
                *rng.pick(&["CEO", "Buyer", "Accountant", "Sales manager", ""]),
                format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
                format!("+47 {:08}", rng.below(100_000_000)),
                format!("19{:02}-{:02}-{:02} 00:00:00", 50 + rng.below(50), 1 + rng.below(12), 1 + rng.below(28)),
                change,
            ])?;
        }
        let first_project: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM project", [], |r| r.get(0))?;
        let mut project = tx.prepare(
            "INSERT INTO project (customer_id, number, name, description, budget, end_date, active, changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for i in 0..projects {
            change += 1;
            let customer = first_company + rng.below(customers as u64) as i64;
            project.execute(params![
                customer,
                format!("P{}", 1000 + first_project + i as i64),
                format!("{} {}", rng.pick(&["Roll-out", "Upgrade", "Audit", "Migration"]), rng.pick(WORDS)),
                "Created by the demo seed.",
                (rng.below(500) * 1000) as f64,
                format!("202{}-{:02}-{:02} 16:00:00", 6 + rng.below(4), 1 + rng.below(12), 1 + rng.below(28)),
                i64::from(rng.below(4) != 0),
                change,
            ])?;
        }
    }
    tx.execute("UPDATE counter SET value = ?1 WHERE id = 1", [change])?;
    tx.commit()?;
    Ok((customers, suppliers, persons, projects))
}

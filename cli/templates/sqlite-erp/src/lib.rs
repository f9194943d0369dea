//! A realistic SuperOffice ERP Sync connector on a SQLite ERP database, to copy as the start of
//! a real one.
//!
//! * Four actor types ([`fields::TABLES`]): customers and suppliers (one `company` table),
//!   persons with their company as parent, projects with their customer as parent; field keys
//!   that SuperOffice maps by itself (spec §5.6); every field type.
//! * Stable ErpKeys (row ids); `LastModified` from one change counter in the database, taken by
//!   every insert and update in the same transaction: monotonic and global (spec §5.3).
//! * Every search operator of spec §3.6, and the special keys `ParentErpKey` / `ParentActorType`,
//!   as parameterised SQL ([`search`]); Unicode case-insensitive text search.
//! * Lists of countries, currencies and payment terms, from the database.
//! * `WSCreateActor` and `WSSaveActors` with validation per field (mandatory, length, number,
//!   date, e-mail, list keys), all-or-nothing, answering with the fresh rows.
//! * [`seed`]: a demo database of any size.
//!
//! The connector is [`SqliteErp`]; `src/main.rs` serves it or seeds a database.

mod connector;
pub mod db;
pub mod fields;
pub mod search;
pub mod seed;

pub use connector::{ErpConfig, SqliteErp};

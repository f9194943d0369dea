//! `sqlite-erp-connector`: serves the connector (the default), or fills a demo ERP database.
//!
//! ```text
//! sqlite-erp-connector seed --db erp.sqlite --count 1000   # a demo ERP with 1,000 actors
//! sqlite-erp-connector                                      # serve (settings: see the README)
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "sqlite-erp-connector", version, about = "A SuperOffice ERP Sync connector on a SQLite ERP database")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the connector (what runs without a command).
    Serve,
    /// Create the ERP database if needed and add demo actors.
    Seed {
        /// The database file.
        #[arg(long, default_value = "erp.sqlite")]
        db: std::path::PathBuf,
        /// How many actors to add.
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

fn main() -> ExitCode {
    let Some(Command::Seed { db, count }) = Cli::parse().command else {
        // Serve (also without a command); a failure: run() has said why.
        return erp_connector::run(sqlite_erp::SqliteErp::from_env()).map_or(ExitCode::FAILURE, |()| ExitCode::SUCCESS);
    };
    match sqlite_erp::seed::seed(&db, count) {
        Ok((customers, suppliers, persons, projects)) => {
            println!(
                "{}: added {customers} customers, {suppliers} suppliers, {persons} persons and {projects} projects",
                db.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sqlite-erp-connector: {}: {e}", db.display());
            ExitCode::FAILURE
        }
    }
}

//! `sqlite-erp-connector`: serves the connector (the default), or fills a demo ERP database.
//!
//! ```text
//! sqlite-erp-connector seed --db erp.sqlite --count 1000   # a demo ERP with 1,000 actors
//! sqlite-erp-connector                                      # serve (settings: see the README)
//! ```

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

fn main() -> std::process::ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => match erp_connector::run(sqlite_erp::SqliteErp::new()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(_) => std::process::ExitCode::FAILURE, // run() has said why
        },
        Command::Seed { db, count } => match sqlite_erp::seed::seed(&db, count) {
            Ok((customers, suppliers, persons, projects)) => {
                println!(
                    "{}: added {customers} customers, {suppliers} suppliers, {persons} persons and {projects} projects",
                    db.display()
                );
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sqlite-erp-connector: {}: {e}", db.display());
                std::process::ExitCode::FAILURE
            }
        },
    }
}

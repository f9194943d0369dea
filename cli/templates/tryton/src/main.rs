//! `tryton-connector`: serves the connector (settings: see the README). The Tryton servers it may
//! reach are listed in `TRYTON_ALLOWED_URLS` (e.g. `http://127.0.0.1:8000`).

fn main() -> std::process::ExitCode {
    match erp_connector::run(tryton_connector::Tryton::new()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE, // run() has said why
    }
}

//! `rest-erp-connector`: serves the connector (settings: see the README). The ERP addresses it
//! may reach are listed in `REST_ERP_ALLOWED_URLS` (e.g. `https://*.erp.example/api/`).

fn main() -> std::process::ExitCode {
    match erp_connector::run(rest_erp::RestErp) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE, // run() has said why
    }
}

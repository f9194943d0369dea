//! `hello-connector`: serves the connector (settings: see the README).

fn main() -> std::io::Result<()> {
    erp_connector::run(hello_connector::Hello)
}

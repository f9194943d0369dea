//! `erp-connector emulate`: SuperOffice's ERP Integration Server in a box. Runs the session of
//! `erp_connector::conformance` against a connector with a progress bar and prints the summary.

use std::path::PathBuf;
use std::process::ExitCode;

use erp_connector::conformance::{self, AuthCheck, Options, Progress, StepSummary};
use erp_connector::contract::StringDict;
use erp_connector::testkit::TestIssuer;
use indicatif::{ProgressBar, ProgressStyle};

/// The arguments of `emulate`.
#[derive(clap::Args)]
pub struct Emulate {
    /// The connector's address, e.g. http://127.0.0.1:8080/Services/ErpConnectorWS.svc
    url: String,
    /// Call the connector hosted under this name (`?ConnectorName=`).
    #[arg(long)]
    connector_name: Option<String>,
    /// A configuration value, as `key=value` (repeat for each field; others get defaults).
    #[arg(long = "config", value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// A value that must not work, as `key=value` over the working ones (repeatable, one case
    /// each): TestConfigData and TestConnection must refuse it with a text for the user.
    #[arg(long = "bad-config", value_name = "KEY=VALUE")]
    bad_config: Vec<String>,
    /// Check Authenticate for this application id (the connector must trust the emulator's
    /// certificate, see --issuer-dir).
    #[arg(long)]
    app_id: Option<String>,
    /// The application's public key (RSAKeyValue XML) to verify the partner token with.
    #[arg(long)]
    app_public_key: Option<PathBuf>,
    /// Where the emulator keeps its token-signing key and certificate (made on first use).
    #[arg(long, default_value = ".erp-connector-emulator")]
    issuer_dir: PathBuf,
    /// `UpdatedOnOrAfter` of the first poll (what EIS sends is not known; default empty).
    #[arg(long, default_value = "")]
    since: String,
    /// Do not create or save actors (for an ERP with real data); every rule but the four only a
    /// write can break still judges.
    #[arg(long)]
    read_only: bool,
    /// Actors per type to fetch by key.
    #[arg(long, default_value_t = 50)]
    sample: usize,
    /// For an https:// address: trust the certificates in this PEM file (a self-signed or
    /// private-authority certificate) instead of the public roots.
    #[arg(long, value_name = "PEM")]
    trust: Option<PathBuf>,
    /// The SOAP body shape to speak: message-contract, wrapped-eis or wrapped-poco (a connector
    /// in `auto` answers in it, and remembers it as the deployment's shape).
    #[arg(long, default_value = "message-contract")]
    profile: erp_connector::soap::WireProfile,
}

/// A progress bar per step on a terminal, a line per finished step.
struct Bars {
    bar: Option<ProgressBar>,
}

impl Progress for Bars {
    fn start(&mut self, step: &str, total: u64) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>18} [{bar:30}] {pos}/{len} calls {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(step.to_owned());
        self.bar = Some(bar);
    }

    fn advance(&mut self, n: u64) {
        if let Some(bar) = &self.bar {
            if bar.position() + n > bar.length().unwrap_or(0) {
                bar.inc_length(n);
            }
            bar.inc(n);
        }
    }

    fn finish(&mut self, summary: &StepSummary) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let mark = if summary.violations == 0 { "ok  " } else { "FAIL" };
        eprintln!("{mark} {:<18} {}", summary.name, summary.note);
    }
}

pub fn run(args: Emulate) -> Result<ExitCode, String> {
    let mut config = StringDict::new();
    for pair in &args.config {
        let (key, value) = pair.split_once('=').ok_or_else(|| format!("--config {pair}: expected key=value"))?;
        config.insert(key.trim(), value);
    }
    let bad_config = bad_cases(&args.bad_config)?;
    let authenticate = match &args.app_id {
        Some(app_id) => {
            let (issuer, created) = TestIssuer::load_or_create(&args.issuer_dir).map_err(|e| e.to_string())?;
            let cert = args.issuer_dir.join("issuer-cert.pem");
            if created {
                eprintln!(
                    "made the emulator's token issuer in {}; start the connector with\n  ERP_CONNECTOR_SUPEROFFICE_CERTS={}\nso that it trusts the emulator's tokens",
                    args.issuer_dir.display(),
                    cert.display()
                );
            }
            let app_public_key = match &args.app_public_key {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    Some(
                        erp_connector::auth::parse_public_key_xml(&text, &path.display().to_string())
                            .map_err(|e| e.to_string())?,
                    )
                }
                None => None,
            };
            Some(AuthCheck { issuer: std::sync::Arc::new(issuer), app_id: app_id.clone(), app_public_key })
        }
        None => {
            eprintln!("Authenticate not checked (pass --app-id to check it)");
            None
        }
    };
    let trusted_pem = match &args.trust {
        Some(path) => Some(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => None,
    };
    let options = Options {
        connector_name: args.connector_name,
        config,
        bad_config,
        authenticate,
        initial_since: args.since,
        write: !args.read_only,
        sample: args.sample,
        trusted_pem,
        profile: args.profile,
    };
    let report = conformance::check_with(&args.url, &options, &mut Bars { bar: None });
    println!("{report}");
    Ok(if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Each `--bad-config key=value` as a case of its own, in order: a key may come several times.
fn bad_cases(pairs: &[String]) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) =
                pair.split_once('=').ok_or_else(|| format!("--bad-config {pair}: expected key=value"))?;
            Ok((key.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bad_config_case_is_kept() {
        let pairs = ["KEY=A".to_owned(), "KEY=B".to_owned(), "OTHER=x=y".to_owned()];
        let cases = super::bad_cases(&pairs).unwrap();
        assert_eq!(cases, [("KEY".into(), "A".into()), ("KEY".into(), "B".into()), ("OTHER".into(), "x=y".into())]);
        assert!(super::bad_cases(&["nokey".to_owned()]).unwrap_err().contains("expected key=value"));
    }
}

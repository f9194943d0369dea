//! `erp-connector`: the command-line companion of a connector.
//!
//! * `erp-connector keys generate [--out DIR]`: a new application key pair, the private key as
//!   .NET XML and PKCS#8 PEM, the public key as XML to register with SuperOffice, and a fresh
//!   secret endpoint path;
//! * `erp-connector token sign --nonce N [--at TIME]`: the partner token for a nonce, with the key
//!   the service would use (same settings: `ERP_CONNECTOR_PRIVATE_KEY_FILE`, ...);
//! * `erp-connector token verify JWT [--env ENV] [--certs FILE..] [--app-id ID] [--at TIME]`: checks a
//!   SuperOffice token offline as the service would, prints its claims and a verdict; exits 0
//!   only when the token is valid;
//! * `erp-connector emulate URL [--config K=V ..] [--app-id ID] ...`: plays SuperOffice's ERP
//!   Integration Server against a connector and checks every answer against the contract's
//!   rules; exits 0 only when no rule is broken;
//! * `erp-connector replay FOLDER URL [--secret K=V ..] [--ignore MEMBER ..]`: resends the requests
//!   a connector captured (`ERP_CONNECTOR_CAPTURE_DIR`) and shows where the answers differ;
//! * `erp-connector capture inspect FOLDER`: what a capture folder says about the caller's wire
//!   format, per operation, and one verdict line; exits 0 only when nothing was unknown;
//! * `erp-connector new NAME [--from hello|sqlite-erp] [--app-id ID]`: a new connector crate
//!   from an example, renamed, with its configuration file, README and passing tests.

mod connections;
mod emulate;
mod new;
mod replay;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use erp_connector::auth::{AppKey, TokenValidator};
use erp_connector::service::{Settings, jwks_source, load_app_key, load_superoffice_certs};

#[derive(Parser)]
#[command(
    name = "erp-connector",
    version,
    about = "Keys, partner tokens, token checks and an EIS emulator for SuperOffice ERP Sync connectors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Application keys.
    #[command(subcommand)]
    Keys(Keys),
    /// Partner tokens and SuperOffice tokens.
    #[command(subcommand)]
    Token(Token),
    /// Play SuperOffice's ERP Integration Server against a connector and check its answers.
    Emulate(emulate::Emulate),
    /// Resend captured requests to a connector and show where the answers differ.
    Replay(replay::Replay),
    /// Create a new connector crate from an example.
    New(new::New),
    /// Capture folders (ERP_CONNECTOR_CAPTURE_DIR).
    #[command(subcommand)]
    Capture(Capture),
    /// The stored connections: list and remove them by when and from where they were saved.
    #[command(subcommand)]
    Connections(connections::Connections),
}

#[derive(Subcommand)]
enum Capture {
    /// Per operation: the body shape, SOAPAction form, header elements, members present, absent
    /// and unknown; then one verdict line.
    Inspect {
        /// The capture folder.
        folder: PathBuf,
    },
}

#[derive(Subcommand)]
enum Keys {
    /// Writes a new key pair: app-private-key.xml, app-private-key.pem, app-public-key.xml.
    Generate {
        /// Folder to write into (created if needed; existing files are never overwritten).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Token {
    /// Signs the partner token (NONCE.yyyyMMddHHmm.SIGNATURE) with the service's key.
    Sign {
        /// The nonce from SuperOffice's token.
        #[arg(long)]
        nonce: String,
        /// The time to stamp (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Checks a SuperOffice token offline and prints its claims.
    Verify {
        /// The JWT.
        jwt: String,
        /// PEM certificates to trust (default: ERP_CONNECTOR_SUPEROFFICE_CERTS).
        #[arg(long, num_args = 1..)]
        certs: Vec<PathBuf>,
        /// Trust this environment's pinned key from its JWKS: sod, stage or production.
        #[arg(long)]
        env: Option<String>,
        /// The application id (default: ERP_CONNECTOR_APP_ID).
        #[arg(long)]
        app_id: Option<String>,
        /// The time to check at (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("erp-connector: {message}");
            ExitCode::from(2)
        }
    }
}

fn time(at: Option<&str>) -> Result<DateTime<Utc>, String> {
    match at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("--at {text}: not an RFC 3339 time ({e}), e.g. 2021-09-16T11:25:00Z")),
        None => {
            let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs() as i64;
            DateTime::from_timestamp(secs, 0).ok_or_else(|| "the clock is out of range".to_owned())
        }
    }
}

fn settings() -> Result<Settings, String> {
    Settings::load().map_err(|e| e.to_string())
}

fn write_new(path: &Path, text: &str) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Emulate(args) => emulate::run(args),
        Command::Replay(args) => replay::run(args),
        Command::New(args) => new::run(args),
        Command::Connections(command) => connections::run(command),
        Command::Capture(Capture::Inspect { folder }) => {
            let inspection = erp_connector::capture::inspect::inspect(&folder).map_err(|e| e.to_string())?;
            println!("{inspection}");
            Ok(if inspection.has_unknowns() || inspection.operations.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Keys(Keys::Generate { out }) => {
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            let key = AppKey::generate();
            let files = [
                ("app-private-key.xml", key.private_key_xml()),
                ("app-private-key.pem", key.private_key_pem()),
                ("app-public-key.xml", key.public_key_xml()),
            ];
            if let Some((name, _)) = files.iter().find(|(name, _)| out.join(name).exists()) {
                return Err(format!("{} exists; not overwriting a key", out.join(name).display()));
            }
            for (name, text) in &files {
                write_new(&out.join(name), text)?;
            }
            println!("wrote a {}-bit application key to {}:", key.bits(), out.display());
            println!(
                "  app-private-key.xml, app-private-key.pem  keep secret; point ERP_CONNECTOR_PRIVATE_KEY_FILE at either"
            );
            println!(
                "  app-public-key.xml                        register with your app in SuperOffice's developer portal"
            );
            // The 17 calls carry no token: in Online a path only SuperOffice learns (from the app
            // registration) keeps strangers out.
            let path = erp_connector::service::random_endpoint_path()?;
            println!("a secret endpoint path (192 random bits), for the connector URL you register:");
            println!("  ERP_CONNECTOR_ENDPOINT_PATH={path}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(Token::Sign { nonce, at }) => {
            if nonce.is_empty() || nonce.contains('.') {
                return Err("--nonce must be non-empty and contain no '.'".into());
            }
            let key = load_app_key(&settings()?)
                .map_err(|e| e.to_string())?
                .ok_or("no application key: set ERP_CONNECTOR_PRIVATE_KEY_FILE (or ERP_CONNECTOR_PRIVATE_KEY)")?;
            println!("{}", key.sign_partner_token(&nonce, time(at.as_deref())?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(Token::Verify { jwt, certs, env, app_id, at }) => {
            let mut settings = settings()?;
            if !certs.is_empty() {
                settings.auth.superoffice_certs = certs;
            }
            if env.is_some() {
                settings.auth.superoffice_env = env;
            }
            let mut certs = load_superoffice_certs(&settings).map_err(|e| e.to_string())?;
            if let Some((url, pins)) = jwks_source(&settings).map_err(|e| e.to_string())? {
                certs.extend(erp_connector::auth::jwks::load(&url, &pins)?);
            }
            if certs.is_empty() {
                return Err("no certificates: pass --certs FILE or --env sod|stage|production".into());
            }
            let app_id = app_id
                .or(settings.auth.app_id.clone())
                .ok_or("no application id: pass --app-id or set ERP_CONNECTOR_APP_ID")?;
            print_parts(&jwt);
            let at = time(at.as_deref())?;
            match TokenValidator::new(&app_id, certs).validate(&jwt, at.timestamp()) {
                Ok(valid) => {
                    println!(
                        "VALID at {at}: nonce {}, tenant {}, signed by {}",
                        valid.nonce,
                        valid.tenant.as_deref().unwrap_or("-"),
                        valid.signed_by
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(rejection) => {
                    println!("INVALID at {at}: {rejection}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

/// Prints the header and claims as JSON, decoded without trusting them.
fn print_parts(jwt: &str) {
    for (name, part) in ["header", "claims"].iter().zip(jwt.trim().split('.')) {
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok());
        match decoded {
            Some(value) => println!("{name}: {}", serde_json::to_string_pretty(&value).unwrap_or_default()),
            None => println!("{name}: (not base64url JSON)"),
        }
    }
}

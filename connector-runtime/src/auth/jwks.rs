//! SuperOffice's signing keys from the JWKS of an environment (auth-protocol.md §2.4, §2.5):
//! `https://{sod|qaonline|online}.superoffice.com/login/.well-known/jwks`, accepted only for the
//! Federated Login certificate thumbprints pinned here, so that a compromised or spoofed endpoint
//! cannot introduce a key.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha1::{Digest as _, Sha1};

use super::token::TrustedCert;

/// A SuperOffice Online environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Development (SOD), `sod.superoffice.com`.
    Sod,
    /// Stage, `qaonline.superoffice.com`.
    Stage,
    /// Production, `online.superoffice.com`.
    Production,
}

impl Environment {
    /// The subdomain of the environment.
    pub const fn subdomain(self) -> &'static str {
        match self {
            Environment::Sod => "sod",
            Environment::Stage => "qaonline",
            Environment::Production => "online",
        }
    }

    /// The SHA-1 thumbprint of the environment's Federated Login certificate (its JWT `kid`).
    pub const fn pinned_thumbprint(self) -> &'static str {
        match self {
            Environment::Sod => "16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C",
            Environment::Stage => "484903A7732B928C7980A39D38E947EA119F1089",
            Environment::Production => "60B61583DBB2B7EEC46FD01EC0056E62451D61F3",
        }
    }

    /// The JWKS address.
    pub fn jwks_url(self) -> String {
        format!("https://{}.superoffice.com/login/.well-known/jwks", self.subdomain())
    }
}

impl std::str::FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sod" | "development" | "dev" => Ok(Environment::Sod),
            "stage" | "qaonline" => Ok(Environment::Stage),
            "production" | "online" | "prod" => Ok(Environment::Production),
            other => Err(format!("unknown SuperOffice environment `{other}`; expected sod, stage or production")),
        }
    }
}

/// The RSA keys of a JWKS document whose thumbprint is among `pins` (compared ignoring case).
/// A key's thumbprint is the SHA-1 of its `x5c` certificate when present, else its `kid`.
pub fn parse_jwks(json: &str, pins: &[String], source: &str) -> Result<Vec<TrustedCert>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{source}: not a JWKS document ({e})"))?;
    let keys = doc.get("keys").and_then(|k| k.as_array()).ok_or_else(|| format!("{source}: no `keys` array"))?;
    let mut trusted = Vec::new();
    for key in keys {
        let field = |name: &str| key.get(name).and_then(|v| v.as_str());
        if field("kty") != Some("RSA") {
            continue;
        }
        let thumbprint =
            match key.get("x5c").and_then(|c| c.as_array()).and_then(|c| c.first()).and_then(|c| c.as_str()) {
                Some(cert) => {
                    let der = B64.decode(cert).map_err(|_| format!("{source}: an x5c certificate is not base64"))?;
                    Sha1::digest(&der).iter().map(|b| format!("{b:02X}")).collect::<String>()
                }
                None => field("kid").unwrap_or_default().to_ascii_uppercase(),
            };
        if !pins.iter().any(|p| p.eq_ignore_ascii_case(&thumbprint)) {
            tracing::warn!(%source, kid = field("kid").unwrap_or(""), "ignoring a JWKS key that is not a pinned SuperOffice certificate");
            continue;
        }
        let (Some(n), Some(e)) = (field("n"), field("e")) else {
            return Err(format!("{source}: key {thumbprint} has no n/e"));
        };
        trusted.push(TrustedCert::from_rsa_components(n, e, &thumbprint, source)?);
    }
    Ok(trusted)
}

/// Fetches a JWKS document (10 s timeout).
pub fn fetch(url: &str) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build().into();
    let mut response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    response.body_mut().with_config().limit(1024 * 1024).read_to_string().map_err(|e| format!("{url}: {e}"))
}

/// Fetches and parses the keys of `url`, keeping the pinned ones.
pub fn load(url: &str, pins: &[String]) -> Result<Vec<TrustedCert>, String> {
    parse_jwks(&fetch(url)?, pins, url)
}

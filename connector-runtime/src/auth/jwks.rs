//! SuperOffice's signing keys from the JWKS of an environment (auth-protocol.md §2.4, §2.5):
//! `https://{sod|qaonline|online}.superoffice.com/login/.well-known/jwks`.
//!
//! A JWKS entry is trusted only when its **public key** (`n`, `e`) is pinned: the SHA-256 of its
//! SubjectPublicKeyInfo equals one of the pins. Labels (`kid`, `x5t`, the thumbprint of an `x5c`
//! certificate) are chosen by whoever serves the document and only select among pinned keys; an
//! entry that carries the real certificate in `x5c` with another key in `n` is refused. The
//! pins of the three Federated Login certificates are compiled in ([`Environment::pin`]); compute
//! one of a certificate with
//! `openssl x509 -in cert.crt -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use rsa::pkcs8::EncodePublicKey as _;
use rsa::sha2::{Digest as _, Sha256};

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

    /// SHA-256 of the SubjectPublicKeyInfo of the environment's Federated Login certificate,
    /// base64 (the certificates of `shared/fixtures/superoffice/certs`, RSA 2048, valid to 2113).
    pub const fn pinned_key_sha256(self) -> &'static str {
        match self {
            Environment::Sod => "qFKLOwcYw3PAXPkLQCP/IDtd4JgoyH2sHlRFpb8N2AU=",
            Environment::Stage => "/FQmkF/en5VnWmELYl6NKUPcZ81hRpy8va44iPklseU=",
            Environment::Production => "DjcjOkPcsjLOm+rfAPgxLKGPdMMwM+BQxYt6hhOkBP0=",
        }
    }

    /// The pin of the environment's key, labelled with its certificate's thumbprint.
    pub fn pin(self) -> KeyPin {
        let spki_sha256 = KeyPin::parse(self.pinned_key_sha256()).expect("a compiled-in pin parses").spki_sha256;
        KeyPin { spki_sha256, thumbprint: Some(self.pinned_thumbprint().to_owned()) }
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

/// A pinned public key: the SHA-256 of its DER SubjectPublicKeyInfo, and the certificate
/// thumbprint that labels it (the JWT `kid`), when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPin {
    /// SHA-256 of the DER SubjectPublicKeyInfo.
    pub spki_sha256: [u8; 32],
    /// The SHA-1 certificate thumbprint tokens name it by (upper-case hex), if known.
    pub thumbprint: Option<String>,
}

impl KeyPin {
    /// Reads a pin: `sha256/BASE64`, `BASE64` (44 characters) or 64 hex digits of the SHA-256 of
    /// the DER SubjectPublicKeyInfo. A 40-digit certificate thumbprint is refused: it labels a
    /// certificate, it does not pin a key.
    pub fn parse(text: &str) -> Result<KeyPin, String> {
        let text = text.trim();
        let body = text.strip_prefix("sha256/").unwrap_or(text);
        let bytes = if body.len() == 64 && body.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32).map(|i| u8::from_str_radix(&body[2 * i..2 * i + 2], 16).unwrap_or(0)).collect()
        } else if body.len() == 40 && body.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`{body}` is a certificate thumbprint, which anyone can copy into a JWKS; pin the key instead: the \
                 base64 SHA-256 of its SubjectPublicKeyInfo (openssl x509 -pubkey -noout | openssl pkey -pubin \
                 -outform DER | openssl dgst -sha256 -binary | base64)"
            ));
        } else {
            B64.decode(body).map_err(|_| format!("key pin `{body}` is neither base64 nor hex"))?
        };
        let spki_sha256: [u8; 32] =
            bytes.try_into().map_err(|_| format!("key pin `{body}` is not a SHA-256 (32 bytes)"))?;
        Ok(KeyPin { spki_sha256, thumbprint: None })
    }

    /// The pin of an RSA public key given as JWK components (`n`, `e`, base64url).
    pub fn of_rsa_components(n: &str, e: &str) -> Result<[u8; 32], String> {
        let decode = |v: &str| B64URL.decode(v.trim_end_matches('=')).map_err(|_| "n/e are not base64url".to_owned());
        let key = super::keys::public_key_from_be(&decode(n)?, &decode(e)?)?;
        let der = key.to_public_key_der().map_err(|e| format!("the key does not encode ({e})"))?;
        Ok(Sha256::digest(der.as_bytes()).into())
    }

    /// This pin as `sha256/BASE64`.
    pub fn to_text(&self) -> String {
        format!("sha256/{}", B64.encode(self.spki_sha256))
    }
}

/// The RSA keys of a JWKS document whose public key is pinned. A key is labelled with its pin's
/// thumbprint when the pin has one, else with its `kid`.
pub fn parse_jwks(json: &str, pins: &[KeyPin], source: &str) -> Result<Vec<TrustedCert>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{source}: not a JWKS document ({e})"))?;
    let keys = doc.get("keys").and_then(|k| k.as_array()).ok_or_else(|| format!("{source}: no `keys` array"))?;
    let mut trusted: Vec<TrustedCert> = Vec::new();
    for key in keys {
        let field = |name: &str| key.get(name).and_then(|v| v.as_str());
        if field("kty") != Some("RSA") {
            continue;
        }
        let (Some(n), Some(e)) = (field("n"), field("e")) else { continue };
        let Ok(hash) = KeyPin::of_rsa_components(n, e) else { continue };
        let Some(pin) = pins.iter().find(|p| p.spki_sha256 == hash) else {
            // The document's labels are not logged: they are whatever its server chose.
            tracing::warn!(%source, "ignoring a JWKS key whose public key is not pinned");
            continue;
        };
        let label = match &pin.thumbprint {
            Some(thumbprint) => thumbprint.clone(),
            None => field("kid").filter(|k| k.len() <= 128).unwrap_or_default().to_owned(),
        };
        if trusted.iter().any(|t| t.thumbprint.eq_ignore_ascii_case(&label)) {
            continue;
        }
        trusted.push(TrustedCert::from_rsa_components(n, e, &label, source)?);
    }
    Ok(trusted)
}

/// Whether `url` may serve keys: https, or http to this machine only (tests).
pub fn check_url(url: &str) -> Result<(), String> {
    if url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return Ok(());
    }
    if let Some(rest) = url.get(..7).filter(|s| s.eq_ignore_ascii_case("http://")).map(|_| &url[7..]) {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if loopback && !authority.contains('@') {
            return Ok(());
        }
    }
    Err(format!("JWKS address {url}: only https is accepted (http only to this machine, for tests)"))
}

/// Fetches a JWKS document (10 s timeout, no redirects, at most 1 MiB).
pub fn fetch(url: &str) -> Result<String, String> {
    check_url(url)?;
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).max_redirects(0).build().into();
    let mut response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    response.body_mut().with_config().limit(1024 * 1024).read_to_string().map_err(|e| format!("{url}: {e}"))
}

/// Fetches and parses the keys of `url`, keeping the pinned ones.
pub fn load(url: &str, pins: &[KeyPin]) -> Result<Vec<TrustedCert>, String> {
    parse_jwks(&fetch(url)?, pins, url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestIssuer;

    fn jwk(n: &str, e: &str, kid: &str, x5c_der: &[u8]) -> serde_json::Value {
        serde_json::json!({"kty": "RSA", "kid": kid, "n": n, "e": e, "x5c": [B64.encode(x5c_der)]})
    }

    fn der(pem: &str) -> Vec<u8> {
        B64.decode(pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap()
    }

    #[test]
    fn a_real_certificate_label_over_another_key_is_refused() {
        let (real, attacker) = (TestIssuer::new(), TestIssuer::new());
        let (rn, re) = real.key.public_jwk_components();
        let (an, ae) = attacker.key.public_jwk_components();
        let pins = [KeyPin { spki_sha256: real.key_pin(), thumbprint: Some(real.cert.thumbprint.clone()) }];
        // The forgery: the real certificate in x5c and as kid, the attacker's key in n/e.
        let forged = serde_json::json!({"keys": [jwk(&an, &ae, &real.cert.thumbprint, &der(&real.cert_pem))]});
        assert!(parse_jwks(&forged.to_string(), &pins, "test").unwrap().is_empty());
        // The real key under any label is trusted, named by its pin.
        let honest = serde_json::json!({"keys": [jwk(&rn, &re, "whatever", &der(&attacker.cert_pem))]});
        let trusted = parse_jwks(&honest.to_string(), &pins, "test").unwrap();
        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted[0].thumbprint, real.cert.thumbprint);
    }

    #[test]
    fn pins_are_keys_not_thumbprints_and_urls_are_https() {
        let pin = Environment::Production.pin();
        assert_eq!(KeyPin::parse(&pin.to_text()).unwrap().spki_sha256, pin.spki_sha256);
        let hex: String = pin.spki_sha256.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(KeyPin::parse(&hex).unwrap().spki_sha256, pin.spki_sha256);
        let err = KeyPin::parse(Environment::Production.pinned_thumbprint()).unwrap_err();
        assert!(err.contains("thumbprint"), "{err}");
        assert!(check_url("https://online.superoffice.com/login/.well-known/jwks").is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(check_url("http://[::1]:8080/jwks").is_ok());
        for bad in [
            "http://online.superoffice.com/jwks",
            "http://127.0.0.1.evil.example/jwks",
            "ftp://x",
            "http://localhost@evil/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}

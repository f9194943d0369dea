//! Validation of the JWT SuperOffice sends with `Authenticate` (auth-protocol.md §2.6):
//! compact JWS, RS256 only, the key chosen by `kid` / `x5t` among trusted certificates,
//! `iss` exactly `SuperOffice AS`, `aud` = `spn:<app id>` ignoring ASCII case, `exp` and `nbf`
//! required with 300 s of leeway (as .NET), a sane `nonce`, the tenant from the `ctx` claim.
//!
//! Every rejection has its own [`Rejection`] with a short reason that is safe to send back in
//! `AuthenticationResponse.Reason` (it never contains the token or key material).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use sha1::{Digest as _, Sha1};

/// The issuer SuperOffice puts in every token.
pub const ISSUER: &str = "SuperOffice AS";
/// Clock leeway on `exp` and `nbf`, .NET's default `ClockSkew`.
pub const LEEWAY_SECS: i64 = 300;
/// Longest validity accepted, `exp - nbf` (SuperOffice's span 360 s): a token valid for longer
/// would stay replayable for longer than the nonce memory can be expected to last.
pub const MAX_LIFETIME_SECS: i64 = 900;
/// Largest token accepted (real ones are about 1 KB).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The tenant claim.
pub const CTX_CLAIM: &str = "http://schemes.superoffice.net/identity/ctx";

/// A certificate whose key SuperOffice signs with.
#[derive(Clone)]
pub struct TrustedCert {
    /// Where it came from (file, environment), for logs and messages.
    pub source: String,
    /// SHA-1 thumbprint of the DER certificate, upper-case hex: the JWT `kid`.
    pub thumbprint: String,
    /// The same thumbprint as base64url: the JWT `x5t`.
    pub x5t: String,
    key: DecodingKey,
}

impl fmt::Debug for TrustedCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedCert").field("source", &self.source).field("thumbprint", &self.thumbprint).finish()
    }
}

impl TrustedCert {
    /// Every certificate in a PEM text (`-----BEGIN CERTIFICATE-----` blocks).
    pub fn from_pem(pem: &str, source: &str) -> Result<Vec<TrustedCert>, String> {
        let mut certs = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let end = rest[start..]
                .find("-----END CERTIFICATE-----")
                .map(|e| start + e + "-----END CERTIFICATE-----".len())
                .ok_or_else(|| format!("{source}: a certificate block has no END line"))?;
            let block = &rest[start..end];
            let body: String = block
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .flat_map(|l| l.chars())
                .filter(|c| !c.is_whitespace())
                .collect();
            let der = B64.decode(body).map_err(|_| format!("{source}: a certificate is not valid base64"))?;
            let digest = Sha1::digest(&der);
            let key = DecodingKey::from_rsa_pem(block.as_bytes())
                .map_err(|e| format!("{source}: a certificate holds no usable RSA public key ({e})"))?;
            certs.push(TrustedCert {
                source: source.to_owned(),
                thumbprint: digest.iter().map(|b| format!("{b:02X}")).collect(),
                x5t: B64URL.encode(digest),
                key,
            });
            rest = &rest[end..];
        }
        if certs.is_empty() {
            return Err(format!("{source}: no PEM certificate (-----BEGIN CERTIFICATE-----) found"));
        }
        Ok(certs)
    }
}

impl TrustedCert {
    /// A key published as a JWK (`n`, `e` base64url) under thumbprint `thumbprint`.
    pub fn from_rsa_components(n: &str, e: &str, thumbprint: &str, source: &str) -> Result<TrustedCert, String> {
        let key = DecodingKey::from_rsa_components(n, e).map_err(|e| format!("{source}: unusable RSA key ({e})"))?;
        let digest: Vec<u8> = (0..thumbprint.len() / 2)
            .filter_map(|i| u8::from_str_radix(thumbprint.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        Ok(TrustedCert {
            source: source.to_owned(),
            thumbprint: thumbprint.to_ascii_uppercase(),
            x5t: B64URL.encode(digest),
            key,
        })
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidToken {
    /// The challenge to sign back, byte-exact.
    pub nonce: String,
    /// The tenant (customer) the call is for, from `ctx` (or `sub`).
    pub tenant: Option<String>,
    /// The thumbprint of the certificate that verified it (tells the environment).
    pub signed_by: String,
    /// The last second it is accepted (`exp` plus the leeway): its nonce is remembered until then.
    pub valid_until: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Over [`MAX_TOKEN_LEN`].
    #[error("token too large")]
    TooLarge,
    /// Not three base64url segments of JSON.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// Not RS256.
    #[error("token algorithm {0} not accepted (RS256 only)")]
    Algorithm(String),
    /// No trusted certificate matches `kid` / `x5t`.
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("token signature invalid")]
    Signature,
    /// `exp` (plus leeway) is past.
    #[error("token expired")]
    Expired,
    /// `nbf` (minus leeway) is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// A required claim is missing.
    #[error("token has no {0} claim")]
    MissingClaim(&'static str),
    /// `iss` is not `SuperOffice AS`.
    #[error("wrong token issuer")]
    Issuer,
    /// `aud` is not `spn:<app id>`.
    #[error("wrong audience, mismatch on application identifier")]
    Audience,
    /// The nonce is empty, too long, or has characters that cannot travel in a partner token.
    #[error("token nonce unusable")]
    BadNonce,
    /// `exp - nbf` is over [`MAX_LIFETIME_SECS`].
    #[error("token validity too long")]
    LifetimeTooLong,
    /// A token with this nonce was accepted before.
    #[error("token already used")]
    Replayed,
}

impl Rejection {
    /// The text for `AuthenticationResponse.Reason`: short, no token, no key material.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
    nbf: Option<i64>,
    nonce: Option<String>,
    sub: Option<String>,
    #[serde(rename = "http://schemes.superoffice.net/identity/ctx")]
    ctx: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Validates SuperOffice tokens for one application against trusted certificates.
#[derive(Debug, Clone)]
pub struct TokenValidator {
    certs: Vec<TrustedCert>,
    audience: String,
}

impl TokenValidator {
    /// A validator for application `app_id` trusting `certs`.
    pub fn new(app_id: &str, certs: Vec<TrustedCert>) -> Self {
        TokenValidator { certs, audience: format!("spn:{app_id}") }
    }

    /// The trusted certificates.
    pub fn certs(&self) -> &[TrustedCert] {
        &self.certs
    }

    /// Validates `token` at time `now` (seconds since the epoch).
    pub fn validate(&self, token: &str, now: i64) -> Result<ValidToken, Rejection> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_LEN {
            return Err(Rejection::TooLarge);
        }
        match token.split('.').count() {
            3 => {}
            n if n < 3 => return Err(Rejection::Malformed("fewer than three segments")),
            _ => return Err(Rejection::Malformed("more than three segments")),
        }
        // The algorithm is read from the raw header first, so that names jsonwebtoken does not
        // know (`none`) are refused as such rather than as unreadable.
        let alg = token
            .split('.')
            .next()
            .and_then(|h| B64URL.decode(h.trim_end_matches('=')).ok())
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
            .ok_or(Rejection::Malformed("unreadable header"))?
            .get("alg")
            .and_then(|a| a.as_str().map(str::to_owned))
            .ok_or(Rejection::Malformed("header has no alg"))?;
        if alg != "RS256" {
            return Err(Rejection::Algorithm(crate::untrusted::shown_within(&alg, 16).into_owned()));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed("unreadable header"))?;
        let cert = self
            .certs
            .iter()
            .find(|c| header.kid.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(&c.thumbprint)))
            .or_else(|| self.certs.iter().find(|c| header.x5t.as_deref() == Some(c.x5t.as_str())))
            .ok_or(Rejection::UnknownKey)?;

        // Signature (and claim syntax) by jsonwebtoken; time and audience checked below against
        // the given clock, so that tokens can also be checked at another time (CLI `--at`).
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &cert.key, &validation).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => Rejection::Signature,
            ErrorKind::Base64(_) => Rejection::Malformed("bad base64"),
            ErrorKind::InvalidAlgorithm => Rejection::Algorithm(crate::untrusted::shown_within(&alg, 16).into_owned()),
            _ => Rejection::Malformed("unreadable claims"),
        })?;
        let claims = data.claims;

        if claims.iss.as_deref().ok_or(Rejection::MissingClaim("iss"))? != ISSUER {
            return Err(Rejection::Issuer);
        }
        let audience_ok = match claims.aud.ok_or(Rejection::MissingClaim("aud"))? {
            Audience::One(a) => a.eq_ignore_ascii_case(&self.audience),
            Audience::Many(all) => all.iter().any(|a| a.eq_ignore_ascii_case(&self.audience)),
        };
        if !audience_ok {
            return Err(Rejection::Audience);
        }
        let exp = claims.exp.ok_or(Rejection::MissingClaim("exp"))?;
        let nbf = claims.nbf.ok_or(Rejection::MissingClaim("nbf"))?;
        if now > exp.saturating_add(LEEWAY_SECS) {
            return Err(Rejection::Expired);
        }
        if now < nbf.saturating_sub(LEEWAY_SECS) {
            return Err(Rejection::NotYetValid);
        }
        if exp.saturating_sub(nbf) > MAX_LIFETIME_SECS {
            return Err(Rejection::LifetimeTooLong);
        }
        let nonce = claims.nonce.ok_or(Rejection::MissingClaim("nonce"))?;
        let sane = !nonce.is_empty() && nonce.len() <= 256 && nonce.bytes().all(|b| b.is_ascii_graphic() && b != b'.');
        if !sane {
            return Err(Rejection::BadNonce);
        }
        let tenant = claims.ctx.or(claims.sub).filter(|t| !t.is_empty());
        let valid_until = exp.saturating_add(LEEWAY_SECS);
        Ok(ValidToken { nonce, tenant, signed_by: cert.thumbprint.clone(), valid_until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestIssuer;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    const APP: &str = "6cf25376616343b38d14ddcd804f2891";
    const NOW: i64 = 1_800_000_000;

    fn issuer() -> TestIssuer {
        TestIssuer::new()
    }

    fn claims() -> serde_json::Value {
        let mut claims = TestIssuer::claims(APP, "BDB65A558F193A8DD88E50E7416C0D86", NOW);
        claims["aud"] = json!(format!("SPN:{}", APP.to_uppercase()));
        claims
    }

    fn with(mut base: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
        if value.is_null() {
            base.as_object_mut().unwrap().remove(key);
        } else {
            base[key] = value;
        }
        base
    }

    #[test]
    fn accepts_a_good_token_and_rejects_each_forgery_with_its_own_reason() {
        let good = issuer();
        let other = issuer();
        let v = TokenValidator::new(APP, vec![good.cert.clone()]);
        let token = good.sign(&claims(), |_| {});
        let valid = v.validate(&format!("  {token}\n"), NOW).unwrap();
        assert_eq!(valid.nonce, "BDB65A558F193A8DD88E50E7416C0D86");
        assert_eq!(valid.tenant.as_deref(), Some("Cust10003"));
        assert_eq!(valid.signed_by, good.cert.thumbprint);

        let segments: Vec<&str> = token.split('.').collect();
        let b64 = |v: serde_json::Value| B64URL.encode(v.to_string());
        let cases: Vec<(&str, String, Rejection)> = vec![
            (
                "alg none",
                format!("{}.{}.", b64(json!({"alg": "none", "kid": good.cert.thumbprint})), segments[1]),
                Rejection::Algorithm("none".into()),
            ),
            (
                "HS256 keyed with the certificate",
                {
                    let mut header = Header::new(Algorithm::HS256);
                    header.kid = Some(good.cert.thumbprint.clone());
                    jsonwebtoken::encode(
                        &header,
                        &claims(),
                        &EncodingKey::from_secret(good.cert_pem.as_bytes()).unwrap(),
                    )
                    .unwrap()
                },
                Rejection::Algorithm("HS256".into()),
            ),
            (
                "unknown kid",
                good.sign(&claims(), |h| {
                    h.kid = Some("00".repeat(20));
                    h.x5t = None;
                }),
                Rejection::UnknownKey,
            ),
            (
                "another issuer's key under our kid",
                other.sign(&claims(), |h| {
                    h.kid = Some(good.cert.thumbprint.clone());
                }),
                Rejection::Signature,
            ),
            ("expired", good.sign(&with(claims(), "exp", json!(NOW - 301)), |_| {}), Rejection::Expired),
            ("not yet valid", good.sign(&with(claims(), "nbf", json!(NOW + 301)), |_| {}), Rejection::NotYetValid),
            ("wrong iss", good.sign(&with(claims(), "iss", json!("SuperOffice")), |_| {}), Rejection::Issuer),
            (
                "wrong aud",
                good.sign(&with(claims(), "aud", json!("spn:0123456789abcdef0123456789abcdef")), |_| {}),
                Rejection::Audience,
            ),
            ("no nonce", good.sign(&with(claims(), "nonce", json!(null)), |_| {}), Rejection::MissingClaim("nonce")),
            ("nonce with a dot", good.sign(&with(claims(), "nonce", json!("A.B")), |_| {}), Rejection::BadNonce),
            ("no exp", good.sign(&with(claims(), "exp", json!(null)), |_| {}), Rejection::MissingClaim("exp")),
            ("no nbf", good.sign(&with(claims(), "nbf", json!(null)), |_| {}), Rejection::MissingClaim("nbf")),
            (
                "valid for years",
                good.sign(&with(claims(), "exp", json!(NOW + 1_000_000_000)), |_| {}),
                Rejection::LifetimeTooLong,
            ),
            (
                "bad signature",
                {
                    // One character of the signature changed: same length, other bytes.
                    let mut sig = segments[2].to_owned();
                    let c = if sig.as_bytes()[10] == b'A' { "B" } else { "A" };
                    sig.replace_range(10..11, c);
                    format!("{}.{}.{sig}", segments[0], segments[1])
                },
                Rejection::Signature,
            ),
            (
                "changed claims",
                format!("{}.{}.{}", segments[0], b64(with(claims(), "sub", json!("Cust1"))), segments[2]),
                Rejection::Signature,
            ),
            (
                "truncated",
                format!("{}.{}", segments[0], segments[1]),
                Rejection::Malformed("fewer than three segments"),
            ),
            ("extra segments", format!("{token}.AAAA"), Rejection::Malformed("more than three segments")),
            ("bad base64", format!("!!!.{}.{}", segments[1], segments[2]), Rejection::Malformed("unreadable header")),
            (
                "a forged log line in alg",
                format!(
                    "{}.{}.{}",
                    b64(json!({"alg": "RS\n2026 INFO Authenticate accepted", "kid": "x"})),
                    segments[1],
                    segments[2]
                ),
                Rejection::Algorithm("RS\\n2026 INFO Au… (34 bytes)".into()),
            ),
            ("oversized", "a".repeat(MAX_TOKEN_LEN + 1), Rejection::TooLarge),
        ];
        for (what, token, expected) in cases {
            assert_eq!(v.validate(&token, NOW), Err(expected), "{what}");
        }
        // The leeway is 300 s on both sides.
        assert!(v.validate(&good.sign(&with(claims(), "exp", json!(NOW - 299)), |_| {}), NOW).is_ok());
        // x5t alone selects the key too.
        assert!(v.validate(&good.sign(&claims(), |h| h.kid = None), NOW).is_ok());
        // Reasons carry no token material.
        assert!(!Rejection::Signature.reason().contains('.'));
    }

    #[test]
    fn pem_files_may_hold_several_certificates_and_nothing_else_is_accepted() {
        let (a, b) = (issuer(), issuer());
        let both = format!("{}\n{}", a.cert_pem, b.cert_pem);
        let certs = TrustedCert::from_pem(&both, "bundle.pem").unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[1].thumbprint, b.cert.thumbprint);
        assert!(TrustedCert::from_pem("nothing", "x.pem").unwrap_err().contains("x.pem: no PEM certificate"));
    }
}

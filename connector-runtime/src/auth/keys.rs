//! The application's private RSA key (auth-protocol.md §4) and the partner token it signs (§3).
//!
//! Accepted forms: .NET `RSAKeyValue` XML (`ToXmlString(true)`; a BOM, an XML declaration and
//! whitespace between elements are tolerated), PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`) and PKCS#8 PEM
//! (`BEGIN PRIVATE KEY`). Every problem is an error naming the source and the fault; the key
//! itself is never printed (`Debug` shows only its size).
//!
//! `rsa` reads and writes the key forms; the signature of a key of 2048 bits or more is made by
//! aws-lc-rs (through jsonwebtoken's RS256), faster than `rsa`'s PKCS#1 v1.5 (docs/performance.md)
//! and free of `rsa`'s timing side channel (RUSTSEC-2023-0071, Marvin); aws-lc-rs refuses smaller
//! keys, which `rsa` signs. The service signs only after a SuperOffice-signed token has validated,
//! and what it signs is a SuperOffice nonce and its own timestamp, never attacker-chosen data.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use chrono::{DateTime, NaiveDateTime, Utc};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, PrivateKey, PublicKey};

/// Smallest key accepted (SuperOffice's sample keys are 1024-bit).
pub const MIN_BITS: usize = 1024;
/// Below this size a key is accepted with a warning.
pub const RECOMMENDED_BITS: usize = 2048;

/// Why a key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("application private key from {source_name}: {fault}")]
pub struct KeyLoadError {
    /// Where the key came from: a file path or the variable name.
    pub source_name: String,
    /// What is wrong with it.
    pub fault: String,
}

/// The application's private key.
pub struct AppKey {
    key: PrivateKey,
    /// The same key for aws-lc-rs, which signs; `None` below 2048 bits, which aws-lc-rs refuses
    /// to sign with (`rsa` signs those: SuperOffice's sample keys are 1024-bit).
    signer: Option<jsonwebtoken::EncodingKey>,
}

impl fmt::Debug for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppKey({} bits)", self.bits())
    }
}

fn unsigned(bytes: &[u8]) -> BoxedUint {
    let bytes = match bytes.iter().position(|b| *b != 0) {
        Some(first) => &bytes[first..],
        None => &bytes[bytes.len().saturating_sub(1)..],
    };
    let bits = (bytes.len().max(1) * 8) as u32;
    BoxedUint::from_be_slice(bytes, bits).expect("the precision fits the bytes")
}

fn be_bytes(n: &BoxedUint) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len().saturating_sub(1));
    bytes[first..].to_vec()
}

/// The `RSAKeyValue` children, base64 text by name.
fn xml_fields(text: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(text);
    let mut fields = Vec::new();
    let mut current: Option<String> = None;
    let mut depth = 0;
    let mut root_seen = false;
    loop {
        match reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))? {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name().into_inner().to_owned();
                match depth {
                    1 if name == "RSAKeyValue" => root_seen = true,
                    1 => return Err(format!("the root element is <{name}>, not <RSAKeyValue>")),
                    2 => current = Some(name),
                    _ => return Err("unexpected nesting inside <RSAKeyValue>".into()),
                }
            }
            Event::Empty(e) if depth == 0 => {
                let name = e.local_name().into_inner().to_owned();
                if name != "RSAKeyValue" {
                    return Err(format!("the root element is <{name}>, not <RSAKeyValue>"));
                }
                root_seen = true;
            }
            Event::End(_) => {
                depth -= 1;
                current = None;
            }
            Event::Text(t) => {
                if let Some(name) = &current {
                    let text = t.xml10_content();
                    let value: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                    let bytes = B64.decode(value).map_err(|_| format!("<{name}> is not base64"))?;
                    fields.push((name.clone(), bytes));
                }
            }
            Event::DocType(_) => return Err("a DOCTYPE is not allowed in a key file".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err("no <RSAKeyValue> element".into());
    }
    Ok(fields)
}

impl AppKey {
    /// Reads a key in any accepted form; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<AppKey, KeyLoadError> {
        let fail = |fault: String| KeyLoadError { source_name: source_name.to_owned(), fault };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
        let key = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            PrivateKey::from_pkcs1_pem(text).map_err(|e| fail(format!("not a valid PKCS#1 PEM private key: {e}")))?
        } else if text.contains("-----BEGIN PRIVATE KEY-----") {
            PrivateKey::from_pkcs8_pem(text)
                .map_err(|e| fail(format!("not a valid PKCS#8 PEM RSA private key: {e}")))?
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(fail(
                "the PEM key is encrypted; store it unencrypted (openssl pkcs8 -in key.pem -out plain.pem) in a file only the service can read".into(),
            ));
        } else if text.contains("PUBLIC KEY-----") {
            return Err(fail("this is a public key; the service needs the private key".into()));
        } else if text.starts_with('<') {
            Self::from_xml(text).map_err(fail)?
        } else {
            return Err(fail(
                "neither RSAKeyValue XML nor a PEM private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)".into(),
            ));
        };
        let bits = key.size() * 8;
        if bits < MIN_BITS {
            return Err(fail(format!("the key has {bits} bits; at least {MIN_BITS} are required")));
        }
        Ok(AppKey::from_key(key))
    }

    fn from_key(key: PrivateKey) -> AppKey {
        let signer = (key.size() * 8 >= RECOMMENDED_BITS)
            .then(|| key.to_pkcs1_der().ok())
            .flatten()
            .map(|der| jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()));
        AppKey { key, signer }
    }

    fn from_xml(text: &str) -> Result<PrivateKey, String> {
        let fields = xml_fields(text)?;
        let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice());
        let (Some(n), Some(e)) = (get("Modulus"), get("Exponent")) else {
            return Err("<RSAKeyValue> needs at least <Modulus> and <Exponent>".into());
        };
        let (Some(d), Some(p), Some(q)) = (get("D"), get("P"), get("Q")) else {
            return Err("this is a public key (no <D>, <P>, <Q>); the service needs the private key".into());
        };
        let key = PrivateKey::from_components(unsigned(n), unsigned(e), unsigned(d), vec![unsigned(p), unsigned(q)])
            .map_err(|e| format!("the key components are inconsistent: {e}"))?;
        // The CRT values in the file must be the ones the key implies (a corrupted file otherwise
        // signs wrongly in .NET and here alike).
        let checks = [
            ("DP", key.dp().map(be_bytes)),
            ("DQ", key.dq().map(be_bytes)),
            ("InverseQ", key.crt_coefficient().map(|c| be_bytes(&c))),
        ];
        for (name, computed) in checks {
            if let (Some(given), Some(computed)) = (get(name), computed)
                && be_bytes(&unsigned(given)) != computed
            {
                return Err(format!("<{name}> does not match the other key components (CRT values inconsistent)"));
            }
        }
        Ok(key)
    }

    /// A new key of `rsa`'s default size, 3072 bits (for `keys generate` and development mode).
    pub fn generate() -> AppKey {
        use rsa::Generate as _;
        AppKey::from_key(PrivateKey::generate())
    }

    /// A new key of `bits` bits (at least [`MIN_BITS`]).
    pub fn generate_with_bits(bits: usize) -> Result<AppKey, String> {
        if bits < MIN_BITS {
            return Err(format!("a key needs at least {MIN_BITS} bits"));
        }
        let mut rng = rsa::rand_core::UnwrapErr(getrandom::SysRng);
        PrivateKey::new(&mut rng, bits).map(AppKey::from_key).map_err(|e| e.to_string())
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// Whether the key is smaller than recommended (accepted, with a warning at start-up).
    pub fn is_weak(&self) -> bool {
        self.bits() < RECOMMENDED_BITS
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.to_public_key()
    }

    /// The public key's modulus and exponent as base64url, as a JWK carries them (`n`, `e`).
    pub fn public_jwk_components(&self) -> (String, String) {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let public = self.public_key();
        (URL_SAFE_NO_PAD.encode(be_bytes(public.n())), URL_SAFE_NO_PAD.encode(be_bytes(public.e())))
    }

    /// The public key as `RSAKeyValue` XML, the form SuperOffice's developer portal takes.
    pub fn public_key_xml(&self) -> String {
        let public = self.public_key();
        format!(
            "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent></RSAKeyValue>",
            B64.encode(be_bytes(public.n())),
            B64.encode(be_bytes(public.e()))
        )
    }

    /// The private key as `RSAKeyValue` XML (`ToXmlString(true)`), element order as .NET writes.
    pub fn private_key_xml(&self) -> String {
        let k = &self.key;
        let primes = k.primes();
        let values: [(&str, Vec<u8>); 8] = [
            ("Modulus", be_bytes(k.n())),
            ("Exponent", be_bytes(k.e())),
            ("P", be_bytes(primes[0].as_ref())),
            ("Q", be_bytes(primes[1].as_ref())),
            ("DP", k.dp().map(be_bytes).unwrap_or_default()),
            ("DQ", k.dq().map(be_bytes).unwrap_or_default()),
            ("InverseQ", k.crt_coefficient().map(|c| be_bytes(&c)).unwrap_or_default()),
            ("D", be_bytes(k.d())),
        ];
        let mut xml = String::from("<RSAKeyValue>");
        for (name, bytes) in values {
            xml.push_str(&format!("<{name}>{}</{name}>", B64.encode(bytes)));
        }
        xml.push_str("</RSAKeyValue>");
        xml
    }

    /// The private key as PKCS#8 PEM.
    pub fn private_key_pem(&self) -> String {
        self.key.to_pkcs8_pem(LineEnding::LF).expect("an in-memory key encodes").to_string()
    }

    /// The private key as PKCS#1 PEM.
    pub fn private_key_pkcs1_pem(&self) -> String {
        self.key.to_pkcs1_pem(LineEnding::LF).expect("an in-memory key encodes").to_string()
    }

    /// The partner token for `nonce` at time `at`: `NONCE.yyyyMMddHHmm.BASE64` where the base64 is
    /// the RSASSA-PKCS1-v1_5 / SHA-256 signature of `NONCE.yyyyMMddHHmm` (auth-protocol.md §3.1).
    pub fn sign_partner_token(&self, nonce: &str, at: DateTime<Utc>) -> String {
        let signed = format!("{nonce}.{}", at.format("%Y%m%d%H%M"));
        // RS256 is RSASSA-PKCS1-v1_5 with SHA-256; jsonwebtoken answers it in base64url.
        let fast = self.signer.as_ref().and_then(|signer| {
            let url = jsonwebtoken::crypto::sign(signed.as_bytes(), signer, jsonwebtoken::Algorithm::RS256).ok()?;
            B64URL.decode(url).ok()
        });
        let signature = match fast {
            Some(signature) => signature,
            None => self.key.pkcs1v15_sign::<Sha256>(signed.as_bytes()).expect("PKCS#1 v1.5 signing with a valid key"),
        };
        format!("{signed}.{}", B64.encode(signature))
    }

    /// [`AppKey::sign_partner_token`] made by `rsa` instead of aws-lc-rs: the same bytes
    /// (PKCS#1 v1.5 is deterministic), for the benchmark that chose between them.
    #[doc(hidden)]
    pub fn sign_partner_token_with_rsa_crate(&self, nonce: &str, at: DateTime<Utc>) -> String {
        let signed = format!("{nonce}.{}", at.format("%Y%m%d%H%M"));
        let signature =
            self.key.pkcs1v15_sign::<Sha256>(signed.as_bytes()).expect("PKCS#1 v1.5 signing with a valid key");
        format!("{signed}.{}", B64.encode(signature))
    }
}

/// An RSA public key from its big-endian modulus and exponent.
pub(crate) fn public_key_from_be(n: &[u8], e: &[u8]) -> Result<PublicKey, String> {
    PublicKey::new(unsigned(n), unsigned(e)).map_err(|e| format!("not a usable RSA public key: {e}"))
}

/// Reads an application's public key from `RSAKeyValue` XML (the form SuperOffice registers and
/// `keys generate` writes), e.g. to check partner tokens; `source_name` names it in errors.
pub fn parse_public_key_xml(text: &str, source_name: &str) -> Result<PublicKey, KeyLoadError> {
    let fail = |fault: String| KeyLoadError { source_name: source_name.to_owned(), fault };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    let fields = xml_fields(text).map_err(fail)?;
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice());
    let (Some(n), Some(e)) = (get("Modulus"), get("Exponent")) else {
        return Err(fail("<RSAKeyValue> needs <Modulus> and <Exponent>".into()));
    };
    PublicKey::new(unsigned(n), unsigned(e)).map_err(|e| fail(format!("not a usable RSA public key: {e}")))
}

/// Checks a partner token as SuperOffice does (auth-protocol.md §3.2): three parts, the nonce
/// sent, a timestamp within 15 minutes of `now`, a valid signature by `public`.
pub fn verify_partner_token(
    public: &PublicKey,
    token: &str,
    expected_nonce: &str,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [nonce, stamp, signature] = parts.as_slice() else {
        return Err(format!("a partner token has 3 parts separated by '.', this one has {}", parts.len()));
    };
    if *nonce != expected_nonce {
        return Err("the token is for another nonce".into());
    }
    let at = NaiveDateTime::parse_from_str(&format!("{stamp}00"), "%Y%m%d%H%M%S")
        .map_err(|_| format!("`{stamp}` is not a yyyyMMddHHmm timestamp"))?
        .and_utc();
    if (now - at).num_minutes().abs() >= 15 {
        return Err(format!("the token's time {at} is 15 minutes or more from now ({now})"));
    }
    let signature = B64.decode(signature).map_err(|_| "the signature is not standard base64".to_owned())?;
    public
        .pkcs1v15_verify::<Sha256>(format!("{nonce}.{stamp}").as_bytes(), &signature)
        .map_err(|_| "the signature does not verify with this public key".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn aws_lc_and_rsa_sign_the_same_bytes() {
        let key = AppKey::generate_with_bits(2048).unwrap();
        assert!(key.signer.is_some(), "2048 bits: aws-lc-rs signs");
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let nonce = "BDB65A558F193A8DD88E50E7416C0D86";
        assert_eq!(key.sign_partner_token(nonce, at), key.sign_partner_token_with_rsa_crate(nonce, at));
        verify_partner_token(&key.public_key(), &key.sign_partner_token(nonce, at), nonce, at).unwrap();
        let small = AppKey::generate_with_bits(1024).unwrap();
        assert!(small.signer.is_none(), "1024 bits: rsa signs");
        verify_partner_token(&small.public_key(), &small.sign_partner_token(nonce, at), nonce, at).unwrap();
    }

    #[test]
    fn generated_keys_round_trip_through_every_form() {
        let key = AppKey::generate();
        assert_eq!(key.bits(), 3072);
        assert!(!key.is_weak());
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 15, 4, 59).unwrap();
        let token = key.sign_partner_token("ABCDEF0123456789ABCDEF0123456789", at);
        assert!(token.starts_with("ABCDEF0123456789ABCDEF0123456789.202611281504."));
        for (form, text) in [
            ("xml", key.private_key_xml()),
            ("pkcs8", key.private_key_pem()),
            ("pkcs1", key.private_key_pkcs1_pem()),
            (
                "xml with BOM, declaration, tabs",
                format!(
                    "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n{}",
                    key.private_key_xml().replace("><", ">\n\t<")
                ),
            ),
        ] {
            let again = AppKey::parse(&text, form).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(again.sign_partner_token("ABCDEF0123456789ABCDEF0123456789", at), token, "{form}");
        }
        let public = key.public_key();
        verify_partner_token(&public, &token, "ABCDEF0123456789ABCDEF0123456789", at).unwrap();
        assert!(verify_partner_token(&public, &token, "OTHER", at).is_err());
        assert!(
            verify_partner_token(
                &public,
                &token,
                "ABCDEF0123456789ABCDEF0123456789",
                at + chrono::Duration::minutes(16)
            )
            .is_err()
        );
        let tampered = token.replace(".2026", ".2025");
        assert!(
            verify_partner_token(
                &public,
                &tampered,
                "ABCDEF0123456789ABCDEF0123456789",
                at - chrono::Duration::days(365)
            )
            .is_err()
        );
        assert!(format!("{key:?}").contains("3072 bits") && !format!("{key:?}").contains("BEGIN"));
    }

    #[test]
    fn bad_keys_are_refused_with_the_source_and_the_fault() {
        let key = AppKey::generate();
        let err = |text: &str| AppKey::parse(text, "/etc/erp/app.key").unwrap_err().to_string();
        assert!(err("hello").contains("/etc/erp/app.key: neither RSAKeyValue XML nor a PEM"));
        assert!(err(&key.public_key_xml()).contains("this is a public key"));
        assert!(err("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").contains("public key"));
        assert!(
            err("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")
                .contains("encrypted")
        );
        assert!(err("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----").contains("PKCS#1"));
        assert!(err("<Other/>").contains("not <RSAKeyValue>"));
        assert!(err("<RSAKeyValue><Modulus>!!</Modulus></RSAKeyValue>").contains("not base64"));
        assert!(err("<!DOCTYPE x []><RSAKeyValue/>").contains("DOCTYPE"));
        // A corrupted CRT value is caught.
        let xml = key.private_key_xml();
        let start = xml.find("<DP>").unwrap() + 4;
        let mut corrupted = xml.clone();
        corrupted.replace_range(start..start + 4, if &xml[start..start + 4] == "AAAA" { "BBBB" } else { "AAAA" });
        assert!(err(&corrupted).contains("CRT"), "{}", err(&corrupted));
    }
}

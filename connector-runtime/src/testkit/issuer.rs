//! The issuer of SuperOffice-style tokens for tests and the EIS emulator: its own RSA key and
//! self-signed certificate, made at test time (or kept in a folder between emulator runs).

use std::path::Path;

/// SuperOffice in a box for tests: an RSA key and its self-signed certificate, made at test time,
/// signing tokens shaped like SuperOffice's `Authenticate` JWTs. Trust it with
/// [`TestIssuer::cert_pem`] (e.g. through `ERP_CONNECTOR_SUPEROFFICE_CERTS`).
pub struct TestIssuer {
    /// The signing key.
    pub key: crate::auth::AppKey,
    /// The certificate as the service trusts it (thumbprint = the tokens' `kid`).
    pub cert: crate::auth::TrustedCert,
    /// The certificate in PEM.
    pub cert_pem: String,
}

impl TestIssuer {
    /// A new issuer with a 2048-bit key.
    pub fn new() -> Self {
        let key = crate::auth::AppKey::generate_with_bits(2048).expect("2048 bits are enough");
        let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&key.private_key_pem(), &rcgen::PKCS_RSA_SHA256)
            .expect("an RSA key rcgen can sign with");
        let cert = rcgen::CertificateParams::new(vec!["superoffice.test".to_owned()])
            .and_then(|p| p.self_signed(&pair))
            .expect("a self-signed certificate");
        let cert_pem = cert.pem();
        let trusted = crate::auth::TrustedCert::from_pem(&cert_pem, "test issuer").expect("our own PEM").remove(0);
        TestIssuer { key, cert: trusted, cert_pem }
    }

    /// Signs `claims` (RS256, `kid` and `x5t` of the certificate), after `tweak` may change the
    /// header.
    pub fn sign(&self, claims: &serde_json::Value, tweak: impl FnOnce(&mut jsonwebtoken::Header)) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.cert.thumbprint.clone());
        header.x5t = Some(self.cert.x5t.clone());
        tweak(&mut header);
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key.private_key_pem().as_bytes()).expect("our own PEM");
        jsonwebtoken::encode(&header, claims, &key).expect("signing a test token")
    }

    /// The claims SuperOffice sends, for `app_id` and `nonce`, valid from `now - 60` to
    /// `now + 300` (seconds since the epoch).
    pub fn claims(app_id: &str, nonce: &str, now: i64) -> serde_json::Value {
        serde_json::json!({
            "sub": "Cust10003",
            "nonce": nonce,
            crate::auth::token::CTX_CLAIM: "Cust10003",
            "nbf": now - 60,
            "exp": now + 300,
            "iss": crate::auth::token::ISSUER,
            "aud": format!("spn:{app_id}"),
        })
    }

    /// The pin of the issuer's public key (SHA-256 of its SubjectPublicKeyInfo), as
    /// `ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS` takes it (see [`crate::auth::jwks::KeyPin`]).
    pub fn key_pin(&self) -> [u8; 32] {
        let (n, e) = self.key.public_jwk_components();
        crate::auth::jwks::KeyPin::of_rsa_components(&n, &e).expect("our own key")
    }

    /// A token for `app_id` and `nonce`, valid now.
    pub fn token(&self, app_id: &str, nonce: &str) -> String {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        self.sign(&Self::claims(app_id, nonce, now), |_| {})
    }
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestIssuer {
    /// The issuer kept in `dir` (`issuer-key.pem`, `issuer-cert.pem`), made there on first use so
    /// that a connector can keep trusting the certificate between runs. Returns whether it was
    /// made now.
    pub fn load_or_create(dir: &Path) -> std::io::Result<(TestIssuer, bool)> {
        let key_path = dir.join("issuer-key.pem");
        let cert_path = dir.join("issuer-cert.pem");
        let fail = |what: &Path, e: String| std::io::Error::other(format!("test issuer {}: {e}", what.display()));
        if key_path.exists() && cert_path.exists() {
            let key_text = std::fs::read_to_string(&key_path).map_err(|e| fail(&key_path, e.to_string()))?;
            let key = crate::auth::AppKey::parse(&key_text, &key_path.display().to_string())
                .map_err(|e| fail(&key_path, e.to_string()))?;
            let cert_pem = std::fs::read_to_string(&cert_path).map_err(|e| fail(&cert_path, e.to_string()))?;
            let cert = crate::auth::TrustedCert::from_pem(&cert_pem, &cert_path.display().to_string())
                .map_err(|e| fail(&cert_path, e.to_string()))?
                .into_iter()
                .next()
                .ok_or_else(|| fail(&cert_path, "no certificate in the file".into()))?;
            return Ok((TestIssuer { key, cert, cert_pem }, false));
        }
        let issuer = TestIssuer::new();
        std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&key_path).map_err(|e| fail(&key_path, e.to_string()))?;
        std::io::Write::write_all(&mut file, issuer.key.private_key_pem().as_bytes())
            .map_err(|e| fail(&key_path, e.to_string()))?;
        std::fs::write(&cert_path, &issuer.cert_pem).map_err(|e| fail(&cert_path, e.to_string()))?;
        Ok((issuer, true))
    }
}

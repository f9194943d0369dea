//! HTTPS with rustls (feature `tls`). SuperOffice Online requires HTTPS; terminating it here
//! saves a proxy for small set-ups. Certificate and key problems stop start-up naming the file.

use super::Settings;

#[cfg(feature = "tls")]
pub(super) type ServerConfig = rustls::ServerConfig;
#[cfg(not(feature = "tls"))]
pub(super) type ServerConfig = std::convert::Infallible;

/// A connection as actix-web's rustls acceptor hands it over.
#[cfg(feature = "tls")]
pub(super) type Stream = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;

/// The TLS configuration the settings ask for, if any.
pub(super) fn server_config(settings: &Settings) -> std::io::Result<Option<ServerConfig>> {
    let (cert, key) = match (&settings.tls_cert, &settings.tls_key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        (Some(_), None) => {
            return Err(std::io::Error::other("tls_cert is set but tls_key is not (ERP_CONNECTOR_TLS_KEY)"));
        }
        (None, Some(_)) => {
            return Err(std::io::Error::other("tls_key is set but tls_cert is not (ERP_CONNECTOR_TLS_CERT)"));
        }
    };
    load(cert, key).map(Some)
}

#[cfg(feature = "tls")]
fn load(cert: &std::path::Path, key: &std::path::Path) -> std::io::Result<ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fail = |path: &std::path::Path, what: String| std::io::Error::other(format!("{}: {what}", path.display()));
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| fail(cert, format!("cannot read the certificate chain: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(cert, format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(fail(cert, "holds no PEM certificate".into()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| fail(key, format!("not a PEM private key (PKCS#8, PKCS#1 or SEC1): {e}")))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| fail(key, format!("does not match the certificate in {}: {e}", cert.display())))
}

#[cfg(not(feature = "tls"))]
fn load(_: &std::path::Path, _: &std::path::Path) -> std::io::Result<ServerConfig> {
    Err(std::io::Error::other(
        "tls_cert / tls_key are set, but this build has no TLS: enable the `tls` feature of erp-connector, \
         or terminate HTTPS at a reverse proxy",
    ))
}

//! Test support (feature `testing`): a blocking SOAP client for the 17 operations, built on the
//! same contract table, reader and writer as the service, and a test issuer of SuperOffice-style
//! tokens ([`TestIssuer`]).
//!
//! ```no_run
//! use erp_connector::contract::{Operation, Request};
//! use erp_connector::testkit::SoapClient;
//!
//! let client = SoapClient::new("127.0.0.1:8080".parse().unwrap());
//! let response = client.call(&Request::GetConfigData).unwrap();
//! assert!(response.result().is_ok);
//! ```

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::contract::{ConnectionGuid, Request, Response};
use crate::soap::{self, Limits, ReadError, WireProfile};

/// A raw HTTP answer.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The header lines, as received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpReply {
    /// A header's value (name matched ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection failed.
    #[error("HTTP: {0}")]
    Io(#[from] std::io::Error),
    /// The answer is not a readable response (or is a SOAP fault).
    #[error("answer (HTTP {status}): {error}")]
    Read {
        /// The HTTP status.
        status: u16,
        /// What the reader found.
        error: ReadError,
    },
}

/// A blocking SOAP 1.1 client for one endpoint.
#[derive(Debug, Clone)]
pub struct SoapClient {
    addr: SocketAddr,
    path: String,
    profile: WireProfile,
    timeout: Duration,
}

impl SoapClient {
    /// A client for `http://<addr>/Services/ErpConnectorWS.svc`.
    pub fn new(addr: SocketAddr) -> Self {
        SoapClient {
            addr,
            path: "/Services/ErpConnectorWS.svc".into(),
            profile: WireProfile::default(),
            timeout: Duration::from_secs(30),
        }
    }

    /// Builder: another path (with any query, e.g. `?ConnectorName=shop`).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Builder: another wire profile.
    pub fn with_profile(mut self, profile: WireProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Calls an operation and reads its response.
    pub fn call(&self, request: &Request) -> Result<Response, ClientError> {
        let mut body = Vec::new();
        soap::write_request(self.profile, request, &mut body);
        let action = format!("\"{}\"", request.operation().action());
        let reply = self.post(&body, &[("SOAPAction", &action)])?;
        soap::read_response(&reply.body, request.operation(), &Limits::default())
            .map_err(|error| ClientError::Read { status: reply.status, error })
    }

    /// Posts a body as `text/xml; charset=utf-8` with extra headers.
    pub fn post(&self, body: &[u8], headers: &[(&str, &str)]) -> std::io::Result<HttpReply> {
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.path,
            self.addr,
            soap::CONTENT_TYPE,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.exchange(head.as_bytes(), body)
    }

    /// A GET of `path` (e.g. `/health`).
    pub fn get(&self, path: &str) -> std::io::Result<HttpReply> {
        let head = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr);
        self.exchange(head.as_bytes(), b"")
    }

    fn exchange(&self, head: &[u8], body: &[u8]) -> std::io::Result<HttpReply> {
        let mut stream = TcpStream::connect_timeout(&self.addr, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.write_all(head)?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        parse_reply(&raw).ok_or_else(|| std::io::Error::other("malformed HTTP answer"))
    }
}

fn parse_reply(raw: &[u8]) -> Option<HttpReply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Some(HttpReply { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&data[..line_end]).ok()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// A fresh random connection GUID, as SuperOffice would choose one.
pub fn new_guid() -> ConnectionGuid {
    ConnectionGuid::new_random()
}

/// A free TCP port on loopback (the port is released before returning, so a race is possible).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

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

//! Capture mode: every raw request and answer of the SOAP endpoint written to a folder, secrets
//! redacted, for settling the inferred wire details against a real EIS and for
//! `erp-connector replay`.
//!
//! Each exchange `N` is three files: `N-<Op>.request.xml`, `N-<Op>.response.xml` (the exact
//! bytes, apart from redaction) and `N-<Op>.meta.json` (SOAPAction, query, HTTP status, time).
//! Redacted, replaced by `***`: the text of `SignedToken` and `SignedApplicationToken`, and the
//! value of every `ConnectionInfo`/dictionary entry whose key is a Password field of a hosted
//! connector or names a password, secret or token. A body that is not well-formed XML is not
//! written (it could hold anything); the meta file says so.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use quick_xml::events::{BytesText, Event};
use quick_xml::{Reader, Writer};

/// What replaces a secret.
pub const REDACTED: &str = "***";

/// Elements whose text is always a secret.
const SECRET_ELEMENTS: &[&str] = &["SignedToken", "SignedApplicationToken"];

/// Words that make a dictionary key secret whatever the connector declares.
const SECRET_WORDS: &[&str] = &["password", "passwd", "secret", "token", "apikey", "api_key"];

/// Writes exchanges to a folder.
///
/// ```
/// use erp_connector::capture::Capture;
///
/// let dir = std::env::temp_dir().join("erp-capture-doc");
/// let capture = Capture::open(&dir, vec!["ERP_PASSWORD".into()]).unwrap();
/// let body = br#"<e><KeyValueOfstringstring><Key>ERP_PASSWORD</Key><Value>hunter2</Value></KeyValueOfstringstring></e>"#;
/// let kept = String::from_utf8(capture.redact(body).unwrap()).unwrap();
/// assert_eq!(kept, "<e><KeyValueOfstringstring><Key>ERP_PASSWORD</Key><Value>***</Value></KeyValueOfstringstring></e>");
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
#[derive(Debug)]
pub struct Capture {
    dir: PathBuf,
    next: AtomicU64,
    secret_keys: Vec<String>,
}

/// One exchange to write.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The SOAPAction header, if any.
    pub action: Option<&'a str>,
    /// The query string (e.g. `ConnectorName=shop`).
    pub query: &'a str,
    /// The request body.
    pub request: &'a [u8],
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer body.
    pub response: &'a [u8],
    /// How long the answer took, in microseconds.
    pub micros: u64,
}

impl Capture {
    /// Captures into `dir` (created if missing, readable by the owner only), numbering after any exchanges
    /// already there. `secret_keys` are dictionary keys whose values are redacted (ASCII case
    /// ignored), e.g. the Password fields of the hosted connectors.
    pub fn open(dir: &Path, secret_keys: Vec<String>) -> std::io::Result<Capture> {
        let fail = |e: std::io::Error| std::io::Error::new(e.kind(), format!("capture folder {}: {e}", dir.display()));
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(fail)?;
            // A folder made here is the owner's alone; an existing one keeps its permissions.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
            }
        }
        let last = std::fs::read_dir(dir)
            .map_err(fail)?
            .filter_map(|e| e.ok()?.file_name().to_str()?.split('-').next()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let secret_keys = secret_keys.into_iter().map(|k| k.to_ascii_lowercase()).collect();
        Ok(Capture { dir: dir.to_owned(), next: AtomicU64::new(last + 1), secret_keys })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one exchange; a failure is logged, never passed on (capture must not break calls).
    pub fn record(&self, exchange: &Exchange<'_>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let op = exchange
            .action
            .and_then(|a| a.trim().trim_matches('"').rsplit('/').next())
            .filter(|op| !op.is_empty() && op.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or("unknown");
        let stem = format!("{n:06}-{op}");
        let request = self.redact(exchange.request);
        let response = self.redact(exchange.response);
        let meta = serde_json::json!({
            "action": exchange.action,
            "query": exchange.query,
            "status": exchange.status,
            "micros": exchange.micros,
            "request_written": request.is_some(),
            "response_written": response.is_some(),
        });
        let result = (|| -> std::io::Result<()> {
            if let Some(body) = &request {
                std::fs::write(self.dir.join(format!("{stem}.request.xml")), body)?;
            }
            if let Some(body) = &response {
                std::fs::write(self.dir.join(format!("{stem}.response.xml")), body)?;
            }
            let mut file = std::fs::File::create(self.dir.join(format!("{stem}.meta.json")))?;
            file.write_all(meta.to_string().as_bytes())
        })();
        if let Err(e) = result {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot write a captured exchange");
        }
    }

    fn is_secret_key(&self, key: &str) -> bool {
        let lower = key.trim().to_ascii_lowercase();
        self.secret_keys.contains(&lower) || SECRET_WORDS.iter().any(|w| lower.contains(w))
    }

    /// `body` with secrets replaced by `***`; `None` if it is not well-formed XML.
    pub fn redact(&self, body: &[u8]) -> Option<Vec<u8>> {
        rewrite_secrets(body, |secret| match secret {
            Secret::Token => Some(REDACTED.to_owned()),
            Secret::Entry(key) => self.is_secret_key(key).then(|| REDACTED.to_owned()),
        })
    }
}

/// A place that may hold a secret.
enum Secret<'a> {
    /// The text of a token element (`SignedToken`, `SignedApplicationToken`).
    Token,
    /// The value of the dictionary entry with this key.
    Entry(&'a str),
}

/// Puts secrets back into a captured request before it is replayed: the value of every
/// dictionary entry whose key is in `secrets` (ASCII case ignored). Returns the body and whether
/// a `***` is left in it. `None` if it is not well-formed XML.
pub fn restore(body: &[u8], secrets: &[(String, String)]) -> Option<(Vec<u8>, bool)> {
    let restored = rewrite_secrets(body, |secret| match secret {
        Secret::Entry(key) => secrets.iter().find(|(k, _)| k.eq_ignore_ascii_case(key.trim())).map(|(_, v)| v.clone()),
        Secret::Token => None,
    })?;
    let left = restored.windows(REDACTED.len()).any(|w| w == REDACTED.as_bytes());
    Some((restored, left))
}

/// Copies `body`, replacing the text of secret elements and dictionary values for which
/// `replacement` gives a value.
fn rewrite_secrets(body: &[u8], replacement: impl Fn(Secret<'_>) -> Option<String>) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    let mut writer = Writer::new(Vec::with_capacity(body.len()));
    // Local names of the open elements, and the key of the dictionary entry being read.
    let mut path: Vec<String> = Vec::new();
    let mut entry_key: Option<String> = None;
    // Inside a replaced element: its replacement until written (its text may come as several
    // events, split at character references), then `None`.
    let mut replacing: Option<Option<String>> = None;
    loop {
        let event = reader.read_event().ok()?;
        match &event {
            Event::Start(e) => {
                let local = e.local_name().into_inner().to_owned();
                let in_entry = path.last().is_some_and(|p| p.starts_with("KeyValueOf"));
                let with = if SECRET_ELEMENTS.contains(&local.as_str()) {
                    replacement(Secret::Token)
                } else if local == "Value" && in_entry {
                    entry_key.as_deref().and_then(|k| replacement(Secret::Entry(k)))
                } else {
                    None
                };
                replacing = with.map(Some);
                if local.starts_with("KeyValueOf") {
                    entry_key = None;
                }
                path.push(local);
            }
            Event::End(_) => {
                path.pop();
                replacing = None;
            }
            Event::Text(t) if path.last().is_some_and(|p| p == "Key") => {
                entry_key.get_or_insert_with(String::new).push_str(&t.xml10_content());
            }
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
        let is_text = matches!(event, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_));
        let written = match &mut replacing {
            Some(with) if is_text => match with.take() {
                Some(value) => writer.write_event(Event::Text(BytesText::new(&value))),
                None => Ok(()),
            },
            _ => writer.write_event(event.borrow()),
        };
        written.ok()?;
    }
    Some(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(secret: &[&str]) -> (Capture, PathBuf) {
        let dir = std::env::temp_dir().join(format!("erp-capture-unit-{}-{}", std::process::id(), secret.len()));
        let _ = std::fs::remove_dir_all(&dir);
        (Capture::open(&dir, secret.iter().map(|s| s.to_string()).collect()).unwrap(), dir)
    }

    #[test]
    fn tokens_and_secret_values_are_redacted_and_the_rest_kept() {
        let (capture, dir) = capture(&["ERP_PW"]);
        let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SaveConnectionRequestWS xmlns="urn:eis"><ConnectionGuid>g</ConnectionGuid><ConnectionInfo xmlns:a="urn:arrays"><a:KeyValueOfstringstring><a:Key>SERVER</a:Key><a:Value>erp &amp; co</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>erp_pw</a:Key><a:Value>hunter&amp;2</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>Api Token</a:Key><a:Value>abc</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>NOTE</a:Key><a:Value i:nil="true" xmlns:i="urn:i"/></a:KeyValueOfstringstring></ConnectionInfo><SignedToken>eyJ.x.y</SignedToken></SaveConnectionRequestWS></s:Body></s:Envelope>"#;
        let out = String::from_utf8(capture.redact(body.as_bytes()).unwrap()).unwrap();
        assert!(!out.contains("hunter") && !out.contains("abc") && !out.contains("eyJ"), "{out}");
        assert!(out.contains("<a:Value>erp &amp; co</a:Value>"), "{out}");
        assert_eq!(out.matches("***").count(), 3, "{out}");
        assert!(out.contains(r#"<a:Value i:nil="true" xmlns:i="urn:i"/>"#), "{out}");
        assert_eq!(capture.redact(b"<a><b></a>"), None);

        capture.record(&Exchange {
            action: Some("\"http://x/IErpConnectorWS/WSSaveConnection\""),
            query: "",
            request: body.as_bytes(),
            status: 200,
            response: b"<ok/>",
            micros: 5,
        });
        capture.record(&Exchange {
            action: None,
            query: "",
            request: b"<broken",
            status: 500,
            response: b"<f/>",
            micros: 1,
        });
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "000001-WSSaveConnection.meta.json",
                "000001-WSSaveConnection.request.xml",
                "000001-WSSaveConnection.response.xml",
                "000002-unknown.meta.json",
                "000002-unknown.response.xml",
            ]
        );
        // Replay puts given secrets back and says whether any is left.
        let (back, left) = restore(out.as_bytes(), &[("ERP_PW".into(), "pw<1>".into())]).unwrap();
        let back = String::from_utf8(back).unwrap();
        assert!(back.contains("<a:Value>pw&lt;1&gt;</a:Value>") && left, "{back}");
        let (_, left) =
            restore(out.as_bytes(), &[("erp_pw".into(), "x".into()), ("api token".into(), "y".into())]).unwrap();
        assert!(left, "the SignedToken is still redacted");
        // Numbering continues after a restart.
        let again = Capture::open(&dir, vec![]).unwrap();
        assert_eq!(again.next.load(Ordering::Relaxed), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

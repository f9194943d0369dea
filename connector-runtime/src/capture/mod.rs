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

pub mod inspect;

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
    /// Bytes the folder may hold; capture stops (with one warning) when they are used.
    budget: u64,
    used: AtomicU64,
}

/// The default byte budget of a capture folder.
pub const DEFAULT_BUDGET_BYTES: u64 = 1024 * 1024 * 1024;

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
        let (mut last, mut used) = (0, 0);
        for entry in std::fs::read_dir(dir).map_err(fail)?.filter_map(Result::ok) {
            used += entry.metadata().map_or(0, |m| m.len());
            let n = entry.file_name().to_str().and_then(|n| n.split('-').next()?.parse::<u64>().ok());
            last = last.max(n.unwrap_or(0));
        }
        let secret_keys = secret_keys.into_iter().map(|k| k.to_ascii_lowercase()).collect();
        Ok(Capture {
            dir: dir.to_owned(),
            next: AtomicU64::new(last + 1),
            secret_keys,
            budget: DEFAULT_BUDGET_BYTES,
            used: AtomicU64::new(used),
        })
    }

    /// Builder: the bytes the folder may hold (files already there count); beyond, exchanges
    /// are no longer written.
    pub fn with_budget(mut self, bytes: u64) -> Self {
        self.budget = bytes;
        self
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
        // A request the service cannot read is kept as its structure only: the redactor and the
        // reader may disagree on where its secrets are, so none of its values is written.
        let (request, values_removed) = match self.redact(exchange.request) {
            Some(redacted) => match self.checked(&redacted, exchange.action) {
                Checked::Clean => (Some(redacted), false),
                Checked::Unreadable => (structure_only(&redacted), true),
                Checked::Leaked => (None, false),
            },
            None => (None, false),
        };
        let response = self.redact(exchange.response);
        let meta = serde_json::json!({
            "action": exchange.action,
            "query": exchange.query,
            "status": exchange.status,
            "micros": exchange.micros,
            "request_written": request.is_some(),
            "request_values_removed": values_removed,
            "response_written": response.is_some(),
        })
        .to_string();
        let size = (request.as_ref().map_or(0, Vec::len) + response.as_ref().map_or(0, Vec::len) + meta.len()) as u64;
        let before = self.used.fetch_add(size, Ordering::Relaxed);
        if before + size > self.budget {
            self.used.fetch_sub(size, Ordering::Relaxed);
            if before <= self.budget {
                // Said once: `used` stays above the budget from here on.
                self.used.store(self.budget + 1, Ordering::Relaxed);
                tracing::warn!(dir = %self.dir.display(), budget = self.budget, "capture folder full (ERP_CONNECTOR_CAPTURE_MAX_BYTES): exchanges are no longer written");
            }
            return;
        }
        let result = (|| -> std::io::Result<()> {
            if let Some(body) = &request {
                write_private(&self.dir.join(format!("{stem}.request.xml")), body)?;
            }
            if let Some(body) = &response {
                write_private(&self.dir.join(format!("{stem}.response.xml")), body)?;
            }
            write_private(&self.dir.join(format!("{stem}.meta.json")), meta.as_bytes())
        })();
        if let Err(e) = result {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot write a captured exchange");
        }
    }

    /// Whether a redacted request, read as the service reads it, still shows a secret value: a
    /// difference between the redactor and the reader must not leak one.
    #[cfg(test)]
    fn holds_no_secret(&self, redacted: &[u8], action: Option<&str>) -> bool {
        self.checked(redacted, action) == Checked::Clean
    }

    /// A redacted request read as the service reads it: clean, still showing a secret, or not
    /// readable at all (then where its secrets are is not known).
    fn checked(&self, redacted: &[u8], action: Option<&str>) -> Checked {
        let Ok(request) = crate::soap::read_request(redacted, action, &crate::soap::Limits::default()) else {
            return Checked::Unreadable;
        };
        let info = match &request {
            crate::contract::Request::SaveConnection(r) => r.connection_info.as_ref(),
            crate::contract::Request::TestConfigData(r) => r.connection_info.as_ref(),
            _ => None,
        };
        let leaked = info.is_some_and(|info| {
            info.iter().any(|(k, v)| self.is_secret_key(k) && v.is_some_and(|v| !v.is_empty() && v != REDACTED))
        });
        if leaked {
            tracing::warn!(dir = %self.dir.display(), "a captured request kept a secret after redaction; not written");
            return Checked::Leaked;
        }
        Checked::Clean
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

/// What the service's reader makes of a redacted request.
#[derive(Debug, PartialEq, Eq)]
enum Checked {
    Clean,
    Leaked,
    Unreadable,
}

/// `body` with every text and every attribute value replaced by `***`, but namespace
/// declarations and `nil`: its shape (elements, namespaces, order) is evidence, its values may be
/// secrets. `None` if it is not well-formed XML.
fn structure_only(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    let mut writer = Writer::new(Vec::with_capacity(body.len() / 2));
    // Whether a `***` stands for the run of text pieces (text, CDATA, references) being read.
    let mut redacted = false;
    loop {
        let event = reader.read_event().ok()?;
        let text_like = matches!(event, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_));
        let written = match event {
            Event::Eof => break,
            Event::DocType(_) => return None,
            Event::Text(t) if t.trim().is_empty() => writer.write_event(Event::Text(t)),
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if redacted => Ok(()),
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                redacted = true;
                writer.write_event(Event::Text(BytesText::new(REDACTED)))
            }
            Event::Start(e) => writer.write_event(Event::Start(structure_of(&e)?)),
            Event::Empty(e) => writer.write_event(Event::Empty(structure_of(&e)?)),
            Event::Comment(_) | Event::PI(_) => Ok(()),
            other => writer.write_event(other),
        };
        written.ok()?;
        redacted &= text_like;
    }
    Some(writer.into_inner())
}

/// An element's start with its attribute values replaced, but namespace declarations and `nil`.
fn structure_of(e: &quick_xml::events::BytesStart<'_>) -> Option<quick_xml::events::BytesStart<'static>> {
    let mut out = quick_xml::events::BytesStart::new(e.name().into_inner().to_owned());
    for attr in e.attributes() {
        let attr = attr.ok()?;
        let key = attr.key.into_inner();
        let keep = key == "xmlns" || key.starts_with("xmlns:") || attr.key.local_name().into_inner() == "nil";
        if keep {
            // As it was written: its value is escaped already.
            out.push_attribute(attr);
        } else {
            out.push_attribute((key, REDACTED));
        }
    }
    Some(out)
}

/// Writes a new file readable by the owner only, whatever folder it is in; never replaces one.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
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
/// `replacement` gives a value. A dictionary entry is read whole before it is written, so that
/// its key is known whatever the order of `Key` and `Value`; the key is decoded as the service's
/// reader decodes it (character and entity references included).
fn rewrite_secrets(body: &[u8], replacement: impl Fn(Secret<'_>) -> Option<String>) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    let mut writer = Writer::new(Vec::with_capacity(body.len()));
    // The events of the dictionary entry being read, and how deep inside it the reader is.
    let mut entry: Option<(usize, Vec<Event<'static>>)> = None;
    // Inside a token element: its replacement until written, then `None`.
    let mut replacing: Option<Option<String>> = None;
    loop {
        let event = reader.read_event().ok()?.into_owned();
        match &event {
            Event::DocType(_) => return None,
            Event::Eof => break,
            _ => {}
        }
        if let Some((depth, events)) = &mut entry {
            match &event {
                Event::Start(_) => *depth += 1,
                Event::End(_) => *depth -= 1,
                _ => {}
            }
            let done = *depth == 0;
            events.push(event);
            if done {
                let (_, events) = entry.take()?;
                write_entry(&mut writer, events, &replacement)?;
            }
            continue;
        }
        if let Event::Start(e) = &event {
            let local = e.local_name().into_inner();
            if local.starts_with("KeyValueOf") {
                entry = Some((1, vec![event]));
                continue;
            }
            replacing = SECRET_ELEMENTS.contains(&local).then(|| replacement(Secret::Token)).flatten().map(Some);
        } else if let Event::End(_) = &event {
            replacing = None;
        }
        write_replacing(&mut writer, &event, &mut replacing)?;
    }
    if entry.is_some() {
        return None;
    }
    Some(writer.into_inner())
}

/// Writes `event`, or inside a replaced element its replacement in place of the first text
/// (and nothing for the rest of the text).
fn write_replacing(
    writer: &mut Writer<Vec<u8>>,
    event: &Event<'_>,
    replacing: &mut Option<Option<String>>,
) -> Option<()> {
    let written = match replacing {
        Some(with) if is_text(event) => match with.take() {
            Some(value) => writer.write_event(Event::Text(BytesText::new(&value))),
            None => Ok(()),
        },
        _ => writer.write_event(event.borrow()),
    };
    written.ok()
}

fn is_text(event: &Event<'_>) -> bool {
    matches!(event, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_))
}

/// The text of a text-like event, decoded (`None` for an unknown entity).
fn decoded(event: &Event<'_>) -> Option<String> {
    match event {
        Event::Text(t) => Some(t.xml10_content().into_owned()),
        Event::CData(c) => Some(c.to_string()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c.to_string()),
            _ => quick_xml::escape::resolve_predefined_entity(r).map(str::to_owned),
        },
        _ => None,
    }
}

/// Writes one dictionary entry's events, the text of its `Value` replaced when `replacement`
/// says so for its (decoded) key.
fn write_entry(
    writer: &mut Writer<Vec<u8>>,
    events: Vec<Event<'static>>,
    replacement: &impl Fn(Secret<'_>) -> Option<String>,
) -> Option<()> {
    let local = |e: &quick_xml::events::BytesStart<'_>| e.local_name().into_inner().to_owned();
    // The key: the text of the entry's `Key` child.
    let mut key: Option<String> = None;
    let mut path: Vec<String> = Vec::new();
    for event in &events {
        match event {
            Event::Start(e) => path.push(local(e)),
            Event::End(_) => {
                path.pop();
            }
            text if is_text(text) && path.len() == 2 && path[1] == "Key" => {
                key.get_or_insert_with(String::new).push_str(&decoded(text)?);
            }
            _ => {}
        }
    }
    let with = key.as_deref().and_then(|k| replacement(Secret::Entry(k)));
    let mut replacing: Option<Option<String>> = None;
    path.clear();
    for event in events {
        match &event {
            Event::Start(e) => {
                path.push(local(e));
                if path.len() == 2 && path[1] == "Value" {
                    replacing = with.clone().map(Some);
                }
            }
            Event::End(_) => {
                path.pop();
                replacing = None;
            }
            _ => {}
        }
        write_replacing(writer, &event, &mut replacing)?;
    }
    Some(())
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("000001-WSSaveConnection.request.xml")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner only");
        }
        // Numbering continues after a restart.
        let again = Capture::open(&dir, vec![]).unwrap();
        assert_eq!(again.next.load(Ordering::Relaxed), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A `SaveConnection` whose password entry is written to trip a redactor.
    fn save(entries: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SaveConnectionRequestWS xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ConnectionGuid>3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf</ConnectionGuid><ConnectionInfo xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays">{entries}</ConnectionInfo></SaveConnectionRequestWS></s:Body></s:Envelope>"#
        )
    }

    #[test]
    fn keys_are_read_as_the_service_reads_them() {
        let (capture, dir) = capture(&["ERP_KEY"]);
        for entries in [
            // A character reference inside the key.
            "<a:KeyValueOfstringstring><a:Key>PASS&#87;ORD</a:Key><a:Value>hunter2</a:Value></a:KeyValueOfstringstring>",
            // The value before its key.
            "<a:KeyValueOfstringstring><a:Value>hunter2</a:Value><a:Key>ERP_KEY</a:Key></a:KeyValueOfstringstring>",
            // CDATA and an entity in the value, a declared secret key split by a reference.
            "<a:KeyValueOfstringstring><a:Key>ERP&#x5F;KEY</a:Key><a:Value><![CDATA[hun]]>&amp;ter2</a:Value></a:KeyValueOfstringstring>",
        ] {
            let body = save(entries);
            let out = String::from_utf8(capture.redact(body.as_bytes()).unwrap()).unwrap();
            assert!(!out.contains("hun") && out.contains("***"), "{out}");
            assert!(capture.holds_no_secret(out.as_bytes(), None), "{out}");
        }
        // What the reader would see, had the redactor missed it: not written.
        let leaked = save(
            "<a:KeyValueOfstringstring><a:Key>PASSWORD</a:Key><a:Value>hunter2</a:Value></a:KeyValueOfstringstring>",
        );
        assert!(!capture.holds_no_secret(leaked.as_bytes(), None));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_request_the_redactor_misses_is_not_written() {
        let (capture, dir) = capture(&["ERP_PIN"]);
        // An entry element the service's reader takes but the redactor does not recognise.
        let body = save("<a:Entry><a:Key>ERP_PIN</a:Key><a:Value>4711</a:Value></a:Entry>");
        let redacted = String::from_utf8(capture.redact(body.as_bytes()).unwrap()).unwrap();
        let action = "http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/WSSaveConnection";
        capture.record(&Exchange {
            action: Some(action),
            query: "",
            request: body.as_bytes(),
            status: 200,
            response: b"<ok/>",
            micros: 1,
        });
        let written: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        if redacted.contains("4711") {
            assert!(!written.iter().any(|n| n.ends_with(".request.xml")), "{written:?}");
        }
        for name in &written {
            assert!(!std::fs::read_to_string(dir.join(name)).unwrap().contains("4711"), "{name}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A request the service cannot read (another dictionary-entry form, say) is written as its
    /// structure only: whatever the redactor missed, no value reaches the disk.
    #[test]
    fn an_unreadable_request_is_written_without_its_values() {
        let (capture, dir) = capture(&["ERP_PIN", "x"]);
        let body = save("<a:Entry><a:K xmlns:q=\"urn:a&amp;b\">ERP_PIN</a:K><a:V>4711</a:V><a:V p=\"s3cr3t\">more&amp;4712</a:V></a:Entry>")
            .replace("</ConnectionInfo>", "</ConnectionInfo><Unclosed>");
        let body = body.replace("<Unclosed>", "<Extra>x</Extra>").replace("<ConnectionGuid>", "<ConnectionGuid><Bad/>");
        let action = "http://www.superoffice.net/EIS/Connector/1.0/IErpConnectorWS/WSSaveConnection";
        assert!(crate::soap::read_request(body.as_bytes(), Some(action), &crate::soap::Limits::default()).is_err());
        capture.record(&Exchange {
            action: Some(action),
            query: "",
            request: body.as_bytes(),
            status: 500,
            response: b"<f/>",
            micros: 1,
        });
        let request = std::fs::read_to_string(dir.join("000001-WSSaveConnection.request.xml")).unwrap();
        assert!(!request.contains("4711") && !request.contains("4712") && !request.contains("s3cr3t"), "{request}");
        assert!(
            request.contains(
                "<a:Entry><a:K xmlns:q=\"urn:a&amp;b\">***</a:K><a:V>***</a:V><a:V p=\"***\">***</a:V></a:Entry>"
            ),
            "{request}"
        );
        assert!(
            request.contains(r#"xmlns="http://www.superoffice.net/EIS/Connector/1.0""#),
            "namespaces kept: {request}"
        );
        let meta = std::fs::read_to_string(dir.join("000001-WSSaveConnection.meta.json")).unwrap();
        assert!(meta.contains(r#""request_values_removed":true"#), "{meta}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_planted_in_the_folder_is_never_written_through() {
        let (capture, dir) = capture(&["A", "B"]);
        let target = std::env::temp_dir().join(format!("erp-capture-target-{}", std::process::id()));
        std::fs::write(&target, "untouched").unwrap();
        std::os::unix::fs::symlink(&target, dir.join("000001-unknown.meta.json")).unwrap();
        capture.record(&Exchange {
            action: None,
            query: "",
            request: b"<x/>",
            status: 500,
            response: b"<f/>",
            micros: 1,
        });
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
        let _ = std::fs::remove_file(&target);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_folder_has_a_byte_budget() {
        let (capture, dir) = capture(&["A", "B", "C"]);
        let capture = capture.with_budget(600);
        for _ in 0..10 {
            capture.record(&Exchange {
                action: None,
                query: "",
                request: &[b'x'; 100],
                status: 500,
                response: b"<f/>",
                micros: 1,
            });
        }
        let total: u64 = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
        assert!(total <= 600 && total > 0, "{total}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

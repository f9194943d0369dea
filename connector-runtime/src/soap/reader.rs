//! The tolerant, hardened envelope reader (spec §4.5 "Reading requests").
//!
//! Tolerant: the operation comes from the SOAPAction (quoted or not) or, without one, from the
//! body's first element; members are matched by local name, in any order, directly under the body
//! element (MessageContract) or one level deeper (`request` / `...Result`, wrapped styles);
//! `ConnectionGuid` is also taken from a SOAP header; `i:nil` and absence both mean null; GUIDs
//! in any common form; unknown elements are skipped, and each one is recorded in the message's
//! [`Trace`] (with the evidence of its shape, see [`super::shape`]) so that nothing is skipped
//! silently.
//!
//! Hardened: the input must be UTF-8; a DOCTYPE (and so any entity declaration) is refused, as is
//! any entity other than the five predefined ones; nesting depth, element count, attributes per
//! element, namespace bindings, text length, items per array and the memory the values read take
//! are limited ([`Limits`]). Every failure is a [`ReadError`] whose message says what to fix.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use crate::contract::schema::{Record, Slot};
use crate::contract::{ActorType, CompactString, ConnectionGuid, Operation, Request, Response, StringDict, ns};

use super::fault::{Fault, FaultCode};
use super::shape::Trace;

/// Bounds on what the reader accepts. The defaults are generous for the contract (a
/// `WSSaveActors` of tens of thousands of actors fits) and small enough to keep a hostile message
/// cheap; the body size itself is limited by the HTTP layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting (the contract needs 7).
    pub max_depth: usize,
    /// Elements in one message.
    pub max_elements: usize,
    /// Attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
    /// Namespace bindings in scope at once.
    pub max_namespace_bindings: usize,
    /// Bytes of text in one element.
    pub max_text_len: usize,
    /// Items in one array or dictionary.
    pub max_array_items: usize,
    /// Bytes the values read from one message may take in memory (an estimate that counts what
    /// each string, array item and dictionary entry allocates, growth room included). A message
    /// of many empty items takes far more memory than bytes on the wire: a million empty
    /// `ErpActorWS` in 4 MB took 201 MiB before this bound.
    pub max_value_bytes: usize,
}

impl Limits {
    /// Memory values may take for a body of `body_bytes`: eight times the body, at least 1 MiB.
    /// A message of real values takes about its own size; one built to amplify hits this first.
    pub fn value_bytes_for_body(body_bytes: usize) -> usize {
        body_bytes.saturating_mul(8).max(1 << 20)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_elements: 4_000_000,
            max_attributes: 32,
            max_namespace_bindings: 64,
            max_text_len: 8 * 1024 * 1024,
            max_array_items: 100_000,
            max_value_bytes: Self::value_bytes_for_body(4 << 20),
        }
    }
}

/// Why a message could not be read. Each is answered with a SOAP `s:Client` fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The bytes are not UTF-8.
    #[error("the message is not valid UTF-8 (first bad byte at offset {offset}); send it encoded as UTF-8")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The XML declaration names another encoding.
    #[error("the XML declaration says encoding=\"{0}\"; only UTF-8 is accepted")]
    UnsupportedEncoding(String),
    /// Not well-formed XML.
    #[error("malformed XML near byte {position}: {message}")]
    Malformed {
        /// Byte offset where the problem was found.
        position: u64,
        /// What the XML parser reported.
        message: String,
    },
    /// A document type declaration.
    #[error("a DOCTYPE is not allowed in a SOAP message (no DTDs and no entity declarations)")]
    Doctype,
    /// An entity reference other than the predefined five.
    #[error(
        "the entity reference `&{0};` is not allowed; use a character reference or one of &lt; &gt; &amp; &quot; &apos;"
    )]
    UndefinedEntity(String),
    /// A character reference to something that is not a character.
    #[error("the character reference `&{0};` does not name a character")]
    InvalidCharRef(String),
    /// Over one of the [`Limits`].
    #[error("the message exceeds the limit on {what} ({limit})")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// Its value.
        limit: usize,
    },
    /// The root element is not a SOAP 1.1 envelope.
    #[error("the root element is `{found}`; expected a SOAP 1.1 Envelope in namespace {}", ns::SOAP11_ENVELOPE)]
    NotEnvelope {
        /// What was found (`{namespace}local`).
        found: String,
    },
    /// A SOAP 1.2 envelope.
    #[error("this is a SOAP 1.2 envelope; this endpoint speaks SOAP 1.1 (basicHttpBinding, text/xml)")]
    Soap12,
    /// The envelope has no body.
    #[error("the Envelope has no Body")]
    MissingBody,
    /// The body has no element.
    #[error("the SOAP Body is empty; expected the operation's request element")]
    EmptyBody,
    /// The SOAPAction names no operation of the contract.
    #[error("unknown SOAPAction `{action}`; expected {}/{}/<operation>, e.g. {}", ns::EIS, ns::CONTRACT_NAME, Operation::GetActors.action(), action = .0)]
    UnknownAction(String),
    /// Without a SOAPAction, the body element does not name one operation.
    #[error("cannot tell the operation from the body element `{0}`; send the SOAPAction header")]
    UnknownOperation(String),
    /// A member value of the wrong form.
    #[error("member `{member}`: `{value}` is not {expected}")]
    InvalidValue {
        /// The member's wire name.
        member: String,
        /// The value found (shortened).
        value: String,
        /// What was expected.
        expected: String,
    },
    /// An element where text was expected.
    #[error("member `{member}` must hold text, but contains the element `{found}`")]
    UnexpectedElement {
        /// The member's wire name.
        member: String,
        /// The element found inside it.
        found: String,
    },
    /// A dictionary entry without a key.
    #[error("member `{member}`: a KeyValueOfstringstring entry has no Key")]
    MissingKey {
        /// The dictionary member's wire name.
        member: String,
    },
    /// The peer answered with a SOAP fault (when reading a response).
    #[error("SOAP fault {0}")]
    Fault(Fault),
}

impl ReadError {
    fn invalid(member: &str, value: &str, expected: impl Into<String>) -> Self {
        let mut value = value.to_owned();
        if value.len() > 80 {
            let cut = (0..=80).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
            value.truncate(cut);
            value.push('…');
        }
        ReadError::InvalidValue { member: member.to_owned(), value, expected: expected.into() }
    }
}

/// Reads a request envelope. `soap_action` is the HTTP `SOAPAction` header, if any.
pub fn read_request(body: &[u8], soap_action: Option<&str>, limits: &Limits) -> Result<Request, ReadError> {
    read_request_traced(body, soap_action, limits).map(|(request, _)| request)
}

/// [`read_request`], with what the message showed of its shape and what was skipped.
pub fn read_request_traced(
    body: &[u8],
    soap_action: Option<&str>,
    limits: &Limits,
) -> Result<(Request, Trace), ReadError> {
    let by_action = soap_action.map(operation_from_action).transpose()?.flatten();
    let text = utf8(body)?;
    let mut x = XmlIn::new(text, limits);
    let (mut request, header_guid) = x.envelope("ConnectionGuid", |x, el| {
        let operation = match by_action {
            Some(op) => op,
            None => operation_from_element(&el.local)?,
        };
        let mut request = Request::empty(operation);
        match request.record_mut() {
            Some(record) if !el.empty => x.members(record, true, true)?,
            Some(_) => {}
            None if !el.empty => x.skip_children(operation.name())?,
            None => {}
        }
        x.probe_level = 0;
        Ok(request)
    })?;
    let operation = request.operation();
    x.trace.judge(operation.name(), operation.spec().request.map(|s| s.name));
    if let (Some(text), Some(slot)) = (header_guid, request.connection_guid_mut())
        && slot.is_none()
    {
        *slot = Some(ConnectionGuid::parse(&text).map_err(|_| ReadError::invalid("ConnectionGuid", &text, "a GUID"))?);
    }
    Ok((request, x.trace))
}

/// Reads a response envelope to `operation` (the test client's side). A SOAP fault in the body
/// is returned as [`ReadError::Fault`].
pub fn read_response(body: &[u8], operation: Operation, limits: &Limits) -> Result<Response, ReadError> {
    read_response_traced(body, operation, limits).map(|(response, _)| response)
}

/// [`read_response`], with what the message showed of its shape and what was skipped.
pub fn read_response_traced(
    body: &[u8],
    operation: Operation,
    limits: &Limits,
) -> Result<(Response, Trace), ReadError> {
    let text = utf8(body)?;
    let mut x = XmlIn::new(text, limits);
    let (response, _) = x.envelope("", |x, el| {
        if el.local == "Fault" && el.ns == NsId::Soap11 {
            return Err(ReadError::Fault(x.fault(el.empty)?));
        }
        let mut response = Response::empty(operation);
        if !el.empty {
            x.members(response.record_mut(), true, true)?;
        }
        x.probe_level = 0;
        Ok(response)
    })?;
    x.trace.judge(operation.name(), Some(operation.spec().response.name));
    Ok((response, x.trace))
}

/// Reads the envelope of a message of another contract (e.g. `Authenticate`) into `record`:
/// members by local name at either body depth, as for the ERP contract. Returns the body
/// message's [`Trace`] (its body element, namespaces and skipped elements; the shape is left
/// for the caller to judge) and the text of the header element named `header_member`, if any.
/// A SOAP fault in the body is returned as [`ReadError::Fault`].
pub fn read_message(
    body: &[u8],
    record: &mut dyn Record,
    header_member: &str,
    limits: &Limits,
) -> Result<(Trace, Option<String>), ReadError> {
    let text = utf8(body)?;
    let mut x = XmlIn::new(text, limits);
    let ((), header) = x.envelope(header_member, |x, el| {
        if el.local == "Fault" && el.ns == NsId::Soap11 {
            return Err(ReadError::Fault(x.fault(el.empty)?));
        }
        if !el.empty {
            x.members(record, true, true)?;
        }
        x.probe_level = 0;
        Ok(())
    })?;
    Ok((x.trace, header))
}

/// The operation named by a SOAPAction header value: its last path segment. `None` if empty.
pub fn operation_from_action(action: &str) -> Result<Option<Operation>, ReadError> {
    let action = action.trim().trim_matches('"').trim();
    if action.is_empty() {
        return Ok(None);
    }
    let name = action.rsplit('/').next().unwrap_or(action);
    Operation::from_name(name).map(Some).ok_or_else(|| ReadError::UnknownAction(action.to_owned()))
}

/// The operation named by a body element: the operation name (wrapped styles, `WSGetConfigData`)
/// or a request class used by exactly one operation.
fn operation_from_element(local: &str) -> Result<Operation, ReadError> {
    if let Some(op) = Operation::from_name(local) {
        return Ok(op);
    }
    let mut by_class = Operation::all().filter(|op| op.spec().request.is_some_and(|s| s.name == local));
    match (by_class.next(), by_class.next()) {
        (Some(op), None) => Ok(op),
        _ => Err(ReadError::UnknownOperation(local.to_owned())),
    }
}

fn utf8(body: &[u8]) -> Result<&str, ReadError> {
    let text = std::str::from_utf8(body).map_err(|e| ReadError::InvalidUtf8 { offset: e.valid_up_to() })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NsId {
    /// Below the body element, where no check needs it.
    Unresolved,
    None,
    Soap11,
    Soap12,
    Other,
}

/// A start tag as the reader needs it.
struct El<'i> {
    local: Cow<'i, str>,
    /// The namespace, for the envelope levels only.
    ns: NsId,
    nil: bool,
    /// `<x/>`: no content and no end tag follow.
    empty: bool,
}

enum Ev<'i> {
    Start(El<'i>),
    End,
    Text(Cow<'i, str>),
    Eof,
}

/// The pull parser with limits: a thin layer over quick-xml's `NsReader`.
struct XmlIn<'i, 'l> {
    input: &'i str,
    r: NsReader<&'i [u8]>,
    limits: &'l Limits,
    depth: usize,
    elements: usize,
    /// The estimated bytes of the values read so far (bounded by `max_value_bytes`).
    value_bytes: usize,
    /// The namespace of the last element read at the envelope levels (the body element's).
    last_ns: String,
    /// The depth of the body element while its first descendants are probed for the evidence
    /// of the shape; 0 when not probing.
    probe_level: usize,
    trace: Trace,
}

impl<'i, 'l> XmlIn<'i, 'l> {
    fn new(input: &'i str, limits: &'l Limits) -> Self {
        let mut r = NsReader::from_str(input);
        r.config_mut().check_end_names = true;
        r.resolver_mut().set_max_namespace_bindings(limits.max_namespace_bindings);
        XmlIn {
            input,
            r,
            limits,
            depth: 0,
            elements: 0,
            value_bytes: 0,
            last_ns: String::new(),
            probe_level: 0,
            trace: Trace::default(),
        }
    }

    fn malformed(&self, e: quick_xml::Error) -> ReadError {
        if let quick_xml::Error::Namespace(quick_xml::name::NamespaceError::TooManyBindings(_)) = e {
            return ReadError::Limit { what: "namespace bindings", limit: self.limits.max_namespace_bindings };
        }
        ReadError::Malformed { position: self.r.error_position(), message: e.to_string() }
    }

    /// The input slice a borrowed quick-xml string points into, so names live as long as the
    /// input instead of the event (no allocation per element).
    fn reborrow(&self, s: &str) -> Cow<'i, str> {
        let start = (s.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        match self.input.get(start..start.wrapping_add(s.len())) {
            Some(slice) if slice.as_ptr() == s.as_ptr() => Cow::Borrowed(slice),
            _ => Cow::Owned(s.to_owned()),
        }
    }

    fn element(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<El<'i>, ReadError> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(ReadError::Limit { what: "elements", limit: self.limits.max_elements });
        }
        let mut nil = false;
        let mut count = 0;
        // Most elements carry no attributes: skip the iterator for them.
        let attributes = if e.attributes_raw().trim_ascii().is_empty() { None } else { Some(e.attributes()) };
        for attr in attributes.into_iter().flatten() {
            let attr = attr.map_err(|err| self.malformed(err.into()))?;
            count += 1;
            if count > self.limits.max_attributes {
                return Err(ReadError::Limit { what: "attributes on one element", limit: self.limits.max_attributes });
            }
            let (res, local) = self.r.resolver().resolve_attribute(attr.key);
            if local.into_inner() == "nil" && matches!(res, ResolveResult::Bound(Namespace(n)) if n == ns::XSI) {
                nil = matches!(attr.value.trim(), "true" | "1");
            }
        }
        let local = self.reborrow(e.local_name().into_inner());
        // Envelope, Header, Body and the body element sit at depth 3 or less (`depth` already
        // counts a start tag being read, not an empty one).
        let level = if empty { self.depth + 1 } else { self.depth };
        let ns = if level <= 3 {
            let resolved = self.r.resolver().resolve_element(e.name()).0;
            self.last_ns.clear();
            if let ResolveResult::Bound(Namespace(n)) = &resolved {
                self.last_ns.push_str(n);
            }
            ns_id(&resolved)
        } else {
            NsId::Unresolved
        };
        if self.probe_level > 0 {
            self.probe(e, level, &local);
        }
        Ok(El { local, ns, nil, empty })
    }

    /// Notes the shape's evidence among the first descendants of the body element: its first
    /// child, and the namespace of the first member (inside `request` when wrapped).
    fn probe(&mut self, e: &BytesStart<'_>, level: usize, local: &str) {
        let namespace = |x: &Self| match x.r.resolver().resolve_element(e.name()).0 {
            ResolveResult::Bound(Namespace(n)) => n.to_owned(),
            _ => String::new(),
        };
        let child = self.probe_level + 1;
        match &self.trace.first_child {
            None if level == child => {
                self.trace.set_first_child(local);
                // A wrapper (`request`, `...Result`) holds the members one level down.
                if local != "request" && !local.ends_with("Result") {
                    let n = namespace(self);
                    self.trace.set_member_namespace(&n);
                    self.probe_level = 0;
                }
            }
            Some(_) if level == child + 1 => {
                let n = namespace(self);
                self.trace.set_member_namespace(&n);
                self.probe_level = 0;
            }
            Some(_) if level <= child => self.probe_level = 0,
            _ => {}
        }
    }

    fn next(&mut self) -> Result<Ev<'i>, ReadError> {
        loop {
            // Element namespaces matter only around the body, so they are resolved for the top
            // levels only (`El::ns`); the resolver still tracks every scope for `i:nil`.
            let event = match self.r.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.malformed(e)),
            };
            match event {
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(ReadError::Limit { what: "nesting depth", limit: self.limits.max_depth });
                    }
                    return self.element(&e, false).map(Ev::Start);
                }
                Event::Empty(e) => return self.element(&e, true).map(Ev::Start),
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(Ev::End);
                }
                Event::Text(t) => return Ok(Ev::Text(t.xml10_content())),
                Event::CData(c) => return Ok(Ev::Text(c.xml10_content())),
                Event::GeneralRef(r) => return resolve_reference(&r).map(Ev::Text),
                Event::Decl(d) => {
                    if let Some(Ok(encoding)) = d.encoding()
                        && !encoding.eq_ignore_ascii_case("utf-8")
                        && !encoding.eq_ignore_ascii_case("utf8")
                    {
                        return Err(ReadError::UnsupportedEncoding(encoding.into_owned()));
                    }
                }
                Event::DocType(_) => return Err(ReadError::Doctype),
                Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    if self.depth != 0 {
                        return Err(ReadError::Malformed {
                            position: self.input.len() as u64,
                            message: "the document ends before all elements are closed".into(),
                        });
                    }
                    return Ok(Ev::Eof);
                }
            }
        }
    }

    /// Skips the children of the element just opened, each recorded as skipped in `parent`,
    /// up to and including its end tag.
    fn skip_children(&mut self, parent: &'static str) -> Result<(), ReadError> {
        loop {
            match self.next()? {
                Ev::Start(el) => {
                    self.trace.skip(parent, &el.local);
                    if !el.empty {
                        self.skip()?;
                    }
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// Skips the content of the element just opened, up to and including its end tag.
    fn skip(&mut self) -> Result<(), ReadError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Ev::Start(el) if !el.empty => depth += 1,
                Ev::End => depth -= 1,
                Ev::Start(_) | Ev::Text(_) => {}
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
        Ok(())
    }

    fn unexpected_eof(&self) -> ReadError {
        ReadError::Malformed { position: self.input.len() as u64, message: "unexpected end of document".into() }
    }

    /// The text content of the element just opened (which must hold no elements).
    fn text(&mut self, member: &str) -> Result<String, ReadError> {
        self.text_cow(member).map(Cow::into_owned)
    }

    /// [`Self::text`], borrowed from the input when it holds no entity or character reference.
    fn text_cow(&mut self, member: &str) -> Result<Cow<'i, str>, ReadError> {
        let mut text: Option<Cow<'i, str>> = None;
        loop {
            match self.next()? {
                Ev::Text(t) => {
                    match &mut text {
                        None => text = Some(t),
                        Some(acc) => acc.to_mut().push_str(&t),
                    }
                    if text.as_ref().is_some_and(|t| t.len() > self.limits.max_text_len) {
                        return Err(ReadError::Limit {
                            what: "text length of one element",
                            limit: self.limits.max_text_len,
                        });
                    }
                }
                Ev::Start(el) => {
                    return Err(ReadError::UnexpectedElement {
                        member: member.to_owned(),
                        found: el.local.into_owned(),
                    });
                }
                Ev::End => return Ok(text.unwrap_or_default()),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn text_of(&mut self, el: &El<'i>, member: &str) -> Result<String, ReadError> {
        let text = if el.empty { String::new() } else { self.text(member)? };
        self.charge(text.len())?;
        Ok(text)
    }

    /// Counts `bytes` more of values in memory.
    fn charge(&mut self, bytes: usize) -> Result<(), ReadError> {
        self.value_bytes = self.value_bytes.saturating_add(bytes);
        if self.value_bytes > self.limits.max_value_bytes {
            return Err(ReadError::Limit {
                what: "bytes the message's values take in memory",
                limit: self.limits.max_value_bytes,
            });
        }
        Ok(())
    }

    /// Counts one more item, after `before` others, of an array or dictionary, taking `bytes` in
    /// it (twice: a growing array holds up to twice its items' room).
    fn item(&mut self, before: usize, bytes: usize) -> Result<(), ReadError> {
        if before >= self.limits.max_array_items {
            return Err(ReadError::Limit { what: "items in one array", limit: self.limits.max_array_items });
        }
        self.charge(bytes.saturating_mul(2))
    }

    /// Reads the envelope around a body element handled by `body`, and any `ConnectionGuid`
    /// header, then checks that the document ends properly.
    fn envelope<T>(
        &mut self,
        header_member: &str,
        body: impl FnOnce(&mut Self, El<'i>) -> Result<T, ReadError>,
    ) -> Result<(T, Option<String>), ReadError> {
        let root = loop {
            match self.next()? {
                Ev::Start(el) => break el,
                Ev::Text(_) => {}
                Ev::End | Ev::Eof => {
                    return Err(ReadError::NotEnvelope { found: "nothing".into() });
                }
            }
        };
        match (root.local.as_ref(), root.ns) {
            ("Envelope", NsId::Soap11) => {}
            ("Envelope", NsId::Soap12) => return Err(ReadError::Soap12),
            _ => {
                return Err(ReadError::NotEnvelope { found: root.local.into_owned() });
            }
        }
        if root.empty {
            return Err(ReadError::MissingBody);
        }
        let mut header_value = None;
        let mut body = Some(body);
        let mut result = None;
        loop {
            match self.next()? {
                Ev::Start(el) if el.local == "Body" && result.is_none() => {
                    if el.empty {
                        return Err(ReadError::EmptyBody);
                    }
                    let first = loop {
                        match self.next()? {
                            Ev::Start(first) => break first,
                            Ev::Text(_) => {}
                            Ev::End => return Err(ReadError::EmptyBody),
                            Ev::Eof => return Err(self.unexpected_eof()),
                        }
                    };
                    let handle = body.take().expect("one body");
                    self.trace.set_body(&first.local, &self.last_ns);
                    self.probe_level = if first.empty { 0 } else { self.depth };
                    result = Some(handle(self, first)?);
                    self.skip_children("Body")?;
                }
                Ev::Start(el) if el.local == "Header" && !el.empty => header_value = self.header(header_member)?,
                Ev::Start(el) => {
                    self.trace.skip("Envelope", &el.local);
                    if !el.empty {
                        self.skip()?;
                    }
                }
                Ev::Text(_) => {}
                Ev::End | Ev::Eof => break,
            }
        }
        loop {
            match self.next()? {
                Ev::Eof => break,
                Ev::Text(t) if t.trim().is_empty() => {}
                _ => {
                    return Err(ReadError::Malformed {
                        position: self.r.buffer_position(),
                        message: "content after the end of the Envelope".into(),
                    });
                }
            }
        }
        Ok((result.ok_or(ReadError::MissingBody)?, header_value))
    }

    /// The trimmed text of the header element named `wanted` (a direct child of `Header`).
    fn header(&mut self, wanted: &str) -> Result<Option<String>, ReadError> {
        let mut found = None;
        loop {
            match self.next()? {
                Ev::Start(el) if !wanted.is_empty() && el.local == wanted => {
                    self.trace.header_element(&el.local);
                    if el.nil {
                        if !el.empty {
                            self.skip()?;
                        }
                    } else {
                        let text = self.text_of(&el, wanted)?;
                        found = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
                    }
                }
                Ev::Start(el) => {
                    self.trace.header_element(&el.local);
                    self.trace.skip("Header", &el.local);
                    if !el.empty {
                        self.skip()?;
                    }
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(found),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn fault(&mut self, empty: bool) -> Result<Fault, ReadError> {
        let mut fault = Fault { code: FaultCode::Server, message: String::new(), detail: None };
        if empty {
            return Ok(fault);
        }
        loop {
            match self.next()? {
                Ev::Start(el) if el.local == "faultcode" => {
                    fault.code = FaultCode::parse(&self.text_of(&el, "faultcode")?)
                }
                Ev::Start(el) if el.local == "faultstring" => fault.message = self.text_of(&el, "faultstring")?,
                Ev::Start(el) if !el.empty => self.skip()?,
                Ev::Start(_) | Ev::Text(_) => {}
                Ev::End => return Ok(fault),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// Fills `record` from the children of the element just opened. With `descend`, an element
    /// that is no member is searched one level down (the `request` / `...Result` element of the
    /// wrapped styles).
    fn members(&mut self, record: &mut dyn Record, descend: bool, top: bool) -> Result<(), ReadError> {
        loop {
            match self.next()? {
                Ev::Start(el) => {
                    let schema = record.schema();
                    if let Some((level, index)) = schema.find(&el.local) {
                        let name = schema.member_at(level, index).name;
                        // Each once: a class has a handful of members, a hostile message may
                        // repeat one many times.
                        if top && !self.trace.present.contains(&name) {
                            self.trace.present.push(name);
                        }
                        self.value(record.member_at_mut(level, index), el, name)?;
                    } else if let Some(slot) = record.extra_slot(&el.local) {
                        let name = el.local.clone();
                        self.value(slot, el, &name)?;
                    } else if descend && !el.empty {
                        // A wrapper of the wrapped shapes; anything else read as one is noted.
                        if el.local != "request" && !el.local.ends_with("Result") {
                            self.trace.skip(schema.name, &el.local);
                        }
                        self.members(record, false, top)?;
                    } else {
                        self.trace.skip(schema.name, &el.local);
                        if !el.empty {
                            self.skip()?;
                        }
                    }
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    fn value(&mut self, slot: Slot<'_>, el: El<'i>, member: &str) -> Result<(), ReadError> {
        if el.nil {
            match slot {
                Slot::String(s) => *s = None,
                Slot::Guid(g) => *g = None,
                Slot::ActorType(a) => *a = None,
                Slot::StringArray(v) => *v = None,
                Slot::Dictionary(d) => *d = None,
                Slot::Record(r) => r.set_nil(),
                Slot::RecordArray(v) => v.set_nil(),
                // Value types cannot be nil in .NET: keep the default.
                Slot::Bool(_) | Slot::Int(_) | Slot::Enum(_) | Slot::FirstItem(_) => {}
            }
            return if el.empty { Ok(()) } else { self.skip() };
        }
        match slot {
            Slot::String(s) => *s = Some(self.text_of(&el, member)?),
            Slot::Bool(b) => {
                let t = self.text_of(&el, member)?;
                *b = match t.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(ReadError::invalid(member, &t, "a boolean (true or false)")),
                };
            }
            Slot::Int(i) => {
                let t = self.text_of(&el, member)?;
                *i = t.trim().parse().map_err(|_| ReadError::invalid(member, &t, "a 32-bit integer"))?;
            }
            Slot::Enum(e) => {
                let t = self.text_of(&el, member)?;
                if !e.set_wire_name(t.trim()) {
                    let allowed = crate::contract::schema::enum_names(e.enum_schema());
                    return Err(ReadError::invalid(member, &t, format!("one of {allowed}")));
                }
            }
            Slot::Guid(g) => {
                let t = self.text_of(&el, member)?;
                *g = if t.trim().is_empty() {
                    None
                } else {
                    Some(ConnectionGuid::parse(&t).map_err(|_| ReadError::invalid(member, &t, "a GUID"))?)
                };
            }
            Slot::ActorType(a) => *a = Some(ActorType::parse(&self.text_of(&el, member)?)),
            Slot::StringArray(v) => *v = Some(self.string_array(&el, member)?),
            Slot::Dictionary(d) => *d = Some(self.dictionary(&el, member)?),
            Slot::Record(r) => {
                let record = r.fill();
                if !el.empty {
                    self.members(record, false, false)?;
                }
            }
            Slot::RecordArray(v) => self.record_array(v, &el)?,
            Slot::FirstItem(v) => {
                let t = self.text_of(&el, member)?;
                if v.is_none() {
                    *v = Some(vec![t]);
                }
            }
        }
        Ok(())
    }

    /// The items of a string array (`el`'s children); a nil item reads as "" (a `Vec<String>`
    /// cannot hold it).
    fn string_array(&mut self, el: &El<'i>, member: &str) -> Result<Vec<String>, ReadError> {
        let mut items = Vec::new();
        if el.empty {
            return Ok(items);
        }
        loop {
            match self.next()? {
                Ev::Start(item) => {
                    self.item(items.len(), size_of::<String>())?;
                    if item.nil {
                        items.push(String::new());
                        if !item.empty {
                            self.skip()?;
                        }
                    } else {
                        items.push(self.text_of(&item, member)?);
                    }
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(items),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// The entries of a dictionary (`el`'s children).
    fn dictionary(&mut self, el: &El<'i>, member: &str) -> Result<StringDict, ReadError> {
        let mut dict = StringDict::new();
        if el.empty {
            return Ok(dict);
        }
        let mut entries = 0;
        loop {
            match self.next()? {
                Ev::Start(entry) => {
                    self.item(entries, size_of::<(CompactString, Option<CompactString>)>())?;
                    entries += 1;
                    let (key, value) = self.entry(entry, member)?;
                    dict.insert_opt(key, value);
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(dict),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// The records of an array (`el`'s children) pushed onto `v`; a nil carrier holds nothing
    /// to keep.
    fn record_array(&mut self, v: &mut dyn crate::contract::schema::RecordVec, el: &El<'i>) -> Result<(), ReadError> {
        v.set_empty();
        if el.empty {
            return Ok(());
        }
        let mut items = 0;
        loop {
            match self.next()? {
                Ev::Start(item) if item.nil => {
                    if !item.empty {
                        self.skip()?;
                    }
                }
                Ev::Start(item) => {
                    self.item(items, v.item_bytes())?;
                    items += 1;
                    let record = v.push();
                    if !item.empty {
                        self.members(record, false, false)?;
                    }
                }
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.unexpected_eof()),
            }
        }
    }

    /// One `KeyValueOfstringstring` entry.
    /// A dictionary entry; short keys and values are kept inline, without an allocation.
    fn entry(&mut self, entry: El<'i>, member: &str) -> Result<(CompactString, Option<CompactString>), ReadError> {
        let (mut key, mut value) = (None, None);
        if !entry.empty {
            loop {
                match self.next()? {
                    Ev::Start(child) => {
                        let text = if child.nil {
                            if !child.empty {
                                self.skip()?;
                            }
                            None
                        } else {
                            Some(if child.empty { CompactString::default() } else { self.text_cow(member)?.into() })
                        };
                        self.charge(text.as_ref().map_or(0, CompactString::len))?;
                        match child.local.as_ref() {
                            "Key" => key = text,
                            "Value" => value = text,
                            other => self.trace.skip("KeyValueOfstringstring", other),
                        }
                    }
                    Ev::Text(_) => {}
                    Ev::End => break,
                    Ev::Eof => return Err(self.unexpected_eof()),
                }
            }
        }
        let key = key.ok_or_else(|| ReadError::MissingKey { member: member.to_owned() })?;
        Ok((key, value))
    }
}

fn ns_id(res: &ResolveResult<'_>) -> NsId {
    match res {
        ResolveResult::Bound(Namespace(n)) if *n == ns::SOAP11_ENVELOPE => NsId::Soap11,
        ResolveResult::Bound(Namespace(n)) if *n == ns::SOAP12_ENVELOPE => NsId::Soap12,
        ResolveResult::Bound(_) | ResolveResult::Unknown(_) => NsId::Other,
        ResolveResult::Unbound => NsId::None,
    }
}

/// The text of `&name;`: a character reference or one of the five predefined entities. Anything
/// else would need a DTD, which is refused.
fn resolve_reference<'i>(r: &str) -> Result<Cow<'i, str>, ReadError> {
    let predefined = match r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    };
    if !predefined.is_empty() {
        return Ok(Cow::Borrowed(predefined));
    }
    let Some(number) = r.strip_prefix('#') else {
        return Err(ReadError::UndefinedEntity(r.to_owned()));
    };
    let code = match number.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => number.parse(),
    };
    code.ok()
        .and_then(char::from_u32)
        .map(|c| Cow::Owned(c.to_string()))
        .ok_or_else(|| ReadError::InvalidCharRef(r.to_owned()))
}

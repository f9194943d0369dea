//! The exact writer: puts a request or response on the wire as .NET WCF does (spec §4.6, fixtures
//! README §3–§6), walking the contract schema.
//!
//! * no XML declaration, no whitespace between elements, `<X/>` for empty elements;
//! * the wrapper and members in the profile's namespaces and order;
//! * `i:nil="true"` for null members; `xmlns:i` declared on every top-level collection or carrier
//!   member and on a top-level scalar only when it is nil (where `DataContractSerializer` puts it);
//! * `ArrayOfstring` items as `a:string`, dictionaries as `a:KeyValueOfstringstring`, carrier
//!   array items named after the carrier;
//! * text escaped always: `&`, `<`, `>` and every control character except TAB and LF as a
//!   character reference, so a CR survives as `&#xD;`.
//!
//! Elements go through quick-xml's `Writer`; only text escaping is our own, because .NET's rules
//! (control characters as `&#x..;`, quotes left raw) are not one of quick-xml's escape modes.

use std::borrow::Cow;

use crate::contract::ns;
use crate::contract::schema::RecordType as _;
use crate::contract::schema::{Level, Record, Ref, TypeSchema};
use crate::contract::{ActorArrayResponse, ActorType, ErpActor, Operation, Request, Response, ResponseStatus};

use super::profile::WireProfile;

/// The HTTP `Content-Type` of every SOAP 1.1 message we send.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Writes the SOAP envelope of a response to `operation`.
///
/// The response class must be the operation's (a `WSGetActors` answer is an
/// `ActorArrayPluginResponseWS`); that is a programming error otherwise, caught in debug builds.
pub fn write_response(profile: WireProfile, operation: Operation, response: &Response, out: &mut Vec<u8>) {
    write_response_record(profile, operation, response.record(), out);
}

/// [`write_response`] for any response class value.
pub fn write_response_record(profile: WireProfile, operation: Operation, response: &dyn Record, out: &mut Vec<u8>) {
    debug_assert_eq!(response.schema().name, operation.spec().response.name, "wrong response class for {operation}");
    let mut w = MessageWriter::new(profile, out);
    w.envelope(|w| w.message(operation.name(), Direction::Response, Some(response)));
}

/// Writes the SOAP envelope of a request (used by the test client and the EIS emulator).
pub fn write_request(profile: WireProfile, request: &Request, out: &mut Vec<u8>) {
    let mut w = MessageWriter::new(profile, out);
    w.envelope(|w| w.message(request.operation().name(), Direction::Request, request.record()));
}

/// An `ActorArrayPluginResponseWS` answer written in parts, around actors that are streamed:
/// the head (envelope, wrapper, the opening `Actors`), each actor as an array item, and the
/// tail (the rest, with the final status). The parts are cut from what [`write_response`]
/// writes, so a streamed answer is byte for byte the whole one.
#[derive(Debug)]
pub struct StreamedActors {
    profile: WireProfile,
    operation: Operation,
    head: Vec<u8>,
}

/// The key of the placeholder actor the parts are cut around.
const STREAM_SENTINEL: &str = "erp-connector:streamed-actors:9f41c2";

impl StreamedActors {
    /// The parts for `operation` (whose answer is `ActorArrayPluginResponseWS`); `None` if the
    /// profile writes the status before the actors, which must then be known first.
    pub fn new(profile: WireProfile, operation: Operation) -> Option<Self> {
        let (head, _) = Self::split(profile, operation, &ResponseStatus::ok())?;
        Some(StreamedActors { profile, operation, head })
    }

    fn split(profile: WireProfile, operation: Operation, status: &ResponseStatus) -> Option<(Vec<u8>, Vec<u8>)> {
        let (head, tail) = Self::around(profile, operation, status)?;
        // The status must come after the actors.
        if head.windows(5).any(|w| w == b"IsOk>") {
            return None;
        }
        Some((head, tail))
    }

    /// The bytes before and after the actors of an answer with the final `status`, in any
    /// profile (the wrapped ones write the status first, so it must be known): what a spooled
    /// answer is sent between. `None` if `operation` does not answer with actors.
    pub fn around(profile: WireProfile, operation: Operation, status: &ResponseStatus) -> Option<(Vec<u8>, Vec<u8>)> {
        let sentinel = ErpActor::new(ActorType::Customer, STREAM_SENTINEL, crate::contract::Stamp::text(""));
        let mut item = Vec::new();
        write_array_item(profile, &sentinel, &mut item);
        let response =
            Response::ActorArray(ActorArrayResponse { result: status.clone(), actors: Some(vec![sentinel]) });
        if operation.spec().response.name != ActorArrayResponse::SCHEMA.name {
            return None;
        }
        let mut whole = Vec::new();
        write_response(profile, operation, &response, &mut whole);
        let at = whole.windows(item.len()).position(|w| w == item.as_slice())?;
        Some((whole[..at].to_vec(), whole[at + item.len()..].to_vec()))
    }

    /// The bytes before the first actor.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Appends one actor.
    pub fn actor(&self, actor: &ErpActor, out: &mut Vec<u8>) {
        write_array_item(self.profile, actor, out);
    }

    /// Appends the bytes after the last actor, with the final status.
    pub fn tail(&self, status: &ResponseStatus, out: &mut Vec<u8>) {
        if let Some((_, tail)) = Self::split(self.profile, self.operation, status) {
            out.extend_from_slice(&tail);
        }
    }
}

/// Writes one carrier as an item of an array member (e.g. `<ErpActorWS>…</ErpActorWS>`), as
/// it appears inside its array.
pub fn write_array_item(profile: WireProfile, item: &dyn Record, out: &mut Vec<u8>) {
    let mut w = MessageWriter::new(profile, out);
    let name = item.schema().name;
    w.start(name);
    w.members(item, true, false);
    w.end(name);
}

/// The namespaces of a service contract other than the ERP one (e.g. the `Authenticate`
/// contract): the contract namespace, and the data-contract namespace of its classes under
/// [`WireProfile::WrappedPoco`].
#[derive(Clone, Copy, Debug)]
pub struct ContractNamespaces<'a> {
    /// Wrappers and members.
    pub contract: &'a str,
    /// Members under the wrapped-poco profile.
    pub poco: &'a str,
}

/// Writes the envelope of `record` as the message of operation `operation` of another contract.
pub fn write_contract_message<'a>(
    profile: WireProfile,
    namespaces: ContractNamespaces<'a>,
    operation: &str,
    response: bool,
    record: &dyn Record,
    out: &'a mut Vec<u8>,
) {
    let mut w = MessageWriter::new(profile, out);
    w.namespace = namespaces.contract;
    w.poco_namespace = namespaces.poco;
    let direction = if response { Direction::Response } else { Direction::Request };
    w.envelope(|w| w.message(operation, direction, Some(record)));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// Qualified names in the serialization Arrays namespace, for one prefix.
struct ArrayNames {
    decl: &'static str,
    string: &'static str,
    entry: &'static str,
    key: &'static str,
    value: &'static str,
}

const ARRAYS_A: ArrayNames = ArrayNames {
    decl: "xmlns:a",
    string: "a:string",
    entry: "a:KeyValueOfstringstring",
    key: "a:Key",
    value: "a:Value",
};
const ARRAYS_B: ArrayNames = ArrayNames {
    decl: "xmlns:b",
    string: "b:string",
    entry: "b:KeyValueOfstringstring",
    key: "b:Key",
    value: "b:Value",
};

/// Prefix of the POCO member namespace under [`WireProfile::WrappedPoco`].
const POCO_PREFIX: &str = "a";

pub(crate) struct MessageWriter<'o> {
    out: &'o mut Vec<u8>,
    profile: WireProfile,
    /// The contract namespace of wrappers and members (the EIS one unless told otherwise).
    namespace: &'o str,
    /// The members' namespace under [`WireProfile::WrappedPoco`].
    poco_namespace: &'o str,
    arrays: &'static ArrayNames,
    /// Scratch buffer for prefixed member names (wrapped-poco only).
    qname: String,
}

impl<'o> MessageWriter<'o> {
    pub(crate) fn new(profile: WireProfile, out: &'o mut Vec<u8>) -> Self {
        let arrays = if profile == WireProfile::WrappedPoco { &ARRAYS_B } else { &ARRAYS_A };
        MessageWriter {
            out,
            profile,
            namespace: ns::EIS,
            poco_namespace: ns::DATACONTRACT_POCO,
            arrays,
            qname: String::new(),
        }
    }

    /// Opens a start tag, `<name`; attributes follow, then [`Self::close`] or [`Self::close_empty`].
    pub(crate) fn open(&mut self, name: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
    }

    /// Appends ` name="value"` to an open start tag.
    pub(crate) fn attr(&mut self, name: &str, value: &str) {
        self.out.push(b' ');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"=\"");
        self.out.extend_from_slice(quick_xml::escape::escape(value).as_bytes());
        self.out.push(b'"');
    }

    pub(crate) fn close(&mut self) {
        self.out.push(b'>');
    }

    pub(crate) fn close_empty(&mut self) {
        self.out.extend_from_slice(b"/>");
    }

    pub(crate) fn start(&mut self, name: &str) {
        self.open(name);
        self.close();
    }

    pub(crate) fn empty(&mut self, name: &str) {
        self.open(name);
        self.close_empty();
    }

    pub(crate) fn end(&mut self, name: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    /// Appends escaped element text.
    pub(crate) fn text(&mut self, text: &str) {
        escape_into(text, self.out);
    }

    pub(crate) fn text_element(&mut self, name: &str, text: &str) {
        if text.is_empty() {
            self.empty(name);
        } else {
            self.start(name);
            self.text(text);
            self.end(name);
        }
    }

    /// `<name xmlns="namespace">` (or `<name xmlns="namespace"/>` when `empty`).
    fn start_in(&mut self, name: &str, namespace: &str, empty: bool) {
        self.open(name);
        self.attr("xmlns", namespace);
        if empty { self.close_empty() } else { self.close() }
    }

    pub(crate) fn envelope(&mut self, body: impl FnOnce(&mut Self)) {
        self.open("s:Envelope");
        self.attr("xmlns:s", ns::SOAP11_ENVELOPE);
        self.close();
        self.start("s:Body");
        body(self);
        self.end("s:Body");
        self.end("s:Envelope");
    }

    fn message(&mut self, operation: &str, direction: Direction, record: Option<&dyn Record>) {
        let namespace = self.namespace;
        let Some(record) = record else {
            // WSGetConfigData has no request class: the body is the empty operation element.
            self.start_in(operation, namespace, true);
            return;
        };
        if !self.profile.is_wrapped() {
            let wrapper = record.schema().name;
            self.start_in(wrapper, namespace, false);
            self.members(record, false, true);
            self.end(wrapper);
            return;
        }
        let (outer, inner) = match direction {
            Direction::Request => (operation.to_owned(), Cow::Borrowed("request")),
            Direction::Response => (format!("{operation}Response"), Cow::Owned(format!("{operation}Result"))),
        };
        self.start_in(&outer, namespace, false);
        self.open(&inner);
        if self.profile == WireProfile::WrappedPoco {
            self.attr("xmlns:a", self.poco_namespace);
        }
        self.attr("xmlns:i", ns::XSI);
        self.close();
        self.members(record, true, true);
        self.end(&inner);
        self.end(&outer);
    }

    /// Writes every member of `record` in wire order. `top` marks the members of a request or
    /// response class (which take the profile's namespace); carrier members are always EIS.
    fn members(&mut self, record: &dyn Record, xsi_in_scope: bool, top: bool) {
        let schema: &'static TypeSchema = record.schema();
        let order = if top { self.profile.member_order() } else { crate::contract::schema::MemberOrder::BaseFirst };
        schema.for_each_member(order, |level, index, member| {
            let value = match level {
                Level::Own => record.member(index),
                Level::Base => record.base().expect("schema has a base").member(index),
            };
            if top && self.profile == WireProfile::WrappedPoco {
                let mut qname = std::mem::take(&mut self.qname);
                qname.clear();
                qname.push_str(POCO_PREFIX);
                qname.push(':');
                qname.push_str(member.name);
                self.member(&qname, value, xsi_in_scope);
                self.qname = qname;
            } else {
                self.member(member.name, value, xsi_in_scope);
            }
        });
    }

    fn member(&mut self, name: &str, value: Ref<'_>, xsi_in_scope: bool) {
        match value {
            Ref::String(None) | Ref::Guid(None) | Ref::ActorType(None) => self.nil_scalar(name, xsi_in_scope),
            Ref::String(Some(s)) => self.text_element(name, s),
            Ref::Guid(Some(g)) => {
                let mut buf = [0u8; 36];
                let text = g.encode(&mut buf);
                self.text_element(name, text);
            }
            Ref::ActorType(Some(t)) => self.text_element(name, t.as_str()),
            Ref::Bool(b) => self.text_element(name, if b { "true" } else { "false" }),
            Ref::Int(i) => self.text_element(name, itoa::Buffer::new().format(i)),
            Ref::Enum(e) => self.text_element(name, e),
            Ref::StringArray(items) => {
                let items = items.unwrap_or_default();
                if self.open_collection(name, true, value.is_nil(), items.is_empty(), xsi_in_scope) {
                    for item in items {
                        self.text_element(self.arrays.string, item);
                    }
                    self.end(name);
                }
            }
            Ref::Dictionary(dict) => {
                let empty = dict.is_none_or(|d| d.is_empty());
                if self.open_collection(name, true, value.is_nil(), empty, xsi_in_scope) {
                    let arrays = self.arrays;
                    for (key, value) in dict.into_iter().flat_map(|d| d.iter()) {
                        self.start(arrays.entry);
                        self.text_element(arrays.key, key);
                        match value {
                            Some(v) => self.text_element(arrays.value, v),
                            None => {
                                self.open(arrays.value);
                                self.attr("i:nil", "true");
                                self.close_empty();
                            }
                        }
                        self.end(arrays.entry);
                    }
                    self.end(name);
                }
            }
            Ref::Record(record) => {
                if let Some(record) = record {
                    // A carrier always has members, so it is never written empty.
                    self.open_collection(name, false, false, false, xsi_in_scope);
                    self.members(record, true, false);
                    self.end(name);
                } else {
                    self.open_collection(name, false, true, true, xsi_in_scope);
                }
            }
            Ref::RecordArray(items) => {
                let len = items.map_or(0, |i| i.len());
                if self.open_collection(name, false, value.is_nil(), len == 0, xsi_in_scope) {
                    for item in (0..len).filter_map(|i| items.map(|items| items.item(i))) {
                        let item_name = item.schema().name;
                        self.start(item_name);
                        self.members(item, true, false);
                        self.end(item_name);
                    }
                    self.end(name);
                }
            }
        }
    }

    fn nil_scalar(&mut self, name: &str, xsi_in_scope: bool) {
        self.open(name);
        self.attr("i:nil", "true");
        if !xsi_in_scope {
            self.attr("xmlns:i", ns::XSI);
        }
        self.close_empty();
    }

    /// Opens a collection or carrier member with `DataContractSerializer`'s declarations
    /// (Arrays namespace, then `i:nil`, then `xmlns:i`). A nil or empty one is written whole as
    /// `<X .../>` and `false` returned; otherwise the start tag is open and `true` returned.
    fn open_collection(&mut self, name: &str, arrays: bool, nil: bool, empty: bool, xsi_in_scope: bool) -> bool {
        self.open(name);
        if arrays {
            self.attr(self.arrays.decl, ns::ARRAYS);
        }
        if nil {
            self.attr("i:nil", "true");
        }
        if !xsi_in_scope {
            self.attr("xmlns:i", ns::XSI);
        }
        if nil || empty {
            self.close_empty();
            false
        } else {
            self.close();
            true
        }
    }
}

/// Bytes that text escaping must replace: `&`, `<`, `>` and C0 controls other than TAB and LF.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t
};

/// Escapes element text as .NET's `XmlUTF8NodeWriter` does. Borrowed when nothing needs escaping,
/// which is the common case.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| NEEDS_ESCAPE[b as usize]) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len() + 16);
    escape_into(text, &mut out);
    // Only ASCII bytes were replaced, by ASCII.
    Cow::Owned(String::from_utf8(out).expect("escaping keeps UTF-8"))
}

/// Appends `text` escaped (see [`escape_text`]) to `out`: the clean runs between characters to
/// replace are copied whole.
fn escape_into(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !NEEDS_ESCAPE[b as usize] {
            continue;
        }
        out.extend_from_slice(&bytes[last..i]);
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            // .NET writes the code point in upper-case hex without leading zeros: `&#xD;`.
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend_from_slice(b"&#x");
                if b >= 0x10 {
                    out.push(HEX[usize::from(b >> 4)]);
                }
                out.push(HEX[usize::from(b & 0xF)]);
                out.push(b';');
            }
        }
        last = i + 1;
    }
    out.extend_from_slice(&bytes[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_answer_is_the_whole_answer_byte_for_byte() {
        let actors: Vec<ErpActor> = (0..3)
            .map(|i| {
                ErpActor::new(ActorType::Person, format!("k{i}"), crate::contract::Stamp::text("000001"))
                    .with_value("NAME", format!("<{i}> & co\r"))
                    .with_parent(ActorType::Customer, "c")
            })
            .collect();
        let op = Operation::GetActorsByTimestamp;
        for status in
            [ResponseStatus::ok(), ResponseStatus { error_code: Some("X".into()), ..ResponseStatus::error("Gone.") }]
        {
            let whole =
                Response::ActorArray(ActorArrayResponse { result: status.clone(), actors: Some(actors.clone()) });
            let mut expected = Vec::new();
            write_response(WireProfile::MessageContract, op, &whole, &mut expected);
            let parts = StreamedActors::new(WireProfile::MessageContract, op).unwrap();
            let mut streamed = parts.head().to_vec();
            for actor in &actors {
                parts.actor(actor, &mut streamed);
            }
            parts.tail(&status, &mut streamed);
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(expected).unwrap());
        }
        // The wrapped profiles write the status first: not streamable. Nor is another class.
        assert!(StreamedActors::new(WireProfile::WrappedEis, op).is_none());
        assert!(StreamedActors::new(WireProfile::WrappedPoco, op).is_none());
        assert!(StreamedActors::new(WireProfile::MessageContract, Operation::GetList).is_none());
    }

    #[test]
    fn escaping_matches_dotnet() {
        assert!(matches!(escape_text("plain Æøå \"'"), Cow::Borrowed(_)));
        assert_eq!(escape_text("a&b<c>d"), "a&amp;b&lt;c&gt;d");
        assert_eq!(escape_text("line\r\nnext\ttab"), "line&#xD;\nnext\ttab");
        assert_eq!(escape_text("\u{1}\u{0}"), "&#x1;&#x0;");
    }
}

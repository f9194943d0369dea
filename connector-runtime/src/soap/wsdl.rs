//! The WSDL 1.1 document of the service, generated from the operation table and the type schemas
//! for a wire profile: XSD types, the 17 operations, a SOAP 1.1 document/literal binding, and the
//! service address the caller used. Served for both `?wsdl` and `?singleWsdl`: everything is
//! inline, so the two are the same document.
//!
//! EIS itself does not read it (it has compiled contract types); it is for test clients and
//! tooling (zeep, SoapUI, svcutil), and it describes exactly what the writer sends.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::contract::ns;
use crate::contract::schema::{EnumSchema, Kind, Member, MemberOrder, TypeRole, TypeSchema};
use crate::contract::{OPERATIONS, OperationSpec};

use super::profile::WireProfile;

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const SOAP_HTTP: &str = "http://schemas.xmlsoap.org/soap/http";
const SERVICE_NAME: &str = "ErpConnectorWS";
const BINDING_NAME: &str = "BasicHttpBinding_IErpConnectorWS";

/// Generates the WSDL for `profile`, with `address` (the endpoint URL) as the service location.
pub fn wsdl(profile: WireProfile, address: &str) -> String {
    let types = Types::collect();
    let mut out = Vec::with_capacity(32 * 1024);
    let mut d = Doc { w: Writer::new(&mut out) };
    d.ev(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let mut root = BytesStart::new("wsdl:definitions");
    root.extend_attributes([
        ("name", SERVICE_NAME),
        ("targetNamespace", ns::EIS),
        ("xmlns:wsdl", WSDL),
        ("xmlns:soap", WSDL_SOAP),
        ("xmlns:xs", ns::XSD),
        ("xmlns:tns", ns::EIS),
        ("xmlns:ser", ns::ARRAYS),
    ]);
    if profile == WireProfile::WrappedPoco {
        root.push_attribute(("xmlns:poco", ns::DATACONTRACT_POCO));
    }
    d.start(root);
    d.start(BytesStart::new("wsdl:documentation"));
    let doc = format!("SuperOffice ERP Sync connector ({}), wire profile {profile}", ns::CONTRACT_NAME);
    d.ev(Event::Text(BytesText::new(&doc)));
    d.end("wsdl:documentation");

    d.start(BytesStart::new("wsdl:types"));
    d.arrays_schema();
    d.eis_schema(profile, &types);
    if profile == WireProfile::WrappedPoco {
        d.poco_schema(&types);
    }
    d.end("wsdl:types");

    for op in OPERATIONS {
        let (input, output) = part_elements(profile, op);
        d.message(&format!("{}_{}_InputMessage", ns::CONTRACT_NAME, op.name), &input);
        d.message(&format!("{}_{}_OutputMessage", ns::CONTRACT_NAME, op.name), &output);
    }

    d.start(BytesStart::new("wsdl:portType").with_attributes([("name", ns::CONTRACT_NAME)]));
    for op in OPERATIONS {
        d.start(BytesStart::new("wsdl:operation").with_attributes([("name", op.name)]));
        let input = format!("tns:{}_{}_InputMessage", ns::CONTRACT_NAME, op.name);
        let output = format!("tns:{}_{}_OutputMessage", ns::CONTRACT_NAME, op.name);
        d.empty(BytesStart::new("wsdl:input").with_attributes([("message", input.as_str())]));
        d.empty(BytesStart::new("wsdl:output").with_attributes([("message", output.as_str())]));
        d.end("wsdl:operation");
    }
    d.end("wsdl:portType");

    let port_type = format!("tns:{}", ns::CONTRACT_NAME);
    d.start(BytesStart::new("wsdl:binding").with_attributes([("name", BINDING_NAME), ("type", port_type.as_str())]));
    d.empty(BytesStart::new("soap:binding").with_attributes([("transport", SOAP_HTTP)]));
    for op in OPERATIONS {
        d.start(BytesStart::new("wsdl:operation").with_attributes([("name", op.name)]));
        d.empty(BytesStart::new("soap:operation").with_attributes([("soapAction", op.action), ("style", "document")]));
        for io in ["wsdl:input", "wsdl:output"] {
            d.start(BytesStart::new(io));
            d.empty(BytesStart::new("soap:body").with_attributes([("use", "literal")]));
            d.end(io);
        }
        d.end("wsdl:operation");
    }
    d.end("wsdl:binding");

    d.start(BytesStart::new("wsdl:service").with_attributes([("name", SERVICE_NAME)]));
    let binding = format!("tns:{BINDING_NAME}");
    d.start(BytesStart::new("wsdl:port").with_attributes([("name", BINDING_NAME), ("binding", binding.as_str())]));
    d.empty(BytesStart::new("soap:address").with_attributes([("location", address)]));
    d.end("wsdl:port");
    d.end("wsdl:service");
    d.end("wsdl:definitions");
    String::from_utf8(out).expect("the WSDL is written from UTF-8 strings")
}

/// The global elements that are the input and output parts of an operation.
fn part_elements(profile: WireProfile, op: &OperationSpec) -> (String, String) {
    if profile.is_wrapped() {
        (format!("tns:{}", op.name), format!("tns:{}Response", op.name))
    } else {
        let input = op.request.map_or(op.name, |r| r.name);
        (format!("tns:{input}"), format!("tns:{}", op.response.name))
    }
}

/// Every type the operations use, found by walking the table: message classes, carriers, enums.
struct Types {
    messages: Vec<&'static TypeSchema>,
    carriers: Vec<&'static TypeSchema>,
    enums: Vec<&'static EnumSchema>,
}

impl Types {
    fn collect() -> Types {
        let mut t = Types { messages: Vec::new(), carriers: Vec::new(), enums: Vec::new() };
        for op in OPERATIONS {
            for class in op.request.into_iter().chain([op.response]) {
                t.visit(class);
            }
        }
        t
    }

    fn visit(&mut self, schema: &'static TypeSchema) {
        let list = match schema.role {
            TypeRole::Message => &mut self.messages,
            TypeRole::Carrier => &mut self.carriers,
        };
        if list.iter().any(|s| s.name == schema.name) {
            return;
        }
        list.push(schema);
        for (_, _, member) in schema.wire_members(MemberOrder::BaseFirst) {
            match member.kind {
                Kind::Record(t) | Kind::RecordArray(t) => self.visit(t),
                Kind::Enum(e) if !self.enums.iter().any(|x| x.name == e.name) => self.enums.push(e),
                _ => {}
            }
        }
    }
}

struct Doc<'o> {
    w: Writer<&'o mut Vec<u8>>,
}

impl Doc<'_> {
    fn ev(&mut self, e: Event<'_>) {
        self.w.write_event(e).expect("writing to a Vec<u8> is infallible");
    }
    fn start(&mut self, e: BytesStart<'_>) {
        self.ev(Event::Start(e));
    }
    fn empty(&mut self, e: BytesStart<'_>) {
        self.ev(Event::Empty(e));
    }
    fn end(&mut self, name: &str) {
        self.ev(Event::End(BytesEnd::new(name)));
    }

    fn schema_start(&mut self, target: &str, imports: &[&str]) {
        self.start(
            BytesStart::new("xs:schema")
                .with_attributes([("elementFormDefault", "qualified"), ("targetNamespace", target)]),
        );
        for import in imports {
            self.empty(BytesStart::new("xs:import").with_attributes([("namespace", *import)]));
        }
    }

    /// `ArrayOfstring` and `ArrayOfKeyValueOfstringstring`, as `DataContractSerializer` names them.
    fn arrays_schema(&mut self) {
        self.schema_start(ns::ARRAYS, &[]);
        self.start(BytesStart::new("xs:complexType").with_attributes([("name", "ArrayOfstring")]));
        self.start(BytesStart::new("xs:sequence"));
        self.element("string", "xs:string", true, true);
        self.end("xs:sequence");
        self.end("xs:complexType");

        self.start(BytesStart::new("xs:complexType").with_attributes([("name", "ArrayOfKeyValueOfstringstring")]));
        self.start(BytesStart::new("xs:sequence"));
        self.start(BytesStart::new("xs:element").with_attributes([
            ("minOccurs", "0"),
            ("maxOccurs", "unbounded"),
            ("name", "KeyValueOfstringstring"),
        ]));
        self.start(BytesStart::new("xs:complexType"));
        self.start(BytesStart::new("xs:sequence"));
        for name in ["Key", "Value"] {
            self.empty(BytesStart::new("xs:element").with_attributes([
                ("name", name),
                ("nillable", "true"),
                ("type", "xs:string"),
            ]));
        }
        self.end("xs:sequence");
        self.end("xs:complexType");
        self.end("xs:element");
        self.end("xs:sequence");
        self.end("xs:complexType");
        self.end("xs:schema");
    }

    /// The EIS namespace: enums, carriers, and the message elements of the profile.
    fn eis_schema(&mut self, profile: WireProfile, types: &Types) {
        let imports: &[&str] =
            if profile == WireProfile::WrappedPoco { &[ns::ARRAYS, ns::DATACONTRACT_POCO] } else { &[ns::ARRAYS] };
        self.schema_start(ns::EIS, imports);
        for e in &types.enums {
            self.start(BytesStart::new("xs:simpleType").with_attributes([("name", e.name)]));
            self.start(BytesStart::new("xs:restriction").with_attributes([("base", "xs:string")]));
            for (value, _) in e.values {
                self.empty(BytesStart::new("xs:enumeration").with_attributes([("value", *value)]));
            }
            self.end("xs:restriction");
            self.end("xs:simpleType");
        }
        for carrier in &types.carriers {
            self.complex_type(carrier, profile);
            self.array_type(carrier);
        }
        match profile {
            WireProfile::MessageContract => {
                // MessageContracts: one global element per class, members inline.
                for class in &types.messages {
                    self.start(BytesStart::new("xs:element").with_attributes([("name", class.name)]));
                    self.start(BytesStart::new("xs:complexType"));
                    self.sequence(class, profile);
                    self.end("xs:complexType");
                    self.end("xs:element");
                }
                for op in OPERATIONS.iter().filter(|op| op.request.is_none()) {
                    self.empty_element(op.name);
                }
            }
            WireProfile::WrappedEis | WireProfile::WrappedPoco => {
                let prefix = if profile == WireProfile::WrappedPoco { "poco" } else { "tns" };
                if profile == WireProfile::WrappedEis {
                    for class in &types.messages {
                        self.complex_type(class, profile);
                    }
                }
                for op in OPERATIONS {
                    match op.request {
                        Some(request) => self.wrapper(op.name, "request", &format!("{prefix}:{}", request.name)),
                        None => self.empty_element(op.name),
                    }
                    let result = format!("{}Result", op.name);
                    self.wrapper(&format!("{}Response", op.name), &result, &format!("{prefix}:{}", op.response.name));
                }
            }
        }
        self.end("xs:schema");
    }

    /// Wrapped-poco: the request and response classes in the POCO data-contract namespace.
    fn poco_schema(&mut self, types: &Types) {
        self.schema_start(ns::DATACONTRACT_POCO, &[ns::ARRAYS, ns::EIS]);
        for class in &types.messages {
            self.complex_type(class, WireProfile::WrappedPoco);
        }
        self.end("xs:schema");
    }

    fn empty_element(&mut self, name: &str) {
        self.start(BytesStart::new("xs:element").with_attributes([("name", name)]));
        self.start(BytesStart::new("xs:complexType"));
        self.empty(BytesStart::new("xs:sequence"));
        self.end("xs:complexType");
        self.end("xs:element");
    }

    /// `<name><child type=.../></name>`: the operation wrappers of the wrapped styles.
    fn wrapper(&mut self, name: &str, child: &str, child_type: &str) {
        self.start(BytesStart::new("xs:element").with_attributes([("name", name)]));
        self.start(BytesStart::new("xs:complexType"));
        self.start(BytesStart::new("xs:sequence"));
        self.element(child, child_type, true, false);
        self.end("xs:sequence");
        self.end("xs:complexType");
        self.end("xs:element");
    }

    fn complex_type(&mut self, schema: &TypeSchema, profile: WireProfile) {
        self.start(BytesStart::new("xs:complexType").with_attributes([("name", schema.name)]));
        self.sequence(schema, profile);
        self.end("xs:complexType");
    }

    fn array_type(&mut self, item: &TypeSchema) {
        let name = format!("ArrayOf{}", item.name);
        self.start(BytesStart::new("xs:complexType").with_attributes([("name", name.as_str())]));
        self.start(BytesStart::new("xs:sequence"));
        self.element(item.name, &format!("tns:{}", item.name), true, true);
        self.end("xs:sequence");
        self.end("xs:complexType");
    }

    /// The members of a class or carrier, base included, in the order the writer sends them.
    fn sequence(&mut self, schema: &TypeSchema, profile: WireProfile) {
        self.start(BytesStart::new("xs:sequence"));
        let order = match schema.role {
            TypeRole::Message => profile.member_order(),
            TypeRole::Carrier => MemberOrder::BaseFirst,
        };
        for (_, _, member) in schema.wire_members(order) {
            self.element(member.name, &xsd_type(member), member.kind.is_nillable(), false);
        }
        self.end("xs:sequence");
    }

    fn element(&mut self, name: &str, ty: &str, nillable: bool, unbounded: bool) {
        let mut e = BytesStart::new("xs:element");
        e.push_attribute(("minOccurs", "0"));
        if unbounded {
            e.push_attribute(("maxOccurs", "unbounded"));
        }
        e.push_attribute(("name", name));
        if nillable {
            e.push_attribute(("nillable", "true"));
        }
        e.push_attribute(("type", ty));
        self.empty(e);
    }

    fn message(&mut self, name: &str, element: &str) {
        self.start(BytesStart::new("wsdl:message").with_attributes([("name", name)]));
        self.empty(BytesStart::new("wsdl:part").with_attributes([("name", "parameters"), ("element", element)]));
        self.end("wsdl:message");
    }
}

fn xsd_type(member: &Member) -> String {
    match member.kind {
        Kind::String | Kind::Guid | Kind::ActorType => "xs:string".into(),
        Kind::Bool => "xs:boolean".into(),
        Kind::Int => "xs:int".into(),
        Kind::Enum(e) => format!("tns:{}", e.name),
        Kind::StringArray => "ser:ArrayOfstring".into(),
        Kind::Dictionary => "ser:ArrayOfKeyValueOfstringstring".into(),
        Kind::Record(t) => format!("tns:{}", t.name),
        Kind::RecordArray(t) => format!("tns:ArrayOf{}", t.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_operation_with_its_action_and_the_address() {
        for profile in WireProfile::ALL {
            let doc = wsdl(profile, "https://erp.example.com/Services/ErpConnectorWS.svc?a=1&b=2");
            for op in OPERATIONS {
                assert!(doc.contains(&format!("soapAction=\"{}\"", op.action)), "{profile}: {}", op.name);
                assert!(doc.contains(&format!("<wsdl:operation name=\"{}\">", op.name)));
            }
            assert!(doc.contains("location=\"https://erp.example.com/Services/ErpConnectorWS.svc?a=1&amp;b=2\""));
            for e in ["ResponseStateWS", "FieldMetadataTypeInfoWS", "FieldAccessInfoWS"] {
                assert!(doc.contains(&format!("<xs:simpleType name=\"{e}\">")), "{e}");
            }
            for c in ["ErpActorWS", "FieldMetadataInfoWS", "SearchRestrictionInfoWS"] {
                assert!(doc.contains(&format!("<xs:complexType name=\"ArrayOf{c}\">")), "{c}");
            }
        }
        let a = wsdl(WireProfile::MessageContract, "http://x");
        assert!(a.contains("element=\"tns:GetActorsRequestWS\""));
        assert!(a.contains("element=\"tns:WSGetConfigData\""));
        let b = wsdl(WireProfile::WrappedPoco, "http://x");
        assert!(b.contains("type=\"poco:GetActorsRequestWS\""));
    }
}

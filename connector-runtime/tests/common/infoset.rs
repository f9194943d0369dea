//! An XML infoset for comparisons: namespaces resolved, prefixes, namespace declarations, the XML
//! declaration and the empty-element form ignored; whitespace-only text between elements ignored.

use std::collections::BTreeMap;
use std::fmt;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

#[derive(Clone, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub local: String,
    pub attrs: BTreeMap<(String, String), String>,
    pub children: Vec<Element>,
    pub text: String,
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

impl Element {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        write!(f, "{pad}{{{}}}{}", self.ns, self.local)?;
        for ((ns, local), v) in &self.attrs {
            write!(f, " {{{ns}}}{local}={v:?}")?;
        }
        if !self.text.is_empty() {
            write!(f, " text={:?}", self.text)?;
        }
        writeln!(f)?;
        for c in &self.children {
            c.write(f, depth + 1)?;
        }
        Ok(())
    }

    /// The element at a path of local names below this one.
    pub fn at(&self, path: &[&str]) -> &Element {
        path.iter().fold(self, |e, name| {
            e.children.iter().find(|c| c.local == *name).unwrap_or_else(|| panic!("no child {name} in {}", e.local))
        })
    }

    pub fn at_mut(&mut self, path: &[&str]) -> &mut Element {
        let mut e = self;
        for name in path {
            e = e.children.iter_mut().find(|c| c.local == *name).expect("child");
        }
        e
    }

    /// Sorts the children ordinally by local name (the .NET MessageContract body order).
    pub fn sort_children(&mut self) {
        self.children.sort_by(|a, b| a.local.as_bytes().cmp(b.local.as_bytes()));
    }
}

fn ns_of(res: ResolveResult<'_>) -> String {
    match res {
        ResolveResult::Bound(Namespace(n)) => n.to_owned(),
        _ => String::new(),
    }
}

/// Parses a whole document into its root element.
pub fn parse(xml: &[u8]) -> Element {
    let text = std::str::from_utf8(xml).expect("UTF-8");
    let mut r = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let (res, ev) = r.read_resolved_event().expect("well-formed XML");
        let ns = ns_of(res);
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let mut attrs = BTreeMap::new();
            for a in e.attributes() {
                let a = a.expect("attribute");
                let key = a.key.into_inner();
                if key == "xmlns" || key.starts_with("xmlns:") {
                    continue;
                }
                let (res, local) = r.resolver().resolve_attribute(a.key);
                let value =
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0).expect("attribute value").into_owned();
                attrs.insert((ns_of(res), local.into_inner().to_owned()), value);
            }
            stack.push(Element {
                ns,
                local: e.local_name().into_inner().to_owned(),
                attrs,
                children: Vec::new(),
                text: String::new(),
            });
            if !empty {
                continue;
            }
        }
        match ev {
            Event::Start(_) => {}
            Event::Empty(_) | Event::End(_) => {
                let mut done = stack.pop().expect("open element");
                if !done.children.is_empty() && done.text.trim().is_empty() {
                    done.text.clear();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                let s = match &*g {
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "amp" => "&".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    other => {
                        let n = other.strip_prefix('#').expect("char ref");
                        let code = match n.strip_prefix('x') {
                            Some(h) => u32::from_str_radix(h, 16).unwrap(),
                            None => n.parse().unwrap(),
                        };
                        char::from_u32(code).unwrap().to_string()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.expect("a root element")
}

/// The envelope's body element (`Envelope/Body/*[1]`).
pub fn body_element(doc: &mut Element) -> &mut Element {
    doc.at_mut(&["Body"]).children.first_mut().expect("a body element")
}

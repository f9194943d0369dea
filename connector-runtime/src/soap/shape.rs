//! What a request says about its own shape (spec §4.5): the evidence the reader collects while it
//! reads, the shape it points to, and what the reader skipped.
//!
//! * the body element is a request class (`GetActorsRequestWS`): the MessageContract shape;
//! * the body element is the operation (`WSGetActors`) holding a `request` element: a wrapped
//!   shape, the namespace of the members inside `request` telling wrapped-eis (the EIS namespace)
//!   from wrapped-poco (the POCO data-contract namespace);
//! * an operation element with nothing inside (`WSGetConfigData`, whose body is the same in every
//!   shape) tells nothing: [`Shape::Undetermined`].

use std::fmt;

use crate::contract::ns;

use super::profile::WireProfile;

/// The shape a message showed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// One of the three profiles, unambiguously.
    Known(WireProfile),
    /// Wrapped (an operation element with a `request` inside), but no member showed its
    /// namespace (all absent, or in a namespace that is neither EIS nor POCO).
    Wrapped,
    /// Nothing in the message tells the shape.
    #[default]
    Undetermined,
}

impl Shape {
    /// The profile to answer in: the known one, else `remembered` when it fits, else (for a
    /// wrapped message) wrapped-eis.
    pub fn resolve(self, remembered: WireProfile) -> WireProfile {
        match self {
            Shape::Known(profile) => profile,
            Shape::Wrapped if remembered.is_wrapped() => remembered,
            Shape::Wrapped => WireProfile::WrappedEis,
            Shape::Undetermined => remembered,
        }
    }
}

/// Longest element name or namespace kept as evidence (the rest is cut: the names come from
/// whoever called).
const MAX_NAME: usize = 128;

fn bounded(s: &str) -> String {
    let cut = (0..=s.len().min(MAX_NAME)).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    s[..cut].to_owned()
}

/// An element the reader skipped: not a member of the class it appeared in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Skipped {
    /// Where it appeared: the class (`ErpActorWS`, `GetActorsRequestWS`), `Header`, `Body` or
    /// `Envelope`.
    pub parent: &'static str,
    /// Its local name (at most 128 bytes).
    pub element: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.parent, self.element)
    }
}

/// Most distinct skipped elements kept for one message.
pub const MAX_SKIPPED_PER_MESSAGE: usize = 32;

/// What the reader saw of a message's shape, and what it skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The body element's local name.
    pub body_element: String,
    /// The body element's namespace (empty: none).
    pub body_namespace: String,
    /// The first element inside the body element, if any: `request` in the wrapped shapes.
    pub first_child: Option<String>,
    /// The namespace of the first member: the first element inside `request` (wrapped) or
    /// inside the body element (MessageContract).
    pub member_namespace: Option<String>,
    /// The shape this evidence points to (set by the reader, which knows the operation).
    pub shape: Shape,
    /// Elements skipped, each once, at most [`MAX_SKIPPED_PER_MESSAGE`].
    pub skipped: Vec<Skipped>,
    /// The members of the message's class that were present (nil included), each once, in the
    /// order first seen.
    pub present: Vec<&'static str>,
    /// The local names of the SOAP header's elements (at most [`MAX_SKIPPED_PER_MESSAGE`]).
    pub header_elements: Vec<String>,
}

impl Trace {
    pub(crate) fn skip(&mut self, parent: &'static str, element: &str) {
        if self.skipped.len() < MAX_SKIPPED_PER_MESSAGE
            && !self.skipped.iter().any(|s| s.parent == parent && s.element == element)
        {
            self.skipped.push(Skipped { parent, element: bounded(element) });
        }
    }

    pub(crate) fn header_element(&mut self, local: &str) {
        if self.header_elements.len() < MAX_SKIPPED_PER_MESSAGE {
            self.header_elements.push(bounded(local));
        }
    }

    pub(crate) fn set_body(&mut self, local: &str, namespace: &str) {
        self.body_element = bounded(local);
        self.body_namespace = bounded(namespace);
    }

    pub(crate) fn set_first_child(&mut self, local: &str) {
        self.first_child = Some(bounded(local));
    }

    pub(crate) fn set_member_namespace(&mut self, namespace: &str) {
        self.member_namespace = Some(bounded(namespace));
    }

    /// Judges the evidence of a message of the operation named `operation` whose class is
    /// `class` (`None`: it has none), for the ERP contract (members in the EIS or POCO
    /// namespace). A request is wrapped in `<op><request>`, a response in
    /// `<opResponse><opResult>`.
    pub(crate) fn judge(&mut self, operation: &str, class: Option<&str>) {
        self.shape = self.shape_shown(operation, class);
    }

    fn shape_shown(&self, operation: &str, class: Option<&str>) -> Shape {
        if class.is_some_and(|c| c == self.body_element) {
            return Shape::Known(WireProfile::MessageContract);
        }
        let child = self.first_child.as_deref();
        let request = self.body_element == operation && child == Some("request");
        let response = self.body_element.strip_suffix("Response") == Some(operation)
            && child.and_then(|c| c.strip_suffix("Result")) == Some(operation);
        if !request && !response {
            return Shape::Undetermined;
        }
        match self.member_namespace.as_deref() {
            Some(n) if n == ns::EIS => Shape::Known(WireProfile::WrappedEis),
            Some(n) if n == ns::DATACONTRACT_POCO => Shape::Known(WireProfile::WrappedPoco),
            _ => Shape::Wrapped,
        }
    }
}

impl fmt::Display for Trace {
    /// The evidence in one line, for the log: `body element WSGetActors in {ns}, then request,
    /// members in {ns}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |n: &str| if n.is_empty() { "no namespace".to_owned() } else { n.to_owned() };
        write!(f, "body element `{}` in {}", self.body_element, shown(&self.body_namespace))?;
        match (&self.first_child, &self.member_namespace) {
            (Some(child), Some(member)) if child == "request" => {
                write!(f, ", then `request`, members in {}", shown(member))
            }
            (Some(child), Some(member)) => write!(f, ", first member `{child}` in {}", shown(member)),
            (Some(child), None) => write!(f, ", then `{child}` (empty)"),
            (None, _) => f.write_str(", nothing inside"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(body: &str, child: Option<&str>, member_ns: Option<&str>) -> Trace {
        let mut t = Trace::default();
        t.set_body(body, ns::EIS);
        if let Some(c) = child {
            t.set_first_child(c);
        }
        if let Some(m) = member_ns {
            t.set_member_namespace(m);
        }
        t.judge("WSGetActors", Some("GetActorsRequestWS"));
        t
    }

    #[test]
    fn judges_each_shape_from_its_evidence() {
        let mc = trace("GetActorsRequestWS", Some("ActorType"), Some(ns::EIS));
        assert_eq!(mc.shape, Shape::Known(WireProfile::MessageContract));
        assert_eq!(trace("WSGetActors", Some("request"), Some(ns::EIS)).shape, Shape::Known(WireProfile::WrappedEis));
        let poco = trace("WSGetActors", Some("request"), Some(ns::DATACONTRACT_POCO));
        assert_eq!(poco.shape, Shape::Known(WireProfile::WrappedPoco));
        assert_eq!(trace("WSGetActors", Some("request"), None).shape, Shape::Wrapped);
        assert_eq!(trace("WSGetActors", Some("request"), Some("urn:other")).shape, Shape::Wrapped);
        assert_eq!(trace("WSGetActors", None, None).shape, Shape::Undetermined);
        assert_eq!(trace("WSGetActors", Some("ActorType"), Some(ns::EIS)).shape, Shape::Undetermined);
        assert_eq!(trace("SomethingElse", None, None).shape, Shape::Undetermined);
        let response = trace("WSGetActorsResponse", Some("WSGetActorsResult"), Some(ns::DATACONTRACT_POCO));
        assert_eq!(response.shape, Shape::Known(WireProfile::WrappedPoco));
        assert!(poco.to_string().contains("then `request`, members in http://schemas.datacontract.org"), "{poco}");
    }

    #[test]
    fn resolves_with_the_remembered_profile() {
        use WireProfile::*;
        assert_eq!(Shape::Known(WrappedPoco).resolve(MessageContract), WrappedPoco);
        assert_eq!(Shape::Undetermined.resolve(WrappedPoco), WrappedPoco);
        assert_eq!(Shape::Wrapped.resolve(WrappedPoco), WrappedPoco);
        assert_eq!(Shape::Wrapped.resolve(MessageContract), WrappedEis);
    }

    #[test]
    fn keeps_each_skipped_element_once_and_bounded() {
        let mut t = Trace::default();
        for i in 0..100 {
            t.skip("ErpActorWS", &format!("X{}", i % 40));
            t.skip("ErpActorWS", "X0");
        }
        assert_eq!(t.skipped.len(), MAX_SKIPPED_PER_MESSAGE);
        t = Trace::default();
        t.skip("Header", &"é".repeat(200));
        assert!(t.skipped[0].element.len() <= MAX_NAME);
    }
}

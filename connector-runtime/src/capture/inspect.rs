//! `erp-connector capture inspect DIR`: what a capture folder says about the caller's wire
//! format, per operation (the shape its requests show, the SOAPAction form, header elements,
//! members present, absent and unknown), and one verdict line. The first contact with a real EIS
//! settles the inferred points of spec §4.5 this way (docs/wire-format.md).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::contract::Operation;
use crate::contract::schema::MemberOrder;
use crate::soap::auth::{AuthShape, read_authenticate};
use crate::soap::{Limits, Shape, WireProfile, read_request_traced};

/// What the requests of one operation showed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OperationReport {
    /// Requests read.
    pub requests: usize,
    /// Requests that could not be read, with the first reason.
    pub unreadable: Vec<String>,
    /// Shapes shown (`message-contract`, `wrapped-eis`, `wrapped-poco`, `wrapped (namespace not
    /// shown)`, `none`), with counts.
    pub shapes: BTreeMap<String, usize>,
    /// SOAPAction values, the operation name replaced by `<op>` (`(none)` if absent).
    pub actions: BTreeMap<String, usize>,
    /// SOAP header elements seen.
    pub headers: BTreeMap<String, usize>,
    /// Members of the request class present in at least one request.
    pub present: Vec<&'static str>,
    /// Members of the request class present in none.
    pub absent: Vec<&'static str>,
    /// Elements the reader skipped (`Class/element`).
    pub unknown: BTreeMap<String, usize>,
    /// For `Authenticate`: the namespaces answered in (`shape: body ns, members ns`).
    pub auth: BTreeMap<String, usize>,
}

/// The report on a capture folder.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Per operation name (`Authenticate` included), in name order.
    pub operations: BTreeMap<String, OperationReport>,
    /// Files that are not an exchange's request, or could not be read.
    pub skipped_files: usize,
}

fn shape_name(shape: Shape) -> String {
    match shape {
        Shape::Known(profile) => profile.name().to_owned(),
        Shape::Wrapped => "wrapped (member namespace not shown)".to_owned(),
        Shape::Undetermined => "none (this request shows no shape)".to_owned(),
    }
}

/// Reads every `N-<Op>.request.xml` (with its `.meta.json`) in `dir`.
pub fn inspect(dir: &Path) -> std::io::Result<Inspection> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".request.xml").map(str::to_owned))
        .collect();
    names.sort();
    let mut inspection = Inspection::default();
    let limits = Limits::default();
    for stem in names {
        let Ok(body) = std::fs::read(dir.join(format!("{stem}.request.xml"))) else {
            inspection.skipped_files += 1;
            continue;
        };
        let action = std::fs::read(dir.join(format!("{stem}.meta.json")))
            .ok()
            .and_then(|m| serde_json::from_slice::<serde_json::Value>(&m).ok())
            .and_then(|m| m.get("action")?.as_str().map(str::to_owned));
        let op_name = stem.split_once('-').map_or(stem.as_str(), |(_, op)| op).to_owned();
        let report = inspection.operations.entry(op_name.clone()).or_default();
        report.requests += 1;
        let action_form = match &action {
            Some(a) => a.replace(&op_name, "<op>"),
            None => "(none)".to_owned(),
        };
        *report.actions.entry(action_form).or_default() += 1;
        if op_name == crate::contract::auth::OPERATION {
            match read_authenticate(&body, &limits) {
                Ok((_, shape, trace)) => {
                    let AuthShape { profile, namespace, member_namespace } = shape;
                    *report.auth.entry(format!("{profile}: {namespace}, members {member_namespace}")).or_default() += 1;
                    note(report, &trace);
                }
                Err(e) => report.unreadable.push(e.to_string()),
            }
            continue;
        }
        match read_request_traced(&body, action.as_deref(), &limits) {
            Ok((request, trace)) => {
                *report.shapes.entry(shape_name(trace.shape)).or_default() += 1;
                note(report, &trace);
                absent(report, request.operation());
            }
            Err(e) => report.unreadable.push(e.to_string()),
        }
    }
    Ok(inspection)
}

fn note(report: &mut OperationReport, trace: &crate::soap::Trace) {
    for header in &trace.header_elements {
        *report.headers.entry(header.clone()).or_default() += 1;
    }
    for member in &trace.present {
        if !report.present.contains(member) {
            report.present.push(member);
        }
    }
    for skipped in &trace.skipped {
        *report.unknown.entry(skipped.to_string()).or_default() += 1;
    }
}

fn absent(report: &mut OperationReport, operation: Operation) {
    report.absent.clear();
    if let Some(class) = operation.spec().request {
        class.for_each_member(MemberOrder::BaseFirst, |_, _, member| {
            if !report.present.contains(&member.name) {
                report.absent.push(member.name);
            }
        });
    }
}

impl Inspection {
    /// The one profile every request that showed a shape showed, if they agree.
    pub fn profile(&self) -> Option<WireProfile> {
        let mut shown = self.operations.values().flat_map(|r| r.shapes.keys()).filter_map(|s| s.parse().ok());
        let first: WireProfile = shown.next()?;
        shown.all(|p: WireProfile| p == first).then_some(first)
    }

    /// Whether any element was skipped or any request unreadable.
    pub fn has_unknowns(&self) -> bool {
        self.operations.values().any(|r| !r.unknown.is_empty() || !r.unreadable.is_empty())
    }

    /// The verdict line.
    pub fn verdict(&self) -> String {
        if self.operations.is_empty() {
            return "no requests in this folder: capture with ERP_CONNECTOR_CAPTURE_DIR set, then inspect".into();
        }
        let speaks = match self.profile() {
            Some(profile) => format!("this caller speaks {profile}"),
            None => {
                let mut all: Vec<&String> = self.operations.values().flat_map(|r| r.shapes.keys()).collect();
                all.sort();
                all.dedup();
                let shown: Vec<&str> =
                    all.iter().map(|s| s.as_str()).filter(|s| s.parse::<WireProfile>().is_ok()).collect();
                if shown.is_empty() {
                    // Only WSGetConfigData so far: its body is the same in every shape.
                    "no request showed a shape (WSGetConfigData shows none; if the caller could not \
                     read the answer, it speaks another shape than the one answered: set \
                     ERP_CONNECTOR_WIRE_PROFILE_FALLBACK to each of the others in turn, or capture \
                     a later call)"
                        .to_owned()
                } else {
                    format!("the requests show different shapes ({})", shown.join(", "))
                }
            }
        };
        if !self.has_unknowns() {
            return format!("{speaks}; nothing unknown");
        }
        let mut unknown: Vec<String> = Vec::new();
        for (op, report) in &self.operations {
            unknown.extend(report.unknown.keys().map(|u| format!("{op}: {u}")));
            unknown.extend(report.unreadable.iter().take(1).map(|e| format!("{op}: unreadable ({e})")));
        }
        format!(
            "{speaks}; UNKNOWN: {} — please send this report and the folder (secrets are redacted) with an issue",
            unknown.join("; ")
        )
    }
}

impl fmt::Display for Inspection {
    /// The report, every line with its control characters escaped: element names, SOAPActions
    /// and errors come from callers, and a terminal would obey their escape sequences.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut report = String::new();
        self.render(&mut report)?;
        let lines: Vec<_> = report.split('\n').map(|line| crate::untrusted::shown_within(line, 64 * 1024)).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl Inspection {
    fn render(&self, f: &mut String) -> fmt::Result {
        use std::fmt::Write as _;
        let counted = |map: &BTreeMap<String, usize>| {
            if map.is_empty() {
                return "-".to_owned();
            }
            map.iter().map(|(k, n)| format!("{k} (×{n})")).collect::<Vec<_>>().join(", ")
        };
        for (op, r) in &self.operations {
            writeln!(f, "{op}: {} request(s)", r.requests)?;
            if !r.auth.is_empty() {
                writeln!(f, "  answered as:    {}", counted(&r.auth))?;
            } else {
                writeln!(f, "  shape:          {}", counted(&r.shapes))?;
            }
            writeln!(f, "  SOAPAction:     {}", counted(&r.actions))?;
            writeln!(f, "  header:         {}", counted(&r.headers))?;
            if r.auth.is_empty() {
                let list = |v: &[&str]| if v.is_empty() { "-".to_owned() } else { v.join(", ") };
                writeln!(f, "  members:        {}", list(&r.present))?;
                writeln!(f, "  never sent:     {}", list(&r.absent))?;
            }
            writeln!(f, "  unknown:        {}", counted(&r.unknown))?;
            for e in r.unreadable.iter().take(3) {
                writeln!(f, "  UNREADABLE:     {e}")?;
            }
        }
        write!(f, "{}", self.verdict())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, stem: &str, action: &str, body: &str) {
        std::fs::write(dir.join(format!("{stem}.request.xml")), body).unwrap();
        let meta = serde_json::json!({ "action": action, "status": 200 });
        std::fs::write(dir.join(format!("{stem}.meta.json")), meta.to_string()).unwrap();
    }

    const EIS: &str = "http://www.superoffice.net/EIS/Connector/1.0";

    #[test]
    fn reports_shape_action_headers_members_and_unknowns() {
        let dir = tempfile::tempdir().unwrap();
        let action = |op: &str| format!("\"{EIS}/IErpConnectorWS/{op}\"");
        write(
            dir.path(),
            "000001-WSGetConfigData",
            &action("WSGetConfigData"),
            &format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><WSGetConfigData xmlns="{EIS}"/></s:Body></s:Envelope>"#
            ),
        );
        write(
            dir.path(),
            "000002-WSGetList",
            &action("WSGetList"),
            &format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><ActivityId xmlns="urn:diag">1</ActivityId></s:Header><s:Body><WSGetList xmlns="{EIS}"><request><ListName>x</ListName></request></WSGetList></s:Body></s:Envelope>"#
            ),
        );
        let clean = inspect(dir.path()).unwrap();
        assert_eq!(clean.profile(), Some(WireProfile::WrappedEis));
        let header_is_unknown = clean.verdict();
        assert!(
            header_is_unknown.starts_with("this caller speaks wrapped-eis; UNKNOWN: WSGetList: Header/ActivityId"),
            "{header_is_unknown}"
        );
        let list = &clean.operations["WSGetList"];
        assert_eq!(list.present, ["ListName"]);
        assert_eq!(list.absent, ["ConnectionGuid"]);
        assert_eq!(list.actions.keys().collect::<Vec<_>>(), [&format!("\"{EIS}/IErpConnectorWS/<op>\"")]);
        assert_eq!(list.headers.keys().collect::<Vec<_>>(), ["ActivityId"]);

        // A second caller in another shape: the verdict says the shapes differ.
        write(
            dir.path(),
            "000003-WSTestConnection",
            &action("WSTestConnection"),
            &format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><RequestBaseWS xmlns="{EIS}"><ConnectionGuid/><Extra/></RequestBaseWS></s:Body></s:Envelope>"#
            ),
        );
        let mixed = inspect(dir.path()).unwrap();
        let verdict = mixed.verdict();
        assert!(verdict.contains("different shapes (message-contract, wrapped-eis)"), "{verdict}");
        assert!(verdict.contains("RequestBaseWS/Extra"), "{verdict}");
        assert!(mixed.to_string().ends_with(&verdict));
    }

    #[test]
    fn a_folder_of_shapeless_calls_says_what_to_try() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><WSGetConfigData xmlns="{EIS}"/></s:Body></s:Envelope>"#
        );
        write(dir.path(), "000001-WSGetConfigData", &format!("\"{EIS}/IErpConnectorWS/WSGetConfigData\""), &body);
        let verdict = inspect(dir.path()).unwrap().verdict();
        assert!(
            verdict.starts_with("no request showed a shape") && verdict.ends_with("; nothing unknown"),
            "{verdict}"
        );
        assert!(verdict.contains("ERP_CONNECTOR_WIRE_PROFILE_FALLBACK"), "{verdict}");
    }

    #[test]
    fn an_empty_folder_says_how_to_capture() {
        let dir = tempfile::tempdir().unwrap();
        assert!(inspect(dir.path()).unwrap().verdict().contains("ERP_CONNECTOR_CAPTURE_DIR"));
        assert!(inspect(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_callers_escape_sequences_reach_no_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let evil = "\u{1b}]0;owned\u{7}\u{1b}[2J";
        let body = format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><TestConnectionRequestWS xmlns="{EIS}"><ConnectionGuid>3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf</ConnectionGuid></TestConnectionRequestWS></s:Body></s:Envelope>"#
        );
        write(
            dir.path(),
            "000001-WSTestConnection",
            &format!("\"{EIS}/IErpConnectorWS/WSTestConnection{evil}\""),
            &body,
        );
        let shown = inspect(dir.path()).unwrap().to_string();
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown:?}");
        assert!(shown.contains("\\u{1b}]0;owned") && shown.lines().count() > 3, "escaped, lines kept: {shown}");
    }
}

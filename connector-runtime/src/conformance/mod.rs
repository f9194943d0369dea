//! The EIS emulator's session and the conformance rules (feature `testing`).
//!
//! [`check`] plays SuperOffice's ERP Integration Server against a running connector: the
//! connection set-up of spec §5.1, a full sync and incremental polls (§5.3), the interactive
//! searches (§5.4), lists, a create/read/save round trip of every actor type (a type whose
//! actors have parents, persons say, under a parent: the one it created first where it writes the
//! parent's type too), and the lost-connection resend (§5.2).
//! Every answer is checked against the [`rules`], each citing the spec; the [`Report`] lists every
//! violation. The session knows the whole ERP after the full sync and judges against it: searches
//! must be complete, not only sound; what a search or `GetActors` answers must agree with the
//! sync; saved values must read back; values must be in the exact form .NET reads.
//! `erp-connector emulate` runs the same session with a progress bar.
//!
//! ```no_run
//! let report = erp_connector::conformance::check("http://127.0.0.1:8080/Services/ErpConnectorWS.svc");
//! assert!(report.is_clean(), "{report}");
//! ```
//!
//! What EIS sends as `UpdatedOnOrAfter` on the very first poll is not known (spec §5.3, marked unknown):
//! [`Options::initial_since`] is the empty string by default and can be set.

pub mod rules;
mod session;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::contract::StringDict;
use crate::testkit::TestIssuer;

pub use rules::Rule;

/// How the session runs.
pub struct Options {
    /// Calls go to `?ConnectorName=<name>` when set.
    pub connector_name: Option<String>,
    /// Configuration values to use, as sent ([`Options::with_config`] fills them from the
    /// connector's typed configuration); other fields get their `DefaultValue` or a value of
    /// their type.
    pub config: StringDict,
    /// Values that must not work, one case each (key and value over the working ones; a key may
    /// come in several cases): TestConfigData and TestConnection must refuse them, with a text
    /// for the user.
    pub bad_config: Vec<(String, String)>,
    /// Check `Authenticate` with tokens of this issuer (the connector must trust its
    /// certificate).
    pub authenticate: Option<AuthCheck>,
    /// `UpdatedOnOrAfter` of the first, full poll (unknown in the spec; empty by default).
    pub initial_since: String,
    /// Create and save an actor of every type (CreateActor, SaveActors, and a save of an unknown
    /// key; children under a parent). Off for
    /// a production ERP: the rules only a write can break (`created-has-key`, `changes-polled`,
    /// `writes-read-back`, `save-unknown-refused`) are then not judged; every other rule is.
    pub write: bool,
    /// How many actors per type GetActors is asked for.
    pub sample: usize,
    /// For an `https://` address: trust the certificates in this PEM text (a test proxy's
    /// self-signed certificate, a private authority) instead of the public roots.
    pub trusted_pem: Option<Vec<u8>>,
    /// The body shape the emulator speaks (what EIS speaks is not known; docs/wire-format.md).
    /// Against a connector in `auto`, a session in a profile also makes the deployment remember
    /// it.
    pub profile: crate::soap::WireProfile,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connector_name: None,
            config: StringDict::new(),
            bad_config: Vec::new(),
            authenticate: None,
            initial_since: String::new(),
            write: true,
            sample: 50,
            trusted_pem: None,
            profile: crate::soap::WireProfile::MessageContract,
        }
    }
}

impl Options {
    /// Builder: the configuration values of `config`, the connector's own configuration type.
    ///
    /// ```
    /// use erp_connector::prelude::*;
    ///
    /// #[derive(ConnectionConfig)]
    /// struct Config {
    ///     #[field(mandatory)]
    ///     company: String,
    ///     password: Option<Password>,
    /// }
    ///
    /// let options = erp_connector::conformance::Options::default()
    ///     .with_config(&Config { company: "Acme".into(), password: Some(Password::new("test")) });
    /// assert_eq!(options.config.get("COMPANY"), Some("Acme"));
    /// ```
    pub fn with_config(mut self, config: &impl crate::connector::ConnectionConfig) -> Self {
        self.config = config.to_info();
        self
    }
}

/// The `Authenticate` part of a session.
pub struct AuthCheck {
    /// Signs the tokens.
    pub issuer: Arc<TestIssuer>,
    /// The application id the connector is registered with.
    pub app_id: String,
    /// The application's public key, to verify the partner token (optional).
    pub app_public_key: Option<rsa::PublicKey>,
}

/// Told what the session is doing, e.g. to draw a progress bar.
pub trait Progress {
    /// A step starts; `total` calls are expected (0 if unknown).
    fn start(&mut self, _step: &str, _total: u64) {}
    /// `n` more calls of the step are done.
    fn advance(&mut self, _n: u64) {}
    /// The step is over.
    fn finish(&mut self, _summary: &StepSummary) {}
}

/// A [`Progress`] that shows nothing.
pub struct Silent;

impl Progress for Silent {}

/// One broken rule.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule.
    pub rule: &'static Rule,
    /// The call that broke it, e.g. `WSGetActors Customer`.
    pub call: String,
    /// What was wrong.
    pub detail: String,
}

/// What one step of the session did.
#[derive(Debug, Clone)]
pub struct StepSummary {
    /// The step.
    pub name: &'static str,
    /// Calls made.
    pub calls: usize,
    /// Rules broken in it.
    pub violations: usize,
    /// How long it took.
    pub elapsed: Duration,
    /// What it saw, e.g. `2 types, 1,204 actors`.
    pub note: String,
}

/// Most violations kept per rule; the rest are counted.
const KEPT_PER_RULE: usize = 200;

/// The outcome of a session.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The endpoint checked.
    pub url: String,
    /// The steps, in order.
    pub steps: Vec<StepSummary>,
    /// The violations (at most 200 per rule; see [`Report::omitted`]).
    pub violations: Vec<Violation>,
    /// Violations not kept, by rule id.
    pub omitted: HashMap<&'static str, usize>,
    /// Why the session stopped early, if it did.
    pub stopped: Option<String>,
}

impl Report {
    /// No rule broken and the session ran to its end.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty() && self.stopped.is_none()
    }

    /// The violations of one rule.
    pub fn of(&self, rule: &Rule) -> impl Iterator<Item = &Violation> {
        let id = rule.id;
        self.violations.iter().filter(move |v| v.rule.id == id)
    }

    /// Whether `rule` was broken.
    pub fn broke(&self, rule: &Rule) -> bool {
        self.of(rule).next().is_some()
    }

    fn add(&mut self, violation: Violation) {
        if self.of(violation.rule).count() >= KEPT_PER_RULE {
            *self.omitted.entry(violation.rule.id).or_default() += 1;
        } else {
            self.violations.push(violation);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "EIS emulator session against {}", self.url)?;
        writeln!(f, "{:<22} {:>6} {:>10} {:>9}  seen", "step", "calls", "violations", "time")?;
        for s in &self.steps {
            let time = format!("{:.2} s", s.elapsed.as_secs_f64());
            writeln!(f, "{:<22} {:>6} {:>10} {:>9}  {}", s.name, s.calls, s.violations, time, s.note)?;
        }
        if let Some(reason) = &self.stopped {
            writeln!(f, "\nSTOPPED: {reason}")?;
        }
        let mut seen: Vec<&'static Rule> = Vec::new();
        for v in &self.violations {
            if !seen.iter().any(|r| r.id == v.rule.id) {
                seen.push(v.rule);
            }
        }
        for rule in &seen {
            let inferred = if rule.inferred { ", inferred" } else { "" };
            writeln!(f, "\nRULE {} (spec {}{inferred}): {}", rule.id, rule.spec, rule.text)?;
            for v in self.of(rule).take(10) {
                writeln!(f, "  {}: {}", v.call, v.detail)?;
            }
            let more = self.of(rule).count().saturating_sub(10) + self.omitted.get(rule.id).copied().unwrap_or(0);
            if more > 0 {
                writeln!(f, "  ... and {more} more")?;
            }
        }
        let total = self.violations.len() + self.omitted.values().sum::<usize>();
        if self.is_clean() {
            write!(f, "\nPASSED: no rule broken ({} rules checked)", rules::ALL.len())
        } else if total == 0 {
            write!(f, "\nFAILED: the session stopped before its end")
        } else {
            write!(f, "\nFAILED: {total} violation(s) of {} rule(s)", seen.len())
        }
    }
}

/// Runs the EIS session against `url` with default [`Options`].
pub fn check(url: &str) -> Report {
    check_with(url, &Options::default(), &mut Silent)
}

/// Runs the EIS session against `url`.
pub fn check_with(url: &str, options: &Options, progress: &mut dyn Progress) -> Report {
    session::run(url, options, progress)
}

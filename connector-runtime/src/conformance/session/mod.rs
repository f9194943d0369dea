//! The session EIS runs against a connector, step by step, checking each answer: the core here
//! (calls, checks, progress), the steps in `setup` (Authenticate, configuration, actor types),
//! `reads` (syncs, polls, GetActors, lists), `search` (with the emulator's own judge of
//! search results) and `writes` (create, save, the lost connection).

mod reads;
mod search;
mod setup;
mod writes;

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::connector::{ActorsSince, GetActors, SearchActors, SearchByParent};
use crate::contract::*;
use crate::testkit::{ClientError, SoapClient, new_guid};

use super::rules::{self, Rule};
use super::{Options, Progress, Report, StepSummary, Violation};

/// A key no connector has.
const MISSING_KEY: &str = "eis-emulator-no-such-key";

pub(super) fn run(url: &str, options: &Options, progress: &mut dyn Progress) -> Report {
    let mut report = Report { url: url.to_owned(), ..Report::default() };
    let client = match SoapClient::from_url(url).and_then(|c| match &options.trusted_pem {
        Some(pem) => c.with_trusted_pem(pem),
        None => Ok(c),
    }) {
        Ok(c) => c,
        Err(e) => {
            report.stopped = Some(e);
            return report;
        }
    };
    let client = match &options.connector_name {
        Some(name) => client.with_connector_name(name),
        None => client,
    }
    .with_profile(options.profile);
    let mut s = Session {
        client,
        guid: new_guid(),
        options,
        progress,
        report,
        step: None,
        config: StringDict::new(),
        config_fields: Vec::new(),
        shape_shown: false,
        types: Vec::new(),
        fields: HashMap::new(),
        searchable: HashMap::new(),
        synced: HashMap::new(),
    };
    s.run_all();
    s.report
}

struct Step {
    name: &'static str,
    started: Instant,
    calls: usize,
    violations: usize,
    note: String,
}

/// A response class's status, for the checks every answer gets.
trait Answer {
    fn status(&self) -> &ResponseStatus;
}

macro_rules! answers {
    ($($t:ty => |$r:ident| $e:expr;)*) => { $(impl Answer for $t { fn status(&self) -> &ResponseStatus { let $r = self; $e } })* };
}

answers! {
    ResponseStatus => |r| r;
    StringArrayResponse => |r| &r.result;
    FieldMetadataResponse => |r| &r.result;
    ListItemsResponse => |r| &r.result;
    ActorArrayResponse => |r| &r.result;
    ActorResponse => |r| &r.result;
}

struct Session<'a> {
    client: SoapClient,
    guid: ConnectionGuid,
    options: &'a Options,
    progress: &'a mut dyn Progress,
    report: Report,
    step: Option<Step>,
    config: StringDict,
    config_fields: Vec<FieldMetadata>,
    types: Vec<ActorType>,
    fields: HashMap<String, Vec<FieldMetadata>>,
    searchable: HashMap<String, Vec<String>>,
    synced: HashMap<String, Vec<ErpActor>>,
    /// Whether a request that shows the body shape has been sent (WSGetConfigData shows none,
    /// so the connector cannot know the shape of the first one; spec §4.5).
    shape_shown: bool,
}

/// Orders two `LastModified` values: as numbers when both are, else ordinally (how EIS compares
/// them is not known, spec §5.3 [U]; both agree for the recommended forms).
pub(crate) fn stamp_cmp(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    std::time::SystemTime::now().into()
}

/// The change poll of `t` since `since` (sent as it is, empty included).
fn poll(t: &ActorType, since: &str, keys: &[String]) -> ActorsSince {
    ActorsSince { actor_type: t.clone(), since: Some(Stamp::text(since)), field_keys: keys.to_vec() }
}

/// `GetActors` of `keys` with `fields`.
fn by_keys(t: &ActorType, keys: &[String], fields: &[String]) -> GetActors {
    GetActors { actor_type: t.clone(), erp_keys: keys.to_vec(), field_keys: fields.to_vec() }
}

fn keys_of(fields: &[FieldMetadata]) -> Vec<String> {
    fields.iter().filter_map(|f| f.field_key.clone()).filter(|k| !k.is_empty()).collect()
}

/// A value from the connector in a violation: escaped and bounded, as every untrusted value
/// shown (the report goes to a terminal).
fn short(s: &str) -> String {
    crate::untrusted::shown_within(s, 120).into_owned()
}

impl Session<'_> {
    fn run_all(&mut self) {
        if self.options.authenticate.is_some() {
            self.authenticate();
        }
        if !self.set_up() {
            return;
        }
        if !self.options.bad_config.is_empty() {
            self.bad_configuration();
        }
        self.actor_types();
        self.initial_sync();
        self.incremental_poll();
        self.get_actors();
        self.searches();
        self.advanced_search();
        self.lists();
        let written = if self.options.write { self.write_round_trip() } else { Vec::new() };
        self.final_sync(&written);
        self.lost_connection();
        self.begin("clean up", 1);
        self.call("WSDeleteConnection", |c, g| c.delete_connection(g));
        self.end();
    }

    // ---- bookkeeping ----

    fn begin(&mut self, name: &'static str, total: u64) {
        self.step = Some(Step { name, started: Instant::now(), calls: 0, violations: 0, note: String::new() });
        self.progress.start(name, total);
    }

    fn note(&mut self, note: String) {
        if let Some(step) = &mut self.step {
            step.note = note;
        }
    }

    fn end(&mut self) {
        if let Some(step) = self.step.take() {
            let summary = StepSummary {
                name: step.name,
                calls: step.calls,
                violations: step.violations,
                elapsed: step.started.elapsed(),
                note: step.note,
            };
            self.progress.finish(&summary);
            self.report.steps.push(summary);
        }
    }

    fn stop(&mut self, reason: String) {
        self.end();
        self.report.stopped = Some(reason);
    }

    fn violate(&mut self, rule: &'static Rule, call: &str, detail: String) {
        if let Some(step) = &mut self.step {
            step.violations += 1;
        }
        self.report.add(Violation { rule, call: call.to_owned(), detail });
    }

    fn check(&mut self, ok: bool, rule: &'static Rule, call: &str, detail: impl FnOnce() -> String) {
        if !ok {
            self.violate(rule, call, detail());
        }
    }

    /// One call: a transport or read failure breaks [`rules::ANSWERED`]; every answer's status
    /// is checked.
    fn call<T: Answer>(
        &mut self,
        name: &str,
        f: impl FnOnce(&SoapClient, ConnectionGuid) -> Result<T, ClientError>,
    ) -> Option<T> {
        if let Some(step) = &mut self.step {
            step.calls += 1;
        }
        self.progress.advance(1);
        let outcome = f(&self.client, self.guid);
        let observed = self.client.take_observations();
        let shown_before = self.shape_shown;
        self.shape_shown |= observed.sent_showing_shape > 0;
        for (operation, skipped) in observed.skipped {
            self.violate(&rules::KNOWN_MEMBERS, name, format!("{operation}: unknown element {skipped}"));
        }
        for (operation, shape) in observed.other_shape {
            if operation == Operation::GetConfigData && !shown_before {
                continue;
            }
            let asked = self.client.profile();
            self.violate(&rules::ANSWER_SHAPE, name, format!("{operation}: asked in {asked}, answered {shape:?}"));
        }
        match outcome {
            Ok(answer) => {
                let status = answer.status().clone();
                self.check(status.is_ok == status.state.is_ok(), &rules::IS_OK_STATE, name, || {
                    format!("IsOk={} with State={}", status.is_ok, status.state.wire_name())
                });
                let explained = status.user_explanation.as_deref().is_some_and(|t| !t.trim().is_empty());
                self.check(status.state != ResponseState::Error || explained, &rules::ERROR_EXPLAINED, name, || {
                    format!("State=Error without UserExplanation (ErrorCode {:?})", status.error_code)
                });
                Some(answer)
            }
            Err(e) => {
                self.violate(&rules::ANSWERED, name, e.to_string());
                None
            }
        }
    }

    /// The answer if it is OK (not State=Error).
    fn call_ok<T: Answer>(
        &mut self,
        name: &str,
        f: impl FnOnce(&SoapClient, ConnectionGuid) -> Result<T, ClientError>,
    ) -> Result<T, String> {
        match self.call(name, f) {
            Some(a) if a.status().is_ok => Ok(a),
            Some(a) => Err(format!(
                "{name} answered State={} {}{}",
                a.status().state.wire_name(),
                a.status().error_code.as_deref().map(|c| format!("[{c}] ")).unwrap_or_default(),
                a.status().user_explanation.as_deref().unwrap_or("")
            )),
            None => Err(format!("{name} was not answered")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_order_as_numbers_when_both_are() {
        assert_eq!(stamp_cmp("9", "10"), Ordering::Less);
        assert_eq!(stamp_cmp("2024-05-01T10:15:00", "2024-05-02T08:00:00"), Ordering::Less);
        assert_eq!(stamp_cmp("00042", "42"), Ordering::Equal);
    }
}

//! The session EIS runs against a connector, step by step, checking each answer.

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
    ActorsSince { actor_type: t.clone(), since: Some(since.to_owned()), field_keys: keys.to_vec() }
}

/// `GetActors` of `keys` with `fields`.
fn by_keys(t: &ActorType, keys: &[String], fields: &[String]) -> GetActors {
    GetActors { actor_type: t.clone(), erp_keys: keys.to_vec(), field_keys: fields.to_vec() }
}

fn keys_of(fields: &[FieldMetadata]) -> Vec<String> {
    fields.iter().filter_map(|f| f.field_key.clone()).filter(|k| !k.is_empty()).collect()
}

fn short(s: &str) -> String {
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s.to_owned() }
}

impl Session<'_> {
    fn run_all(&mut self) {
        if self.options.authenticate.is_some() {
            self.authenticate();
        }
        if !self.set_up() {
            return;
        }
        self.actor_types();
        self.initial_sync();
        self.incremental_poll();
        self.get_actors();
        self.searches();
        self.advanced_search();
        self.lists();
        if self.options.write {
            self.write_round_trip();
        }
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

    // ---- steps ----

    fn authenticate(&mut self) {
        let Some(auth) = &self.options.authenticate else { return };
        self.begin("authenticate", 2);
        let nonce = format!("eis-emulator-{}", new_guid());
        let token = auth.issuer.token(&auth.app_id, &nonce);
        let other = auth.issuer.token("00000000000000000000000000000000", &nonce);
        let public = auth.app_public_key.clone();
        let call = "Authenticate";
        self.progress.advance(1);
        if let Some(step) = &mut self.step {
            step.calls += 2;
        }
        match self.client.authenticate(&token) {
            Ok(answer) if answer.succeeded => {
                let partner = answer.signed_application_token.unwrap_or_default();
                if let Some(public) = public
                    && let Err(e) = crate::auth::verify_partner_token(&public, &partner, &nonce, now())
                {
                    self.violate(&rules::AUTHENTICATES, call, format!("the partner token does not verify: {e}"));
                }
            }
            Ok(answer) => self.violate(
                &rules::AUTHENTICATES,
                call,
                format!("Succeeded=false: {}", answer.reason.unwrap_or_else(|| "no reason".into())),
            ),
            Err(e) => self.violate(&rules::ANSWERED, call, e.to_string()),
        }
        self.progress.advance(1);
        match self.client.authenticate(&other) {
            Ok(answer) => {
                let refused = !answer.succeeded && answer.reason.as_deref().is_some_and(|r| !r.is_empty());
                self.check(refused, &rules::AUTH_REFUSES, call, || {
                    "a token for application 000…0 was not refused with a reason".into()
                });
            }
            Err(e) => self.violate(&rules::AUTH_REFUSES, call, e.to_string()),
        }
        self.note(if self.options.authenticate.as_ref().is_some_and(|a| a.app_public_key.is_some()) {
            "partner token verified".into()
        } else {
            "partner token not verified (no public key given)".into()
        });
        self.end();
    }

    /// GetConfigData, the set-up lists, TestConfigData, SaveConnection, TestConnection.
    fn set_up(&mut self) -> bool {
        self.begin("configuration", 3);
        let Some(answer) = self.call("WSGetConfigData", |c, _| c.get_config_data()) else {
            self.stop("WSGetConfigData was not answered".into());
            return false;
        };
        self.config_fields = answer.fields.unwrap_or_default();
        let fields = self.config_fields.clone();
        self.check_field_list("WSGetConfigData", &fields);
        let declared = keys_of(&fields);
        if let Some(unknown) = self.options.config.keys().find(|k| !declared.iter().any(|d| d == k)) {
            self.stop(format!("`{unknown}` is not a configuration field; the fields are: {}", declared.join(", ")));
            return false;
        }
        let mut values = StringDict::new();
        let mut sorted = fields.clone();
        sorted.sort_by_key(|f| f.rank);
        for field in &sorted {
            let Some(key) = field.field_key.clone().filter(|k| !k.is_empty()) else { continue };
            if let Some(v) = self.options.config.entry_value(&key) {
                values.insert_opt(key, v.map(Into::into));
                continue;
            }
            if field.field_type == FieldType::List {
                let name = field.list_name.clone().unwrap_or_default();
                let call = format!("WSGetList {name} (all-zero GUID)");
                let nil = ConnectionGuid::parse("00000000-0000-0000-0000-000000000000").expect("the nil GUID");
                match self.call(&call, |c, _| c.get_list(nil, &name)) {
                    Some(list) if list.result.is_ok => {
                        let first = list.list_items.as_ref().and_then(|d| d.keys().next().map(str::to_owned));
                        if let Some(first) = first.filter(|_| field.default_value.as_deref().is_none_or(str::is_empty))
                        {
                            values.insert(key, first);
                            continue;
                        }
                    }
                    Some(list) => self.violate(
                        &rules::SETUP_LISTS,
                        &call,
                        format!(
                            "State={}: {}",
                            list.result.state.wire_name(),
                            list.result.user_explanation.unwrap_or_default()
                        ),
                    ),
                    None => {}
                }
            }
            if let Some(default) = field.default_value.clone().filter(|d| !d.is_empty()) {
                values.insert(key, default);
                continue;
            }
            let sample = match field.field_type {
                FieldType::Checkbox | FieldType::Integer => Some("[I:0]".to_owned()),
                FieldType::Double => Some("[F:0]".to_owned()),
                FieldType::Datetime => Some(FieldValue::DateTime(now().naive_utc()).to_string()),
                FieldType::Text | FieldType::Password if field.access == FieldAccess::Mandatory => {
                    Some("eis-emulator".to_owned())
                }
                _ => None,
            };
            if let Some(sample) = sample {
                values.insert(key, sample);
            }
        }
        self.config = values;
        let config = self.config.clone();
        let shown = config.keys().collect::<Vec<_>>().join(", ");
        self.note(format!("{} fields; values for: {}", fields.len(), if shown.is_empty() { "none" } else { &shown }));
        if let Err(e) = self.call_ok("WSTestConfigData", |c, _| c.test_config_data(&config)) {
            self.violate(&rules::SETUP_WORKS, "WSTestConfigData", e.clone());
            self.stop(format!("{e} (give working values with --config key=value)"));
            return false;
        }
        self.end();
        self.begin("connection", 2);
        if let Err(e) = self.call_ok("WSSaveConnection", |c, g| c.save_connection(g, &config)) {
            self.violate(&rules::SETUP_WORKS, "WSSaveConnection", e.clone());
            self.stop(e);
            return false;
        }
        if let Err(e) = self.call_ok("WSTestConnection", |c, g| c.test_connection(g)) {
            self.violate(&rules::SETUP_WORKS, "WSTestConnection", e.clone());
            self.stop(e);
            return false;
        }
        self.note(format!("connection {}", self.guid));
        self.end();
        true
    }

    fn check_field_list(&mut self, call: &str, fields: &[FieldMetadata]) {
        let mut keys = HashSet::new();
        let mut ranks = HashMap::new();
        for f in fields {
            let key = f.field_key.clone().unwrap_or_default();
            self.check(!key.is_empty(), &rules::FIELD_KEYS_UNIQUE, call, || "a field without FieldKey".into());
            if !key.is_empty() && !keys.insert(key.clone()) {
                self.violate(&rules::FIELD_KEYS_UNIQUE, call, format!("FieldKey `{key}` appears twice"));
            }
            if let Some(other) = ranks.insert(f.rank, key.clone()) {
                self.violate(&rules::RANKS_UNIQUE, call, format!("`{other}` and `{key}` both have Rank {}", f.rank));
            }
            if f.field_type == FieldType::List {
                self.check(
                    f.list_name.as_deref().is_some_and(|n| !n.is_empty()),
                    &rules::LIST_FIELDS_NAMED,
                    call,
                    || format!("List field `{key}` has no ListName"),
                );
            }
        }
    }

    fn actor_types(&mut self) {
        self.begin("actor types", 1);
        let Ok(answer) = self.call_ok("WSGetSupportedActorTypes", |c, g| c.get_supported_actor_types(g)) else {
            self.stop("WSGetSupportedActorTypes failed".into());
            return;
        };
        let mut seen = HashSet::new();
        for name in answer.items.unwrap_or_default() {
            let t = ActorType::parse(&name);
            let known = t.is_known() && t != ActorType::Unknown;
            self.check(known, &rules::ACTOR_TYPES_KNOWN, "WSGetSupportedActorTypes", || {
                format!("`{name}` is not one of the ErpActorType names (or is Unknown)")
            });
            if !seen.insert(name.clone()) {
                self.violate(&rules::ACTOR_TYPES_KNOWN, "WSGetSupportedActorTypes", format!("`{name}` appears twice"));
            } else if known {
                self.types.push(t);
            }
        }
        self.progress.start("actor types", 1 + 2 * self.types.len() as u64);
        self.progress.advance(1);
        for t in self.types.clone() {
            let name = t.as_str().to_owned();
            let call = format!("WSGetSupportedActorTypeFields {name}");
            let fields = match self.call_ok(&call, |c, g| c.get_supported_actor_type_fields(g, &t)) {
                Ok(a) => a.fields.unwrap_or_default(),
                Err(e) => {
                    self.violate(&rules::SETUP_WORKS, &call, e);
                    Vec::new()
                }
            };
            self.check_field_list(&call, &fields);
            let declared = keys_of(&fields);
            let call = format!("WSGetSearchableFields {name}");
            let searchable = match self.call_ok(&call, |c, g| c.get_searchable_fields(g, &t)) {
                Ok(a) => a.items.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            for key in &searchable {
                self.check(declared.contains(key), &rules::SEARCHABLE_DECLARED, &call, || {
                    format!("`{key}` is not a declared field of {name}")
                });
            }
            self.fields.insert(name.clone(), fields);
            self.searchable.insert(name, searchable);
        }
        let summary = self
            .types
            .iter()
            .map(|t| format!("{} ({} fields)", t.as_str(), self.fields.get(t.as_str()).map_or(0, Vec::len)))
            .collect::<Vec<_>>()
            .join(", ");
        self.note(summary);
        self.end();
    }

    /// The checks every returned actor gets.
    fn check_actors(&mut self, call: &str, actors: &[ErpActor], asked_type: &ActorType, asked_fields: &[String]) {
        let fields = self.fields.get(asked_type.as_str()).cloned().unwrap_or_default();
        let declared: HashMap<&str, &FieldMetadata> =
            fields.iter().filter_map(|f| f.field_key.as_deref().map(|k| (k, f))).collect();
        for a in actors {
            let key = a.erp_key.clone().unwrap_or_default();
            let who = format!("actor `{}`", short(&key));
            self.check(!key.trim().is_empty(), &rules::ERP_KEY_PRESENT, call, || "an actor without ErpKey".into());
            self.check(a.actor_type.as_ref() == Some(asked_type), &rules::ACTOR_TYPE_MATCHES, call, || {
                format!("{who} has ActorType {:?}", a.actor_type.as_ref().map(ActorType::as_str))
            });
            self.check(
                a.last_modified.as_deref().is_some_and(|m| !m.trim().is_empty()),
                &rules::LAST_MODIFIED_PRESENT,
                call,
                || format!("{who} has no LastModified"),
            );
            match (&a.parent_actor_type, a.parent_erp_key.as_deref().unwrap_or("")) {
                (Some(t), k) if !t.as_str().is_empty() => {
                    let ok = t.is_known() && *t != ActorType::Unknown && !k.is_empty();
                    self.check(ok, &rules::PARENT_WELL_FORMED, call, || {
                        format!("{who}: ParentActorType `{}` with ParentErpKey `{k}`", t.as_str())
                    });
                }
                _ => {}
            }
            let Some(values) = &a.field_values else { continue };
            for (field, value) in values.iter() {
                if !asked_fields.iter().any(|k| k == field) {
                    self.violate(&rules::REQUESTED_FIELDS_ONLY, call, format!("{who} has `{field}`, not requested"));
                }
                let Some(meta) = declared.get(field) else {
                    self.violate(&rules::FIELDS_DECLARED, call, format!("{who} has undeclared field `{field}`"));
                    continue;
                };
                let value = value.unwrap_or("");
                if value.is_empty() {
                    continue;
                }
                let parsed = FieldValue::parse(value);
                let readable = match meta.field_type {
                    FieldType::Integer => parsed.as_ref().ok().and_then(FieldValue::as_i64).is_some(),
                    FieldType::Checkbox => parsed.as_ref().ok().and_then(FieldValue::as_bool).is_some(),
                    FieldType::Double => parsed.as_ref().ok().and_then(FieldValue::as_f64).is_some(),
                    FieldType::Datetime => {
                        parsed.as_ref().ok().is_some_and(|v| v.as_datetime().is_some() || v.as_date().is_some())
                    }
                    _ => true,
                };
                self.check(readable, &rules::VALUES_ENCODED, call, || {
                    format!("{who}: `{field}` ({}) = `{}`", meta.field_type.wire_name(), short(value))
                });
                let too_long = meta.max_length > 0
                    && matches!(meta.field_type, FieldType::Text | FieldType::Password)
                    && value.chars().count() > meta.max_length as usize;
                self.check(!too_long, &rules::MAX_LENGTH, call, || {
                    format!("{who}: `{field}` has {} characters, MaxLength {}", value.chars().count(), meta.max_length)
                });
            }
        }
    }

    fn field_keys(&self, t: &ActorType) -> Vec<String> {
        self.fields.get(t.as_str()).map(|f| keys_of(f)).unwrap_or_default()
    }

    fn initial_sync(&mut self) {
        self.begin("initial sync", self.types.len() as u64);
        let since = self.options.initial_since.clone();
        let mut total = 0;
        for t in self.types.clone() {
            let keys = self.field_keys(&t);
            let call = format!("WSGetActorsByTimestamp {} since `{since}`", t.as_str());
            let actors = match self.call_ok(&call, |c, g| c.get_actors_by_timestamp(g, &poll(&t, &since, &keys))) {
                Ok(a) => a.actors.unwrap_or_default(),
                Err(e) => {
                    self.violate(&rules::SETUP_WORKS, &call, e);
                    continue;
                }
            };
            self.check_actors(&call, &actors, &t, &keys);
            total += actors.len();
            self.synced.insert(t.as_str().to_owned(), actors);
        }
        // Global: all stamps of the connection can be ordered against each other.
        let stamps: Vec<String> =
            self.synced.values().flatten().filter_map(|a| a.last_modified.clone()).filter(|m| !m.is_empty()).collect();
        let numeric = stamps.iter().all(|m| m.trim().parse::<f64>().is_ok());
        if !numeric
            && let Some(first) = stamps.first()
            && let Some(other) = stamps.iter().find(|m| m.chars().count() != first.chars().count())
        {
            self.violate(
                &rules::LAST_MODIFIED_GLOBAL,
                "WSGetActorsByTimestamp",
                format!(
                    "`{first}` and `{other}` differ in width and are not numbers, so they may not sort in time order"
                ),
            );
        }
        self.note(format!("{total} actors"));
        self.end();
    }

    fn max_stamp(actors: &[ErpActor]) -> Option<String> {
        actors.iter().filter_map(|a| a.last_modified.clone()).filter(|m| !m.is_empty()).max_by(|a, b| stamp_cmp(a, b))
    }

    fn incremental_poll(&mut self) {
        self.begin("incremental poll", self.types.len() as u64);
        let mut returned = 0;
        for t in self.types.clone() {
            let actors = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            let Some(max) = Self::max_stamp(&actors) else { continue };
            let keys = self.field_keys(&t);
            let call = format!("WSGetActorsByTimestamp {} since `{max}`", t.as_str());
            let Ok(answer) = self.call_ok(&call, |c, g| c.get_actors_by_timestamp(g, &poll(&t, &max, &keys))) else {
                continue;
            };
            let polled = answer.actors.unwrap_or_default();
            self.check_actors(&call, &polled, &t, &keys);
            returned += polled.len();
            let polled_keys: HashSet<&str> = polled.iter().filter_map(|a| a.erp_key.as_deref()).collect();
            for a in actors.iter().filter(|a| a.last_modified.as_deref() == Some(max.as_str())) {
                let key = a.erp_key.as_deref().unwrap_or("");
                self.check(polled_keys.contains(key), &rules::SINCE_INCLUDES_EQUAL, &call, || {
                    format!("actor `{key}` with LastModified equal to UpdatedOnOrAfter is missing")
                });
            }
            for a in &polled {
                let m = a.last_modified.as_deref().unwrap_or("");
                self.check(
                    m.is_empty() || stamp_cmp(m, &max) != Ordering::Less,
                    &rules::SINCE_ONLY_NEWER,
                    &call,
                    || format!("actor `{}` has LastModified `{m}`", a.erp_key.as_deref().unwrap_or("")),
                );
            }
        }
        self.note(format!("{returned} actors at or after each type's highest LastModified"));
        self.end();
    }

    fn get_actors(&mut self) {
        self.begin("get actors", 2 * self.types.len() as u64);
        let mut fetched = 0;
        for t in self.types.clone() {
            let synced = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            let sample: Vec<&ErpActor> = synced.iter().take(self.options.sample).collect();
            let mut keys: Vec<String> = sample.iter().filter_map(|a| a.erp_key.clone()).collect();
            keys.push(MISSING_KEY.into());
            let all_fields = self.field_keys(&t);
            // Every sampled key with every field; then only the first key with only the first
            // field, to see that nothing else comes back.
            let one_key = keys.iter().take(1).cloned().collect::<Vec<_>>();
            let one_field = all_fields.iter().take(1).cloned().collect::<Vec<_>>();
            let sample_one = sample.iter().take(1).copied().collect::<Vec<_>>();
            for (keys, fields, sample) in [(keys, all_fields, sample), (one_key, one_field, sample_one)] {
                let call = format!("WSGetActors {} ({} keys, {} fields)", t.as_str(), keys.len(), fields.len());
                let Ok(answer) = self.call_ok(&call, |c, g| c.get_actors(g, &by_keys(&t, &keys, &fields))) else {
                    continue;
                };
                let actors = answer.actors.unwrap_or_default();
                self.check_actors(&call, &actors, &t, &fields);
                fetched += actors.len();
                let mut seen = HashSet::new();
                for a in &actors {
                    let key = a.erp_key.clone().unwrap_or_default();
                    if !keys.contains(&key) {
                        self.violate(&rules::REQUESTED_ACTORS_ONLY, &call, format!("actor `{key}` was not requested"));
                    } else if !seen.insert(key.clone()) {
                        self.violate(&rules::REQUESTED_ACTORS_ONLY, &call, format!("actor `{key}` returned twice"));
                    }
                }
                for s in &sample {
                    let key = s.erp_key.as_deref().unwrap_or("");
                    match actors.iter().find(|a| a.erp_key.as_deref() == Some(key)) {
                        None => self.violate(
                            &rules::ERP_KEY_STABLE,
                            &call,
                            format!("actor `{key}` from the sync is not found by its ErpKey"),
                        ),
                        Some(a) => {
                            let (before, now) =
                                (s.last_modified.as_deref().unwrap_or(""), a.last_modified.as_deref().unwrap_or(""));
                            self.check(
                                stamp_cmp(now, before) != Ordering::Less,
                                &rules::LAST_MODIFIED_MONOTONIC,
                                &call,
                                || format!("actor `{key}`: LastModified `{before}` in the sync, now `{now}`"),
                            );
                        }
                    }
                }
            }
        }
        self.note(format!("{fetched} actors"));
        self.end();
    }

    /// A text to search for: the start of the first text value of the type's actors.
    fn search_text(&self, t: &ActorType) -> String {
        let fields = self.fields.get(t.as_str()).cloned().unwrap_or_default();
        let text_fields: Vec<String> =
            fields.iter().filter(|f| f.field_type == FieldType::Text).filter_map(|f| f.field_key.clone()).collect();
        self.synced
            .get(t.as_str())
            .into_iter()
            .flatten()
            .filter_map(|a| text_fields.iter().find_map(|k| a.field(k)).filter(|v| !v.is_empty()))
            .map(|v| v.chars().take(3).collect())
            .next()
            .unwrap_or_else(|| "a".into())
    }

    fn searches(&mut self) {
        self.begin("search", 2 * self.types.len() as u64);
        let mut found = 0;
        for t in self.types.clone() {
            let fields = self.field_keys(&t);
            let text = self.search_text(&t);
            let call = format!("WSSearchActors {} `{text}`", t.as_str());
            if let Some(answer) = self.call(&call, |c, g| {
                c.search_actors(
                    g,
                    &SearchActors { actor_type: t.clone(), search_text: text.clone(), field_keys: fields.clone() },
                )
            }) {
                let actors = answer.actors.unwrap_or_default();
                found += actors.len();
                self.check_actors(&call, &actors, &t, &fields);
            }
            let parent = self.synced.get(t.as_str()).into_iter().flatten().find_map(|a| {
                let key = a.parent_erp_key.clone().filter(|k| !k.is_empty())?;
                Some((a.parent_actor_type.clone()?, key))
            });
            let Some((parent_type, parent_key)) = parent else { continue };
            let call = format!("WSSearchActorByParent {} under {} `{parent_key}`", t.as_str(), parent_type.as_str());
            if let Some(answer) = self.call(&call, |c, g| {
                c.search_actor_by_parent(
                    g,
                    &SearchByParent {
                        actor_type: t.clone(),
                        search_text: String::new(),
                        parent_actor_type: parent_type.clone(),
                        parent_erp_key: parent_key.clone(),
                        field_keys: fields.clone(),
                    },
                )
            }) {
                let actors = answer.actors.unwrap_or_default();
                found += actors.len();
                self.check_actors(&call, &actors, &t, &fields);
                for a in &actors {
                    let ok = a.parent_erp_key.as_deref() == Some(parent_key.as_str())
                        && a.parent_actor_type.as_ref() == Some(&parent_type);
                    self.check(ok, &rules::BY_PARENT_CHILDREN, &call, || {
                        format!(
                            "actor `{}` has parent {:?} `{}`",
                            a.erp_key.as_deref().unwrap_or(""),
                            a.parent_actor_type.as_ref().map(ActorType::as_str),
                            a.parent_erp_key.as_deref().unwrap_or("")
                        )
                    });
                }
            }
        }
        self.note(format!("{found} actors found"));
        self.end();
    }

    fn advanced_search(&mut self) {
        let mut plan: Vec<(ActorType, SearchRestriction, FieldType)> = Vec::new();
        for t in &self.types {
            let searchable = self.searchable.get(t.as_str()).cloned().unwrap_or_default();
            if searchable.is_empty() {
                continue; // no advanced search for this type (spec §5.5)
            }
            let fields = self.fields.get(t.as_str()).cloned().unwrap_or_default();
            let synced = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            for key in &searchable {
                let Some(meta) = fields.iter().find(|f| f.field_key.as_deref() == Some(key)) else { continue };
                let sample = synced.iter().find_map(|a| a.field(key).filter(|v| !v.is_empty()).map(str::to_owned));
                for op in operators::for_field_type(meta.field_type) {
                    let values = restriction_values(op, meta.field_type, sample.as_deref());
                    plan.push((t.clone(), SearchRestriction::new(key.clone(), *op, values), meta.field_type));
                }
            }
            if let Some(child) = synced.iter().find(|a| a.parent_erp_key.as_deref().is_some_and(|k| !k.is_empty())) {
                let parent_key = child.parent_erp_key.clone().unwrap_or_default();
                let parent_type = child.parent_actor_type.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
                plan.push((
                    t.clone(),
                    SearchRestriction::new(special_keys::PARENT_ERP_KEY, "=", [parent_key]),
                    FieldType::Label,
                ));
                plan.push((
                    t.clone(),
                    SearchRestriction::new(special_keys::PARENT_ACTOR_TYPE, "=", [parent_type]),
                    FieldType::Label,
                ));
            }
        }
        self.begin("advanced search", plan.len() as u64);
        let mut found = 0;
        for (t, restriction, field_type) in &plan {
            let fields = self.field_keys(t);
            let key = restriction.field_key.clone().unwrap_or_default();
            let op = restriction.operator.clone().unwrap_or_default();
            let values = restriction.values.clone().unwrap_or_default();
            let call = format!("WSSearchActorsAdvanced {} {key} {op} {values:?}", t.as_str());
            let restrictions = std::slice::from_ref(restriction);
            let Some(answer) = self.call(&call, |c, g| c.search_actors_advanced(g, t, restrictions, &fields)) else {
                continue;
            };
            let special = key == special_keys::PARENT_ERP_KEY || key == special_keys::PARENT_ACTOR_TYPE;
            if special && !answer.result.is_ok {
                self.violate(
                    &rules::SPECIAL_KEYS,
                    &call,
                    format!("State=Error: {}", answer.result.user_explanation.clone().unwrap_or_default()),
                );
            }
            let actors = answer.actors.unwrap_or_default();
            found += actors.len();
            self.check_actors(&call, &actors, t, &fields);
            for a in &actors {
                let who = a.erp_key.as_deref().unwrap_or("");
                if special {
                    let actual = if key == special_keys::PARENT_ERP_KEY {
                        a.parent_erp_key.clone()
                    } else {
                        a.parent_actor_type.as_ref().map(|p| p.as_str().to_owned())
                    };
                    self.check(
                        actual.as_deref() == values.first().map(String::as_str),
                        &rules::SPECIAL_KEYS,
                        &call,
                        || format!("actor `{who}` has {key} {actual:?}"),
                    );
                } else if let Some(value) = a.field(&key)
                    && matches(&op, *field_type, value, &values) == Some(false)
                {
                    self.violate(
                        &rules::SEARCH_MATCHES,
                        &call,
                        format!("actor `{who}` has {key} = `{}`", short(value)),
                    );
                }
            }
        }
        self.note(format!("{} searches, {found} actors", plan.len()));
        self.end();
    }

    fn lists(&mut self) {
        let mut names: Vec<String> = self
            .config_fields
            .iter()
            .chain(self.fields.values().flatten())
            .filter(|f| f.field_type == FieldType::List)
            .filter_map(|f| f.list_name.clone())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        names.dedup();
        self.begin("lists", 2 * names.len() as u64);
        let mut items = 0;
        for name in &names {
            let call = format!("WSGetList {name}");
            let list = match self.call_ok(&call, |c, g| c.get_list(g, name)) {
                Ok(a) => a.list_items.unwrap_or_default(),
                Err(e) => {
                    self.violate(&rules::LIST_FIELDS_NAMED, &call, e);
                    continue;
                }
            };
            items += list.len();
            let mut keys: Vec<String> = list.keys().take(2).map(str::to_owned).collect();
            keys.push(MISSING_KEY.into());
            let call = format!("WSGetListItems {name} {keys:?}");
            let Some(answer) = self.call(&call, |c, g| c.get_list_items(g, name, &keys)) else { continue };
            for (key, text) in answer.list_items.unwrap_or_default().iter() {
                if !keys.iter().any(|k| k == key) {
                    self.violate(&rules::LIST_ITEMS_SUBSET, &call, format!("item `{key}` was not requested"));
                } else if key != MISSING_KEY && list.get(key) != text {
                    self.violate(
                        &rules::LIST_ITEMS_SUBSET,
                        &call,
                        format!(
                            "item `{key}` is `{}` here but `{}` in GetList",
                            text.unwrap_or(""),
                            list.get(key).unwrap_or("")
                        ),
                    );
                }
            }
        }
        self.note(format!("{} lists, {items} items", names.len()));
        self.end();
    }

    /// CreateActor, GetActors, SaveActors and the poll that must see both (on the first type).
    fn write_round_trip(&mut self) {
        self.begin("create and save", 5);
        let Some(t) = self.types.first().cloned() else {
            self.note("no actor type".into());
            self.end();
            return;
        };
        let fields = self.fields.get(t.as_str()).cloned().unwrap_or_default();
        let keys = keys_of(&fields);
        let mut actor = ErpActor::new(t.clone(), "", "");
        for f in fields.iter().filter(|f| f.access != FieldAccess::ReadOnly) {
            let Some(key) = f.field_key.clone() else { continue };
            let value = match f.field_type {
                FieldType::Text => {
                    let limit = if f.max_length > 0 { f.max_length as usize } else { usize::MAX };
                    Some(sample_text(&key).chars().take(limit).collect())
                }
                FieldType::Integer | FieldType::Checkbox => Some("[I:1]".to_owned()),
                FieldType::Double => Some("[F:1.5]".to_owned()),
                FieldType::Datetime => Some(FieldValue::DateTime(now().naive_utc()).to_string()),
                FieldType::List => {
                    let name = f.list_name.clone().unwrap_or_default();
                    self.call(&format!("WSGetList {name}"), |c, g| c.get_list(g, &name))
                        .and_then(|l| l.list_items)
                        .and_then(|d| d.keys().next().map(str::to_owned))
                }
                FieldType::Password | FieldType::Label => None,
            };
            if let Some(value) = value {
                actor = actor.with_field(key, value);
            }
        }
        let before = self.synced.get(t.as_str()).and_then(|a| Self::max_stamp(a));
        let call = format!("WSCreateActor {}", t.as_str());
        let created = match self.call(&call, |c, g| c.create_actor(g, &actor)) {
            Some(a) if a.result.is_ok => a.actor,
            Some(a) => {
                // A read-only ERP declines (spec §5.5).
                self.note(format!("CreateActor declined: {}", a.result.user_explanation.unwrap_or_default()));
                self.end();
                return;
            }
            None => {
                self.end();
                return;
            }
        };
        let Some(created) = created else {
            self.violate(&rules::CREATED_HAS_KEY, &call, "OK answer without Actor".into());
            self.end();
            return;
        };
        self.check_actors(&call, std::slice::from_ref(&created), &t, &keys);
        let key = created.erp_key.clone().unwrap_or_default();
        let stamp = created.last_modified.clone().unwrap_or_default();
        if key.is_empty() || stamp.is_empty() {
            self.violate(&rules::CREATED_HAS_KEY, &call, format!("ErpKey `{key}`, LastModified `{stamp}`"));
            self.end();
            return;
        }
        let call = format!("WSGetActors {} `{key}`", t.as_str());
        let found = self
            .call(&call, |c, g| c.get_actors(g, &by_keys(&t, std::slice::from_ref(&key), &keys)))
            .and_then(|a| a.actors)
            .unwrap_or_default();
        self.check(found.iter().any(|a| a.erp_key.as_deref() == Some(&key)), &rules::CHANGES_POLLED, &call, || {
            format!("the created actor `{key}` is not found")
        });
        self.poll_sees(&t, before.as_deref(), &key, "created");
        // Save as EIS does after a CRM change: the actor's key with the changed field only (the
        // first writable text field).
        let mut changed = ErpActor::new(t.clone(), key.clone(), stamp.clone());
        changed.parent_actor_type = created.parent_actor_type.clone();
        changed.parent_erp_key = created.parent_erp_key.clone();
        let text_field = fields
            .iter()
            .find(|f| f.field_type == FieldType::Text && f.access != FieldAccess::ReadOnly)
            .and_then(|f| Some((f.field_key.clone()?, f.max_length)));
        if let Some((field, max)) = &text_field {
            let limit = if *max > 0 { *max as usize } else { usize::MAX };
            changed = changed.with_field(field.clone(), "EIS emulator saved".chars().take(limit).collect::<String>());
        }
        let call = format!("WSSaveActors {} `{key}`", t.as_str());
        match self.call(&call, |c, g| c.save_actors(g, std::slice::from_ref(&changed))) {
            Some(a) if a.result.is_ok => {
                let saved = a.actors.unwrap_or_default();
                self.check_actors(&call, &saved, &t, &keys);
                for s in &saved {
                    let k = s.erp_key.as_deref().unwrap_or("");
                    self.check(k == key, &rules::ERP_KEY_STABLE, &call, || format!("saved `{key}`, got `{k}` back"));
                    let m = s.last_modified.as_deref().unwrap_or("");
                    self.check(stamp_cmp(m, &stamp) != Ordering::Less, &rules::LAST_MODIFIED_MONOTONIC, &call, || {
                        format!("LastModified `{stamp}` when created, `{m}` after saving")
                    });
                }
                self.poll_sees(&t, Some(&stamp), &key, "saved");
                self.note(format!("created and saved {} `{key}`", t.as_str()));
            }
            Some(a) => self.note(format!(
                "created {} `{key}`; SaveActors declined: {}",
                t.as_str(),
                a.result.user_explanation.unwrap_or_default()
            )),
            None => {}
        }
        self.end();
    }

    fn poll_sees(&mut self, t: &ActorType, since: Option<&str>, key: &str, what: &str) {
        let since = since.map(str::to_owned).unwrap_or_else(|| self.options.initial_since.clone());
        let keys = self.field_keys(t);
        let call = format!("WSGetActorsByTimestamp {} since `{since}`", t.as_str());
        let polled = self
            .call(&call, |c, g| c.get_actors_by_timestamp(g, &poll(t, &since, &keys)))
            .and_then(|a| a.actors)
            .unwrap_or_default();
        self.check(polled.iter().any(|a| a.erp_key.as_deref() == Some(key)), &rules::CHANGES_POLLED, &call, || {
            format!("the {what} actor `{key}` is not in the poll")
        });
    }

    /// DeleteConnection behind the connector's back, then the resend EIS does.
    fn lost_connection(&mut self) {
        self.begin("lost connection", 4);
        let _ = self.call_ok("WSDeleteConnection", |c, g| c.delete_connection(g));
        let call = "WSTestConnection after DeleteConnection";
        if let Some(answer) = self.call(call, |c, g| c.test_connection(g)) {
            let code = answer.error_code.clone().unwrap_or_default();
            self.check(
                answer.state == ResponseState::Error && ErrorCode::from_wire(&code) == ErrorCode::UnknownConnectionId,
                &rules::UNKNOWN_CONNECTION,
                call,
                || format!("State={} ErrorCode `{code}`", answer.state.wire_name()),
            );
        }
        let config = self.config.clone();
        let resent = self.call_ok("WSSaveConnection (resend)", |c, g| c.save_connection(g, &config));
        if let Err(e) = resent {
            self.violate(&rules::UNKNOWN_CONNECTION, "WSSaveConnection (resend)", e);
        }
        if let Err(e) = self.call_ok("WSTestConnection (retry)", |c, g| c.test_connection(g)) {
            self.violate(&rules::UNKNOWN_CONNECTION, "WSTestConnection (retry)", e);
        }
        self.note("UNKNOWN_CONNECTION_ID, resend, retry".into());
        self.end();
    }
}

/// A plausible text for a field, by its key's SuperOffice mapping name (spec §5.6), so that a
/// connector's own validation accepts what the emulator creates.
fn sample_text(key: &str) -> &'static str {
    let key = key.to_ascii_uppercase();
    if key.contains("EMAIL") {
        "eis.emulator@example.com"
    } else if key.contains("URL") {
        "https://eis-emulator.example.com"
    } else if key.contains("PHONE") || key.contains("FAX") {
        "+47 22 00 00 00"
    } else if key.contains("ZIP") {
        "0150"
    } else {
        "EIS emulator"
    }
}

/// The values the emulator searches with, from a sample value of the field when there is one.
fn restriction_values(op: &str, field_type: FieldType, sample: Option<&str>) -> Vec<String> {
    let fallback = match field_type {
        FieldType::Integer | FieldType::Checkbox => "[I:1]",
        FieldType::Double => "[F:1]",
        FieldType::Datetime => "[DT:01/01/2020 00:00:00.0000000]",
        _ => "a",
    };
    let v = sample.unwrap_or(fallback).to_owned();
    let chars: Vec<char> = v.chars().collect();
    let part = |from: usize, to: usize| chars[from.min(chars.len())..to.min(chars.len())].iter().collect::<String>();
    match (field_type, op) {
        (FieldType::Text, operators::BEGINS | operators::NOT_BEGINS) => vec![part(0, 3)],
        (FieldType::Text, operators::ENDS | operators::NOT_ENDS) => {
            vec![part(chars.len().saturating_sub(3), chars.len())]
        }
        (FieldType::Text, operators::CONTAINS | operators::NOT_CONTAINS) => vec![part(1, 4)],
        (_, operators::BETWEEN) => vec![v.clone(), v],
        _ => vec![v],
    }
}

/// Whether `value` satisfies the restriction; `None` where the emulator does not judge (dates,
/// whose precision the connector chooses, spec §3.6).
fn matches(op: &str, field_type: FieldType, value: &str, values: &[String]) -> Option<bool> {
    let first = values.first()?;
    match field_type {
        FieldType::Text => {
            let (v, q) = (value.to_lowercase(), first.to_lowercase());
            Some(match op {
                operators::EQUALS => v == q,
                operators::IS_NOT => v != q,
                operators::BEGINS => v.starts_with(&q),
                operators::NOT_BEGINS => !v.starts_with(&q),
                operators::CONTAINS => v.contains(&q),
                operators::NOT_CONTAINS => !v.contains(&q),
                operators::ENDS => v.ends_with(&q),
                operators::NOT_ENDS => !v.ends_with(&q),
                operators::BETWEEN => {
                    let high = values.get(1)?.to_lowercase();
                    q <= v && v <= high
                }
                _ => return None,
            })
        }
        FieldType::Integer | FieldType::Double | FieldType::Checkbox => {
            let number = |s: &str| FieldValue::parse_lenient(s).as_f64().or_else(|| s.trim().parse().ok());
            let (v, q) = (number(value)?, number(first)?);
            Some(match op {
                operators::EQUALS => v == q,
                operators::NOT_EQUAL => v != q,
                operators::GREATER => v > q,
                operators::LESS => v < q,
                operators::GREATER_OR_EQUAL => v >= q,
                operators::LESS_OR_EQUAL => v <= q,
                operators::BETWEEN => q <= v && v <= number(values.get(1)?)?,
                _ => return None,
            })
        }
        FieldType::List => match op {
            operators::ONE_OF => Some(values.iter().any(|k| k == value)),
            operators::NOT_ONE_OF => Some(!values.iter().any(|k| k == value)),
            _ => None,
        },
        _ => None,
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

    #[test]
    fn restrictions_are_judged_by_field_type() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(matches("begins", FieldType::Text, "Orkdal Senter", &v(&["ork"])), Some(true));
        assert_eq!(matches("notcontains", FieldType::Text, "Orkdal", &v(&["kda"])), Some(false));
        assert_eq!(matches(">=", FieldType::Integer, "[I:5]", &v(&["[I:5]"])), Some(true));
        assert_eq!(matches("between", FieldType::Double, "[F:2.5]", &v(&["[F:1]", "[F:2]"])), Some(false));
        assert_eq!(matches("oneof", FieldType::List, "NO", &v(&["SE", "NO"])), Some(true));
        assert_eq!(matches("before", FieldType::Datetime, "[DT:01/01/2020 00:00:00.0000000]", &v(&["x"])), None);
        assert_eq!(restriction_values("contains", FieldType::Text, Some("Orkdal")), v(&["rkd"]));
        assert_eq!(restriction_values("between", FieldType::Integer, None), v(&["[I:1]", "[I:1]"]));
    }
}

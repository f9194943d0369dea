//! The writing steps: create, read back, save, poll; and the lost connection.

use super::*;

impl Session<'_> {
    /// CreateActor, GetActors, SaveActors and the polls that must see them, for every actor
    /// type; a type whose actors have parents (persons under companies) is written under one,
    /// created here first where its type is written too. The actors written, and the parents
    /// written under (whose stamps may move when a child is added).
    pub(super) fn write_round_trip(&mut self) -> Vec<(ActorType, String)> {
        let order = self.write_order();
        self.begin("create and save", 8 * order.len().max(1) as u64);
        let mut written: Vec<(ActorType, String)> = Vec::new();
        let mut notes = Vec::new();
        for (t, parent_type) in order {
            let parent = parent_type.and_then(|p| {
                let ours = written.iter().rev().find(|(wt, _)| *wt == p).map(|(_, k)| (p.clone(), k.clone()));
                ours.or_else(|| self.synced_parent(&t))
            });
            if let Some(parent) = &parent
                && !written.contains(parent)
            {
                written.push(parent.clone());
            }
            if let Some(note) = self.write_one(&t, parent.as_ref(), &mut written) {
                notes.push(note);
            }
        }
        self.note(if notes.is_empty() { "no actor type written".into() } else { notes.join("; ") });
        self.end();
        written
    }

    /// The actor types in the order they are written: those whose actors have no parent first,
    /// each with the parent type its actors have in the full sync.
    fn write_order(&self) -> Vec<(ActorType, Option<ActorType>)> {
        let mut order: Vec<(ActorType, Option<ActorType>)> =
            self.types.iter().map(|t| (t.clone(), self.synced_parent(t).map(|(p, _)| p))).collect();
        order.sort_by_key(|(_, parent)| parent.is_some());
        order
    }

    /// A parent an actor of type `t` has in the full sync.
    fn synced_parent(&self, t: &ActorType) -> Option<(ActorType, String)> {
        self.synced.get(t.as_str()).into_iter().flatten().find_map(|a| {
            let key = a.parent_erp_key.clone().filter(|k| !k.is_empty())?;
            Some((a.parent_actor_type.clone()?, key))
        })
    }

    /// The round trip of one type (under `parent`): its note, or `None` when nothing was
    /// written; what it wrote is added to `written`.
    fn write_one(
        &mut self,
        t: &ActorType,
        parent: Option<&(ActorType, String)>,
        written: &mut Vec<(ActorType, String)>,
    ) -> Option<String> {
        let t = t.clone();
        let fields = self.fields.get(t.as_str()).cloned().unwrap_or_default();
        let keys = keys_of(&fields);
        let actor = self.sample_actor(&t, &fields, parent);
        let before = self.synced.get(t.as_str()).and_then(|a| Self::max_stamp(a));
        let call = format!("WSCreateActor {}", t.as_str());
        let created = match self.call(&call, |c, g| c.create_actor(g, &actor)) {
            Some(a) if a.result.is_ok => a.actor,
            // A read-only ERP (or type) declines (spec §5.5).
            Some(a) => {
                return Some(format!(
                    "CreateActor {} declined: {}",
                    t.as_str(),
                    a.result.user_explanation.unwrap_or_default()
                ));
            }
            None => return None,
        };
        let Some(created) = created else {
            self.violate(&rules::CREATED_HAS_KEY, &call, "OK answer without Actor".into());
            return None;
        };
        self.check_actors(&call, std::slice::from_ref(&created), &t, &keys);
        let key = created.erp_key.clone().unwrap_or_default();
        let stamp = created.last_modified.clone().unwrap_or_default();
        if key.is_empty() || stamp.is_empty() {
            self.violate(&rules::CREATED_HAS_KEY, &call, format!("ErpKey `{key}`, LastModified `{stamp}`"));
            return None;
        }
        written.push((t.clone(), key.clone()));
        let under = self.check_parent(&call, &created, parent);
        let call = format!("WSGetActors {} `{key}`", t.as_str());
        let found = self
            .call(&call, |c, g| c.get_actors(g, &by_keys(&t, std::slice::from_ref(&key), &keys)))
            .and_then(|a| a.actors)
            .unwrap_or_default();
        self.check(found.iter().any(|a| a.erp_key.as_deref() == Some(&key)), &rules::CHANGES_POLLED, &call, || {
            format!("the created actor `{key}` is not found")
        });
        self.poll_sees(&t, before.as_deref(), &key, "created");
        let written = Written { t: &t, key: &key, stamp: &stamp, keys: &keys, created: &created, under: &under };
        self.save_one(&written, &fields)
    }

    /// An actor of type `t` (under `parent`) with a sample value in each writable field.
    fn sample_actor(
        &mut self,
        t: &ActorType,
        fields: &[FieldMetadata],
        parent: Option<&(ActorType, String)>,
    ) -> ErpActor {
        let mut actor = ErpActor::new(t.clone(), "", Stamp::text(""));
        if let Some((parent_type, parent_key)) = parent {
            actor.parent_actor_type = Some(parent_type.clone());
            actor.parent_erp_key = Some(parent_key.clone());
        }
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
                actor = actor.with_value(key, value);
            }
        }
        actor
    }

    /// Whether `created` is answered under `parent`; the note's words for the parent.
    fn check_parent(&mut self, call: &str, created: &ErpActor, parent: Option<&(ActorType, String)>) -> String {
        match parent {
            Some((parent_type, parent_key)) => {
                let got = (created.parent_actor_type.as_ref(), created.parent_erp_key.as_deref());
                self.check(
                    got == (Some(parent_type), Some(parent_key.as_str())),
                    &rules::WRITES_READ_BACK,
                    call,
                    || {
                        format!(
                            "created under {} `{}`, answered with parent {} `{}`",
                            parent_type.as_str(),
                            short(parent_key),
                            got.0.map_or("", ActorType::as_str),
                            short(got.1.unwrap_or(""))
                        )
                    },
                );
                format!(" under {} `{}`", parent_type.as_str(), short(parent_key))
            }
            None => String::new(),
        }
    }

    /// Saves `w.created` changed as EIS does after a CRM change, and checks the answer, the
    /// poll and a read back; the note.
    fn save_one(&mut self, w: &Written<'_>, fields: &[FieldMetadata]) -> Option<String> {
        let Written { t, key, stamp, keys, created, under } = *w;
        // Save as EIS does after a CRM change: the actor's key with the changed field only (the
        // first writable text field).
        let mut changed = ErpActor::new(t.clone(), key, Stamp::text(stamp));
        changed.parent_actor_type = created.parent_actor_type.clone();
        changed.parent_erp_key = created.parent_erp_key.clone();
        let text_field = fields
            .iter()
            .find(|f| f.field_type == FieldType::Text && f.access != FieldAccess::ReadOnly)
            .and_then(|f| Some((f.field_key.clone()?, f.max_length)));
        if let Some((field, max)) = &text_field {
            let limit = if *max > 0 { *max as usize } else { usize::MAX };
            changed = changed.with_value(field.clone(), "EIS emulator saved".chars().take(limit).collect::<String>());
        }
        let call = format!("WSSaveActors {} `{key}`", t.as_str());
        match self.call(&call, |c, g| c.save_actors(g, std::slice::from_ref(&changed))) {
            Some(a) if a.result.is_ok => {
                let saved = a.actors.unwrap_or_default();
                self.check_actors(&call, &saved, t, keys);
                for s in &saved {
                    let k = s.erp_key.as_deref().unwrap_or("");
                    self.check(k == key, &rules::ERP_KEY_STABLE, &call, || format!("saved `{key}`, got `{k}` back"));
                    let m = s.last_modified.as_deref().unwrap_or("");
                    self.check(
                        stamp_cmp(m, stamp) == Ordering::Greater,
                        &rules::LAST_MODIFIED_MONOTONIC,
                        &call,
                        || format!("LastModified `{stamp}` when created, `{m}` after saving (it must grow)"),
                    );
                }
                self.poll_sees(t, Some(stamp), key, "saved");
                self.read_back(t, key, keys, created, &changed);
                self.save_unknown(t, &changed);
                Some(format!("created and saved {} `{key}`{under}", t.as_str()))
            }
            Some(a) => Some(format!(
                "created {} `{key}`{under}; SaveActors declined: {}",
                t.as_str(),
                a.result.user_explanation.unwrap_or_default()
            )),
            None => Some(format!("created {} `{key}`{under}", t.as_str())),
        }
    }

    /// GetActors of `key` after the save answers what `changed` wrote, and what `created` had
    /// for the fields not written.
    fn read_back(&mut self, t: &ActorType, key: &str, keys: &[String], created: &ErpActor, changed: &ErpActor) {
        let call = format!("WSGetActors {} `{key}` after SaveActors", t.as_str());
        let Some(answer) = self.call(&call, |c, g| c.get_actors(g, &by_keys(t, &[key.to_owned()], keys))) else {
            return;
        };
        let Some(now) = answer.actors.unwrap_or_default().into_iter().find(|a| a.erp_key.as_deref() == Some(key))
        else {
            self.violate(&rules::WRITES_READ_BACK, &call, format!("the saved actor `{}` is not found", short(key)));
            return;
        };
        let written = changed.field_values.clone().unwrap_or_default();
        let mut wrong = Vec::new();
        for (field, value) in written.iter() {
            if now.field(field) != value {
                let (now, written) = (short(now.field(field).unwrap_or("")), short(value.unwrap_or("")));
                wrong.push(format!("{field} = `{now}`, written `{written}`"));
            }
        }
        for (field, value) in created.field_values.iter().flat_map(|v| v.iter()) {
            if !written.contains_key(field) && now.field(field) != value {
                let (now, before) = (short(now.field(field).unwrap_or("")), short(value.unwrap_or("")));
                wrong.push(format!("{field} = `{now}`, `{before}` before and not written"));
            }
        }
        for detail in wrong {
            self.violate(&rules::WRITES_READ_BACK, &call, detail);
        }
    }

    /// SaveActors of a key the ERP does not have must fail.
    fn save_unknown(&mut self, t: &ActorType, changed: &ErpActor) {
        let mut unknown = changed.clone();
        unknown.erp_key = Some(MISSING_KEY.to_owned());
        unknown.parent_actor_type = None;
        unknown.parent_erp_key = None;
        let call = format!("WSSaveActors {} `{MISSING_KEY}`", t.as_str());
        if let Some(answer) = self.call(&call, |c, g| c.save_actors(g, std::slice::from_ref(&unknown))) {
            self.check(!answer.result.is_ok, &rules::SAVE_UNKNOWN_REFUSED, &call, || {
                format!("answered IsOk=true with {} actors", answer.actors.as_ref().map_or(0, Vec::len))
            });
        }
    }

    pub(super) fn poll_sees(&mut self, t: &ActorType, since: Option<&str>, key: &str, what: &str) {
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
    pub(super) fn lost_connection(&mut self) {
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

/// What the round trip of one type wrote, for its save.
struct Written<'a> {
    t: &'a ActorType,
    key: &'a str,
    stamp: &'a str,
    keys: &'a [String],
    created: &'a ErpActor,
    under: &'a str,
}

//! The reading steps: the full sync and the incremental poll, GetActors, the lists.

use super::*;

impl Session<'_> {
    /// The checks every returned actor gets.
    pub(super) fn check_actors(
        &mut self,
        call: &str,
        actors: &[ErpActor],
        asked_type: &ActorType,
        asked_fields: &[String],
    ) {
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
                (_, k) if !k.is_empty() => self.violate(
                    &rules::PARENT_WELL_FORMED,
                    call,
                    format!("{who}: ParentErpKey `{}` without ParentActorType", short(k)),
                ),
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
                if let Err(form) = strict_form(meta.field_type, value) {
                    self.violate(
                        &rules::VALUES_ENCODED,
                        call,
                        format!(
                            "{who}: `{field}` ({}) = `{}`, expected {form}",
                            meta.field_type.wire_name(),
                            short(value)
                        ),
                    );
                }
                let too_long = meta.max_length > 0
                    && matches!(meta.field_type, FieldType::Text | FieldType::Password)
                    && value.chars().count() > meta.max_length as usize;
                self.check(!too_long, &rules::MAX_LENGTH, call, || {
                    format!("{who}: `{field}` has {} characters, MaxLength {}", value.chars().count(), meta.max_length)
                });
            }
        }
    }

    /// Actors a read answered (a search, GetActors) are in the full sync of their type with the
    /// same values for the fields both carry (nothing is written before these reads).
    pub(super) fn check_in_sync(&mut self, call: &str, actors: &[ErpActor], t: &ActorType) {
        let Some(synced) = self.synced.get(t.as_str()) else { return };
        let by_key: HashMap<&str, &ErpActor> = synced.iter().filter_map(|a| Some((a.erp_key.as_deref()?, a))).collect();
        let mut differences = Vec::new();
        for a in actors {
            let Some(key) = a.erp_key.as_deref().filter(|k| !k.is_empty()) else { continue };
            let Some(in_sync) = by_key.get(key) else {
                differences.push(format!("{t} `{}` is not in the full sync of {t}", short(key)));
                continue;
            };
            for (field, value) in a.field_values.iter().flat_map(|v| v.iter()) {
                let (Some(value), Some(synced_value)) = (value, in_sync.field(field)) else { continue };
                if value != synced_value {
                    differences.push(format!(
                        "{t} `{}`: {field} = `{}` here, `{}` in the full sync",
                        short(key),
                        short(value),
                        short(synced_value)
                    ));
                }
            }
        }
        for detail in differences {
            self.violate(&rules::SEEN_IN_SYNC, call, detail);
        }
    }

    pub(super) fn field_keys(&self, t: &ActorType) -> Vec<String> {
        self.fields.get(t.as_str()).map(|f| keys_of(f)).unwrap_or_default()
    }

    pub(super) fn initial_sync(&mut self) {
        self.begin("initial sync", self.types.len() as u64);
        let mut total = 0;
        for t in self.types.clone() {
            let actors = match self.full_sync_of(&t, "") {
                Ok((_, actors)) => actors,
                Err((call, e)) => {
                    self.violate(&rules::SETUP_WORKS, &call, e);
                    continue;
                }
            };
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
        self.check_parents_exist();
        self.note(format!("{total} actors"));
        self.end();
    }

    /// The full sync of type `t` (`WSGetActorsByTimestamp` since the session's start), its
    /// actors checked; with the call's name (`suffix` added), or the call's error.
    fn full_sync_of(&mut self, t: &ActorType, suffix: &str) -> Result<(String, Vec<ErpActor>), (String, String)> {
        let since = self.options.initial_since.clone();
        let keys = self.field_keys(t);
        let call = format!("WSGetActorsByTimestamp {} since `{since}`{suffix}", t.as_str());
        match self.call_ok(&call, |c, g| c.get_actors_by_timestamp(g, &poll(t, &since, &keys))) {
            Ok(answer) => {
                let actors = answer.actors.unwrap_or_default();
                self.check_actors(&call, &actors, t, &keys);
                Ok((call, actors))
            }
            Err(e) => Err((call, e)),
        }
    }

    /// Every parent named in the full sync is an actor of its type in that sync (for the
    /// parent types the connector supports: of others nothing is known).
    fn check_parents_exist(&mut self) {
        let keys: HashMap<&str, HashSet<&str>> = self
            .synced
            .iter()
            .map(|(t, actors)| (t.as_str(), actors.iter().filter_map(|a| a.erp_key.as_deref()).collect()))
            .collect();
        let mut dangling = Vec::new();
        for (t, actors) in &self.synced {
            for a in actors {
                let (Some(parent_type), Some(parent_key)) = (&a.parent_actor_type, a.parent_erp_key.as_deref()) else {
                    continue;
                };
                if let Some(known) = keys.get(parent_type.as_str())
                    && !parent_key.is_empty()
                    && !known.contains(parent_key)
                {
                    let who = a.erp_key.as_deref().unwrap_or("");
                    dangling.push(format!(
                        "{t} `{}`: parent {} `{}` is not in the full sync of {}",
                        short(who),
                        parent_type.as_str(),
                        short(parent_key),
                        parent_type.as_str()
                    ));
                }
            }
        }
        for detail in dangling {
            self.violate(&rules::PARENT_EXISTS, "WSGetActorsByTimestamp", detail);
        }
    }

    pub(super) fn max_stamp(actors: &[ErpActor]) -> Option<String> {
        actors.iter().filter_map(|a| a.last_modified.clone()).filter(|m| !m.is_empty()).max_by(|a, b| stamp_cmp(a, b))
    }

    /// Polls each type since the highest LastModified of its full sync and since one in the
    /// middle: each answers every actor of the sync at or after its value, and nothing older.
    pub(super) fn incremental_poll(&mut self) {
        self.begin("incremental poll", 2 * self.types.len() as u64);
        let mut returned = 0;
        for t in self.types.clone() {
            let actors = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            let mut stamps: Vec<String> =
                actors.iter().filter_map(|a| a.last_modified.clone()).filter(|m| !m.is_empty()).collect();
            stamps.sort_by(|a, b| stamp_cmp(a, b));
            stamps.dedup_by(|a, b| stamp_cmp(a, b) == Ordering::Equal);
            let Some(max) = stamps.last().cloned() else { continue };
            let mut since = vec![max];
            if stamps.len() > 2 {
                since.push(stamps[stamps.len() / 2 - 1].clone());
            }
            for since in since {
                returned += self.poll_since(&t, &actors, &since);
            }
        }
        self.note(format!("{returned} actors at or after each type's highest and middle LastModified"));
        self.end();
    }

    /// One incremental poll of `t` since `since`, judged against the full sync `actors`.
    fn poll_since(&mut self, t: &ActorType, actors: &[ErpActor], since: &str) -> usize {
        let keys = self.field_keys(t);
        let call = format!("WSGetActorsByTimestamp {} since `{since}`", t.as_str());
        let Ok(answer) = self.call_ok(&call, |c, g| c.get_actors_by_timestamp(g, &poll(t, since, &keys))) else {
            return 0;
        };
        let polled = answer.actors.unwrap_or_default();
        self.check_actors(&call, &polled, t, &keys);
        let polled_keys: HashSet<&str> = polled.iter().filter_map(|a| a.erp_key.as_deref()).collect();
        for a in actors {
            let m = a.last_modified.as_deref().unwrap_or("");
            let key = a.erp_key.as_deref().unwrap_or("");
            let order = stamp_cmp(m, since);
            if m.is_empty() || order == Ordering::Less || polled_keys.contains(key) {
                continue;
            }
            let how = if order == Ordering::Equal { "equal to" } else { "after" };
            let detail =
                format!("actor `{}` with LastModified `{}` ({how} UpdatedOnOrAfter) is missing", short(key), short(m));
            self.violate(&rules::SINCE_INCLUDES_EQUAL, &call, detail);
        }
        for a in &polled {
            let m = a.last_modified.as_deref().unwrap_or("");
            self.check(m.is_empty() || stamp_cmp(m, since) != Ordering::Less, &rules::SINCE_ONLY_NEWER, &call, || {
                format!("actor `{}` has LastModified `{}`", short(a.erp_key.as_deref().unwrap_or("")), short(m))
            });
        }
        polled.len()
    }

    /// The full sync once more, at the end: every actor of the first is still there, with the
    /// LastModified it had unless the session wrote it.
    pub(super) fn final_sync(&mut self, written: &[(ActorType, String)]) {
        self.begin("final sync", self.types.len() as u64);
        let mut total = 0;
        for t in self.types.clone() {
            let Ok((call, now)) = self.full_sync_of(&t, " (again)") else { continue };
            total += now.len();
            let first = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            for before in &first {
                let key = before.erp_key.as_deref().unwrap_or("");
                let Some(after) = now.iter().find(|a| a.erp_key.as_deref() == Some(key)) else {
                    let detail = format!("actor `{}` of the first full sync is missing", short(key));
                    self.violate(&rules::ERP_KEY_STABLE, &call, detail);
                    continue;
                };
                if !written.iter().any(|(wt, w)| *wt == t && w == key) {
                    self.check_same_stamp(&call, key, before, after);
                }
            }
        }
        self.note(format!("{total} actors"));
        self.end();
    }

    /// `after` (read later, nothing written to it in between) has `before`'s LastModified.
    fn check_same_stamp(&mut self, call: &str, key: &str, before: &ErpActor, after: &ErpActor) {
        let (was, now) = (before.last_modified.as_deref().unwrap_or(""), after.last_modified.as_deref().unwrap_or(""));
        let rule = match stamp_cmp(now, was) {
            Ordering::Equal => return,
            Ordering::Less => &rules::LAST_MODIFIED_MONOTONIC,
            Ordering::Greater => &rules::LAST_MODIFIED_STABLE,
        };
        let detail =
            format!("actor `{}`: LastModified `{}` in the full sync, now `{}`", short(key), short(was), short(now));
        self.violate(rule, call, detail);
    }

    pub(super) fn get_actors(&mut self) {
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
                let answer = match self.call_ok(&call, |c, g| c.get_actors(g, &by_keys(&t, &keys, &fields))) {
                    Ok(answer) => answer,
                    Err(e) => {
                        if keys.iter().any(|k| k == MISSING_KEY) {
                            self.violate(
                                &rules::UNKNOWN_KEYS_SKIPPED,
                                &call,
                                format!(
                                    "{} (one key, `{MISSING_KEY}`, is unknown)",
                                    e.strip_prefix(call.as_str()).unwrap_or(&e).trim()
                                ),
                            );
                        }
                        continue;
                    }
                };
                let actors = answer.actors.unwrap_or_default();
                self.check_actors(&call, &actors, &t, &fields);
                self.check_in_sync(&call, &actors, &t);
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
                        Some(a) => self.check_same_stamp(&call, key, s, a),
                    }
                }
            }
        }
        self.note(format!("{fetched} actors"));
        self.end();
    }

    pub(super) fn lists(&mut self) {
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
            self.check_list_values(&call, name, &list);
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

    /// The values of the actor fields whose list is `name`, in the full sync, are keys of `list`.
    fn check_list_values(&mut self, call: &str, name: &str, list: &StringDict) {
        let mut unknown = Vec::new();
        for (t, actors) in &self.synced {
            let fields = self.fields.get(t).map(Vec::as_slice).unwrap_or_default();
            let listed: Vec<&str> = fields
                .iter()
                .filter(|f| f.field_type == FieldType::List && f.list_name.as_deref() == Some(name))
                .filter_map(|f| f.field_key.as_deref())
                .collect();
            for a in actors {
                for key in &listed {
                    if let Some(value) = a.field(key).filter(|v| !v.is_empty() && !list.contains_key(v)) {
                        let who = a.erp_key.as_deref().unwrap_or("");
                        unknown.push(format!("{t} `{}`: {key} = `{}` is no item of {name}", short(who), short(value)));
                    }
                }
            }
        }
        for detail in unknown {
            self.violate(&rules::LIST_VALUES_KNOWN, call, detail);
        }
    }
}

/// Why `value` is not in the form .NET's `CultureDataFormatter` writes for `field_type` (spec
/// §3.7): the form expected. Strict, unlike the runtime's reader, which takes what it can.
pub(super) fn strict_form(field_type: FieldType, value: &str) -> Result<(), &'static str> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let integer = |s: &str| digits(s.strip_prefix('-').unwrap_or(s));
    let payload = |moniker: &str| value.strip_prefix(moniker).and_then(|v| v.strip_suffix(']'));
    // MM/dd/yyyy, then parsed to see that it is a date.
    let date = |s: &str| {
        let b = s.as_bytes();
        b.len() == 10
            && b[2] == b'/'
            && b[5] == b'/'
            && [&s[..2], &s[3..5], &s[6..]].iter().all(|p| digits(p))
            && chrono::NaiveDate::parse_from_str(s, "%m/%d/%Y").is_ok()
    };
    let ok = match field_type {
        FieldType::Integer => payload("[I:").is_some_and(integer),
        FieldType::Checkbox => value == "[I:0]" || value == "[I:1]",
        FieldType::Double => payload("[F:").is_some_and(|p| {
            let (mantissa, exponent) = p.split_once(['e', 'E']).unwrap_or((p, "0"));
            let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
            integer(whole) && digits(fraction) && integer(exponent.strip_prefix('+').unwrap_or(exponent))
        }),
        FieldType::Datetime => {
            if let Some(p) = payload("[D:") {
                date(p)
            } else {
                payload("[DT:").is_some_and(|p| {
                    let b = p.as_bytes();
                    p.len() == 27
                        && date(&p[..10])
                        && b[10] == b' '
                        && (b[13], b[16], b[19]) == (b':', b':', b'.')
                        && [&p[11..13], &p[14..16], &p[17..19], &p[20..]].iter().all(|d| digits(d))
                        && chrono::NaiveTime::parse_from_str(&p[11..], "%H:%M:%S%.f").is_ok()
                })
            }
        }
        FieldType::Text | FieldType::List | FieldType::Password | FieldType::Label => true,
    };
    if ok {
        return Ok(());
    }
    Err(match field_type {
        FieldType::Integer => "`[I:n]`: digits with an optional minus, no spaces or grouping",
        FieldType::Checkbox => "`[I:0]` or `[I:1]`",
        FieldType::Double => "`[F:n]` in the invariant format: `.` as the decimal separator, no grouping",
        _ => "`[DT:MM/dd/yyyy HH:mm:ss.fffffff]` (seven fraction digits) or `[D:MM/dd/yyyy]`",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_judged_in_the_form_dotnet_writes() {
        fn ok(t: FieldType, v: &str) -> bool {
            strict_form(t, v).is_ok()
        }
        assert!(ok(FieldType::Integer, "[I:-42]"));
        assert!(
            !ok(FieldType::Integer, "[I: 42]") && !ok(FieldType::Integer, "[I:1,000]") && !ok(FieldType::Integer, "42")
        );
        assert!(!ok(FieldType::Integer, "[i:42]") && !ok(FieldType::Integer, "[I:]"));
        assert!(
            ok(FieldType::Checkbox, "[I:1]") && !ok(FieldType::Checkbox, "[I:2]") && !ok(FieldType::Checkbox, "true")
        );
        assert!(
            ok(FieldType::Double, "[F:1250000.5]")
                && ok(FieldType::Double, "[F:-1]")
                && ok(FieldType::Double, "[F:1E+20]")
        );
        assert!(!ok(FieldType::Double, "[F:1250000,5]") && !ok(FieldType::Double, "[F:1,250,000.5]"));
        assert!(!ok(FieldType::Double, "[F:.5]") && !ok(FieldType::Double, "[I:1]"));
        assert!(
            ok(FieldType::Datetime, "[DT:03/15/1998 00:00:00.0000000]") && ok(FieldType::Datetime, "[D:03/15/1998]")
        );
        assert!(
            !ok(FieldType::Datetime, "[DT:1998-03-15T00:00:00]")
                && !ok(FieldType::Datetime, "[DT:3/15/1998 00:00:00.0000000]")
        );
        assert!(
            !ok(FieldType::Datetime, "[DT:13/15/1998 00:00:00.0000000]")
                && !ok(FieldType::Datetime, "[DT:03/15/1998 00:00:00]")
        );
        assert!(ok(FieldType::Text, "[I:anything]") && ok(FieldType::List, "NOK"));
        // What the runtime writes passes.
        let written =
            FieldValue::DateTime(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap().and_hms_opt(23, 5, 9).unwrap());
        assert!(ok(FieldType::Datetime, &written.to_string()), "{written}");
        assert!(ok(FieldType::Double, &FieldValue::Float(0.1 + 0.2).to_string()));
        assert!(ok(FieldType::Double, &FieldValue::Float(1e300).to_string()));
    }
}

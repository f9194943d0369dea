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
        self.check_parents_exist();
        self.note(format!("{total} actors"));
        self.end();
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

    pub(super) fn incremental_poll(&mut self) {
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
                let Ok(answer) = self.call_ok(&call, |c, g| c.get_actors(g, &by_keys(&t, &keys, &fields))) else {
                    continue;
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

//! The set-up steps: Authenticate, the configuration and the connection, the actor types and
//! their fields.

use super::*;

impl Session<'_> {
    pub(super) fn authenticate(&mut self) {
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
    pub(super) fn set_up(&mut self) -> bool {
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
            if field.field_type == FieldType::List
                && let Some(first) = self.first_list_item(field)
            {
                values.insert(key, first);
                continue;
            }
            if let Some(default) = field.default_value.clone().filter(|d| !d.is_empty()) {
                values.insert(key, default);
                continue;
            }
            let sample = sample_value(field);
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
        self.connect(&config)
    }

    /// SaveConnection and TestConnection of the working values.
    fn connect(&mut self, config: &StringDict) -> bool {
        self.begin("connection", 2);
        if let Err(e) = self.call_ok("WSSaveConnection", |c, g| c.save_connection(g, config)) {
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

    /// The first item of a list field's list, asked for as during set-up (the all-zero GUID),
    /// when the field has no default of its own.
    fn first_list_item(&mut self, field: &FieldMetadata) -> Option<String> {
        let name = field.list_name.clone().unwrap_or_default();
        let call = format!("WSGetList {name} (all-zero GUID)");
        let nil = ConnectionGuid::parse("00000000-0000-0000-0000-000000000000").expect("the nil GUID");
        match self.call(&call, |c, _| c.get_list(nil, &name)) {
            Some(list) if list.result.is_ok => {
                let first = list.list_items.as_ref().and_then(|d| d.keys().next().map(str::to_owned));
                first.filter(|_| field.default_value.as_deref().is_none_or(str::is_empty))
            }
            Some(list) => {
                let state = list.result.state.wire_name();
                let why = list.result.user_explanation.unwrap_or_default();
                self.violate(&rules::SETUP_LISTS, &call, format!("State={state}: {why}"));
                None
            }
            None => None,
        }
    }

    /// Each `--bad-config` case (a key and value over the working values): TestConfigData must
    /// refuse it with a text, and so must TestConnection once it is saved (under a GUID of its
    /// own, deleted after); refusing it already at the save is fine too.
    pub(super) fn bad_configuration(&mut self) {
        let cases = self.options.bad_config.clone();
        self.begin("bad configuration", 4 * cases.len() as u64);
        let refused = |status: &ResponseStatus| {
            !status.is_ok && status.user_explanation.as_deref().is_some_and(|t| !t.trim().is_empty())
        };
        for (key, value) in &cases {
            let mut values = self.config.clone();
            values.insert(key.as_str(), value.as_str());
            let case = format!("{key}=`{}`", short(value));
            let call = format!("WSTestConfigData with {case}");
            if let Some(answer) = self.call(&call, |c, _| c.test_config_data(&values)) {
                self.check(refused(&answer), &rules::BAD_CONFIG_REFUSED, &call, || {
                    format!(
                        "answered IsOk={} ({})",
                        answer.is_ok,
                        short(answer.user_explanation.as_deref().unwrap_or_default())
                    )
                });
            }
            let guid = new_guid();
            let call = format!("WSSaveConnection with {case}");
            let Some(saved) = self.call(&call, |c, _| c.save_connection(guid, &values)) else { continue };
            if saved.is_ok {
                let call = format!("WSTestConnection with {case}");
                if let Some(answer) = self.call(&call, |c, _| c.test_connection(guid)) {
                    self.check(refused(&answer), &rules::BAD_CONFIG_REFUSED, &call, || {
                        format!(
                            "answered IsOk={} ({})",
                            answer.is_ok,
                            short(answer.user_explanation.as_deref().unwrap_or_default())
                        )
                    });
                }
                self.call(&format!("WSDeleteConnection with {case}"), |c, _| c.delete_connection(guid));
            }
        }
        let keys: Vec<&str> = cases.iter().map(|(k, _)| k.as_str()).collect();
        self.note(format!("{} bad values tried: {}", cases.len(), keys.join(", ")));
        self.end();
    }

    pub(super) fn check_field_list(&mut self, call: &str, fields: &[FieldMetadata]) {
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

    pub(super) fn actor_types(&mut self) {
        self.begin("actor types", 1);
        let answer = match self.call_ok("WSGetSupportedActorTypes", |c, g| c.get_supported_actor_types(g)) {
            Ok(answer) => answer,
            Err(why) => return self.stop(why),
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
}

/// A value for a field with no working value given and no default: a sample of its type,
/// for the types a sample can be made of.
fn sample_value(field: &FieldMetadata) -> Option<String> {
    match field.field_type {
        FieldType::Checkbox | FieldType::Integer => Some("[I:0]".to_owned()),
        FieldType::Double => Some("[F:0]".to_owned()),
        FieldType::Datetime => Some(FieldValue::DateTime(now().naive_utc()).to_string()),
        FieldType::Text | FieldType::Password if field.access == FieldAccess::Mandatory => {
            Some("eis-emulator".to_owned())
        }
        _ => None,
    }
}

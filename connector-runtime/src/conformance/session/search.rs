//! The search steps, and the emulator's own judge of search results (independent of the
//! framework's `search` module, which it checks).

use super::*;

impl Session<'_> {
    /// A text to search for: the start of the first text value of the type's actors.
    pub(super) fn search_text(&self, t: &ActorType) -> String {
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

    pub(super) fn searches(&mut self) {
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
                self.check_in_sync(&call, &actors, &t);
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
                self.check_in_sync(&call, &actors, &t);
                // An empty answer is how a connector without this search answers (spec §5.5).
                if answer.result.is_ok && !actors.is_empty() {
                    self.check_children_complete(&call, &t, &parent_type, &parent_key, &actors);
                }
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

    pub(super) fn advanced_search(&mut self) {
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
            self.check_in_sync(&call, &actors, t);
            if answer.result.is_ok {
                self.check_complete(&call, t, &key, &op, *field_type, &values, &actors);
            }
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
}

/// Expected matches beyond which completeness is not judged (a connector may cap answers).
const MAX_JUDGED_MATCHES: usize = 100;

impl Session<'_> {
    /// A search by parent with no text answers every child of the parent in the full sync.
    fn check_children_complete(
        &mut self,
        call: &str,
        t: &ActorType,
        parent_type: &ActorType,
        parent_key: &str,
        found: &[ErpActor],
    ) {
        let children = |a: &ErpActor| {
            a.parent_actor_type.as_ref() == Some(parent_type) && a.parent_erp_key.as_deref() == Some(parent_key)
        };
        self.check_found_all(call, t, "children in the full sync", children, found);
    }

    /// Every actor of the full sync that meets the restriction is in `found`, as far as the
    /// emulator's own judge decides (the special keys by their parent; fields with a value).
    #[allow(clippy::too_many_arguments)]
    fn check_complete(
        &mut self,
        call: &str,
        t: &ActorType,
        key: &str,
        op: &str,
        field_type: FieldType,
        values: &[String],
        found: &[ErpActor],
    ) {
        let first = values.first().map(String::as_str);
        let meets = |a: &ErpActor| match key {
            special_keys::PARENT_ERP_KEY => a.parent_erp_key.as_deref() == first,
            special_keys::PARENT_ACTOR_TYPE => a.parent_actor_type.as_ref().map(ActorType::as_str) == first,
            _ => a.field(key).is_some_and(|v| matches(op, field_type, v, values) == Some(true)),
        };
        self.check_found_all(call, t, "matching actors of the full sync", meets, found);
    }

    /// The actors of `t`'s full sync that `expected` accepts are all in `found` (not judged
    /// beyond [`MAX_JUDGED_MATCHES`]).
    fn check_found_all(
        &mut self,
        call: &str,
        t: &ActorType,
        what: &str,
        expected: impl Fn(&ErpActor) -> bool,
        found: &[ErpActor],
    ) {
        let synced = self.synced.get(t.as_str()).cloned().unwrap_or_default();
        let expected: Vec<&str> = synced.iter().filter(|a| expected(a)).filter_map(|a| a.erp_key.as_deref()).collect();
        if expected.len() > MAX_JUDGED_MATCHES {
            return;
        }
        let returned: HashSet<&str> = found.iter().filter_map(|a| a.erp_key.as_deref()).collect();
        let missing: Vec<String> =
            expected.iter().filter(|k| !returned.contains(*k)).map(|k| format!("`{}`", short(k))).collect();
        if !missing.is_empty() {
            let detail = format!("{} of {} {what} missing: {}", missing.len(), expected.len(), missing.join(", "));
            self.violate(&rules::SEARCH_COMPLETE, call, detail);
        }
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

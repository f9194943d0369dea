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

    /// The searches EIS may send, judged: each operator of each searchable field, text in other
    /// cases and with non-ASCII letters, two restrictions at once (ANDed), the special keys; then
    /// an operator the field type does not allow, which must be refused.
    pub(super) fn advanced_search(&mut self) {
        let plan = self.search_plan();
        let refusals = self.operator_refusals();
        self.begin("advanced search", (plan.len() + refusals.len()) as u64);
        let mut found = 0;
        for (t, restrictions) in &plan {
            found += self.judged_search(t, restrictions);
        }
        for (t, restriction) in &refusals {
            self.refused_operator(t, restriction);
        }
        self.note(format!("{} searches, {found} actors", plan.len() + refusals.len()));
        self.end();
    }

    /// A searchable field's metadata, when the type declares it.
    fn searchable_meta(&self, t: &ActorType) -> Vec<FieldMetadata> {
        let searchable = self.searchable.get(t.as_str()).cloned().unwrap_or_default();
        let fields = self.fields.get(t.as_str()).cloned().unwrap_or_default();
        searchable
            .iter()
            .filter_map(|key| fields.iter().find(|f| f.field_key.as_deref() == Some(key.as_str())).cloned())
            .collect()
    }

    fn search_plan(&self) -> Vec<(ActorType, Vec<Judged>)> {
        let mut plan: Vec<(ActorType, Vec<Judged>)> = Vec::new();
        for t in &self.types {
            let searchable = self.searchable_meta(t);
            if searchable.is_empty() {
                continue; // no advanced search for this type (spec §5.5)
            }
            let synced = self.synced.get(t.as_str()).cloned().unwrap_or_default();
            let sample_of =
                |key: &str| synced.iter().find_map(|a| a.field(key).filter(|v| !v.is_empty()).map(str::to_owned));
            for meta in &searchable {
                let key = meta.field_key.clone().unwrap_or_default();
                let sample = sample_of(&key);
                for op in operators::for_field_type(meta.field_type) {
                    let values = restriction_values(op, meta.field_type, sample.as_deref());
                    plan.push((t.clone(), vec![Judged::new(&key, op, values, meta.field_type)]));
                }
                if meta.field_type != FieldType::Text {
                    continue;
                }
                // Text is compared without regard to case (spec §3.6), non-ASCII letters too.
                if let Some(v) = &sample {
                    plan.push((t.clone(), vec![Judged::new(&key, operators::EQUALS, [flip_case(v)], FieldType::Text)]));
                    let start: String = v.chars().take(3).collect();
                    plan.push((
                        t.clone(),
                        vec![Judged::new(&key, operators::BEGINS, [flip_case(&start)], FieldType::Text)],
                    ));
                }
                if let Some(part) = synced.iter().find_map(|a| a.field(&key).and_then(non_ascii_part)) {
                    plan.push((
                        t.clone(),
                        vec![Judged::new(&key, operators::CONTAINS, [flip_case(&part)], FieldType::Text)],
                    ));
                }
            }
            // Two restrictions at once (they are ANDed, spec §2.1): one most actors meet (a text
            // that contains no such text) and one an actor meets, so that an answer to either
            // alone, or to both ORed, holds actors that do not meet both.
            let both = synced.iter().find_map(|a| {
                let broad = searchable.iter().find(|m| m.field_type == FieldType::Text)?.field_key.clone()?;
                let narrow =
                    searchable.iter().filter(|m| m.field_key.as_deref() != Some(broad.as_str())).find_map(|m| {
                        let key = m.field_key.as_deref()?;
                        let (op, values) = met_by(m.field_type, a.field(key).filter(|v| !v.is_empty())?)?;
                        Some(Judged::new(key, op, values, m.field_type))
                    })?;
                Some(vec![Judged::new(&broad, operators::NOT_CONTAINS, [MISSING_KEY], FieldType::Text), narrow])
            });
            if let Some(both) = both {
                plan.push((t.clone(), both));
            }
            if let Some(child) = synced.iter().find(|a| a.parent_erp_key.as_deref().is_some_and(|k| !k.is_empty())) {
                let parent_key = child.parent_erp_key.clone().unwrap_or_default();
                let parent_type = child.parent_actor_type.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
                for (key, value) in
                    [(special_keys::PARENT_ERP_KEY, parent_key), (special_keys::PARENT_ACTOR_TYPE, parent_type)]
                {
                    plan.push((t.clone(), vec![Judged::new(key, operators::EQUALS, [value], FieldType::Label)]));
                }
            }
        }
        plan
    }

    /// For each type with advanced search: its first searchable field with an operator its type
    /// does not allow.
    fn operator_refusals(&self) -> Vec<(ActorType, Judged)> {
        self.types
            .iter()
            .filter_map(|t| {
                let meta = self
                    .searchable_meta(t)
                    .into_iter()
                    .find(|m| !operators::for_field_type(m.field_type).is_empty())?;
                let op = if meta.field_type == FieldType::Text { operators::GREATER } else { operators::BEGINS };
                let key = meta.field_key.clone()?;
                Some((t.clone(), Judged::new(&key, op, ["a"], meta.field_type)))
            })
            .collect()
    }

    /// One advanced search, its answer judged against the restrictions and the full sync.
    fn judged_search(&mut self, t: &ActorType, restrictions: &[Judged]) -> usize {
        let fields = self.field_keys(t);
        let shown: Vec<String> = restrictions.iter().map(Judged::to_string).collect();
        let call = format!("WSSearchActorsAdvanced {} {}", t.as_str(), shown.join(" and "));
        let wire: Vec<SearchRestriction> = restrictions.iter().map(|r| r.restriction.clone()).collect();
        let Some(answer) = self.call(&call, |c, g| c.search_actors_advanced(g, t, &wire, &fields)) else {
            return 0;
        };
        let special = restrictions.iter().any(Judged::is_special);
        if special && !answer.result.is_ok {
            self.violate(
                &rules::SPECIAL_KEYS,
                &call,
                format!("State=Error: {}", short(answer.result.user_explanation.as_deref().unwrap_or_default())),
            );
        }
        let actors = answer.actors.unwrap_or_default();
        self.check_actors(&call, &actors, t, &fields);
        self.check_in_sync(&call, &actors, t);
        if answer.result.is_ok {
            let meets = |a: &ErpActor| restrictions.iter().all(|r| r.meets(a) == Some(true));
            self.check_found_all(&call, t, "matching actors of the full sync", meets, &actors);
        }
        for a in &actors {
            let who = short(a.erp_key.as_deref().unwrap_or(""));
            for r in restrictions {
                if r.meets(a) != Some(false) {
                    continue;
                }
                let (rule, seen) = if r.is_special() {
                    (&rules::SPECIAL_KEYS, format!("{:?}", r.parent_value(a)))
                } else {
                    (&rules::SEARCH_MATCHES, format!("`{}`", short(a.field(&r.key).unwrap_or(""))))
                };
                self.violate(rule, &call, format!("actor `{who}` has {} = {seen}, which does not meet {r}", r.key));
            }
        }
        actors.len()
    }

    /// A search with an operator the field type does not allow answers State=Error.
    fn refused_operator(&mut self, t: &ActorType, restriction: &Judged) {
        let fields = self.field_keys(t);
        let call = format!("WSSearchActorsAdvanced {} {restriction}", t.as_str());
        let wire = std::slice::from_ref(&restriction.restriction);
        let Some(answer) = self.call(&call, |c, g| c.search_actors_advanced(g, t, wire, &fields)) else { return };
        self.check(!answer.result.is_ok, &rules::OPERATOR_REFUSED, &call, || {
            let n = answer.actors.as_ref().map_or(0, Vec::len);
            format!(
                "answered IsOk=true with {n} actors; `{}` is no operator of a {} field (expected State=Error)",
                restriction.op,
                restriction.field_type.wire_name()
            )
        });
    }
}

/// A restriction the emulator sends and judges.
struct Judged {
    restriction: SearchRestriction,
    key: String,
    op: &'static str,
    values: Vec<String>,
    field_type: FieldType,
}

impl Judged {
    fn new<V: Into<String>>(
        key: &str,
        op: &'static str,
        values: impl IntoIterator<Item = V>,
        field_type: FieldType,
    ) -> Self {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        Judged {
            restriction: SearchRestriction::new(key, op, values.clone()),
            key: key.to_owned(),
            op,
            values,
            field_type,
        }
    }

    fn is_special(&self) -> bool {
        self.key == special_keys::PARENT_ERP_KEY || self.key == special_keys::PARENT_ACTOR_TYPE
    }

    fn parent_value(&self, a: &ErpActor) -> Option<String> {
        if self.key == special_keys::PARENT_ERP_KEY {
            a.parent_erp_key.clone()
        } else {
            a.parent_actor_type.as_ref().map(|p| p.as_str().to_owned())
        }
    }

    /// Whether `a` meets the restriction; `None` where the emulator does not judge (an absent
    /// field, a date on the boundary day).
    fn meets(&self, a: &ErpActor) -> Option<bool> {
        if self.is_special() {
            return Some(self.parent_value(a).as_deref() == self.values.first().map(String::as_str));
        }
        matches(self.op, self.field_type, a.field(&self.key)?, &self.values)
    }
}

impl std::fmt::Display for Judged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let values: Vec<String> = self.values.iter().map(|v| format!("`{}`", short(v))).collect();
        write!(f, "{} {} {}", self.key, self.op, values.join(", "))
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

/// The values the emulator searches with, from a sample value of the field when there is one,
/// chosen so that the sample's actor meets the restriction where the operator allows (`between`
/// with distinct bounds around it, `before` a day after it).
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
    let parsed = FieldValue::parse_lenient(&v);
    let days = |n: i64| {
        let dt = parsed.as_datetime()? + chrono::TimeDelta::days(n);
        Some(FieldValue::DateTime(dt).to_string())
    };
    let around = || -> Option<Vec<String>> {
        Some(match field_type {
            FieldType::Text => vec![part(0, 1), v.clone()],
            FieldType::Integer => {
                let n = parsed.as_i64()?;
                vec![FieldValue::Int(n - 1).to_string(), FieldValue::Int(n + 1).to_string()]
            }
            FieldType::Double => {
                let x = parsed.as_f64()?;
                vec![FieldValue::Float(x - 1.0).to_string(), FieldValue::Float(x + 1.0).to_string()]
            }
            FieldType::Datetime => vec![days(-1)?, days(1)?],
            _ => return None,
        })
    };
    match (field_type, op) {
        (FieldType::Text, operators::BEGINS | operators::NOT_BEGINS) => vec![part(0, 3)],
        (FieldType::Text, operators::ENDS | operators::NOT_ENDS) => {
            vec![part(chars.len().saturating_sub(3), chars.len())]
        }
        (FieldType::Text, operators::CONTAINS | operators::NOT_CONTAINS) => vec![part(1, 4)],
        (_, operators::BETWEEN) => around().unwrap_or_else(|| vec![v.clone(), v]),
        (FieldType::Datetime, operators::BEFORE) => vec![days(1).unwrap_or(v)],
        (FieldType::Datetime, operators::AFTER) => vec![days(-1).unwrap_or(v)],
        _ => vec![v],
    }
}

/// An operator and values that an actor with `value` in a field of this type meets.
fn met_by(field_type: FieldType, value: &str) -> Option<(&'static str, Vec<String>)> {
    match field_type {
        FieldType::Text => Some((operators::BEGINS, vec![value.chars().take(3).collect()])),
        FieldType::Integer | FieldType::Double | FieldType::Checkbox => {
            Some((operators::EQUALS, vec![value.to_owned()]))
        }
        FieldType::List => Some((operators::ONE_OF, vec![value.to_owned()])),
        FieldType::Datetime => {
            Some((operators::BETWEEN, restriction_values(operators::BETWEEN, field_type, Some(value))))
        }
        FieldType::Password | FieldType::Label => None,
    }
}

/// `s` with each letter's case swapped (`Æbe` → `æBE`).
fn flip_case(s: &str) -> String {
    s.chars()
        .flat_map(|c| if c.is_lowercase() { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() })
        .collect()
}

/// Up to three characters of `s` around its first non-ASCII letter.
fn non_ascii_part(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let at = chars.iter().position(|c| !c.is_ascii() && c.is_alphabetic())?;
    let from = at.saturating_sub(1);
    Some(chars[from..(from + 3).min(chars.len())].iter().collect())
}

/// Whether `value` satisfies the restriction; `None` where the emulator cannot judge: a value or
/// bound it cannot read, an operator it does not know, and a date-time on the bound's day where
/// the connector's precision decides (date only or date and time, spec §3.6).
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
        FieldType::Datetime => {
            let at = |s: &str| FieldValue::parse_lenient(s).as_datetime();
            let (v, q) = (at(value)?, at(first)?);
            // Whatever the precision, equal values are equal and values a day apart differ;
            // on the same day the connector's precision decides.
            let other_day = v.date() != q.date();
            let decided = |certain: bool| if certain { Some(true) } else { other_day.then_some(false) };
            match op {
                operators::EQUALS => decided(v == q),
                operators::BEFORE => {
                    if v >= q {
                        Some(false)
                    } else {
                        other_day.then_some(true)
                    }
                }
                operators::AFTER => {
                    if v <= q {
                        Some(false)
                    } else {
                        other_day.then_some(true)
                    }
                }
                operators::BEFORE_OR_EQUAL => decided(v <= q),
                operators::AFTER_OR_EQUAL => decided(v >= q),
                operators::BETWEEN => {
                    let high = at(values.get(1)?)?;
                    if q <= v && v <= high {
                        Some(true)
                    } else {
                        (v.date() < q.date() || v.date() > high.date()).then_some(false)
                    }
                }
                _ => None,
            }
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
        assert_eq!(restriction_values("between", FieldType::Integer, None), v(&["[I:0]", "[I:2]"]));
        assert_eq!(restriction_values("between", FieldType::Text, Some("Orkdal")), v(&["O", "Orkdal"]));
    }

    /// Dates are judged where every precision agrees: a day apart, or equal.
    #[test]
    fn dates_are_judged_where_the_precision_does_not_matter() {
        let v = |s: &str| vec![format!("[DT:{s}]")];
        let at = |s: &str| format!("[DT:{s}]");
        let noon = at("03/15/1998 12:00:00.0000000");
        let judge = |op: &str, bound: &str| matches(op, FieldType::Datetime, &noon, &v(bound));
        assert_eq!(judge("=", "03/15/1998 12:00:00.0000000"), Some(true));
        assert_eq!(judge("=", "03/15/1998 08:00:00.0000000"), None);
        assert_eq!(judge("=", "03/16/1998 12:00:00.0000000"), Some(false));
        assert_eq!(judge("before", "03/16/1998 00:00:00.0000000"), Some(true));
        assert_eq!(judge("before", "03/15/1998 13:00:00.0000000"), None);
        assert_eq!(judge("before", "03/15/1998 12:00:00.0000000"), Some(false));
        assert_eq!(judge("after", "03/14/1998 23:59:00.0000000"), Some(true));
        assert_eq!(judge("after", "03/15/1998 13:00:00.0000000"), Some(false));
        assert_eq!(judge("beforeOrEqual", "03/15/1998 12:00:00.0000000"), Some(true));
        assert_eq!(judge("beforeOrEqual", "03/15/1998 11:00:00.0000000"), None);
        assert_eq!(judge("afterOrEqual", "03/16/1998 00:00:00.0000000"), Some(false));
        let between = |low: &str, high: &str| matches("between", FieldType::Datetime, &noon, &[at(low), at(high)]);
        assert_eq!(between("03/14/1998 00:00:00.0000000", "03/16/1998 00:00:00.0000000"), Some(true));
        assert_eq!(between("03/15/1998 13:00:00.0000000", "03/16/1998 00:00:00.0000000"), None);
        assert_eq!(between("03/16/1998 00:00:00.0000000", "03/17/1998 00:00:00.0000000"), Some(false));
        // The values sent around a sample are met by the sample's actor.
        for op in operators::DATETIME {
            let values = restriction_values(op, FieldType::Datetime, Some(&noon));
            assert_eq!(matches(op, FieldType::Datetime, &noon, &values), Some(true), "{op} {values:?}");
        }
    }

    #[test]
    fn case_is_flipped_and_non_ascii_found() {
        assert_eq!(flip_case("Æbeltoft & Søn"), "æBELTOFT & sØN");
        assert_eq!(non_ascii_part("Æbeltoft").as_deref(), Some("Æbe"));
        assert_eq!(non_ascii_part("Göteborg").as_deref(), Some("Göt"));
        assert_eq!(non_ascii_part("Orkdal"), None);
        assert_eq!(met_by(FieldType::List, "NOK"), Some(("oneof", vec!["NOK".to_owned()])));
    }
}

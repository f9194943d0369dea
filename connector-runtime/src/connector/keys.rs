//! ERP keys read as the ERP's own key type (a row id, a UUID, ...): EIS sends them as text, and
//! any text may arrive, so a key that does not parse names no record of the ERP.

use std::str::FromStr;

use crate::connector::{ActorChange, ConnectorError, ConnectorResult, GetActors, ParentRef, SearchByParent};
use crate::untrusted::shown;

/// `key` as a `T`, surrounding blanks ignored; `None` when it is none.
fn parse<T: FromStr>(key: &str) -> Option<T> {
    key.trim().parse().ok()
}

impl GetActors {
    /// The keys asked for that parse as the ERP's key type, in order; the others name no record
    /// and are left out (EIS is answered without them, as for any key not found).
    ///
    /// ```
    /// # use erp_connector::prelude::*;
    /// let q = GetActors { actor_type: ActorType::Customer, erp_keys: vec![" 7".into(), "x".into(), "9".into()], field_keys: vec![] };
    /// assert_eq!(q.keys::<i64>(), [7, 9]);
    /// ```
    pub fn keys<T: FromStr>(&self) -> Vec<T> {
        self.erp_keys.iter().filter_map(|k| parse(k)).collect()
    }
}

impl SearchByParent {
    /// The parent's key as the ERP's key type; `None` when it is none, so the parent has no
    /// children.
    pub fn parent_key<T: FromStr>(&self) -> Option<T> {
        parse(&self.parent_erp_key)
    }
}

impl ParentRef {
    /// The parent's key as the ERP's key type, or an answer that names it as no record.
    pub fn key<T: FromStr>(&self) -> ConnectorResult<T> {
        parse(&self.erp_key).ok_or_else(|| {
            ConnectorError::new(format!(
                "The parent {} `{}` is no record of the ERP.",
                self.actor_type,
                shown(&self.erp_key)
            ))
        })
    }
}

impl ActorChange {
    /// The saved actor's key as the ERP's key type, or an answer that names it as no record.
    pub fn key<T: FromStr>(&self) -> ConnectorResult<T> {
        parse(&self.erp_key).ok_or_else(|| self.not_found())
    }

    /// The answer for a save of an actor the ERP does not have (its key parsed, but no record
    /// has it): the type and the key named.
    pub fn not_found(&self) -> ConnectorError {
        ConnectorError::new(format!("The ERP has no {} `{}`.", self.actor_type, shown(&self.erp_key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{ActorType, StringDict};

    fn change(key: &str) -> ActorChange {
        ActorChange {
            actor_type: ActorType::Customer,
            erp_key: key.into(),
            fields: StringDict::new(),
            parent: None,
            last_modified: None,
        }
    }

    #[test]
    fn keys_parse_as_the_erp_type_or_name_no_record() {
        assert_eq!(change(" 12 ").key::<i64>().unwrap(), 12);
        let e = change("12; DROP").key::<i64>().unwrap_err();
        assert_eq!(e.to_string(), "The ERP has no Customer `12; DROP`.");
        let parent = ParentRef { actor_type: ActorType::Customer, erp_key: "a\u{202e}b".into() };
        let e = parent.key::<u32>().unwrap_err().to_string();
        assert!(e.starts_with("The parent Customer `") && !e.contains('\u{202e}'), "{e}");
        let q = SearchByParent {
            actor_type: ActorType::Person,
            search_text: String::new(),
            parent_actor_type: ActorType::Customer,
            parent_erp_key: "-3".into(),
            field_keys: vec![],
        };
        assert_eq!(q.parent_key::<i64>(), Some(-3));
        assert_eq!(q.parent_key::<u64>(), None);
    }
}

//! Multi-language strings: `US:"English";NO:"Norsk";GE:"Deutsch"` (spec §3.7), accepted in
//! `UserExplanation`, `DisplayName`, `DisplayDescription` and list texts. A plain string is fine
//! too and stays plain.
//!
//! ```
//! use erp_connector::contract::LocalizedText;
//! let t = LocalizedText::parse(r#"US:"Server";NO:"Tjener""#);
//! assert_eq!(t.get("no"), Some("Tjener"));
//! assert_eq!(t.best("SV"), "Server");
//! let built = LocalizedText::new().with("US", "Name").with("NO", "Navn");
//! assert_eq!(built.to_string(), r#"US:"Name";NO:"Navn""#);
//! ```
//!
//! How a `"` inside a text is escaped is not documented; this codec writes it doubled (`""`) and
//! reads it back so (inferred).

use std::fmt;

/// A text in one or more languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalizedText {
    parts: Vec<(Option<String>, String)>,
}

impl LocalizedText {
    /// An empty text.
    pub fn new() -> Self {
        Self::default()
    }

    /// A plain text in no particular language.
    pub fn plain(text: impl Into<String>) -> Self {
        LocalizedText { parts: vec![(None, text.into())] }
    }

    /// Builder: adds (or replaces) the text for a language code such as `US` or `NO`.
    pub fn with(mut self, language: impl Into<String>, text: impl Into<String>) -> Self {
        let language = language.into();
        let text = text.into();
        match self.parts.iter_mut().find(|(l, _)| l.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(&language))) {
            Some(part) => part.1 = text,
            None => self.parts.push((Some(language), text)),
        }
        self
    }

    /// Reads a multi-language string; anything not in that form is a plain text.
    pub fn parse(raw: &str) -> LocalizedText {
        parse_parts(raw).map(|parts| LocalizedText { parts }).unwrap_or_else(|| LocalizedText::plain(raw))
    }

    /// The text of exactly this language (ASCII case ignored).
    pub fn get(&self, language: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(l, _)| l.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(language)))
            .map(|(_, t)| t.as_str())
    }

    /// The text of this language, else English (`US`, `EN`), else the first one; "" if empty.
    pub fn best(&self, language: &str) -> &str {
        self.get(language)
            .or_else(|| self.get("US"))
            .or_else(|| self.get("EN"))
            .or_else(|| self.parts.first().map(|(_, t)| t.as_str()))
            .unwrap_or("")
    }

    /// `(language, text)` pairs in order; the language is `None` for a plain text.
    pub fn parts(&self) -> impl Iterator<Item = (Option<&str>, &str)> {
        self.parts.iter().map(|(l, t)| (l.as_deref(), t.as_str()))
    }
}

impl fmt::Display for LocalizedText {
    /// The wire form: plain if it is one text without a language, else `XX:"..";YY:".."`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [(None, text)] = self.parts.as_slice() {
            return f.write_str(text);
        }
        for (i, (language, text)) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{}:\"{}\"", language.as_deref().unwrap_or("US"), text.replace('"', "\"\""))?;
        }
        Ok(())
    }
}

impl From<&str> for LocalizedText {
    fn from(s: &str) -> Self {
        LocalizedText::plain(s)
    }
}

fn parse_parts(raw: &str) -> Option<Vec<(Option<String>, String)>> {
    let mut parts = Vec::new();
    let mut rest = raw.trim();
    loop {
        let (language, after) = rest.split_once(':')?;
        let language = language.trim();
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let mut chars = after.trim_start().char_indices().peekable();
        let body = after.trim_start();
        if chars.next()?.1 != '"' {
            return None;
        }
        let mut text = String::new();
        let end = loop {
            let (i, c) = chars.next()?;
            if c == '"' {
                if chars.peek().is_some_and(|&(_, n)| n == '"') {
                    chars.next();
                    text.push('"');
                } else {
                    break i + 1;
                }
            } else {
                text.push(c);
            }
        };
        parts.push((Some(language.to_owned()), text));
        rest = body[end..].trim_start();
        if rest.is_empty() {
            return Some(parts);
        }
        rest = rest.strip_prefix(';')?.trim_start();
        if rest.is_empty() {
            return Some(parts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_languages_and_plain_text() {
        let t = LocalizedText::parse(r#"US:"English";NO:"Norsk";GE:"Deutsch""#);
        assert_eq!(t.parts().count(), 3);
        assert_eq!(t.get("GE"), Some("Deutsch"));
        assert_eq!(LocalizedText::parse("Just text").best("NO"), "Just text");
        assert_eq!(LocalizedText::parse("US:broken").best("US"), "US:broken");
        assert_eq!(LocalizedText::parse(r#"US:"a"; NO:"b";"#).get("NO"), Some("b"));
        assert_eq!(LocalizedText::parse(r#"US:"say ""hi""""#).get("US"), Some(r#"say "hi""#));
    }

    proptest! {
        #[test]
        fn written_form_reads_back(texts in proptest::collection::vec(("[A-Z]{2}", any::<String>()), 1..4)) {
            let mut t = LocalizedText::new();
            for (l, s) in &texts {
                t = t.with(l.clone(), s.clone());
            }
            prop_assert_eq!(LocalizedText::parse(&t.to_string()), t);
        }
    }
}

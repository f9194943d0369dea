//! Values from requests and from connector errors on their way to logs and answers.
//!
//! The 17 calls carry no token: every value in them is chosen by whoever reaches the port, and a
//! connector's error text may quote such a value (or an ERP's answer). Before such text reaches
//! a log line, a `UserExplanation`, a `TechExplanation` or a `Reason` it passes [`shown`]:
//! control characters escaped (a newline cannot forge a log line) and the length bounded (a
//! megabyte cannot be reflected).

use std::borrow::Cow;

/// Most bytes of one untrusted value shown in a log line or in a message quoting it.
pub const MAX_SHOWN_BYTES: usize = 512;
/// Most bytes of a whole `UserExplanation` or `TechExplanation` (a message may quote values).
pub const MAX_ANSWER_BYTES: usize = 4096;

/// `text` made safe to show: control characters (C0, DEL, C1, the Unicode line and paragraph
/// separators, and the bidirectional controls, which would reorder what a log viewer or the
/// SuperOffice client shows around the value) escaped as `\n`, `\t`, `\u{..}`, and at most `max` bytes of it kept, the cut
/// marked with how long the whole was.
///
/// ```
/// use erp_connector::untrusted::shown_within;
/// assert_eq!(shown_within("a\nb", 512), "a\\nb");
/// assert_eq!(shown_within(&"x".repeat(20), 8), "xxxxxxxx… (20 bytes)");
/// ```
pub fn shown_within(text: &str, max: usize) -> Cow<'_, str> {
    escaped(text, max, false)
}

/// A text for an answer (`UserExplanation`, `TechExplanation`): as [`shown_within`] at
/// [`MAX_ANSWER_BYTES`], but line feeds, carriage returns and tabs kept (users read multi-line
/// messages, and a .NET stack trace has CR LF line ends; the writer sends a CR as `&#xD;`, which
/// XML keeps). Logs keep none of them ([`shown`]).
///
/// ```
/// use erp_connector::untrusted::for_answer;
/// assert_eq!(for_answer("at A\r\n\tat B\u{1b}[2J"), "at A\r\n\tat B\\u{1b}[2J");
/// ```
pub fn for_answer(text: &str) -> Cow<'_, str> {
    escaped(text, MAX_ANSWER_BYTES, true)
}

fn escaped(text: &str, max: usize, keep_lines: bool) -> Cow<'_, str> {
    let clean = |c: char| (keep_lines && matches!(c, '\n' | '\r' | '\t')) || !(c.is_control() || reorders(c));
    if text.len() <= max && text.chars().all(clean) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max) + 24);
    for c in text.chars() {
        let escaped = match c {
            c if clean(c) => Cow::Owned(c.to_string()),
            '\n' => Cow::Borrowed("\\n"),
            '\r' => Cow::Borrowed("\\r"),
            '\t' => Cow::Borrowed("\\t"),
            c => Cow::Owned(format!("\\u{{{:x}}}", c as u32)),
        };
        if out.len() + escaped.len() > max {
            out.push_str(&format!("… ({} bytes)", text.len()));
            return Cow::Owned(out);
        }
        out.push_str(&escaped);
    }
    Cow::Owned(out)
}

/// Whether `c` breaks a line or reorders the text shown around it: the Unicode line and paragraph
/// separators, the bidirectional embeddings, overrides and isolates, and the direction marks.
fn reorders(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// [`shown_within`] at [`MAX_SHOWN_BYTES`].
pub fn shown(text: &str) -> Cow<'_, str> {
    shown_within(text, MAX_SHOWN_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_a_control_character_and_never_long(text in any::<String>(), max in 1usize..600) {
            let out = shown_within(&text, max);
            let unsafe_char = out.chars().any(|c| c.is_control() || reorders(c));
            prop_assert!(!unsafe_char, "{:?}", out);
            // The marker adds at most "… (N bytes)".
            prop_assert!(out.len() <= max + 24, "{} > {max}", out.len());
            if text.len() <= max && !text.chars().any(|c| c.is_control() || reorders(c)) {
                prop_assert_eq!(out.as_ref(), text.as_str());
            }
        }
    }

    #[test]
    fn forged_log_lines_stay_on_one_line() {
        let forged = "ok\n2026-11-30T10:00:00Z  INFO connection saved\r\u{1b}[31m";
        assert_eq!(shown(forged), "ok\\n2026-11-30T10:00:00Z  INFO connection saved\\r\\u{1b}[31m");
        // A right-to-left override would show `invoice<RLO>fdp.exe` as `invoiceexe.pdf`.
        assert_eq!(shown("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert_eq!(for_answer("a\u{2066}b\u{200f}"), "a\\u{2066}b\\u{200f}");
        let big = "A".repeat(10 * 1024 * 1024);
        assert!(shown(&big).len() < MAX_SHOWN_BYTES + 24);
    }
}

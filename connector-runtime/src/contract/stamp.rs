//! `LastModified` as a type: the one rule EIS needs of it (any two stamps ordered, one order
//! across all actors of a connection, spec §5.3) kept by the framework, not by each author.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Digits of a counter stamp: `u64::MAX` has 20, so every counter has the same width and text
/// order is number order (how EIS compares stamps is not documented, spec §7.5).
const COUNTER_WIDTH: usize = 20;

/// The date-time form written: UTC, .NET's sortable form with seven fractional digits
/// (`yyyy-MM-ddTHH:mm:ss.fffffff`), fixed width, so that text order is time order. chrono has
/// no seven-digit fraction, so the fraction is written after this.
const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A change stamp (`LastModified`, `UpdatedOnOrAfter`): a date-time, a counter (a row version, a
/// change sequence) or a fixed-width text of the ERP's own.
///
/// The framework writes each kind at one width, so that stamps sort alike as text, as numbers
/// and as times, and reads back what it wrote (also shorter ISO forms and unpadded counters,
/// as earlier versions of a connector may have sent). A connector uses one kind for all its
/// actors: EIS orders every stamp of a connection against every other.
///
/// ```
/// use erp_connector::prelude::*;
///
/// let at = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(10, 15, 0).unwrap();
/// assert_eq!(Stamp::from(at).to_string(), "2024-05-01T10:15:00.0000000");
/// assert_eq!(Stamp::counter(42).to_string(), "00000000000000000042");
/// assert!(Stamp::counter(9) < Stamp::counter(10));
/// // What EIS sends back reads as what was written.
/// assert_eq!(Stamp::parse("2024-05-01T10:15:00").as_datetime(), Some(at));
/// assert_eq!(Stamp::parse("00000000000000000042").as_counter(), Some(42));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stamp(Kind);

/// Declared in the order stamps of different kinds compare (they should never meet).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    DateTime(NaiveDateTime),
    Counter(u64),
    Text(String),
}

impl Stamp {
    /// A counter stamp: a row version or a change sequence that grows with every change of any
    /// record (a per-record version is not a stamp: EIS compares across records).
    pub fn counter(n: u64) -> Self {
        Stamp(Kind::Counter(n))
    }

    /// A date-time stamp, in UTC, to the tick (100 ns) it is written with, so that it equals
    /// what EIS sends back.
    pub fn at(utc: NaiveDateTime) -> Self {
        use chrono::Timelike as _;
        let nanos = utc.nanosecond();
        Stamp(Kind::DateTime(utc.with_nanosecond(nanos - nanos % 100).unwrap_or(utc)))
    }

    /// A stamp of the ERP's own making, sent as it is. It must have one width for every actor and
    /// sort as text in change order (a hexadecimal row version, say); prefer [`Stamp::counter`]
    /// or a date-time where the ERP has one.
    pub fn text(text: impl Into<String>) -> Self {
        Stamp(Kind::Text(text.into()))
    }

    /// A stamp as EIS sends it back (`UpdatedOnOrAfter`) or a connector stored it: a counter (all
    /// digits), a date-time (`yyyy-MM-ddTHH:mm:ss[.f…]`, `T` or a space, an optional `Z`), else
    /// text.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        if !text.is_empty()
            && text.len() <= COUNTER_WIDTH
            && text.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = text.parse()
        {
            return Stamp(Kind::Counter(n));
        }
        let iso = text.strip_suffix('Z').unwrap_or(text);
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(at) = NaiveDateTime::parse_from_str(iso, format) {
                return Stamp::at(at);
            }
        }
        Stamp(Kind::Text(text.to_owned()))
    }

    /// The counter, if this is a counter stamp.
    pub fn as_counter(&self) -> Option<u64> {
        match self.0 {
            Kind::Counter(n) => Some(n),
            _ => None,
        }
    }

    /// The date-time (UTC), if this is a date-time stamp.
    pub fn as_datetime(&self) -> Option<NaiveDateTime> {
        match self.0 {
            Kind::DateTime(at) => Some(at),
            _ => None,
        }
    }

    /// The text of a stamp made with [`Stamp::text`] (or read back as text).
    pub fn as_text(&self) -> Option<&str> {
        match &self.0 {
            Kind::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl fmt::Display for Stamp {
    /// The stamp as it is sent (`LastModified`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::DateTime(at) => {
                // Ticks (100 ns), as .NET writes them; a leap second's fraction stays 7 digits.
                let ticks = at.and_utc().timestamp_subsec_nanos().min(999_999_999) / 100;
                write!(f, "{}.{ticks:07}", at.format(DATETIME_FORMAT))
            }
            Kind::Counter(n) => write!(f, "{n:0COUNTER_WIDTH$}"),
            Kind::Text(text) => f.write_str(text),
        }
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stamp {
    /// Date-times by time, counters by number, texts as text; kinds (which one connector does
    /// not mix) in a fixed order.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl From<NaiveDateTime> for Stamp {
    fn from(utc: NaiveDateTime) -> Self {
        Stamp::at(utc)
    }
}

impl From<DateTime<Utc>> for Stamp {
    fn from(at: DateTime<Utc>) -> Self {
        Stamp::at(at.naive_utc())
    }
}

impl From<std::time::SystemTime> for Stamp {
    fn from(at: std::time::SystemTime) -> Self {
        Stamp::from(DateTime::<Utc>::from(at))
    }
}

impl From<u64> for Stamp {
    fn from(n: u64) -> Self {
        Stamp::counter(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap()
    }

    #[test]
    fn each_kind_reads_back_what_it_wrote_and_older_forms() {
        let t = at("2026-01-02T03:04:05.000060");
        assert_eq!(Stamp::at(t).to_string(), "2026-01-02T03:04:05.0000600");
        for sent in ["2026-01-02T03:04:05.0000600", "2026-01-02T03:04:05.000060", "2026-01-02 03:04:05.00006Z"] {
            assert_eq!(Stamp::parse(sent), Stamp::at(t), "{sent}");
        }
        let fine = at("2026-01-02T03:04:05.123456789");
        assert_eq!(Stamp::at(fine).to_string(), "2026-01-02T03:04:05.1234567");
        assert_eq!(Stamp::parse(&Stamp::at(fine).to_string()), Stamp::at(fine), "equal to the tick written");
        assert_eq!(Stamp::parse("000000000042"), Stamp::counter(42), "an unpadded counter of an earlier version");
        assert_eq!(Stamp::parse(" 7 ").as_counter(), Some(7));
        assert_eq!(Stamp::parse("0x1F").as_text(), Some("0x1F"));
        assert_eq!(Stamp::parse("").as_text(), Some(""), "the first poll's empty stamp is text");
        assert_eq!(Stamp::parse("99999999999999999999").as_text(), Some("99999999999999999999"), "beyond u64");
    }

    proptest! {
        /// Text order is the stamps' order, within a kind: EIS may compare either.
        #[test]
        fn text_order_is_stamp_order(a: u64, b: u64, x in 0i64..4_102_444_800_000_000, y in 0i64..4_102_444_800_000_000) {
            let (ca, cb) = (Stamp::counter(a), Stamp::counter(b));
            prop_assert_eq!(ca.cmp(&cb), ca.to_string().cmp(&cb.to_string()));
            prop_assert_eq!(Stamp::parse(&ca.to_string()), ca.clone());
            let time = |micros| DateTime::from_timestamp_micros(micros).unwrap().naive_utc();
            let (ta, tb) = (Stamp::at(time(x)), Stamp::at(time(y)));
            prop_assert_eq!(ta.cmp(&tb), ta.to_string().cmp(&tb.to_string()));
            prop_assert_eq!(Stamp::parse(&ta.to_string()), ta);
        }
    }
}

//! Field values in SuperOffice's culture-neutral encoded form (`CultureDataFormatter`,
//! spec §3.7): `[I:12345]`, `[F:12345.6789]`, `[DT:12/31/2013 23:59:59.0000000]`, ...
//!
//! Reading is lenient (monikers in any case, whitespace, ISO dates, `[D:0.0]` for a number as one
//! tutorial shows it); writing is canonical. Text and list keys are never encoded.
//!
//! ```
//! use erp_connector::contract::FieldValue;
//! assert_eq!(FieldValue::Int(42).to_string(), "[I:42]");
//! assert_eq!(FieldValue::parse("[F:1.5]").unwrap().as_f64(), Some(1.5));
//! assert_eq!(FieldValue::parse_lenient("Acme AS"), FieldValue::Text("Acme AS".into()));
//! ```
//!
//! The `[D:]`, `[T:]`, `[TS:]` and `[M:]` payload formats are not documented in detail; the forms
//! used here (`MM/dd/yyyy`, `HH:mm:ss.fffffff`, .NET's `[-][d.]hh:mm:ss[.fffffff]`, invariant
//! decimal) are inferred from .NET's invariant-culture conventions.

use std::fmt::{self, Write as _};

use base64::Engine as _;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

/// A decoded field value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Plain text (also passwords and list-item keys): never encoded.
    Text(String),
    /// `[I:n]`: an integer; checkboxes are `[I:1]` / `[I:0]`.
    Int(i64),
    /// `[F:n]`: a floating-point number, invariant `.` separator.
    Float(f64),
    /// `[DT:MM/dd/yyyy HH:mm:ss.fffffff]`: a date and time.
    DateTime(NaiveDateTime),
    /// `[D:MM/dd/yyyy]`: a date.
    Date(NaiveDate),
    /// `[M:n]`: money, kept as its exact invariant decimal text.
    Money(String),
    /// `[T:HH:mm:ss.fffffff]`: a time of day.
    Time(NaiveTime),
    /// `[TS:[-][d.]hh:mm:ss[.fffffff]]`: a duration.
    TimeSpan(TimeDelta),
    /// `[A:1,2,3]`: an array of integers.
    IntArray(Vec<i64>),
    /// `[B:base64]`: binary data.
    Binary(Vec<u8>),
}

/// Why an encoded value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The moniker before `:` is not one of I, F, DT, D, M, T, TS, A, B.
    #[error("unknown value type `[{moniker}:...]` in `{value}`; expected I, F, DT, D, M, T, TS, A or B")]
    UnknownMoniker {
        /// The moniker found.
        moniker: String,
        /// The whole value.
        value: String,
    },
    /// The payload does not fit the moniker.
    #[error("`{value}` is not a valid {expected}")]
    Invalid {
        /// The whole value.
        value: String,
        /// What was expected, e.g. "integer (`[I:n]`)".
        expected: &'static str,
    },
}

const DT_FORMATS: &[&str] =
    &["%m/%d/%Y %H:%M:%S%.f", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"];
const DATE_FORMATS: &[&str] = &["%m/%d/%Y", "%Y-%m-%d"];
const TIME_FORMATS: &[&str] = &["%H:%M:%S%.f", "%H:%M"];

impl FieldValue {
    /// A checkbox value: `[I:1]` or `[I:0]`.
    pub fn bool(b: bool) -> FieldValue {
        FieldValue::Int(i64::from(b))
    }

    /// Reads a value strictly: bracketed values must have a known moniker and a valid payload;
    /// anything not bracketed is [`FieldValue::Text`].
    pub fn parse(raw: &str) -> Result<FieldValue, ValueError> {
        let Some((moniker, payload)) = split_encoded(raw) else {
            return Ok(FieldValue::Text(raw.to_owned()));
        };
        let invalid = |expected| ValueError::Invalid { value: raw.to_owned(), expected };
        let m = moniker.to_ascii_uppercase();
        match m.as_str() {
            "I" => parse_int(payload).map(FieldValue::Int).ok_or_else(|| invalid("integer ([I:n])")),
            "F" => parse_float(payload).map(FieldValue::Float).ok_or_else(|| invalid("number ([F:n])")),
            "DT" => parse_datetime(payload)
                .map(FieldValue::DateTime)
                .ok_or_else(|| invalid("date-time ([DT:MM/dd/yyyy HH:mm:ss.fffffff])")),
            "D" => {
                if let Some(d) = parse_date(payload) {
                    Ok(FieldValue::Date(d))
                } else if let Some(f) = parse_float(payload) {
                    // One SuperOffice tutorial writes a double as `[D:0.0]`.
                    Ok(FieldValue::Float(f))
                } else {
                    Err(invalid("date ([D:MM/dd/yyyy])"))
                }
            }
            "M" => parse_decimal(payload).map(FieldValue::Money).ok_or_else(|| invalid("amount ([M:n])")),
            "T" => parse_time(payload).map(FieldValue::Time).ok_or_else(|| invalid("time ([T:HH:mm:ss])")),
            "TS" => parse_timespan(payload)
                .map(FieldValue::TimeSpan)
                .ok_or_else(|| invalid("time span ([TS:[-][d.]hh:mm:ss[.fffffff]])")),
            "A" => {
                parse_int_array(payload).map(FieldValue::IntArray).ok_or_else(|| invalid("integer list ([A:1,2,3])"))
            }
            "B" => base64::engine::general_purpose::STANDARD
                .decode(payload.trim())
                .map(FieldValue::Binary)
                .map_err(|_| invalid("base64 binary ([B:...])")),
            _ => Err(ValueError::UnknownMoniker { moniker: moniker.to_owned(), value: raw.to_owned() }),
        }
    }

    /// Reads a value, falling back to [`FieldValue::Text`] of the raw string when it is not a
    /// valid encoded value. Never fails, never loses the input.
    pub fn parse_lenient(raw: &str) -> FieldValue {
        FieldValue::parse(raw).unwrap_or_else(|_| FieldValue::Text(raw.to_owned()))
    }

    /// The text, if this is [`FieldValue::Text`].
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// An integer: `[I:]`, an integral `[F:]`/`[M:]`, or text of an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            FieldValue::Int(i) => Some(*i),
            FieldValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            FieldValue::Money(m) => parse_int(m),
            FieldValue::Text(s) => parse_int(s),
            _ => None,
        }
    }

    /// A number: `[I:]`, `[F:]`, `[M:]`, or text of a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Int(i) => Some(*i as f64),
            FieldValue::Float(f) => Some(*f),
            FieldValue::Money(m) => m.parse().ok(),
            FieldValue::Text(s) => parse_float(s),
            _ => None,
        }
    }

    /// A checkbox: `[I:1]`/`[I:0]`, or text `1`, `0`, `true`, `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Int(1) => Some(true),
            FieldValue::Int(0) => Some(false),
            FieldValue::Text(s) => match s.trim() {
                "1" => Some(true),
                "0" => Some(false),
                t if t.eq_ignore_ascii_case("true") => Some(true),
                t if t.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A date and time: `[DT:]`, or `[D:]` at midnight.
    pub fn as_datetime(&self) -> Option<NaiveDateTime> {
        match self {
            FieldValue::DateTime(dt) => Some(*dt),
            FieldValue::Date(d) => d.and_hms_opt(0, 0, 0),
            FieldValue::Text(s) => parse_datetime(s),
            _ => None,
        }
    }

    /// A date: `[D:]`, or the date part of `[DT:]`.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            FieldValue::Date(d) => Some(*d),
            FieldValue::DateTime(dt) => Some(dt.date()),
            FieldValue::Text(s) => parse_date(s),
            _ => None,
        }
    }
}

impl fmt::Display for FieldValue {
    /// The canonical encoded form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::Int(i) => write!(f, "[I:{i}]"),
            FieldValue::Float(x) => {
                f.write_str("[F:")?;
                write_float(f, *x)?;
                f.write_char(']')
            }
            FieldValue::DateTime(dt) => {
                write!(f, "[DT:{}.{:07}]", dt.format("%m/%d/%Y %H:%M:%S"), dt.nanosecond() % 1_000_000_000 / 100)
            }
            FieldValue::Date(d) => write!(f, "[D:{}]", d.format("%m/%d/%Y")),
            FieldValue::Money(m) => write!(f, "[M:{m}]"),
            FieldValue::Time(t) => {
                write!(f, "[T:{}.{:07}]", t.format("%H:%M:%S"), t.nanosecond() % 1_000_000_000 / 100)
            }
            FieldValue::TimeSpan(ts) => {
                f.write_str("[TS:")?;
                write_timespan(f, *ts)?;
                f.write_char(']')
            }
            FieldValue::IntArray(items) => {
                f.write_str("[A:")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            FieldValue::Binary(bytes) => {
                write!(f, "[B:{}]", base64::engine::general_purpose::STANDARD.encode(bytes))
            }
        }
    }
}

impl From<i64> for FieldValue {
    fn from(i: i64) -> Self {
        FieldValue::Int(i)
    }
}
impl From<i32> for FieldValue {
    fn from(i: i32) -> Self {
        FieldValue::Int(i64::from(i))
    }
}
impl From<f64> for FieldValue {
    fn from(x: f64) -> Self {
        FieldValue::Float(x)
    }
}
impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::bool(b)
    }
}
impl From<NaiveDateTime> for FieldValue {
    fn from(dt: NaiveDateTime) -> Self {
        FieldValue::DateTime(dt)
    }
}
impl From<NaiveDate> for FieldValue {
    fn from(d: NaiveDate) -> Self {
        FieldValue::Date(d)
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}
impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_owned())
    }
}

/// `[moniker:payload]` split, or `None` if the string is not bracketed.
fn split_encoded(raw: &str) -> Option<(&str, &str)> {
    let inner = raw.trim().strip_prefix('[')?.strip_suffix(']')?;
    let (moniker, payload) = inner.split_once(':')?;
    let moniker = moniker.trim();
    (!moniker.is_empty() && moniker.len() <= 2 && moniker.bytes().all(|b| b.is_ascii_alphabetic()))
        .then_some((moniker, payload))
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>().ok().or_else(|| {
        // Lenient: "12.0" is an integer written as a number.
        let f = parse_float(s)?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

fn parse_float(s: &str) -> Option<f64> {
    let s = s.trim();
    match s {
        "NaN" => return Some(f64::NAN),
        "Infinity" | "∞" => return Some(f64::INFINITY),
        "-Infinity" | "-∞" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // Only digits, sign, one separator and an exponent: refuse Rust-only spellings like "inf".
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b',' | b'e' | b'E')) {
        return None;
    }
    if let Ok(f) = s.parse::<f64>() {
        return Some(f);
    }
    // Lenient: a culture-formatted decimal comma ("12,5") when there is no point.
    if !s.contains('.') && s.matches(',').count() == 1 {
        return s.replace(',', ".").parse().ok();
    }
    None
}

fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("NaN")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        // Rust's shortest round-trip form, never exponential: like .NET's "R" in invariant culture.
        write!(f, "{x}")
    }
}

fn parse_decimal(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = s.strip_prefix('-').or_else(|| s.strip_prefix('+')).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.ends_with('.'));
    ok.then(|| if s.starts_with('+') { digits.to_owned() } else { s.to_owned() })
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    DT_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|dt| dt.with_nanosecond(whole_ticks(dt.nanosecond())).unwrap_or(dt))
        .or_else(|| parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// Nanoseconds cut to .NET's resolution, whole 100 ns ticks (what the canonical form can hold;
/// `%.f` reads up to nine digits).
fn whole_ticks(nanos: u32) -> u32 {
    nanos - nanos % 100
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    DATE_FORMATS.iter().find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    TIME_FORMATS
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(s, f).ok())
        .map(|t| t.with_nanosecond(whole_ticks(t.nanosecond())).unwrap_or(t))
}

/// .NET `TimeSpan` invariant form `[-][d.]hh:mm:ss[.fffffff]`.
fn parse_timespan(s: &str) -> Option<TimeDelta> {
    let s = s.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (days, clock) = match s.split_once(':') {
        Some((head, _)) => match head.split_once('.') {
            Some((d, _)) => (d.parse::<i64>().ok()?, &s[d.len() + 1..]),
            None => (0, s),
        },
        None => {
            return s.parse::<i64>().ok().and_then(TimeDelta::try_days).map(|d| if negative { -d } else { d });
        }
    };
    let mut parts = clock.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let (sec, frac) = match parts.next() {
        Some(sec) => sec.split_once('.').unwrap_or((sec, "")),
        None => ("0", ""),
    };
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) || frac.len() > 7 {
        return None;
    }
    let sec: i64 = sec.parse().ok()?;
    if !(0..60).contains(&sec) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ticks: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<7}").parse().ok()? };
    let total = TimeDelta::try_days(days)?
        .checked_add(&TimeDelta::try_hours(h)?)?
        .checked_add(&TimeDelta::try_minutes(m)?)?
        .checked_add(&TimeDelta::try_seconds(sec)?)?
        .checked_add(&TimeDelta::nanoseconds(ticks * 100))?;
    Some(if negative { -total } else { total })
}

fn write_timespan(f: &mut fmt::Formatter<'_>, ts: TimeDelta) -> fmt::Result {
    let negative = ts < TimeDelta::zero();
    let abs = ts.abs();
    let secs = abs.num_seconds();
    let ticks = abs.subsec_nanos() / 100;
    if negative {
        f.write_char('-')?;
    }
    let (days, rem) = (secs / 86_400, secs % 86_400);
    if days > 0 {
        write!(f, "{days}.")?;
    }
    write!(f, "{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)?;
    if ticks > 0 {
        write!(f, ".{ticks:07}")?;
    }
    Ok(())
}

fn parse_int_array(s: &str) -> Option<Vec<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(',').map(|p| p.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Found by fuzzing (fuzz/fuzz_targets/field_value.rs): more than seven fractional digits
    /// read as nanoseconds printed as ticks, so the value did not survive a round trip.
    #[test]
    fn fractions_finer_than_a_tick_are_cut_to_ticks() {
        let t = FieldValue::parse("[T:1:0:0.0204111111111111111111111111111111111111105555555955]").unwrap();
        assert_eq!(t, FieldValue::Time(NaiveTime::from_hms_nano_opt(1, 0, 0, 20_411_100).unwrap()));
        assert_eq!(FieldValue::parse(&t.to_string()), Ok(t));
        let dt = FieldValue::parse("[DT:2024-05-01T10:15:00.123456789]").unwrap();
        assert_eq!(dt.to_string(), "[DT:05/01/2024 10:15:00.1234567]");
        assert_eq!(FieldValue::parse(&dt.to_string()), Ok(dt));
    }

    #[test]
    fn reads_every_documented_form() {
        assert_eq!(FieldValue::parse("[I:12345]"), Ok(FieldValue::Int(12345)));
        assert_eq!(FieldValue::parse("[F:12345.6789]"), Ok(FieldValue::Float(12345.6789)));
        let dt = NaiveDate::from_ymd_opt(2013, 12, 31).unwrap().and_hms_opt(23, 59, 59).unwrap();
        assert_eq!(FieldValue::parse("[DT:12/31/2013 23:59:59.0000000]"), Ok(FieldValue::DateTime(dt)));
        assert_eq!(FieldValue::parse("[D:12/31/2013]"), Ok(FieldValue::Date(dt.date())));
        assert_eq!(FieldValue::parse("[M:-12.50]"), Ok(FieldValue::Money("-12.50".into())));
        assert_eq!(FieldValue::parse("[T:08:30:00]"), Ok(FieldValue::Time(NaiveTime::from_hms_opt(8, 30, 0).unwrap())));
        assert_eq!(
            FieldValue::parse("[TS:1.02:03:04.5]"),
            Ok(FieldValue::TimeSpan(TimeDelta::seconds(86_400 + 2 * 3600 + 3 * 60 + 4) + TimeDelta::milliseconds(500)))
        );
        assert_eq!(FieldValue::parse("[A:1,2,3]"), Ok(FieldValue::IntArray(vec![1, 2, 3])));
        assert_eq!(FieldValue::parse("[B:AQID]"), Ok(FieldValue::Binary(vec![1, 2, 3])));
        assert_eq!(FieldValue::parse("G4"), Ok(FieldValue::Text("G4".into())));
    }

    #[test]
    fn reading_is_lenient() {
        assert_eq!(FieldValue::parse(" [i: 7 ] "), Ok(FieldValue::Int(7)));
        assert_eq!(FieldValue::parse("[I:7.0]"), Ok(FieldValue::Int(7)));
        assert_eq!(FieldValue::parse("[F:12,5]"), Ok(FieldValue::Float(12.5)));
        assert_eq!(FieldValue::parse("[D:0.0]"), Ok(FieldValue::Float(0.0)));
        let dt = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(10, 15, 0).unwrap();
        assert_eq!(FieldValue::parse("[DT:2024-05-01T10:15:00Z]"), Ok(FieldValue::DateTime(dt)));
        assert_eq!(FieldValue::parse("[DT:05/01/2024 10:15]"), Ok(FieldValue::DateTime(dt)));
        assert_eq!(FieldValue::parse("[DT:05/01/2024]").unwrap().as_date(), Some(dt.date()));
        assert_eq!(FieldValue::parse("[A:]"), Ok(FieldValue::IntArray(vec![])));
        // Brackets without a moniker are text.
        assert_eq!(FieldValue::parse("[not encoded]"), Ok(FieldValue::Text("[not encoded]".into())));
    }

    #[test]
    fn bad_payloads_are_named() {
        let err = FieldValue::parse("[I:abc]").unwrap_err();
        assert!(err.to_string().contains("[I:abc]") && err.to_string().contains("integer"), "{err}");
        assert!(matches!(FieldValue::parse("[Q:1]"), Err(ValueError::UnknownMoniker { .. })));
        assert!(FieldValue::parse("[F:inf]").is_err());
        assert!(FieldValue::parse("[DT:31/12/2013]").is_err());
        assert!(FieldValue::parse("[TS:25:00:00]").is_err());
        assert_eq!(FieldValue::parse_lenient("[I:abc]"), FieldValue::Text("[I:abc]".into()));
    }

    #[test]
    fn writes_canonically() {
        let dt = NaiveDate::from_ymd_opt(2013, 12, 31).unwrap().and_hms_nano_opt(23, 59, 59, 123_456_700).unwrap();
        assert_eq!(FieldValue::DateTime(dt).to_string(), "[DT:12/31/2013 23:59:59.1234567]");
        assert_eq!(FieldValue::Float(1e21).to_string(), "[F:1000000000000000000000]");
        assert_eq!(FieldValue::Float(0.1).to_string(), "[F:0.1]");
        assert_eq!(FieldValue::Float(f64::INFINITY).to_string(), "[F:Infinity]");
        assert_eq!(FieldValue::bool(true).to_string(), "[I:1]");
        assert_eq!(FieldValue::TimeSpan(-TimeDelta::seconds(90)).to_string(), "[TS:-00:01:30]");
        assert_eq!(FieldValue::IntArray(vec![1, -2]).to_string(), "[A:1,-2]");
    }

    #[test]
    fn typed_access() {
        assert_eq!(FieldValue::parse_lenient("[I:1]").as_bool(), Some(true));
        assert_eq!(FieldValue::parse_lenient("[I:3]").as_f64(), Some(3.0));
        assert_eq!(FieldValue::parse_lenient("[F:3]").as_i64(), Some(3));
        assert_eq!(FieldValue::parse_lenient("[F:3.5]").as_i64(), None);
        assert_eq!(FieldValue::parse_lenient("[M:10.25]").as_f64(), Some(10.25));
        assert_eq!(FieldValue::Text("true".into()).as_bool(), Some(true));
    }

    fn datetime() -> impl Strategy<Value = NaiveDateTime> {
        (1i32..9999, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..10_000_000).prop_map(
            |(y, mo, d, h, mi, s, ticks)| {
                NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_nano_opt(h, mi, s, ticks * 100).unwrap()
            },
        )
    }

    fn value() -> impl Strategy<Value = FieldValue> {
        prop_oneof![
            any::<String>().prop_filter("not encoded", |s| split_encoded(s).is_none()).prop_map(FieldValue::Text),
            any::<i64>().prop_map(FieldValue::Int),
            any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()).prop_map(FieldValue::Float),
            datetime().prop_map(FieldValue::DateTime),
            datetime().prop_map(|dt| FieldValue::Date(dt.date())),
            datetime().prop_map(|dt| FieldValue::Time(dt.time())),
            "-?[0-9]{1,20}(\\.[0-9]{1,10})?".prop_map(FieldValue::Money),
            (any::<bool>(), 0i64..100_000, 0i64..86_400, 0i64..10_000_000).prop_map(|(neg, d, s, t)| {
                let ts = TimeDelta::days(d) + TimeDelta::seconds(s) + TimeDelta::nanoseconds(t * 100);
                FieldValue::TimeSpan(if neg { -ts } else { ts })
            }),
            proptest::collection::vec(any::<i64>(), 0..8).prop_map(FieldValue::IntArray),
            proptest::collection::vec(any::<u8>(), 0..32).prop_map(FieldValue::Binary),
        ]
    }

    proptest! {
        #[test]
        fn canonical_form_round_trips(v in value()) {
            prop_assert_eq!(FieldValue::parse(&v.to_string()), Ok(v));
        }

        #[test]
        fn any_string_reads_without_panic_and_lenient_keeps_it(s in any::<String>()) {
            let lenient = FieldValue::parse_lenient(&s);
            if let FieldValue::Text(t) = &lenient {
                prop_assert_eq!(t, &s);
            }
        }
    }
}

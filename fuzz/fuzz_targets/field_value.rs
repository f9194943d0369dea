//! The field-value codec (spec §3.7) on any text: strict parsing never panics, and a value it
//! accepts prints to a canonical form that parses back to the same value; lenient parsing
//! accepts everything.
#![no_main]

use erp_connector::contract::FieldValue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = FieldValue::parse_lenient(text);
    if let Ok(value) = FieldValue::parse(text) {
        let canonical = value.to_string();
        match FieldValue::parse(&canonical) {
            Ok(again) if again == value => {}
            // NaN is the one value not equal to itself.
            Ok(FieldValue::Float(x)) if x.is_nan() => {}
            other => panic!("{text:?} read as {value:?}, printed as {canonical:?}, read back as {other:?}"),
        }
    }
});

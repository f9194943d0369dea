//! Allow-lists for configuration values that name a place: `#[field(allow = "...")]`.
//!
//! Every configuration value is chosen by whoever calls (docs/security.md): a field holding a
//! URL or a host the connector will connect to must be checked against the places the
//! connector's author means, or the connector becomes a tool for reaching anything its host can
//! reach. A pattern is either a URL prefix or a host:
//!
//! * `https://erp.example.com`, `https://*.shop.example/api`: the value must be a URL with the
//!   same scheme, a host equal to the pattern's (or, for `*.`, one or more labels under it), the
//!   same port (none in the pattern: none or the scheme's default in the value), and a path
//!   starting with the pattern's at a `/` boundary;
//! * `erp.example.com`, `*.example.com:8443`: the value must be a host (and port) matching the
//!   same way.
//!
//! Values with user information (`user@`), backslashes, percent-encoded or non-ASCII host names,
//! whitespace (around the value too: the value checked is the value used) or control characters
//! never match, nor does a path with a dot segment (`/tenant1/..`, `/./`), percent-encoded or not:
//! it would leave the pattern's path where the server resolves it.
//!
//! Where the places are the deployment's to choose (a self-hosted ERP: each customer runs it on a
//! host of their own), a pattern `${NAME}` stands for the patterns in the environment variable
//! `NAME` (separated by whitespace; the service's `allow_variables` setting, read first, can
//! give them instead: [`Variables`]), read when a value is checked: `#[field(allow =
//! "${TRYTON_ALLOWED_URLS}")]`. Unset or empty, it allows nothing; a malformed pattern in it
//! matches nothing.
//!
//! ```
//! use erp_connector::connector::allow::matches_any;
//! let allowed = ["https://*.shop.example/api"];
//! assert!(matches_any("https://eu.shop.example/api/v2", &allowed));
//! assert!(!matches_any("https://shop.example.evil.test/api", &allowed));
//! assert!(!matches_any("https://eu.shop.example@169.254.169.254/api", &allowed));
//! assert!(!matches_any("http://eu.shop.example/api", &allowed));
//! ```

/// The parts of a URL or host that are compared.
#[derive(Debug, PartialEq, Eq)]
struct Place<'a> {
    scheme: Option<String>,
    /// Lower-cased.
    host: String,
    port: Option<u16>,
    path: &'a str,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// Reads `text` as `scheme://host[:port][/path]` or `host[:port]`; `wildcard` lets the host
/// start with `*.`.
fn place(text: &str, wildcard: bool) -> Option<Place<'_>> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return None;
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => {
            let ok = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
            (Some(scheme.to_ascii_lowercase()).filter(|_| ok)?.into(), rest)
        }
        None => (None, text),
    };
    let (authority, path) = match (scheme.is_some(), rest.find(['/', '?', '#'])) {
        (true, Some(i)) => (&rest[..i], &rest[i..]),
        (true, None) => (rest, ""),
        (false, None) => (rest, ""),
        (false, Some(_)) => return None,
    };
    if authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            host.parse::<std::net::Ipv6Addr>().ok()?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
        None => None,
    };
    let name = if wildcard { host.strip_prefix("*.").unwrap_or(host) } else { host };
    let labels_ok = !name.is_empty()
        && name.len() <= 253
        && (name.parse::<std::net::IpAddr>().is_ok()
            || name
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    labels_ok.then(|| Place { scheme, host: host.to_ascii_lowercase(), port, path })
}

/// Whether `pattern` is well-formed for [`matches()`] (the derive checks its shape at compile time).
pub fn is_pattern(pattern: &str) -> bool {
    place(pattern, true).is_some_and(|p| !p.path.contains(['?', '#']))
}

/// Whether `path` (up to its query or fragment) has a `.` or `..` segment, plain or
/// percent-encoded (`%2e`, `%2E`), or an encoded `/` or `\\` that a server might read as one.
fn escapes_its_prefix(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") {
        return true;
    }
    lower.split('/').any(|segment| matches!(segment.replace("%2e", ".").as_str(), "." | ".."))
}

/// Whether `value` is a place `pattern` allows (see the module documentation).
pub fn matches(value: &str, pattern: &str) -> bool {
    let (Some(value), Some(pattern)) = (place(value, false), place(pattern, true)) else { return false };
    if escapes_its_prefix(value.path) {
        return false;
    }
    if value.scheme != pattern.scheme {
        return false;
    }
    let host_ok = match pattern.host.strip_prefix("*.") {
        Some(suffix) => value.host.len() > suffix.len() + 1 && value.host.ends_with(&format!(".{suffix}")),
        None => value.host == pattern.host,
    };
    let default = value.scheme.as_deref().and_then(default_port);
    let port_ok = match pattern.port {
        Some(port) => value.port.or(default) == Some(port),
        None => value.port.is_none() || value.port == default,
    };
    let prefix = pattern.path.trim_end_matches('/');
    let path_ok = prefix.is_empty()
        || value.path == prefix
        || value.path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(['/', '?', '#']));
    host_ok && port_ok && path_ok
}

/// Whether `value` matches one of `patterns` (`${NAME}` read from the environment). The value
/// is matched as it is, untrimmed: it is what the connector will use.
pub fn matches_any(value: &str, patterns: &[&str]) -> bool {
    matches_any_in(value, patterns, &Variables::default())
}

/// [`matches_any`] with `${NAME}` read from `variables`.
pub fn matches_any_in(value: &str, patterns: &[&str], variables: &Variables) -> bool {
    expanded(patterns, |name| variables.get(name)).iter().any(|p| matches(value, p))
}

/// Where `${NAME}` patterns are read: the service's own values (the `allow_variables` setting; a
/// test's mock ERP address), else the process environment.
///
/// ```
/// use erp_connector::connector::allow::{Variables, matches_any_in};
/// let variables = Variables::new([("SHOP_ALLOWED_URLS", "http://127.0.0.1:8765/api")]);
/// assert!(matches_any_in("http://127.0.0.1:8765/api/v1", &["${SHOP_ALLOWED_URLS}"], &variables));
/// assert!(!matches_any_in("http://127.0.0.1:9999/api", &["${SHOP_ALLOWED_URLS}"], &variables));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables(std::sync::Arc<std::collections::BTreeMap<String, String>>);

impl Variables {
    /// These values in place of the environment's.
    pub fn new<K: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (K, V)>) -> Variables {
        Variables(std::sync::Arc::new(values.into_iter().map(|(k, v)| (k.into(), v.into())).collect()))
    }

    /// The value of `name`: the service's own, else the environment's.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned().or_else(|| std::env::var(name).ok())
    }
}

/// The name in a `${NAME}` pattern.
pub fn variable_of(pattern: &str) -> Option<&str> {
    let name = pattern.strip_prefix("${")?.strip_suffix('}')?;
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(name)
}

/// `patterns` with each `${NAME}` replaced by the well-formed patterns `lookup` gives for it.
fn expanded(patterns: &[&str], lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        match variable_of(pattern) {
            Some(name) => {
                let value = lookup(name).unwrap_or_default();
                out.extend(value.split_whitespace().filter(|p| is_pattern(p)).map(str::to_owned));
            }
            None => out.push((*pattern).to_owned()),
        }
    }
    out
}

/// The allowed places, for an error message: the patterns, each `${NAME}` by what it holds.
pub fn described(patterns: &[&str], variables: &Variables) -> String {
    described_with(patterns, |name| variables.get(name))
}

fn described_with(patterns: &[&str], lookup: impl Fn(&str) -> Option<String> + Copy) -> String {
    let parts: Vec<String> = patterns
        .iter()
        .map(|p| match variable_of(p) {
            Some(name) => {
                let set = expanded(&[p], lookup);
                if set.is_empty() { format!("none from {name} (unset)") } else { set.join(", ") }
            }
            None => (*p).to_owned(),
        })
        .collect();
    parts.join(", ")
}

/// The derive's check of a pattern's shape, compiled here as it is, for the test that holds it
/// equal to [`is_pattern`].
#[cfg(test)]
#[path = "../../../connector-macros/src/allow_pattern.rs"]
mod derive_grammar;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The derive accepts a pattern exactly when the runtime can match with it.
    fn agree(pattern: &str) {
        let derive = derive_grammar::pattern_fault(pattern);
        let runtime = is_pattern(pattern) || variable_of(pattern).is_some();
        assert_eq!(derive.is_none(), runtime, "`{pattern}`: the derive says {derive:?}, the runtime {runtime}");
    }

    #[test]
    fn the_derive_and_the_runtime_agree() {
        for pattern in [
            "https://erp.example",
            "https://*.shop.example/api",
            "erp.example.com:8443",
            "*.example.com",
            "10.0.0.5:8000",
            "http://[::1]:8080/x",
            "[::1]",
            "${ERP_URLS}",
            "${lower}",
            "${}",
            "",
            "*.",
            "https://",
            "host:",
            "host:+80",
            "host:99999",
            "host:080",
            "https://a@b",
            "https://h/a@b",
            "https://h/a?b",
            "https://h#x",
            "h/p",
            "a..b",
            "-a.b",
            "a_b.c",
            "ex ample",
            "tab\there",
            "https://h\\x",
            "1.2.3.4",
            "::1",
            "[::1]x",
            "ht tp://h",
            "://h",
            "+://h",
            "HTTPS://H",
            "a.b:65535",
            "a.b:65536",
            "xn--bcher-kva.example",
            "*.*.example",
            "https://h:/p",
        ] {
            agree(pattern);
        }
        agree(&format!("{}.example", "a".repeat(63)));
        agree(&format!("{}.example", "a".repeat(64)));
        agree(&["abcdefghi"; 26].join("."));
    }

    proptest! {
        #[test]
        fn the_derive_and_the_runtime_agree_on_any_pattern(
            pattern in "(\\$\\{)?([a-z]{1,5}://)?(\\*\\.)?[a-zA-Z0-9.:_\\[\\]@/?#%-]{0,24}(\\})?",
        ) {
            agree(&pattern);
        }

        #[test]
        fn the_derive_and_the_runtime_agree_on_any_text(pattern in "\\PC{0,30}") {
            agree(&pattern);
        }
    }

    #[test]
    fn deployment_patterns_come_from_the_environment() {
        let patterns = ["https://erp.example", "${TRYTON_URLS}"];
        let unset = |_: &str| None;
        let set = |name: &str| (name == "TRYTON_URLS").then(|| "http://10.0.0.5:8000  not//a/pattern".to_owned());
        let allowed = |value: &str, lookup| expanded(&patterns, lookup).iter().any(|p| matches(value, p));
        assert!(!allowed("http://10.0.0.5:8000/db", &unset as &dyn Fn(&str) -> Option<String>));
        assert!(allowed("http://10.0.0.5:8000/db", &set));
        assert!(!allowed("http://10.0.0.5:8001/db", &set));
        assert!(allowed("https://erp.example/x", &unset));
        assert_eq!(described_with(&patterns, unset), "https://erp.example, none from TRYTON_URLS (unset)");
        assert_eq!(described_with(&patterns, set), "https://erp.example, http://10.0.0.5:8000");
        assert_eq!(variable_of("${lower}"), None);
        assert_eq!(variable_of("${}"), None);
        // Read from the process environment by default: a variable nobody sets allows nothing.
        assert!(!matches_any("http://10.0.0.5:8000", &["${ERP_CONNECTOR_TEST_NEVER_SET}"]));
    }

    #[test]
    fn dot_segments_and_surrounding_space_never_match() {
        let allowed = ["https://erp.example/tenant1"];
        assert!(matches_any("https://erp.example/tenant1/api", &allowed));
        for escaped in [
            "https://erp.example/tenant1/..",
            "https://erp.example/tenant1/../tenant2",
            "https://erp.example/tenant1/%2e%2e/tenant2",
            "https://erp.example/tenant1/%2E%2e/tenant2",
            "https://erp.example/tenant1/./x",
            "https://erp.example/tenant1/..%2ftenant2",
            "https://erp.example/tenant1%2f..%2ftenant2",
            " https://erp.example/tenant1",
            "https://erp.example/tenant1 ",
        ] {
            assert!(!matches_any(escaped, &allowed), "{escaped:?}");
        }
        assert!(matches_any("https://erp.example/tenant1/a..b?q=../x", &allowed), "dots inside a name, a query");
    }

    #[test]
    fn urls_match_by_scheme_host_port_and_path() {
        let p = "https://*.shop.example/api";
        for good in [
            "https://eu.shop.example/api",
            "https://EU.Shop.Example/api/",
            "https://a.b.shop.example/api/v2?x=1",
            "https://eu.shop.example:443/api",
        ] {
            assert!(matches(good, p), "{good}");
        }
        for bad in [
            "https://shop.example/api",
            "https://eu.shop.example/apiary",
            "https://eu.shop.example/",
            "https://eu.shop.example:8443/api",
            "https://eu.shop.example.evil.test/api",
            "https://evil.test/eu.shop.example/api",
            "https://eu.shop.example@evil.test/api",
            "https://evil.test#@eu.shop.example/api",
            "https://eu.shop.example%2f@evil/api",
            "https:\\\\eu.shop.example/api",
            "http://eu.shop.example/api",
            "file:///etc/passwd",
            "eu.shop.example",
            " https://eu.shop.example/api\n",
        ] {
            assert!(!matches(bad, p), "{bad}");
        }
        assert!(matches("https://erp.example.com", "https://erp.example.com"));
        assert!(matches("https://erp.example.com/anything", "https://erp.example.com"));
        assert!(!matches("https://erp.example.com.evil", "https://erp.example.com"));
    }

    #[test]
    fn hosts_and_addresses() {
        assert!(matches("erp.example.com", "erp.example.com"));
        assert!(matches("db1.example.com:5432", "*.example.com:5432"));
        assert!(!matches("db1.example.com", "*.example.com:5432"));
        assert!(!matches("example.com:5432", "*.example.com:5432"));
        assert!(!matches("169.254.169.254", "*.example.com"));
        assert!(matches("10.0.0.5:8069", "10.0.0.5:8069"));
        assert!(matches("http://[::1]:8000/", "http://[::1]:8000"));
        assert!(!matches("erp.example.com/x", "erp.example.com"));
        for bad in ["", "https://", "*.*.x", "https://*/", "a b", "https://x:99999"] {
            assert!(!is_pattern(bad), "{bad}");
        }
        assert!(is_pattern("https://*.shop.example/api") && is_pattern("erp.example.com:8443"));
    }

    proptest! {
        /// Whatever the value, a match names a host under the pattern's.
        #[test]
        fn a_match_is_under_the_pattern(value in "\\PC{0,60}", sub in "[a-z]{1,8}") {
            let pattern = "https://*.shop.example";
            if matches(&value, pattern) {
                let host = place(&value, false).unwrap().host;
                prop_assert!(host.ends_with(".shop.example"), "{} -> {}", value, host);
            }
            let value = format!("https://{sub}.shop.example/x");
            prop_assert!(matches(&value, pattern), "{}", value);
        }
    }
}

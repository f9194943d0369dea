//! The shape of an allow pattern (`#[field(allow = "...")]`), checked at compile time: what can
//! never match is refused with the reason. The runtime's `connector::allow` decides what a
//! well-formed pattern matches; a property test there (`the_derive_and_the_runtime_agree`)
//! holds this file's verdicts equal to the runtime's `is_pattern`. This file uses `std` only,
//! so that the runtime's test can compile it as it is.

/// What is wrong with `pattern`'s shape, if anything: `${NAME}`, a URL prefix
/// (`scheme://host[:port][/path]`) or a host (`host[:port]`), the host a name of labels (`*.`
/// allowed before it), an IPv4 address or a bracketed IPv6 one.
pub(crate) fn pattern_fault(pattern: &str) -> Option<&'static str> {
    // `${NAME}`: the deployment's patterns, from the environment at run time.
    if let Some(name) = pattern.strip_prefix("${") {
        let ok = name.strip_suffix('}').is_some_and(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        });
        return (!ok).then_some("`${...}` names an environment variable in upper case, e.g. `${ERP_ALLOWED_URLS}`");
    }
    if pattern.is_empty() {
        return Some("it is empty");
    }
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) || pattern.contains(['\\', '?', '#']) {
        return Some("it has white space, control characters, `\\`, `?` or `#`");
    }
    let (scheme, rest) = match pattern.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, pattern),
    };
    if scheme.is_some_and(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))) {
        return Some("the scheme has other characters than letters, digits, + - .");
    }
    let authority = match scheme {
        Some(_) => rest.split('/').next().unwrap_or(""),
        None if rest.contains('/') => return Some("a path needs a scheme (https://host/path)"),
        None => rest,
    };
    if authority.contains('@') {
        return Some("it names a user (`@`)");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, after)) if host.parse::<std::net::Ipv6Addr>().is_ok() => (None, after.strip_prefix(':')),
            _ => return Some("the bracketed host is not an IPv6 address"),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        },
    };
    let port_ok = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if port.is_some_and(|p| !port_ok(p) || p.parse::<u16>().is_err()) {
        return Some("the port is not a number up to 65535");
    }
    host_fault(host?) // `None`: an IPv6 literal, already checked
}

/// What is wrong with a pattern's host, if anything.
fn host_fault(host: &str) -> Option<&'static str> {
    let name = host.strip_prefix("*.").unwrap_or(host);
    if name.is_empty() {
        return Some("it names no host");
    }
    let label_ok =
        |l: &str| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if name.len() > 253 || !(name.parse::<std::net::IpAddr>().is_ok() || name.split('.').all(label_ok)) {
        return Some(
            "the host has empty or long labels, or characters other than letters, digits and `-` (`*` only as a \
             leading `*.`)",
        );
    }
    None
}

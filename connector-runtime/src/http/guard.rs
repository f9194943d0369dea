//! Who is calling: the client address and the address it called, taken from a trusted proxy's
//! `X-Forwarded-*` headers only, and the source allow-list.
//!
//! A client that is not a trusted proxy cannot name another client address, host or scheme:
//! its forwarded headers are ignored. Refused sources get HTTP 403 with an empty body.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

/// Which sources may call, and which of them are proxies whose forwarded headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourcePolicy {
    /// Client addresses allowed to call; empty: everyone.
    pub allow_from: Vec<IpNet>,
    /// Proxies whose `X-Forwarded-For`, `-Host` and `-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// Where a request came from and what it asked for, after the trusted-proxy rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The client's address (the proxy's own, for a direct call from it).
    pub client: IpAddr,
    /// `http` or `https`, as the client called.
    pub scheme: String,
    /// `host[:port]` as the client called, when it is a well-formed host.
    pub host: Option<String>,
}

impl SourcePolicy {
    /// Reads comma- or whitespace-separated CIDRs (a bare address is a /32 or /128).
    pub fn parse_list(text: &str) -> Result<Vec<IpNet>, String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{s}` is not an address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)"))
            })
            .collect()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&canonical(ip)))
    }

    /// Whether `client` may call.
    pub fn allows(&self, client: IpAddr) -> bool {
        self.allow_from.is_empty() || self.allow_from.iter().any(|net| net.contains(&canonical(client)))
    }

    /// The client address of `req`, which arrived from `peer`: `peer` itself, unless `peer` is a
    /// trusted proxy, whose `X-Forwarded-For` names the client. (No allocation unless it reads
    /// forwarded headers: this runs on every call.)
    pub fn client(&self, req: &HttpRequest, peer: IpAddr) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(peer) {
            return client;
        }
        // The first address from the right that is not one of our proxies is the client. Every
        // X-Forwarded-For line counts, in order: a proxy may add its own after the client's.
        let lines: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
        for hop in lines.iter().rev().flat_map(|line| line.rsplit(',')).map(str::trim).filter(|h| !h.is_empty()) {
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = canonical(ip);
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    /// The origin of `req`, which arrived from `peer` over a connection that was TLS or not.
    pub fn origin(&self, req: &HttpRequest, peer: IpAddr, tls: bool) -> Origin {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let client = self.client(req, peer);
        let direct_host = header(header::HOST.as_str()).filter(|h| well_formed_host(h)).map(str::to_owned);
        let direct_scheme = if tls { "https" } else { "http" };
        if !self.trusts(peer) {
            return Origin { client, scheme: direct_scheme.into(), host: direct_host };
        }
        let scheme = match header("x-forwarded-proto").map(str::to_ascii_lowercase).as_deref() {
            Some("https") => "https",
            Some("http") => "http",
            _ => direct_scheme,
        };
        let host = header("x-forwarded-host")
            .and_then(|h| h.split(',').next())
            .map(str::trim)
            .filter(|h| well_formed_host(h))
            .map(str::to_owned)
            .or(direct_host);
        Origin { client, scheme: scheme.into(), host }
    }
}

/// IPv4-mapped IPv6 addresses as IPv4, so that `10.0.0.0/8` matches `::ffff:10.1.2.3`.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `name[:port]` or `[v6][:port]` of letters, digits, `-`, `.` only: nothing that could change
/// the meaning of the WSDL address it is written into.
fn well_formed_host(host: &str) -> bool {
    let (name_ok, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let Some((v6, after)) = rest.split_once(']') else { return false };
            let port = match after {
                "" => None,
                after => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return false,
                },
            };
            (v6.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => {
            let (name, port) = match host.rsplit_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host, None),
            };
            let name_ok = !name.is_empty()
                && name.len() <= 253
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            (name_ok, port)
        }
    };
    name_ok && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn policy(allow: &str, proxies: &str) -> SourcePolicy {
        SourcePolicy {
            allow_from: SourcePolicy::parse_list(allow).unwrap(),
            trusted_proxies: SourcePolicy::parse_list(proxies).unwrap(),
        }
    }

    fn forged() -> HttpRequest {
        TestRequest::default()
            .insert_header(("Host", "erp.example.com"))
            .insert_header(("X-Forwarded-For", "203.0.113.9, 10.0.0.2"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let p = policy("", "10.0.0.0/8");
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        let from_stranger = p.origin(&forged(), stranger, false);
        assert_eq!(from_stranger.client, stranger);
        assert_eq!((from_stranger.scheme.as_str(), from_stranger.host.as_deref()), ("http", Some("erp.example.com")));
        let from_proxy = p.origin(&forged(), "10.0.0.1".parse().unwrap(), false);
        assert_eq!(from_proxy.client, "203.0.113.9".parse::<IpAddr>().unwrap(), "the proxy chain is skipped");
        assert_eq!((from_proxy.scheme.as_str(), from_proxy.host.as_deref()), ("https", Some("evil.example")));
    }

    #[test]
    fn every_forwarded_for_line_counts() {
        let p = policy("", "10.0.0.0/8");
        let req = TestRequest::default()
            .append_header(("X-Forwarded-For", "192.0.2.1"))
            .append_header(("X-Forwarded-For", "203.0.113.9"))
            .to_http_request();
        let origin = p.origin(&req, "10.0.0.1".parse().unwrap(), false);
        assert_eq!(
            origin.client,
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the line the proxy added, not the client's"
        );
    }

    #[test]
    fn allow_list_and_bad_hosts() {
        let p = policy("192.0.2.0/24, 2001:db8::1", "");
        assert!(p.allows("192.0.2.77".parse().unwrap()));
        assert!(p.allows(canonical("::ffff:192.0.2.1".parse().unwrap())));
        assert!(p.allows("2001:db8::1".parse().unwrap()));
        assert!(!p.allows("192.0.3.1".parse().unwrap()));
        assert!(policy("", "").allows("192.0.3.1".parse().unwrap()), "empty: everyone");
        assert!(SourcePolicy::parse_list("10.0.0.0/33").is_err());
        for good in ["erp.example.com", "erp.example.com:8443", "127.0.0.1:80", "[::1]:8080", "[::1]"] {
            assert!(well_formed_host(good), "{good}");
        }
        for bad in ["evil.example/x?", "a b", "host:port", "", "x\"><y", "[zz]:1", "h:123456"] {
            assert!(!well_formed_host(bad), "{bad}");
        }
    }
}

//! [`ErpAddress`]: the configured address of an ERP's web API.

use crate::connector::ConfigValue;
use crate::contract::FieldType;

/// The base address of an ERP's web API, as a connection configures it: an `http` or `https` URL
/// with a host, and no user information, query, fragment or dot segments (the parts a caller
/// could use to point the connector somewhere its operator did not mean).
///
/// As a configuration field it must carry an allow-list (`#[field(allow = "...")]`; the derive
/// refuses the field without one), so the value an [`ErpApi`](super::ErpApi) connects to was
/// checked against the operator's places before the connector saw it.
///
/// ```
/// use erp_connector::connector::ConfigValue;
/// use erp_connector::connector::remote::ErpAddress;
/// let base = ErpAddress::parse_value("https://eu.erp.example/api/v2/").unwrap();
/// assert_eq!(base.as_str(), "https://eu.erp.example/api/v2/");
/// assert!(ErpAddress::parse_value("https://user@erp.example/").is_err());
/// assert!(ErpAddress::parse_value("ftp://erp.example/").is_err());
/// assert!(ErpAddress::parse_value("https://erp.example/api/../admin").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ErpAddress(url::Url);

impl ErpAddress {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host and port, for messages (never the path or a query).
    pub fn host(&self) -> String {
        super::host_of(self.0.as_str())
    }

    /// The address of `path` below this one: `oauth/token` below `https://erp.example/api/v1/` is
    /// `https://erp.example/api/v1/oauth/token`. For an ERP whose other endpoints (its OAuth2
    /// token endpoint, say) sit below its API's address, so that one allow-listed field covers
    /// them; `path` is checked as a configured address is (no `..`, query or user information).
    ///
    /// ```
    /// use erp_connector::connector::ConfigValue;
    /// use erp_connector::connector::remote::ErpAddress;
    /// let api = ErpAddress::parse_value("https://erp.example/api/v1").unwrap();
    /// assert_eq!(api.join("oauth/token").unwrap().as_str(), "https://erp.example/api/v1/oauth/token");
    /// assert!(api.join("../admin").is_err());
    /// ```
    pub fn join(&self, path: &str) -> Result<ErpAddress, crate::connector::ConnectorError> {
        let base = self.0.as_str();
        let separator = if base.ends_with('/') { "" } else { "/" };
        ErpAddress::parse_value(&format!("{base}{separator}{}", path.trim_start_matches('/'))).map_err(|why| {
            crate::connector::ConnectorError::new(format!(
                "`{}` below the ERP's address is {why}",
                crate::untrusted::shown(path)
            ))
        })
    }

    pub(crate) fn url(&self) -> &url::Url {
        &self.0
    }
}

impl std::fmt::Debug for ErpAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ErpAddress({})", self.0)
    }
}

impl std::fmt::Display for ErpAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl std::str::FromStr for ErpAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        ErpAddress::parse_value(text)
    }
}

impl ConfigValue for ErpAddress {
    const FIELD_TYPE: FieldType = FieldType::Text;
    const ADDRESS: bool = true;

    fn parse_value(raw: &str) -> Result<Self, String> {
        let refused = |why: &str| Err(format!("not the address of a web API: {why}"));
        if raw.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
            return refused("it holds spaces, control characters or backslashes");
        }
        // Dot segments are resolved by the parser; the text the operator allowed must be the
        // address used, so they are refused rather than resolved.
        let path = raw.split_once("://").map_or("", |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
        let path = path.split(['?', '#']).next().unwrap_or("");
        if path
            .split('/')
            .any(|s| matches!(s.to_ascii_lowercase().as_str(), "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."))
        {
            return refused("its path has a `.` or `..` segment");
        }
        let Ok(url) = url::Url::parse(raw) else { return refused("it is not a URL") };
        if !matches!(url.scheme(), "http" | "https") {
            return refused("it must start with https:// (or http://)");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return refused("it names no host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refused("it holds a user name or password (give those in their own fields)");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return refused("it holds a query or fragment");
        }
        Ok(ErpAddress(url))
    }

    fn to_value(&self) -> String {
        self.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_web_api_and_nothing_else() {
        for ok in ["https://erp.example", "http://10.0.0.5:8000/api/", "https://erp.example/a%20b/"] {
            assert!(ErpAddress::parse_value(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "erp.example",
            "file:///etc/passwd",
            "https://",
            "https://u:p@erp.example/",
            "https://erp.example/?key=1",
            "https://erp.example/#x",
            "https://erp.example/a/%2E%2E/b",
            "https://erp.example/./b",
            " https://erp.example/",
            "https://erp.example/\\..",
        ] {
            assert!(ErpAddress::parse_value(bad).is_err(), "{bad}");
        }
        let address = ErpAddress::parse_value("https://erp.example:8443/api/").unwrap();
        assert_eq!(address.host(), "erp.example:8443");
        assert_eq!(ErpAddress::parse_value(&address.to_value()).unwrap(), address);
    }
}

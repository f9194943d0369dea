//! Service settings: defaults, then a TOML file, then environment variables.

use std::path::PathBuf;

use serde::Deserialize;

use crate::soap::{ProfileChoice, WireProfile};

/// Everything the service reads at start-up.
///
/// | setting | TOML key | environment | default |
/// |---|---|---|---|
/// | listen address | `bind` | `ERP_CONNECTOR_BIND` | `127.0.0.1:8080` |
/// | endpoint path (a secret in Online: `keys generate` makes one) | `endpoint.path` | `ERP_CONNECTOR_ENDPOINT_PATH` | `/Services/ErpConnectorWS.svc` |
/// | sources allowed to call (CIDR list) | `endpoint.allow_from` | `ERP_CONNECTOR_ALLOW_FROM` | everyone |
/// | proxies whose `X-Forwarded-*` are believed (CIDR list) | `endpoint.trusted_proxies` | `ERP_CONNECTOR_TRUSTED_PROXIES` | none |
/// | largest configuration of a connection | `connections.max_config_bytes` | `ERP_CONNECTOR_MAX_CONFIG_BYTES` | 64 KiB |
/// | most stored connections per connector | `connections.max_stored` | `ERP_CONNECTOR_MAX_STORED_CONNECTIONS` | 20000 |
/// | saves per minute from one source | `connections.saves_per_minute_per_source` | `ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE` | 6000 |
/// | replacing a connection with other values | `connections.replace` | `ERP_CONNECTOR_REPLACE_CONNECTION` | `test` |
/// | parsed connections kept in memory | `connections.cache_entries` | `ERP_CONNECTOR_CONNECTION_CACHE_ENTRIES` | 10000 |
/// | SOAP body shape: `auto` or a fixed profile | `wire_profile` | `ERP_CONNECTOR_WIRE_PROFILE` | `auto` |
/// | shape of `auto` before any caller showed one | `wire_profile_fallback` | `ERP_CONNECTOR_WIRE_PROFILE_FALLBACK` | `message-contract` |
/// | request body limit | `max_body_bytes` | `ERP_CONNECTOR_MAX_BODY_BYTES` | 4 MiB |
/// | send TechExplanation | `tech_explanations` | `ERP_CONNECTOR_TECH_EXPLANATIONS` | `false` |
/// | internals in faults | `fault_details` | `ERP_CONNECTOR_FAULT_DETAILS` | `false` |
/// | log filter | `log` | `ERP_CONNECTOR_LOG` | `info` |
/// | worker threads | `workers` | `ERP_CONNECTOR_WORKERS` | one per core |
/// | shutdown grace | `shutdown_timeout_secs` | `ERP_CONNECTOR_SHUTDOWN_TIMEOUT_SECS` | 30 |
/// | longest connector call | `call_timeout_secs` | `ERP_CONNECTOR_CALL_TIMEOUT_SECS` | 55 (0: none) |
/// | longest request upload | `client_timeout_secs` | `ERP_CONNECTOR_CLIENT_TIMEOUT_SECS` | 30 |
/// | open connections per worker | `max_connections` | `ERP_CONNECTOR_MAX_CONNECTIONS` | 2048 |
/// | open connections per client address | `max_connections_per_source` | `ERP_CONNECTOR_MAX_CONNECTIONS_PER_SOURCE` | 512 (0: off) |
/// | reuse parsed connections | `connection_cache_secs` | `ERP_CONNECTOR_CONNECTION_CACHE_SECS` | 60 (0: off) |
/// | HTTPS certificate chain (PEM) | `tls_cert` | `ERP_CONNECTOR_TLS_CERT` | none: plain HTTP |
/// | HTTPS private key (PEM) | `tls_key` | `ERP_CONNECTOR_TLS_KEY` | none |
/// | capture exchanges to a folder | `capture_dir` | `ERP_CONNECTOR_CAPTURE_DIR` | none: off |
/// | bytes the capture folder may hold | `capture_max_bytes` | `ERP_CONNECTOR_CAPTURE_MAX_BYTES` | 1 GiB |
/// | store file (SQLite) | `store.path` | `ERP_CONNECTOR_STORE_PATH` | `./erp-connector.db` |
/// | shared store (PostgreSQL) | `store.url` | `ERP_CONNECTOR_STORE_URL` | none: the SQLite file |
/// | shared store connections | `store.pool_size` | `ERP_CONNECTOR_STORE_POOL_SIZE` | 8 |
/// | shared store's CA certificates (PEM) | `store.ca_file` | `ERP_CONNECTOR_STORE_CA_FILE` | none: TLS unverified |
/// | store key file | `store.key_file` | `ERP_CONNECTOR_STORE_KEY_FILE` | `./erp-connector.key` |
/// | store key itself | — | `ERP_CONNECTOR_STORE_KEY` | (from the key file) |
/// | deployment profile | `profile` | `ERP_CONNECTOR_PROFILE` | `development` |
/// | application id override | `auth.app_id` | `ERP_CONNECTOR_APP_ID` | the attribute's |
/// | application private key file | `auth.private_key_file` | `ERP_CONNECTOR_PRIVATE_KEY_FILE` | none |
/// | application private key itself | — | `ERP_CONNECTOR_PRIVATE_KEY` | none |
/// | SuperOffice certificates (PEM) | `auth.superoffice_certs` | `ERP_CONNECTOR_SUPEROFFICE_CERTS` (path list) | none |
/// | SuperOffice environment (JWKS keys) | `auth.superoffice_env` | `ERP_CONNECTOR_SUPEROFFICE_ENV` | none |
/// | JWKS address override | `auth.jwks_url` | `ERP_CONNECTOR_SUPEROFFICE_JWKS_URL` | the environment's |
/// | JWKS key pins override (`sha256/BASE64` of the SubjectPublicKeyInfo) | `auth.jwks_pins` | `ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS` (comma list) | the environment's |
/// | development keys folder | `auth.dev_keys_dir` | `ERP_CONNECTOR_DEV_KEYS_DIR` | `./.erp-connector-dev` |
///
/// The file is read from `ERP_CONNECTOR_CONFIG` if set. The store key is never read from the
/// TOML file, so that the file can be shared without the secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Listen address.
    pub bind: String,
    /// The SOAP endpoint: its path and who may call it.
    pub endpoint: EndpointConfig,
    /// Limits on what anonymous callers may store.
    pub connections: ConnectionLimits,
    /// SOAP body shape (spec §4.5): `auto` (each caller in the shape it speaks) or a fixed one.
    #[serde(deserialize_with = "parsed_str")]
    pub wire_profile: ProfileChoice,
    /// The shape `auto` answers in while neither the caller nor the deployment has shown one.
    #[serde(deserialize_with = "parsed_str")]
    pub wire_profile_fallback: WireProfile,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Whether `TechExplanation` is sent with errors.
    pub tech_explanations: bool,
    /// Whether SOAP faults carry internal details.
    pub fault_details: bool,
    /// `tracing` filter, e.g. `info` or `erp_connector=debug`.
    pub log: String,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// Seconds open requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Seconds a connector method may take before the call is answered with `State=Error`
    /// (streamed answers: the longest wait for the next actor); 0 for no limit. The default is
    /// inferred: EIS's timeouts are not known, a WCF client's default is one minute.
    pub call_timeout_secs: u64,
    /// Seconds a client gets to send a request's head, and again its body; slower clients are
    /// answered with HTTP 408 and disconnected.
    pub client_timeout_secs: u64,
    /// Connections each worker keeps open at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Open connections one client address may hold (trusted proxies exempt); 0: no bound.
    pub max_connections_per_source: usize,
    /// Seconds a parsed connection is reused before the store is read again. Saves and deletes
    /// through this process take effect at once; through another replica, within this time.
    pub connection_cache_secs: u64,
    /// PEM certificate chain for HTTPS (needs the `tls` feature); with `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS; with `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Capture mode: every request and answer written to this folder, secrets redacted
    /// ([`crate::capture`]); for troubleshooting, not for production traffic.
    pub capture_dir: Option<PathBuf>,
    /// Bytes the capture folder may hold (files already there count); beyond, capture stops.
    pub capture_max_bytes: u64,
    /// The connection store.
    pub store: StoreSettings,
    /// `development` or `production`: development creates missing keys, production never does.
    pub profile: Profile,
    /// SuperOffice Online authentication.
    pub auth: AuthSettings,
}

/// The SOAP endpoint's path and who may call it (docs/security.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointConfig {
    /// The path the SOAP endpoint answers at; any other path is a 404 with an empty body. In
    /// Online, make it a long random segment (`erp-connector keys generate` prints one): only
    /// SuperOffice learns it, from the app registration.
    pub path: String,
    /// Client addresses that may call (after [`Self::trusted_proxies`]); empty: everyone.
    #[serde(deserialize_with = "cidrs")]
    pub allow_from: Vec<ipnet::IpNet>,
    /// Proxies whose `X-Forwarded-For`, `-Host` and `-Proto` headers are believed.
    #[serde(deserialize_with = "cidrs")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The default endpoint path, SuperOffice's own for on-premises connectors.
pub const DEFAULT_ENDPOINT_PATH: &str = "/Services/ErpConnectorWS.svc";

/// A fresh secret endpoint path: `/erp-` and 192 random bits in base64url (for
/// `ERP_CONNECTOR_ENDPOINT_PATH`; `erp-connector keys generate` prints one).
pub fn random_endpoint_path() -> Result<String, String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers from the system: {e}"))?;
    Ok(format!("/erp-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig { path: DEFAULT_ENDPOINT_PATH.into(), allow_from: Vec::new(), trusted_proxies: Vec::new() }
    }
}

/// What a `WSSaveConnection` may store: the protocol lets anyone who reaches the endpoint save.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Largest configuration (keys and values, in bytes) saved or tested.
    pub max_config_bytes: usize,
    /// Most connections stored per connector; a save of a new one beyond is refused.
    pub max_stored: u64,
    /// Saves accepted per minute from one client address (SuperOffice Online calls for all its
    /// tenants from a few addresses: keep it above what a resend of every connection needs).
    pub saves_per_minute_per_source: u32,
    /// What a save that would replace a stored connection with other values needs.
    pub replace: ReplacePolicy,
    /// Parsed connections kept in memory at most.
    pub cache_entries: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_config_bytes: 64 * 1024,
            max_stored: 20_000,
            saves_per_minute_per_source: 6000,
            replace: ReplacePolicy::Test,
            cache_entries: 10_000,
        }
    }
}

/// What a `WSSaveConnection` that would replace a stored connection with other values needs.
/// Saving the same values again, and saving a connection not stored (EIS's resend after
/// `UNKNOWN_CONNECTION_ID`), need nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplacePolicy {
    /// The connector's `test_config` must pass for the new values: whoever replaces a
    /// connection holds working ERP credentials (an administrator's new password does). A
    /// deleted connection's values keep guarding its GUID (a tombstone, 30 days).
    #[default]
    Test,
    /// Never: a new connection (a new GUID) instead; tombstones as with `Test`.
    Refuse,
    /// Always (the behaviour of SuperOffice's own hosts): only where the allow-list limits
    /// callers to EIS.
    Allow,
}

impl std::str::FromStr for ReplacePolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "test" => Ok(ReplacePolicy::Test),
            "refuse" => Ok(ReplacePolicy::Refuse),
            "allow" => Ok(ReplacePolicy::Allow),
            other => Err(format!("unknown replace policy `{other}`; expected test, refuse or allow")),
        }
    }
}

fn cidrs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    crate::http::SourcePolicy::parse_list(&items.join(",")).map_err(serde::de::Error::custom)
}

/// Development or production.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Missing keys are created in a local folder, with a loud warning.
    #[default]
    Development,
    /// Nothing is created; missing keys disable `Authenticate`.
    Production,
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Profile::Development),
            "production" | "prod" => Ok(Profile::Production),
            other => Err(format!("unknown profile `{other}`; expected development or production")),
        }
    }
}

/// SuperOffice Online authentication (`Authenticate`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Overrides the attribute's app id (one connector per process only).
    pub app_id: Option<String>,
    /// The application private key: RSAKeyValue XML, PKCS#1 or PKCS#8 PEM.
    pub private_key_file: Option<PathBuf>,
    /// PEM files with the certificates SuperOffice signs its tokens with.
    pub superoffice_certs: Vec<PathBuf>,
    /// `sod`, `stage` or `production`: trust that environment's keys from its JWKS endpoint,
    /// fetched at start-up and again on an unknown key, pinned to its certificate's public key.
    pub superoffice_env: Option<String>,
    /// Another JWKS address (tests, private set-ups).
    pub jwks_url: Option<String>,
    /// Keys accepted from `jwks_url`: SHA-256 of their SubjectPublicKeyInfo, `sha256/BASE64`
    /// (default: the environment's pinned one). See [`crate::auth::jwks::KeyPin`].
    pub jwks_pins: Vec<String>,
    /// Where development keys are created.
    pub dev_keys_dir: PathBuf,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            app_id: None,
            private_key_file: None,
            superoffice_certs: Vec::new(),
            superoffice_env: None,
            jwks_url: None,
            jwks_pins: Vec::new(),
            dev_keys_dir: "./.erp-connector-dev".into(),
        }
    }
}

/// Where connections are kept: the SQLite file, or with `url` a PostgreSQL database that
/// several replicas share.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// The SQLite file (when `url` is not set).
    pub path: PathBuf,
    /// `postgres://user:password@host:port/database`: the shared store (feature `postgres`). It
    /// may hold a password: prefer the environment variable to the file, and it is never logged.
    pub url: Option<String>,
    /// Most connections open to PostgreSQL at once (one more listens for changes).
    pub pool_size: u32,
    /// PEM certificates to check PostgreSQL's TLS certificate against (chain and host name);
    /// without, TLS (`sslmode=prefer` or `require` in the URL) encrypts but does not
    /// authenticate the server, as libpq does.
    pub ca_file: Option<PathBuf>,
    /// The file holding the encryption key of secrets, created on first start.
    pub key_file: PathBuf,
}

impl std::fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("StoreSettings")
            .field("path", &self.path)
            .field("url", &self.url.as_ref().map(|_| "(set, not shown)"))
            .field("pool_size", &self.pool_size)
            .field("ca_file", &self.ca_file)
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            endpoint: EndpointConfig::default(),
            connections: ConnectionLimits::default(),
            wire_profile: ProfileChoice::Auto,
            wire_profile_fallback: WireProfile::MessageContract,
            max_body_bytes: crate::http::DEFAULT_MAX_BODY_BYTES,
            tech_explanations: false,
            fault_details: false,
            log: "info".into(),
            workers: None,
            shutdown_timeout_secs: 30,
            call_timeout_secs: 55,
            client_timeout_secs: 30,
            max_connections: 2048,
            max_connections_per_source: 512,
            connection_cache_secs: 60,
            tls_cert: None,
            tls_key: None,
            capture_dir: None,
            capture_max_bytes: crate::capture::DEFAULT_BUDGET_BYTES,
            store: StoreSettings::default(),
            profile: Profile::default(),
            auth: AuthSettings::default(),
        }
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            path: "./erp-connector.db".into(),
            url: None,
            pool_size: crate::store::DEFAULT_POOL_SIZE,
            ca_file: None,
            key_file: "./erp-connector.key".into(),
        }
    }
}

fn parsed_str<'de, D: serde::Deserializer<'de>, T: std::str::FromStr<Err: std::fmt::Display>>(
    d: D,
) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The TOML file cannot be read.
    #[error("config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML file is not valid.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said.
        message: String,
    },
    /// An environment variable has a value of the wrong form.
    #[error("{variable}={value:?}: {message}")]
    Env {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
}

impl Settings {
    /// Defaults, then the file named by `ERP_CONNECTOR_CONFIG`, then the environment.
    pub fn load() -> Result<Settings, SettingsError> {
        let base = match std::env::var_os("ERP_CONNECTOR_CONFIG") {
            Some(path) => Settings::from_file(&PathBuf::from(path))?,
            None => Settings::default(),
        };
        base.with_env(|name| std::env::var(name).ok())
    }

    /// Reads a TOML file over the defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Settings, SettingsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|e| SettingsError::Parse { path: path.to_owned(), message: e.to_string() })
    }

    /// Applies `ERP_CONNECTOR_*` variables, read through `var`.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        fn parsed<T: std::str::FromStr>(variable: &'static str, value: String) -> Result<T, SettingsError>
        where
            T::Err: std::fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| SettingsError::Env { variable, value, message: e.to_string() })
        }
        let get = |name: &'static str| var(name).filter(|v| !v.is_empty()).map(|v| (name, v));
        if let Some((_, v)) = get("ERP_CONNECTOR_BIND") {
            self.bind = v;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_ENDPOINT_PATH") {
            self.endpoint.path = v;
        }
        let cidrs = |variable: &'static str, value: String| {
            crate::http::SourcePolicy::parse_list(&value).map_err(|message| SettingsError::Env {
                variable,
                value,
                message,
            })
        };
        if let Some((n, v)) = get("ERP_CONNECTOR_ALLOW_FROM") {
            self.endpoint.allow_from = cidrs(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_TRUSTED_PROXIES") {
            self.endpoint.trusted_proxies = cidrs(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_MAX_CONFIG_BYTES") {
            self.connections.max_config_bytes = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_MAX_STORED_CONNECTIONS") {
            self.connections.max_stored = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE") {
            self.connections.saves_per_minute_per_source = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_REPLACE_CONNECTION") {
            self.connections.replace = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_CONNECTION_CACHE_ENTRIES") {
            self.connections.cache_entries = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_WIRE_PROFILE") {
            self.wire_profile = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_WIRE_PROFILE_FALLBACK") {
            self.wire_profile_fallback = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_MAX_BODY_BYTES") {
            self.max_body_bytes = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_TECH_EXPLANATIONS") {
            self.tech_explanations = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_FAULT_DETAILS") {
            self.fault_details = parsed(n, v)?;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_LOG") {
            self.log = v;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_WORKERS") {
            self.workers = Some(parsed(n, v)?);
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_SHUTDOWN_TIMEOUT_SECS") {
            self.shutdown_timeout_secs = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_CALL_TIMEOUT_SECS") {
            self.call_timeout_secs = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_CLIENT_TIMEOUT_SECS") {
            self.client_timeout_secs = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_MAX_CONNECTIONS") {
            self.max_connections = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_MAX_CONNECTIONS_PER_SOURCE") {
            self.max_connections_per_source = parsed(n, v)?;
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_CONNECTION_CACHE_SECS") {
            self.connection_cache_secs = parsed(n, v)?;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_TLS_CERT") {
            self.tls_cert = Some(v.into());
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_TLS_KEY") {
            self.tls_key = Some(v.into());
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_CAPTURE_DIR") {
            self.capture_dir = Some(v.into());
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_CAPTURE_MAX_BYTES") {
            self.capture_max_bytes = parsed(n, v)?;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_STORE_PATH") {
            self.store.path = v.into();
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_STORE_URL") {
            self.store.url = Some(v);
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_STORE_POOL_SIZE") {
            self.store.pool_size = parsed(n, v)?;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_STORE_CA_FILE") {
            self.store.ca_file = Some(v.into());
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_STORE_KEY_FILE") {
            self.store.key_file = v.into();
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_PROFILE") {
            self.profile = v.parse().map_err(|message| SettingsError::Env { variable: n, value: v, message })?;
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_APP_ID") {
            self.auth.app_id = Some(v);
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_PRIVATE_KEY_FILE") {
            self.auth.private_key_file = Some(v.into());
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_SUPEROFFICE_CERTS") {
            self.auth.superoffice_certs = std::env::split_paths(&v).collect();
        }
        if let Some((n, v)) = get("ERP_CONNECTOR_SUPEROFFICE_ENV") {
            v.parse::<crate::auth::Environment>().map_err(|message| SettingsError::Env {
                variable: n,
                value: v.clone(),
                message,
            })?;
            self.auth.superoffice_env = Some(v);
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_SUPEROFFICE_JWKS_URL") {
            self.auth.jwks_url = Some(v);
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS") {
            self.auth.jwks_pins = v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
        }
        if let Some((_, v)) = get("ERP_CONNECTOR_DEV_KEYS_DIR") {
            self.auth.dev_keys_dir = v.into();
        }
        if !self.endpoint.path.starts_with('/') {
            self.endpoint.path.insert(0, '/');
        }
        let path_ok = self.endpoint.path.len() <= 256
            && self.endpoint.path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b));
        if !path_ok {
            return Err(SettingsError::Env {
                variable: "ERP_CONNECTOR_ENDPOINT_PATH",
                value: self.endpoint.path,
                message: "an endpoint path has at most 256 letters, digits and / - _ . ~".into(),
            });
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_over_defaults() {
        let dir = std::env::temp_dir().join(format!("erp-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\nwire_profile = \"wrapped-eis\"\n[store]\npath = \"/data/c.db\"\n",
        )
        .unwrap();
        let from_file = Settings::from_file(&file).unwrap();
        assert_eq!(from_file.bind, "0.0.0.0:9000");
        assert_eq!(from_file.wire_profile, ProfileChoice::Fixed(WireProfile::WrappedEis));
        assert_eq!(from_file.store.path, PathBuf::from("/data/c.db"));
        assert_eq!(from_file.store.key_file, PathBuf::from("./erp-connector.key"), "defaults fill the rest");
        let env = |name: &str| match name {
            "ERP_CONNECTOR_BIND" => Some("127.0.0.1:7000".to_owned()),
            "ERP_CONNECTOR_TECH_EXPLANATIONS" => Some("true".to_owned()),
            "ERP_CONNECTOR_ENDPOINT_PATH" => Some("erp.svc".to_owned()),
            "ERP_CONNECTOR_ALLOW_FROM" => Some("10.0.0.0/8, 192.0.2.1".to_owned()),
            _ => None,
        };
        let s = from_file.with_env(env).unwrap();
        assert_eq!(s.bind, "127.0.0.1:7000");
        assert!(s.tech_explanations);
        assert_eq!(s.endpoint.path, "/erp.svc");
        assert_eq!(s.endpoint.allow_from.len(), 2);
        let bad = Settings::default().with_env(|n| (n == "ERP_CONNECTOR_ALLOW_FROM").then(|| "10.0.0.0/99".to_owned()));
        assert!(bad.unwrap_err().to_string().contains("ERP_CONNECTOR_ALLOW_FROM"));
        let bad = Settings::default().with_env(|n| (n == "ERP_CONNECTOR_ENDPOINT_PATH").then(|| "/a?b".to_owned()));
        assert!(bad.unwrap_err().to_string().contains("ERP_CONNECTOR_ENDPOINT_PATH"));
        assert_eq!(s.wire_profile, ProfileChoice::Fixed(WireProfile::WrappedEis));

        let bad = Settings::default().with_env(|n| (n == "ERP_CONNECTOR_WIRE_PROFILE").then(|| "soap12".to_owned()));
        let err = bad.unwrap_err().to_string();
        assert!(err.contains("ERP_CONNECTOR_WIRE_PROFILE") && err.contains("message-contract"), "{err}");
        // `auto` by default, its fallback from the file or the environment.
        assert_eq!(Settings::default().wire_profile, ProfileChoice::Auto);
        std::fs::write(&file, "wire_profile = \"auto\"\nwire_profile_fallback = \"wrapped-poco\"\n").unwrap();
        let auto = Settings::from_file(&file).unwrap();
        assert_eq!((auto.wire_profile, auto.wire_profile_fallback), (ProfileChoice::Auto, WireProfile::WrappedPoco));
        let auto = auto.with_env(|n| (n == "ERP_CONNECTOR_WIRE_PROFILE_FALLBACK").then(|| "b1".to_owned())).unwrap();
        assert_eq!(auto.wire_profile_fallback, WireProfile::WrappedEis);
        let bad =
            Settings::default().with_env(|n| (n == "ERP_CONNECTOR_WIRE_PROFILE_FALLBACK").then(|| "auto".to_owned()));
        assert!(
            bad.unwrap_err().to_string().contains("ERP_CONNECTOR_WIRE_PROFILE_FALLBACK"),
            "a fallback is a profile"
        );
        std::fs::write(&file, "bnid = 1\n").unwrap();
        let err = Settings::from_file(&file).unwrap_err().to_string();
        assert!(err.contains("c.toml") && err.contains("bnid"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_shared_store_comes_from_the_environment_and_its_url_is_not_shown() {
        let url = "postgres://erp:S3cret@db:5432/erp";
        let env = |name: &str| match name {
            "ERP_CONNECTOR_STORE_URL" => Some(url.to_owned()),
            "ERP_CONNECTOR_STORE_POOL_SIZE" => Some("3".to_owned()),
            "ERP_CONNECTOR_STORE_CA_FILE" => Some("/etc/ssl/db-ca.pem".to_owned()),
            _ => None,
        };
        let s = Settings::default().with_env(env).unwrap();
        assert_eq!((s.store.url.as_deref(), s.store.pool_size), (Some(url), 3));
        assert_eq!(s.store.ca_file, Some(PathBuf::from("/etc/ssl/db-ca.pem")));
        let shown = format!("{s:?}");
        assert!(!shown.contains("S3cret") && shown.contains("not shown"), "{shown}");
        let bad = Settings::default().with_env(|n| (n == "ERP_CONNECTOR_STORE_POOL_SIZE").then(|| "many".to_owned()));
        assert!(bad.unwrap_err().to_string().contains("ERP_CONNECTOR_STORE_POOL_SIZE"));
    }
}

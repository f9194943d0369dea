//! Service settings: defaults, then a TOML file, then environment variables.

use std::path::PathBuf;

use serde::Deserialize;

use crate::soap::{ProfileChoice, WireProfile};

/// `FromStr` of a settings enum from its names (case and surrounding space ignored; several
/// names where a short form is accepted). An unknown name is answered with the names known.
macro_rules! from_names {
    ($ty:ident, $what:literal, $($($name:literal)|+ => $variant:ident),+ $(,)?) => {
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($($name)|+ => Ok($ty::$variant),)+
                    _ => {
                        let known: &[&str] = &[$($($name),+),+];
                        Err(format!("unknown {} `{}`; expected one of: {}", $what, s.trim(), known.join(", ")))
                    }
                }
            }
        }
    };
}

/// Everything the service reads at start-up: defaults, then a TOML file, then the
/// environment (one table in this module lists the variables and their TOML keys; README.md's
/// Configuration table says what each one means, its default, and is checked against the list).
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
    /// Where the admin listener (`/metrics`) listens; off when unset. Its bearer token comes from
    /// `ERP_CONNECTOR_ADMIN_TOKEN` (a secret: environment only).
    pub admin_bind: Option<String>,
    /// `text` (the default) or `json`: one JSON object a line, with the fields of the call's
    /// spans (operation, connection, request id), for log pipelines.
    #[serde(deserialize_with = "parsed_str")]
    pub log_format: LogFormat,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// Seconds open requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Seconds a connector method may take before the call is answered with `State=Error`
    /// (streamed answers: the longest wait for the next actor); 0 for no limit. The default is
    /// inferred: EIS's timeouts are not known, a WCF client's default is one minute.
    pub call_timeout_secs: u64,
    /// Seconds a client gets to send a request's head, and again its body (slower clients are
    /// answered with HTTP 408 and disconnected), and that a connection may stay outside a
    /// request, waiting for its next head (then it is closed).
    pub client_timeout_secs: u64,
    /// Connections each worker keeps open at once; further ones wait in the listen backlog.
    /// Lowered at start where the open-file limit (raised to its hard limit) is too low for it.
    pub max_connections: usize,
    /// Open connections one source (an IPv4 address, an IPv6 /64) may hold, at most a sixteenth
    /// of the listener's (trusted proxies exempt); 0: no bound.
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
    /// Values of the `${NAME}` patterns of configuration allow-lists, read before the process
    /// environment's (TOML table `[allow_variables]`; a test's mock ERP address).
    pub allow_variables: std::collections::BTreeMap<String, String>,
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
    /// Saves accepted per minute from one source, an IPv4 address or an IPv6 /64 (SuperOffice
    /// Online calls for all its tenants from a few addresses: keep it above what a resend of
    /// every connection needs); 0: no bound.
    pub saves_per_minute_per_source: u32,
    /// New connections (GUIDs not stored yet) stored per hour from one source; 0: no bound. A
    /// resend after a lost store key replaces rows, so it is not counted.
    pub new_per_hour_per_source: u32,
    /// Credential tests (`test_config`) run per minute for one source; 0: no bound. Besides,
    /// settings that failed their test 5 times in 15 minutes rest for the rest of those minutes.
    pub tests_per_minute_per_source: u32,
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
            new_per_hour_per_source: 500,
            tests_per_minute_per_source: 30,
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

from_names!(ReplacePolicy, "replace policy", "test" => Test, "refuse" => Refuse, "allow" => Allow);

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

from_names!(Profile, "profile", "development" | "dev" => Development, "production" | "prod" => Production);

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
            admin_bind: None,
            log_format: LogFormat::Text,
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
            allow_variables: std::collections::BTreeMap::new(),
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
        for env in ENVIRONMENT {
            if let Some(value) = var(env.variable).filter(|v| !v.is_empty()) {
                (env.apply)(&mut self, env.variable, value)?;
            }
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

/// One environment variable: its name, the TOML key it overrides, and how its text is applied.
pub(crate) struct Env {
    pub variable: &'static str,
    /// Read by the test that holds README's table to this one.
    #[cfg_attr(not(test), expect(dead_code))]
    pub key: &'static str,
    apply: fn(&mut Settings, &'static str, String) -> Result<(), SettingsError>,
}

fn parsed<T: std::str::FromStr>(variable: &'static str, value: String) -> Result<T, SettingsError>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| SettingsError::Env { variable, value, message: e.to_string() })
}

/// Most bytes of a secret file (a URL, a token): a mounted secret is small.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The text of the secret file `path` that `variable` names (`ERP_CONNECTOR_*_FILE`, e.g. a
/// mounted container secret), blanks around it dropped; an error naming the variable and the
/// file when it cannot be read or is empty.
pub(crate) fn secret_file(variable: &'static str, path: String) -> Result<String, SettingsError> {
    use std::io::Read as _;
    let failed = |message: String| SettingsError::Env { variable, value: path.clone(), message };
    let mut text = String::new();
    std::fs::File::open(path.trim())
        .and_then(|f| f.take(MAX_SECRET_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| failed(format!("cannot read the file: {e}")))?;
    match text.trim() {
        _ if text.len() as u64 > MAX_SECRET_FILE_BYTES => Err(failed("the file is larger than 64 KiB".into())),
        "" => Err(failed("the file is empty".into())),
        secret => Ok(secret.to_owned()),
    }
}

fn env_cidrs(variable: &'static str, value: String) -> Result<Vec<ipnet::IpNet>, SettingsError> {
    crate::http::SourcePolicy::parse_list(&value).map_err(|message| SettingsError::Env { variable, value, message })
}

/// Declares [`ENVIRONMENT`]: `variable => key: |settings, variable, value| assignment;`.
macro_rules! environment {
    ($($variable:literal => $key:literal: |$s:ident, $n:pat_param, $v:ident| $set:expr;)*) => {
        /// Every `ERP_CONNECTOR_*` variable the settings read, with its TOML key: the one place
        /// (README's Configuration table is checked against it). `ERP_CONNECTOR_CONFIG` (the
        /// file), `ERP_CONNECTOR_STORE_KEY` and `ERP_CONNECTOR_PRIVATE_KEY` (secrets, never
        /// settings) are read where they are used.
        pub(crate) const ENVIRONMENT: &[Env] = &[$(Env {
            variable: $variable,
            key: $key,
            apply: |$s, $n, $v| {
                $set;
                Ok(())
            },
        }),*];
    };
}

environment! {
    "ERP_CONNECTOR_BIND" => "bind": |s, _, v| s.bind = v;
    "ERP_CONNECTOR_ENDPOINT_PATH" => "endpoint.path": |s, _, v| s.endpoint.path = v;
    "ERP_CONNECTOR_ALLOW_FROM" => "endpoint.allow_from": |s, n, v| s.endpoint.allow_from = env_cidrs(n, v)?;
    "ERP_CONNECTOR_TRUSTED_PROXIES" => "endpoint.trusted_proxies": |s, n, v| s.endpoint.trusted_proxies = env_cidrs(n, v)?;
    "ERP_CONNECTOR_MAX_CONFIG_BYTES" => "connections.max_config_bytes": |s, n, v| s.connections.max_config_bytes = parsed(n, v)?;
    "ERP_CONNECTOR_MAX_STORED_CONNECTIONS" => "connections.max_stored": |s, n, v| s.connections.max_stored = parsed(n, v)?;
    "ERP_CONNECTOR_SAVES_PER_MINUTE_PER_SOURCE" => "connections.saves_per_minute_per_source":
        |s, n, v| s.connections.saves_per_minute_per_source = parsed(n, v)?;
    "ERP_CONNECTOR_NEW_CONNECTIONS_PER_HOUR_PER_SOURCE" => "connections.new_per_hour_per_source":
        |s, n, v| s.connections.new_per_hour_per_source = parsed(n, v)?;
    "ERP_CONNECTOR_TESTS_PER_MINUTE_PER_SOURCE" => "connections.tests_per_minute_per_source":
        |s, n, v| s.connections.tests_per_minute_per_source = parsed(n, v)?;
    "ERP_CONNECTOR_REPLACE_CONNECTION" => "connections.replace": |s, n, v| s.connections.replace = parsed(n, v)?;
    "ERP_CONNECTOR_CONNECTION_CACHE_ENTRIES" => "connections.cache_entries": |s, n, v| s.connections.cache_entries = parsed(n, v)?;
    "ERP_CONNECTOR_WIRE_PROFILE" => "wire_profile": |s, n, v| s.wire_profile = parsed(n, v)?;
    "ERP_CONNECTOR_WIRE_PROFILE_FALLBACK" => "wire_profile_fallback": |s, n, v| s.wire_profile_fallback = parsed(n, v)?;
    "ERP_CONNECTOR_MAX_BODY_BYTES" => "max_body_bytes": |s, n, v| s.max_body_bytes = parsed(n, v)?;
    "ERP_CONNECTOR_TECH_EXPLANATIONS" => "tech_explanations": |s, n, v| s.tech_explanations = parsed(n, v)?;
    "ERP_CONNECTOR_FAULT_DETAILS" => "fault_details": |s, n, v| s.fault_details = parsed(n, v)?;
    "ERP_CONNECTOR_LOG" => "log": |s, _, v| s.log = v;
    "ERP_CONNECTOR_ADMIN_BIND" => "admin_bind": |s, _, v| s.admin_bind = Some(v).filter(|v| !v.trim().is_empty());
    "ERP_CONNECTOR_LOG_FORMAT" => "log_format": |s, n, v| s.log_format = parsed(n, v)?;
    "ERP_CONNECTOR_WORKERS" => "workers": |s, n, v| s.workers = Some(parsed(n, v)?);
    "ERP_CONNECTOR_SHUTDOWN_TIMEOUT_SECS" => "shutdown_timeout_secs": |s, n, v| s.shutdown_timeout_secs = parsed(n, v)?;
    "ERP_CONNECTOR_CALL_TIMEOUT_SECS" => "call_timeout_secs": |s, n, v| s.call_timeout_secs = parsed(n, v)?;
    "ERP_CONNECTOR_CLIENT_TIMEOUT_SECS" => "client_timeout_secs": |s, n, v| s.client_timeout_secs = parsed(n, v)?;
    "ERP_CONNECTOR_MAX_CONNECTIONS" => "max_connections": |s, n, v| s.max_connections = parsed(n, v)?;
    "ERP_CONNECTOR_MAX_CONNECTIONS_PER_SOURCE" => "max_connections_per_source": |s, n, v| s.max_connections_per_source = parsed(n, v)?;
    "ERP_CONNECTOR_CONNECTION_CACHE_SECS" => "connection_cache_secs": |s, n, v| s.connection_cache_secs = parsed(n, v)?;
    "ERP_CONNECTOR_TLS_CERT" => "tls_cert": |s, _, v| s.tls_cert = Some(v.into());
    "ERP_CONNECTOR_TLS_KEY" => "tls_key": |s, _, v| s.tls_key = Some(v.into());
    "ERP_CONNECTOR_CAPTURE_DIR" => "capture_dir": |s, _, v| s.capture_dir = Some(v.into());
    "ERP_CONNECTOR_CAPTURE_MAX_BYTES" => "capture_max_bytes": |s, n, v| s.capture_max_bytes = parsed(n, v)?;
    "ERP_CONNECTOR_STORE_PATH" => "store.path": |s, _, v| s.store.path = v.into();
    "ERP_CONNECTOR_STORE_URL" => "store.url": |s, _, v| s.store.url = Some(v);
    "ERP_CONNECTOR_STORE_URL_FILE" => "store.url": |s, n, v| s.store.url = Some(secret_file(n, v)?);
    "ERP_CONNECTOR_STORE_POOL_SIZE" => "store.pool_size": |s, n, v| s.store.pool_size = parsed(n, v)?;
    "ERP_CONNECTOR_STORE_CA_FILE" => "store.ca_file": |s, _, v| s.store.ca_file = Some(v.into());
    "ERP_CONNECTOR_STORE_KEY_FILE" => "store.key_file": |s, _, v| s.store.key_file = v.into();
    "ERP_CONNECTOR_PROFILE" => "profile":
        |s, n, v| s.profile = v.parse().map_err(|message| SettingsError::Env { variable: n, value: v, message })?;
    "ERP_CONNECTOR_APP_ID" => "auth.app_id": |s, _, v| s.auth.app_id = Some(v);
    "ERP_CONNECTOR_PRIVATE_KEY_FILE" => "auth.private_key_file": |s, _, v| s.auth.private_key_file = Some(v.into());
    "ERP_CONNECTOR_SUPEROFFICE_CERTS" => "auth.superoffice_certs": |s, _, v| s.auth.superoffice_certs = std::env::split_paths(&v).collect();
    "ERP_CONNECTOR_SUPEROFFICE_ENV" => "auth.superoffice_env": |s, n, v| {
        v.parse::<crate::auth::Environment>().map_err(|message| SettingsError::Env { variable: n, value: v.clone(), message })?;
        s.auth.superoffice_env = Some(v)
    };
    "ERP_CONNECTOR_SUPEROFFICE_JWKS_URL" => "auth.jwks_url": |s, _, v| s.auth.jwks_url = Some(v);
    "ERP_CONNECTOR_SUPEROFFICE_JWKS_PINS" => "auth.jwks_pins":
        |s, _, v| s.auth.jwks_pins = v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
    "ERP_CONNECTOR_DEV_KEYS_DIR" => "auth.dev_keys_dir": |s, _, v| s.auth.dev_keys_dir = v.into();
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (colours on a terminal).
    Text,
    /// One JSON object a line, with the current span's fields and the spans above it.
    Json,
}

from_names!(LogFormat, "log format", "text" => Text, "json" => Json);

#[cfg(test)]
mod tests {
    use super::*;

    /// README's Configuration table has a row for each variable, with its TOML key, and no
    /// variable the settings do not read.
    #[test]
    fn the_readme_table_is_the_environment_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let Ok(readme) = std::fs::read_to_string(path) else {
            eprintln!("SKIPPED: no README.md beside the crate (a packaged crate)");
            return;
        };
        let section = readme.split("## Configuration").nth(1).and_then(|s| s.split("\n## ").next()).unwrap();
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| ")).collect();
        for env in ENVIRONMENT {
            let row = rows.iter().find(|r| r.contains(&format!("`{}`", env.variable)));
            let row = row.unwrap_or_else(|| panic!("README's Configuration table has no row for {}", env.variable));
            assert!(
                row.contains(&format!("`{}`", env.key)),
                "the row of {} names TOML key `{}`: {row}",
                env.variable,
                env.key
            );
        }
        let elsewhere = [
            "ERP_CONNECTOR_CONFIG",
            "ERP_CONNECTOR_STORE_KEY",
            "ERP_CONNECTOR_PRIVATE_KEY",
            "ERP_CONNECTOR_ADMIN_TOKEN",
            "ERP_CONNECTOR_ADMIN_TOKEN_FILE",
        ];
        for row in rows {
            for word in row.split('`').filter(|w| w.starts_with("ERP_CONNECTOR_")) {
                assert!(
                    ENVIRONMENT.iter().any(|e| e.variable == word) || elsewhere.contains(&word),
                    "README documents {word}, which the settings do not read"
                );
            }
        }
    }

    #[test]
    fn secret_files_are_read_trimmed_and_named_when_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.to_string_lossy().into_owned()
        };
        let url = file("url", b"postgres://u:p@db/erp\n");
        assert_eq!(secret_file("ERP_CONNECTOR_STORE_URL_FILE", url).unwrap(), "postgres://u:p@db/erp");
        let empty = file("empty", b" \n");
        let big = file("big", &vec![b'x'; 64 * 1024 + 1]);
        let missing = dir.path().join("missing").to_string_lossy().into_owned();
        for (path, says) in [(empty, "empty"), (big, "larger than 64 KiB"), (missing.clone(), "cannot read")] {
            let e = secret_file("ERP_CONNECTOR_ADMIN_TOKEN_FILE", path.clone()).unwrap_err().to_string();
            assert!(e.contains("ERP_CONNECTOR_ADMIN_TOKEN_FILE") && e.contains(&path) && e.contains(says), "{e}");
        }
    }

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

//! Secrets given as environment variables, read once at start-up and then taken out of the
//! process environment, so that a child process the connector starts, or code that dumps the
//! environment, never sees them.
//!
//! Removing a variable races with any other thread reading the environment, so it is done only
//! while the process has a single thread, as a connector's `main` has before the service starts
//! (checked in `/proc/self/status`; elsewhere, or with other threads running, the variables are
//! left and the service says so at DEBUG). `/proc/<pid>/environ` keeps showing the environment
//! the process was started with: protect the process itself (its user, its container).

/// The variables that hold secrets: the store key, the application private key, the shared
/// store's URL (it may hold a password) and the admin listener's token.
pub const SECRET_VARIABLES: [&str; 4] =
    ["ERP_CONNECTOR_STORE_KEY", "ERP_CONNECTOR_PRIVATE_KEY", "ERP_CONNECTOR_STORE_URL", "ERP_CONNECTOR_ADMIN_TOKEN"];

/// The secrets the service reads from the environment, taken out of it.
#[derive(Default)]
pub struct SecretEnvironment {
    /// `ERP_CONNECTOR_STORE_KEY`, if set.
    pub store_key: Option<String>,
    /// `ERP_CONNECTOR_PRIVATE_KEY`, if set.
    pub private_key: Option<String>,
    /// `ERP_CONNECTOR_ADMIN_TOKEN`, if set: the admin listener's bearer token.
    pub admin_token: Option<String>,
    /// `ERP_CONNECTOR_ADMIN_TOKEN_FILE`, if set: a file holding that token (a mounted secret),
    /// read by [`SecretEnvironment::admin_token`].
    pub admin_token_file: Option<String>,
    /// Whether the variables were removed from the environment.
    pub removed: bool,
}

impl std::fmt::Debug for SecretEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.as_ref().map(|_| "(set, not shown)");
        f.debug_struct("SecretEnvironment")
            .field("store_key", &shown(&self.store_key))
            .field("private_key", &shown(&self.private_key))
            .field("admin_token", &shown(&self.admin_token))
            .field("admin_token_file", &self.admin_token_file)
            .field("removed", &self.removed)
            .finish()
    }
}

impl SecretEnvironment {
    /// Reads the secret variables and, while this is the process's only thread, removes them
    /// (all of [`SECRET_VARIABLES`]; the store URL has been read into the settings before).
    pub fn take() -> SecretEnvironment {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        SecretEnvironment {
            store_key: read("ERP_CONNECTOR_STORE_KEY"),
            private_key: read("ERP_CONNECTOR_PRIVATE_KEY"),
            admin_token: read("ERP_CONNECTOR_ADMIN_TOKEN"),
            admin_token_file: read("ERP_CONNECTOR_ADMIN_TOKEN_FILE"),
            removed: forget(),
        }
    }

    /// The admin token: the variable's, else the file's; an error naming the file when it cannot
    /// be read.
    pub fn admin_token(&self) -> std::io::Result<Option<String>> {
        match (&self.admin_token, &self.admin_token_file) {
            (Some(token), _) => Ok(Some(token.clone())),
            (None, Some(path)) => super::settings::secret_file("ERP_CONNECTOR_ADMIN_TOKEN_FILE", path.clone())
                .map(Some)
                .map_err(std::io::Error::other),
            (None, None) => Ok(None),
        }
    }
}

/// Whether this process runs one thread (Linux; elsewhere unknown, so `false`).
fn only_thread() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let threads = status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse::<u32>().ok());
    threads == Some(1)
}

/// Removes [`SECRET_VARIABLES`] if this is the only thread; whether it did.
#[allow(unsafe_code)]
fn forget() -> bool {
    if !only_thread() {
        return false;
    }
    for name in SECRET_VARIABLES {
        if std::env::var_os(name).is_some() {
            // SAFETY: `remove_var` is unsound only while another thread reads or writes the
            // environment; this process has a single thread (checked just above) and starts none
            // here.
            unsafe { std::env::remove_var(name) };
        }
    }
    true
}

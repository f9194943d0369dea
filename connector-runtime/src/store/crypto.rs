//! Encryption of secret configuration values at rest: AES-256-GCM with a random 96-bit nonce per
//! value, the value's place (connector, connection, key) bound as associated data so that a
//! sealed value cannot be moved to another row or field.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::Zeroize;

/// The 256-bit key that encrypts secrets in the connection store.
pub struct StoreKey([u8; 32]);

impl StoreKey {
    /// A new random key.
    pub fn generate() -> Result<StoreKey, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(StoreKey(bytes))
    }

    /// Reads a key written as standard base64 (44 characters) or hex (64 characters).
    pub fn parse(text: &str) -> Result<StoreKey, KeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex checked")).collect()
        } else {
            B64.decode(text).map_err(|_| KeyError::Format)?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Format)?;
        Ok(StoreKey(bytes))
    }

    /// The key as base64, the form of the key file and of `ERP_CONNECTOR_STORE_KEY`.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(***)")
    }
}

/// Why a store key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not 32 bytes as base64 or hex.
    #[error("a store key must be 32 bytes, written as base64 (44 characters) or hex (64 characters)")]
    Format,
    /// The key file could not be read or created.
    #[error("store key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file holds something that is not a key.
    #[error("store key file {path}: {source}")]
    FileFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: Box<KeyError>,
    },
    /// The system random source failed.
    #[error("no randomness for a new store key: {0}")]
    Random(String),
}

/// Where the store key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ERP_CONNECTOR_STORE_KEY`.
    Environment,
    /// An existing key file.
    File(PathBuf),
    /// A key file created now.
    Created(PathBuf),
}

/// The key from `from_env` if given, else from `key_file`, creating the file (mode 0600) with a
/// new key if it does not exist.
pub fn load_or_create_key(from_env: Option<&str>, key_file: &Path) -> Result<(StoreKey, KeySource), KeyError> {
    if let Some(text) = from_env {
        return Ok((StoreKey::parse(text)?, KeySource::Environment));
    }
    let file_error = |source| KeyError::File { path: key_file.to_owned(), source };
    match std::fs::read_to_string(key_file) {
        Ok(text) => {
            let key = StoreKey::parse(&text)
                .map_err(|e| KeyError::FileFormat { path: key_file.to_owned(), source: Box::new(e) })?;
            Ok((key, KeySource::File(key_file.to_owned())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = StoreKey::generate()?;
            if let Some(dir) = key_file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(file_error)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(key_file).map_err(file_error)?;
            writeln!(file, "{}", key.to_base64()).and_then(|_| file.sync_all()).map_err(file_error)?;
            Ok((key, KeySource::Created(key_file.to_owned())))
        }
        Err(e) => Err(file_error(e)),
    }
}

/// Whether users other than the owner may read the file at `path` (always `false` off Unix).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Seals and opens secret values with the store key.
pub struct Sealer {
    cipher: Aes256Gcm,
}

/// A sealed value that does not open: wrong key, or altered data.
#[derive(Debug, thiserror::Error)]
#[error(
    "a stored secret cannot be decrypted: the store key is not the one it was written with, or the data was altered"
)]
pub struct OpenError;

const SEALED_PREFIX: &str = "v1:";

impl Sealer {
    /// A sealer for `key`.
    pub fn new(key: &StoreKey) -> Sealer {
        Sealer { cipher: Aes256Gcm::new_from_slice(&key.0).expect("32-byte key") }
    }

    /// Encrypts `plain` for the place `aad`; the result is printable.
    pub fn seal(&self, aad: &[u8], plain: &str) -> Result<String, KeyError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| KeyError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plain.as_bytes(), aad })
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        let mut all = nonce.to_vec();
        all.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", B64.encode(all)))
    }

    /// Decrypts a value sealed for the place `aad`.
    pub fn open(&self, aad: &[u8], sealed: &str) -> Result<String, OpenError> {
        let bytes = sealed.strip_prefix(SEALED_PREFIX).and_then(|b| B64.decode(b).ok()).ok_or(OpenError)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().expect("12 bytes");
        let plain =
            self.cipher.decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad }).map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_in_place() {
        let key = StoreKey::generate().unwrap();
        let sealer = Sealer::new(&key);
        let sealed = sealer.seal(b"shop\0guid\0PASSWORD", "s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_eq!(sealer.open(b"shop\0guid\0PASSWORD", &sealed).unwrap(), "s3cret");
        assert!(sealer.open(b"shop\0guid\0USER", &sealed).is_err(), "bound to its place");
        assert_ne!(sealer.seal(b"a", "x").unwrap(), sealer.seal(b"a", "x").unwrap(), "fresh nonce each time");
        let other = Sealer::new(&StoreKey::generate().unwrap());
        assert!(other.open(b"shop\0guid\0PASSWORD", &sealed).is_err());
    }

    #[test]
    fn keys_parse_from_base64_or_hex_and_files_are_created_once() {
        let key = StoreKey::generate().unwrap();
        assert_eq!(StoreKey::parse(&key.to_base64()).unwrap().0, key.0);
        let hex: String = key.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(StoreKey::parse(&hex).unwrap().0, key.0);
        assert!(matches!(StoreKey::parse("short"), Err(KeyError::Format)));

        let dir = std::env::temp_dir().join(format!("erp-key-test-{}", std::process::id()));
        let file = dir.join("store.key");
        let _ = std::fs::remove_dir_all(&dir);
        let (first, source) = load_or_create_key(None, &file).unwrap();
        assert_eq!(source, KeySource::Created(file.clone()));
        let (again, source) = load_or_create_key(None, &file).unwrap();
        assert_eq!(source, KeySource::File(file.clone()));
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&file, "garbage").unwrap();
        let err = load_or_create_key(None, &file).unwrap_err().to_string();
        assert!(err.contains("store.key") && err.contains("32 bytes"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

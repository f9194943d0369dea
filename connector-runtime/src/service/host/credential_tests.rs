//! Bounds on credential tests (`test_config`, run for `WSTestConfigData` and before a stored
//! connection is replaced), which reach the ERP with the caller's values: an anonymous caller
//! could otherwise guess passwords through the connector, and lock the ERP's user out (the ERP
//! sees every attempt from the connector's own address).
//!
//! - **Per source**: at most `per_minute` tests a minute from one source.
//! - **Per target**: the values but the secrets name what is tested (ERP address, database,
//!   user); after [`MAX_FAILURES`] failed tests of one target in [`FAILURE_WINDOW`], it is not
//!   tested again until the window ends, whoever asks, and the ERP hears nothing of it.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::bounded::Bounded;
use crate::contract::StringDict;
use crate::service::per_source::{MAX_COUNTED_SOURCES, PerSource};
use crate::sync::lock;

/// Failed tests of one target before it rests.
pub(crate) const MAX_FAILURES: u32 = 5;
/// How long failed tests of a target are counted, and how long it rests after too many.
pub(crate) const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Why a test was not run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotTested {
    /// The source asked for more tests a minute than it may.
    Source(u32),
    /// The target failed too often; it may be tested again after this long.
    Target(Duration),
}

impl NotTested {
    /// The answer for the caller.
    pub(crate) fn message(&self) -> String {
        match self {
            NotTested::Source(max) => format!(
                "Too many tests of settings from this address: at most {max} a minute \
                 (ERP_CONNECTOR_TESTS_PER_MINUTE_PER_SOURCE). Try again in a minute."
            ),
            NotTested::Target(wait) => format!(
                "These settings failed their test {MAX_FAILURES} times in {} minutes; to keep the ERP's user \
                 from being locked out they are not tried again for {} minutes. Check them, then try again.",
                FAILURE_WINDOW.as_secs() / 60,
                wait.as_secs().div_ceil(60).max(1)
            ),
        }
    }
}

/// The bounds of one hosted connector.
pub(crate) struct CredentialTests {
    per_source: PerSource,
    per_minute: u32,
    hasher: foldhash::fast::RandomState,
    failures: Mutex<Bounded<u64, (u32, Instant)>>,
}

impl CredentialTests {
    /// At most `per_minute` tests a minute per source (0: no bound).
    pub(crate) fn new(per_minute: u32) -> CredentialTests {
        CredentialTests {
            per_source: PerSource::new(per_minute, Duration::from_secs(60)),
            per_minute,
            hasher: foldhash::fast::RandomState::default(),
            failures: Mutex::new(Bounded::new(MAX_COUNTED_SOURCES)),
        }
    }

    /// What `values` test: every value but the `secrets`, in a keyed hash (the values are not kept).
    pub(crate) fn target(&self, values: &StringDict, secrets: &[&str]) -> u64 {
        let mut pairs: Vec<(&str, Option<&str>)> =
            values.iter().filter(|(k, _)| !secrets.iter().any(|s| s.eq_ignore_ascii_case(k))).collect();
        pairs.sort_unstable();
        self.hasher.hash_one(&pairs)
    }

    /// Whether a test of `target` from `source` may run now.
    pub(crate) fn admit(&self, source: Option<IpAddr>, target: u64) -> Result<(), NotTested> {
        if let Some((failed, since)) = lock(&self.failures).get(&target).copied()
            && failed >= MAX_FAILURES
            && since.elapsed() < FAILURE_WINDOW
        {
            return Err(NotTested::Target(FAILURE_WINDOW - since.elapsed()));
        }
        if !self.per_source.admit(source) {
            return Err(NotTested::Source(self.per_minute));
        }
        Ok(())
    }

    /// The test of `target` ran: a failure is counted, a success clears the count.
    pub(crate) fn tested(&self, target: u64, passed: bool) {
        let mut failures = lock(&self.failures);
        if passed {
            failures.remove(&target);
            return;
        }
        let expired = |(_, since): &(u32, Instant)| since.elapsed() >= FAILURE_WINDOW;
        let Some(entry) = failures.touch(target, expired, || (0, Instant::now())) else { return };
        if entry.1.elapsed() >= FAILURE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(user: &str, password: &str) -> StringDict {
        StringDict::new().with("SERVER", "https://erp.example").with("USER", user).with("PASSWORD", password)
    }

    #[test]
    fn a_target_that_fails_too_often_rests_whoever_asks() {
        let tests = CredentialTests::new(0);
        let admin = tests.target(&values("admin", "guess-1"), &["PASSWORD"]);
        assert_eq!(admin, tests.target(&values("admin", "guess-2"), &["password"]), "secrets are no part of it");
        let other = tests.target(&values("bob", "x"), &["PASSWORD"]);
        assert_ne!(admin, other);
        for i in 0..MAX_FAILURES {
            let source = Some(IpAddr::from([198, 51, 100, i as u8]));
            assert!(tests.admit(source, admin).is_ok(), "attempt {i}");
            tests.tested(admin, false);
        }
        let refused = tests.admit(Some("192.0.2.1".parse().unwrap()), admin).unwrap_err();
        assert!(matches!(refused, NotTested::Target(_)), "from another address too");
        assert!(refused.message().contains("locked out") && refused.message().contains("15 minutes"));
        assert!(tests.admit(None, other).is_ok(), "another user is still tested");
        tests.tested(other, false);
        tests.tested(other, true);
        assert!(lock(&tests.failures).get(&other).is_none(), "a success clears the count");
    }

    #[test]
    fn a_source_gets_so_many_tests_a_minute() {
        let tests = CredentialTests::new(2);
        let source = Some("203.0.113.5".parse().unwrap());
        assert!(tests.admit(source, 1).is_ok() && tests.admit(source, 2).is_ok());
        assert_eq!(tests.admit(source, 3), Err(NotTested::Source(2)));
        assert!(NotTested::Source(2).message().contains("ERP_CONNECTOR_TESTS_PER_MINUTE_PER_SOURCE"));
    }
}

//! The `auto` wire profile's memory: the shape each caller last showed, the deployment's shape
//! (kept in a [`ShapeMemory`], the connection store in the service, so that it survives restarts
//! and is shared by replicas), and what the reader skipped, each logged once.
//!
//! No caller chooses the shape another caller gets. A caller's own requests decide its own
//! answers; the deployment's shape (for callers that have shown none yet, and the WSDL) is
//! learned only from callers the operator trusts: with an allow-list (`ERP_CONNECTOR_ALLOW_FROM`)
//! from the sources in it, each change followed; without one, the first shape detected is kept,
//! in the store too, until an operator changes it (a fixed `ERP_CONNECTOR_WIRE_PROFILE` is written
//! to the store as the deployment's shape, so that `auto` later starts from it).
//!
//! Everything here is bounded: an anonymous caller chooses every request, so the caller map (the
//! least recently heard caller leaves first, one at a time), the logged transitions and the
//! skipped-element set have fixed sizes, and the store is written by one task at a time and read
//! at most every [`STORE_READ_INTERVAL`].

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::bounded::Bounded;
use crate::soap::{ProfileChoice, Shape, Skipped, Trace, WireProfile};
use crate::sync::lock;

/// Where the deployment's last detected shape is kept between restarts and among replicas. Both
/// calls block (the service runs them on the blocking pool) and report their own errors.
pub trait ShapeMemory: std::fmt::Debug + Send + Sync + 'static {
    /// The shape stored, if any.
    fn load(&self) -> Option<WireProfile>;
    /// Stores `profile` as the deployment's last detected shape.
    fn save(&self, profile: WireProfile);
}

/// Callers remembered at once; past it the one heard from least recently is forgotten (it then
/// falls back to the deployment's shape until it shows its own again).
pub const MAX_CALLERS: usize = 4096;
/// Distinct skipped elements logged; past it one more line says that the rest are not.
pub const MAX_SKIPPED_LOGGED: usize = 256;
/// Shortest time between two reads of the stored shape for callers that showed none.
pub const STORE_READ_INTERVAL: Duration = Duration::from_secs(10);

pub(crate) struct Shapes {
    choice: ProfileChoice,
    fallback: WireProfile,
    /// Each caller's shape; the one heard from least recently leaves first.
    callers: Mutex<Bounded<IpAddr, WireProfile>>,
    /// Whose shapes the deployment's follows (the allow-list); empty: the first shape is kept.
    trusted: Vec<IpNet>,
    /// The deployment's last detected shape (0: none yet; else 1 + index in `WireProfile::ALL`).
    deployment: Arc<AtomicU8>,
    memory: Option<Arc<dyn ShapeMemory>>,
    last_store_read: Mutex<Option<Instant>>,
    saving: Arc<AtomicBool>,
    /// Transitions logged (bit `from * 4 + to`, `from` 0 for "none").
    logged: std::sync::atomic::AtomicU16,
    skipped: Mutex<HashSet<(&'static str, Skipped)>>,
}

fn code(profile: WireProfile) -> u8 {
    1 + WireProfile::ALL.iter().position(|p| *p == profile).unwrap_or(0) as u8
}

fn decode(code: u8) -> Option<WireProfile> {
    WireProfile::ALL.get(usize::from(code).checked_sub(1)?).copied()
}

impl Shapes {
    pub(crate) fn new(
        choice: ProfileChoice,
        fallback: WireProfile,
        memory: Option<Arc<dyn ShapeMemory>>,
        trusted: Vec<IpNet>,
    ) -> Self {
        Shapes {
            choice,
            fallback,
            callers: Mutex::new(Bounded::new(MAX_CALLERS)),
            trusted,
            deployment: Arc::new(AtomicU8::new(0)),
            memory,
            last_store_read: Mutex::new(None),
            saving: Arc::new(AtomicBool::new(false)),
            logged: Default::default(),
            skipped: Mutex::new(HashSet::new()),
        }
    }

    /// Reads the stored shape once at start-up (blocking); a fixed profile is stored instead, as
    /// the operator's word on the deployment's shape.
    pub(crate) fn load_stored(&self) {
        let Some(memory) = &self.memory else { return };
        match self.choice {
            ProfileChoice::Auto => {
                if let Some(stored) = memory.load() {
                    self.deployment.store(code(stored), Ordering::Relaxed);
                    tracing::info!(profile = %stored, "wire profile auto: the deployment's shape, from the store");
                }
            }
            ProfileChoice::Fixed(profile) => {
                if memory.load() != Some(profile) {
                    memory.save(profile);
                }
            }
        }
    }

    /// Whether `caller`'s shape is the deployment's to follow (see the module's documentation).
    fn trusted(&self, caller: IpAddr) -> bool {
        let caller = crate::http::canonical(caller);
        self.trusted.iter().any(|net| net.contains(&caller))
    }

    /// The shape the WSDL describes: the fixed one, else the deployment's, else the fallback.
    pub(crate) fn described(&self) -> WireProfile {
        match self.choice {
            ProfileChoice::Fixed(profile) => profile,
            ProfileChoice::Auto => decode(self.deployment.load(Ordering::Relaxed)).unwrap_or(self.fallback),
        }
    }

    /// The profile to answer a request from `caller` in, given what the request showed.
    pub(crate) async fn answer_in(&self, caller: IpAddr, operation: &str, trace: &Trace) -> WireProfile {
        if let ProfileChoice::Fixed(profile) = self.choice {
            return profile;
        }
        if let Shape::Known(profile) = trace.shape {
            self.detected(caller, profile, operation, trace);
            return profile;
        }
        let by_caller = lock(&self.callers).get(&caller).copied();
        let remembered = match by_caller {
            Some(profile) => profile,
            None => self.deployment_shape().await,
        };
        trace.shape.resolve(remembered)
    }

    /// The deployment's shape for a caller that showed none: the one in memory, refreshed from
    /// the store (another replica may have seen a newer one) at most every
    /// [`STORE_READ_INTERVAL`]; else the fallback.
    async fn deployment_shape(&self) -> WireProfile {
        if let Some(memory) = &self.memory {
            let due = {
                let mut last = lock(&self.last_store_read);
                let due = last.is_none_or(|t| t.elapsed() >= STORE_READ_INTERVAL);
                if due {
                    *last = Some(Instant::now());
                }
                due
            };
            if due {
                let memory = memory.clone();
                if let Ok(Some(stored)) = actix_web::rt::task::spawn_blocking(move || memory.load()).await {
                    self.deployment.store(code(stored), Ordering::Relaxed);
                }
            }
        }
        decode(self.deployment.load(Ordering::Relaxed)).unwrap_or(self.fallback)
    }

    fn detected(&self, caller: IpAddr, profile: WireProfile, operation: &str, trace: &Trace) {
        self.remember(caller, profile);
        let new = code(profile);
        // Read first: the usual case (no change) then writes nothing shared by the workers.
        if self.deployment.load(Ordering::Relaxed) == new {
            return;
        }
        let old = if self.trusted(caller) {
            self.deployment.swap(new, Ordering::Relaxed)
        } else if self.trusted.is_empty() {
            // Without an allow-list the first shape stays: a stranger cannot change it later.
            match self.deployment.compare_exchange(0, new, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(old) => old,
                Err(_) => return,
            }
        } else {
            return;
        };
        if old == new {
            return;
        }
        let bit = 1u16 << (old * 4 + new);
        if self.logged.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
            let evidence = crate::untrusted::shown(&trace.to_string()).to_string();
            match decode(old) {
                None => {
                    tracing::info!(%profile, %caller, operation, %evidence, "wire profile auto: first shape detected")
                }
                Some(before) => tracing::info!(
                    %profile, %before, %caller, operation, %evidence, "wire profile auto: the shape changed"
                ),
            }
        }
        self.persist();
    }

    /// `caller` showed `profile`: remembered, and heard now; past [`MAX_CALLERS`] the caller
    /// heard from least recently is forgotten.
    fn remember(&self, caller: IpAddr, profile: WireProfile) {
        lock(&self.callers).insert(caller, profile, |_| false);
    }

    /// Writes the deployment's shape to the store on one blocking task at a time; a change made
    /// while it writes is written after. Without an allow-list a shape already stored (another
    /// replica's first) is taken instead of overwritten.
    fn persist(&self) {
        let Some(memory) = self.memory.clone() else { return };
        if self.saving.swap(true, Ordering::AcqRel) {
            return;
        }
        let (saving, deployment) = (self.saving.clone(), self.deployment.clone());
        let first_wins = self.trusted.is_empty();
        actix_web::rt::task::spawn_blocking(move || {
            loop {
                let written = deployment.load(Ordering::Relaxed);
                match (first_wins.then(|| memory.load()).flatten(), decode(written)) {
                    (Some(stored), _) => deployment.store(code(stored), Ordering::Relaxed),
                    (None, Some(profile)) => memory.save(profile),
                    (None, None) => {}
                }
                saving.store(false, Ordering::Release);
                // Changed meanwhile, and no other task took over: write again.
                if deployment.load(Ordering::Relaxed) == written || saving.swap(true, Ordering::AcqRel) {
                    break;
                }
            }
        });
    }

    /// Logs, once each, the elements the reader skipped in a message of `operation`.
    pub(crate) fn note_skipped(&self, operation: &'static str, trace: &Trace) {
        if trace.skipped.is_empty() {
            return;
        }
        let mut seen = lock(&self.skipped);
        for skipped in &trace.skipped {
            if seen.len() > MAX_SKIPPED_LOGGED {
                return;
            }
            if seen.len() == MAX_SKIPPED_LOGGED {
                seen.insert(("", Skipped { parent: "", element: String::new() }));
                tracing::warn!("more unknown elements were skipped; they are not logged (limit {MAX_SKIPPED_LOGGED})");
                return;
            }
            if seen.insert((operation, skipped.clone())) {
                tracing::warn!(
                    operation,
                    element = %crate::untrusted::shown(&skipped.to_string()),
                    "an element the contract does not know was skipped. If EIS sent it, capture the traffic \
                     (ERP_CONNECTOR_CAPTURE_DIR), run `erp-connector capture inspect`, and send us its report"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_logs::logged;

    fn trace_skipping(elements: &[&str]) -> Trace {
        let mut trace = Trace::default();
        for e in elements {
            trace.skip("ErpActorWS", e);
        }
        trace
    }

    #[test]
    fn each_skipped_element_is_logged_once_and_the_log_is_bounded() {
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None, Vec::new());
        let logs = logged(|| {
            shapes.note_skipped("WSSaveActors", &trace_skipping(&["Color", "Size"]));
            shapes.note_skipped("WSSaveActors", &trace_skipping(&["Color"]));
            shapes.note_skipped("WSCreateActor", &trace_skipping(&["Color"]));
        });
        assert_eq!(logs.matches("was skipped").count(), 3, "{logs}");
        assert!(logs.contains("WARN") && logs.contains("element=ErpActorWS/Color"), "{logs}");
        assert!(logs.contains("capture inspect"), "{logs}");
        let logs = logged(|| {
            for i in 0..MAX_SKIPPED_LOGGED + 50 {
                shapes.note_skipped("WSSaveActors", &trace_skipping(&[&format!("X{i}")]));
            }
        });
        assert_eq!(logs.matches("was skipped").count(), MAX_SKIPPED_LOGGED - 3, "{logs}");
        assert_eq!(logs.matches("they are not logged").count(), 1);
        assert!(shapes.skipped.lock().unwrap().len() <= MAX_SKIPPED_LOGGED + 1);
    }

    fn known(profile: WireProfile) -> Trace {
        Trace { shape: Shape::Known(profile), ..Trace::default() }
    }

    fn unknown() -> Trace {
        Trace { shape: Shape::Undetermined, ..Trace::default() }
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn each_shape_transition_is_logged_once() {
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None, trusted);
        let logs = logged(|| {
            block_on(async {
                let caller = IpAddr::from([10, 0, 0, 1]);
                for _ in 0..3 {
                    for profile in [WireProfile::WrappedEis, WireProfile::WrappedPoco] {
                        assert_eq!(shapes.answer_in(caller, "WSTestConnection", &known(profile)).await, profile);
                    }
                }
            })
        });
        assert_eq!(logs.matches("first shape detected").count(), 1, "{logs}");
        assert_eq!(logs.matches("the shape changed").count(), 2, "{logs}");
        assert_eq!(shapes.described(), WireProfile::WrappedPoco, "a trusted caller's changes are followed");
    }

    #[test]
    fn without_an_allow_list_the_first_shape_stays() {
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None, Vec::new());
        let (eis, stranger, newcomer) =
            (IpAddr::from([192, 0, 2, 1]), IpAddr::from([198, 51, 100, 9]), IpAddr::from([192, 0, 2, 2]));
        block_on(async {
            shapes.answer_in(eis, "WSGetConfigData", &known(WireProfile::WrappedEis)).await;
            let own = shapes.answer_in(stranger, "WSGetConfigData", &known(WireProfile::WrappedPoco)).await;
            assert_eq!(own, WireProfile::WrappedPoco, "a stranger's own answer follows its request");
            assert_eq!(shapes.answer_in(newcomer, "WSGetConfigData", &unknown()).await, WireProfile::WrappedEis);
            assert_eq!(shapes.answer_in(eis, "WSGetConfigData", &unknown()).await, WireProfile::WrappedEis);
        });
        assert_eq!(shapes.described(), WireProfile::WrappedEis, "the WSDL too");
    }

    #[test]
    fn with_an_allow_list_only_its_sources_teach_the_deployment() {
        let trusted = vec!["192.0.2.0/24".parse().unwrap()];
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None, trusted);
        let (eis, stranger, newcomer) =
            (IpAddr::from([192, 0, 2, 1]), IpAddr::from([198, 51, 100, 9]), IpAddr::from([192, 0, 2, 2]));
        block_on(async {
            shapes.answer_in(stranger, "WSGetConfigData", &known(WireProfile::WrappedPoco)).await;
            assert_eq!(shapes.described(), WireProfile::MessageContract, "a stranger first: nothing learned");
            shapes.answer_in(eis, "WSGetConfigData", &known(WireProfile::WrappedEis)).await;
            shapes.answer_in(stranger, "WSGetConfigData", &known(WireProfile::WrappedPoco)).await;
            assert_eq!(shapes.answer_in(newcomer, "WSGetConfigData", &unknown()).await, WireProfile::WrappedEis);
        });
        assert_eq!(shapes.described(), WireProfile::WrappedEis);
    }

    #[test]
    fn callers_are_bounded_and_leave_one_at_a_time() {
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None, Vec::new());
        let eis = IpAddr::from([192, 0, 2, 1]);
        block_on(async {
            shapes.answer_in(eis, "WSTestConnection", &known(WireProfile::WrappedPoco)).await;
            for i in 0..(MAX_CALLERS as u32 + 10) {
                let caller = IpAddr::from((0x0a00_0000 + i).to_be_bytes());
                shapes.answer_in(caller, "WSTestConnection", &known(WireProfile::WrappedEis)).await;
                if i % 1000 == 0 {
                    // EIS keeps calling: heard recently, it is not the one forgotten.
                    shapes.answer_in(eis, "WSTestConnection", &known(WireProfile::WrappedPoco)).await;
                }
            }
            assert_eq!(shapes.answer_in(eis, "WSTestConnection", &unknown()).await, WireProfile::WrappedPoco);
        });
        let callers = shapes.callers.lock().unwrap();
        assert_eq!(callers.len(), MAX_CALLERS, "full, not started over");
        assert!(!callers.contains(&IpAddr::from([10, 0, 0, 0])), "the least recently heard left");
    }

    /// A memory that says what it holds.
    #[derive(Debug, Default)]
    struct Remembered(Mutex<Option<WireProfile>>);

    impl ShapeMemory for Remembered {
        fn load(&self) -> Option<WireProfile> {
            *self.0.lock().unwrap()
        }
        fn save(&self, profile: WireProfile) {
            *self.0.lock().unwrap() = Some(profile);
        }
    }

    #[test]
    fn a_fixed_profile_is_the_operators_word_for_the_store() {
        let memory = Arc::new(Remembered::default());
        *memory.0.lock().unwrap() = Some(WireProfile::WrappedPoco);
        let fixed = Shapes::new(
            ProfileChoice::Fixed(WireProfile::MessageContract),
            WireProfile::MessageContract,
            Some(memory.clone()),
            Vec::new(),
        );
        fixed.load_stored();
        assert_eq!(memory.load(), Some(WireProfile::MessageContract));
        let auto = Shapes::new(ProfileChoice::Auto, WireProfile::WrappedEis, Some(memory), Vec::new());
        auto.load_stored();
        assert_eq!(auto.described(), WireProfile::MessageContract, "auto starts from it");
    }
}

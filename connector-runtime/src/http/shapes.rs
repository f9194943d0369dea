//! The `auto` wire profile's memory: the shape each caller last showed, the one the deployment
//! saw last (kept in a [`ShapeMemory`], the connection store in the service, so that it survives
//! restarts and is shared by replicas), and what the reader skipped, each logged once.
//!
//! Everything here is bounded: an anonymous caller chooses every request, so the caller map, the
//! logged transitions and the skipped-element set have fixed sizes, and the store is written by
//! one task at a time and read at most every [`STORE_READ_INTERVAL`].

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::soap::{ProfileChoice, Shape, Skipped, Trace, WireProfile};

/// Where the deployment's last detected shape is kept between restarts and among replicas. Both
/// calls block (the service runs them on the blocking pool) and report their own errors.
pub trait ShapeMemory: std::fmt::Debug + Send + Sync + 'static {
    /// The shape stored, if any.
    fn load(&self) -> Option<WireProfile>;
    /// Stores `profile` as the deployment's last detected shape.
    fn save(&self, profile: WireProfile);
}

/// Callers remembered at once; past it the map starts over (they then fall back to the
/// deployment's shape, which is theirs too in a deployment that one EIS calls).
pub const MAX_CALLERS: usize = 4096;
/// Distinct skipped elements logged; past it one more line says that the rest are not.
pub const MAX_SKIPPED_LOGGED: usize = 256;
/// Shortest time between two reads of the stored shape for callers that showed none.
pub const STORE_READ_INTERVAL: Duration = Duration::from_secs(10);

pub(crate) struct Shapes {
    choice: ProfileChoice,
    fallback: WireProfile,
    callers: Mutex<HashMap<IpAddr, WireProfile>>,
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
    pub(crate) fn new(choice: ProfileChoice, fallback: WireProfile, memory: Option<Arc<dyn ShapeMemory>>) -> Self {
        Shapes {
            choice,
            fallback,
            callers: Mutex::new(HashMap::new()),
            deployment: Arc::new(AtomicU8::new(0)),
            memory,
            last_store_read: Mutex::new(None),
            saving: Arc::new(AtomicBool::new(false)),
            logged: Default::default(),
            skipped: Mutex::new(HashSet::new()),
        }
    }

    /// Reads the stored shape once at start-up (blocking).
    pub(crate) fn load_stored(&self) {
        if let (ProfileChoice::Auto, Some(memory)) = (self.choice, &self.memory)
            && let Some(stored) = memory.load()
        {
            self.deployment.store(code(stored), Ordering::Relaxed);
            tracing::info!(profile = %stored, "wire profile auto: the deployment's last detected shape, from the store");
        }
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
        let by_caller = self.callers.lock().unwrap_or_else(|e| e.into_inner()).get(&caller).copied();
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
                let mut last = self.last_store_read.lock().unwrap_or_else(|e| e.into_inner());
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
        {
            let mut callers = self.callers.lock().unwrap_or_else(|e| e.into_inner());
            if callers.get(&caller) != Some(&profile) {
                if callers.len() >= MAX_CALLERS && !callers.contains_key(&caller) {
                    callers.clear();
                }
                callers.insert(caller, profile);
            }
        }
        let new = code(profile);
        // Read first: the usual case (no change) then writes nothing shared by the workers.
        if self.deployment.load(Ordering::Relaxed) == new {
            return;
        }
        let old = self.deployment.swap(new, Ordering::Relaxed);
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

    /// Writes the deployment's shape to the store on one blocking task at a time; a change made
    /// while it writes is written after.
    fn persist(&self) {
        let Some(memory) = self.memory.clone() else { return };
        if self.saving.swap(true, Ordering::AcqRel) {
            return;
        }
        let (saving, deployment) = (self.saving.clone(), self.deployment.clone());
        actix_web::rt::task::spawn_blocking(move || {
            loop {
                let written = deployment.load(Ordering::Relaxed);
                if let Some(profile) = decode(written) {
                    memory.save(profile);
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
        let mut seen = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
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
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None);
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

    #[test]
    fn each_shape_transition_is_logged_once_and_callers_are_bounded() {
        let shapes = Shapes::new(ProfileChoice::Auto, WireProfile::MessageContract, None);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let known = |profile| Trace { shape: Shape::Known(profile), ..Trace::default() };
        let logs = logged(|| {
            runtime.block_on(async {
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
        runtime.block_on(async {
            for i in 0..(MAX_CALLERS as u32 + 10) {
                let caller = IpAddr::from(i.to_be_bytes());
                shapes.answer_in(caller, "WSTestConnection", &known(WireProfile::WrappedEis)).await;
            }
        });
        assert!(shapes.callers.lock().unwrap().len() <= MAX_CALLERS);
    }
}

//! Open connections per client address, bounded in the service: one address cannot hold more
//! than `max_connections_per_source` connections (idle ones, or half-sent request heads,
//! included), so that it cannot starve everyone else. Trusted proxies are exempt (all their
//! clients share their address); behind one, bound clients at the proxy (deploy/).
//!
//! Counted when a connection is accepted, released when it closes (the count travels with the
//! connection's data); a connection over the bound is shut down at once, before a byte is read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ipnet::IpNet;

/// The open connections per client address.
pub(crate) struct ConnectionsPerSource {
    max: usize,
    exempt: Vec<IpNet>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; dropped with the connection.
pub(crate) struct Counted {
    owner: Arc<ConnectionsPerSource>,
    ip: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

impl ConnectionsPerSource {
    /// At most `max` connections per address; `exempt` (trusted proxies) are not counted.
    pub(crate) fn new(max: usize, exempt: Vec<IpNet>) -> Arc<Self> {
        Arc::new(ConnectionsPerSource { max, exempt, open: Mutex::new(HashMap::new()) })
    }

    /// Counts a connection from `ip`: `Ok(None)` when the address is exempt, `Ok(Some(..))` to
    /// keep with the connection, `Err(())` when the address is at its bound.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Option<Counted>, ()> {
        let ip = crate::http::canonical(ip);
        if self.exempt.iter().any(|net| net.contains(&ip)) {
            return Ok(None);
        }
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return Err(());
        }
        *n += 1;
        Ok(Some(Counted { owner: self.clone(), ip }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_releases_on_drop() {
        let limits = ConnectionsPerSource::new(2, vec!["10.0.0.0/8".parse().unwrap()]);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = limits.admit(ip).unwrap();
        let b = limits.admit(ip).unwrap();
        assert!(limits.admit(ip).is_err(), "the third from one address");
        assert!(limits.admit("::ffff:192.0.2.1".parse().unwrap()).is_err(), "the same address as IPv6");
        assert!(limits.admit("192.0.2.2".parse().unwrap()).is_ok(), "another address");
        assert!(limits.admit("10.1.2.3".parse().unwrap()).unwrap().is_none(), "a trusted proxy is not counted");
        drop(a);
        assert!(limits.admit(ip).is_ok(), "released when a connection closes");
        drop(b);
        assert!(limits.open.lock().unwrap().get(&ip).is_none(), "an address with none open is forgotten");
    }
}

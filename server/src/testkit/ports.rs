//! Ports for servers the kit starts: free, below the ephemeral range (so that no outgoing
//! connection, e.g. a replica reconnecting, can take a stopped server's port), and never handed
//! out twice by this process while their owner lives.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::io;
use std::net::TcpListener;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

/// A port reserved for this process until dropped (or leaked with [`ReservedPort::leak`]).
#[derive(Debug)]
pub struct ReservedPort(u16);

impl ReservedPort {
    /// The port number.
    pub fn get(&self) -> u16 {
        self.0
    }

    /// Keeps the port reserved for the rest of the process and returns it.
    pub fn leak(self) -> u16 {
        let port = self.0;
        std::mem::forget(self);
        port
    }
}

impl Drop for ReservedPort {
    fn drop(&mut self) {
        reserved().remove(&self.0);
    }
}

fn reserved() -> MutexGuard<'static, HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// The range ports are picked from: 20000 up to the start of the ephemeral range.
fn range() -> (u32, u32) {
    let text =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let eph_low = text.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768u32);
    (20000, eph_low.max(21000))
}

/// A port that is bindable on 127.0.0.1 right now and not reserved by this process.
pub fn reserve_port() -> io::Result<ReservedPort> {
    let (low, high) = range();
    for _ in 0..1000 {
        let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
        let port = (low + (random % u64::from(high - low)) as u32) as u16;
        let mut taken = reserved();
        if !taken.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.insert(port);
            return Ok(ReservedPort(port));
        }
    }
    Err(io::Error::other(format!("no free port found in {low}..{high}")))
}

/// A free port, reserved for the rest of the process (for configs of short-lived processes).
pub fn free_port() -> u16 {
    reserve_port().expect("a free port").leak()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ports_are_distinct_until_released() {
        let a = reserve_port().expect("port");
        let b = reserve_port().expect("port");
        assert_ne!(a.get(), b.get());
        assert!(reserved().contains(&a.get()));
        let port = a.get();
        drop(a);
        assert!(!reserved().contains(&port));
    }
}

//! The fault layer tests use to cut raft links; with the `testkit` feature off it is empty and
//! cuts nothing.
//!
//! The in-process cluster tests cut links between nodes of one process. A production build
//! carries no cutting code: [`NetworkFaults`] is then a unit type whose checks are constant
//! `false`, so nothing outside the test kit can make a node deaf.

/// An error for "the link is cut".
#[derive(Debug, thiserror::Error)]
#[error("link to node {0} is cut by the fault layer")]
pub struct LinkCut(pub u64);

#[cfg(feature = "testkit")]
pub use cutting::NetworkFaults;

#[cfg(not(feature = "testkit"))]
pub use inert::NetworkFaults;

#[cfg(feature = "testkit")]
mod cutting {
    use std::collections::HashSet;
    use std::sync::RwLock;

    /// Links this node pretends are cut (test kit builds only).
    #[derive(Debug, Default)]
    pub struct NetworkFaults {
        no_send_to: RwLock<HashSet<u64>>,
        no_recv_from: RwLock<HashSet<u64>>,
    }

    impl NetworkFaults {
        /// Cuts the link to `peer` in both directions.
        pub fn cut(&self, peer: u64) {
            self.cut_outgoing(peer);
            self.cut_incoming(peer);
        }

        /// Stops sending to `peer` (its messages still arrive).
        pub fn cut_outgoing(&self, peer: u64) {
            if let Ok(mut s) = self.no_send_to.write() {
                s.insert(peer);
            }
        }

        /// Drops what `peer` sends (our messages still reach it).
        pub fn cut_incoming(&self, peer: u64) {
            if let Ok(mut s) = self.no_recv_from.write() {
                s.insert(peer);
            }
        }

        /// Restores every link.
        pub fn heal(&self) {
            if let Ok(mut s) = self.no_send_to.write() {
                s.clear();
            }
            if let Ok(mut s) = self.no_recv_from.write() {
                s.clear();
            }
        }

        /// Whether sending to `peer` is cut.
        pub fn blocks_send_to(&self, peer: u64) -> bool {
            self.no_send_to.read().map(|s| s.contains(&peer)).unwrap_or(false)
        }

        /// Whether receiving from `peer` is cut.
        pub fn blocks_recv_from(&self, peer: u64) -> bool {
            self.no_recv_from.read().map(|s| s.contains(&peer)).unwrap_or(false)
        }
    }
}

#[cfg(not(feature = "testkit"))]
mod inert {
    /// No fault layer in this build: every link is open.
    #[derive(Debug, Default)]
    pub struct NetworkFaults;

    impl NetworkFaults {
        /// Always `false`: nothing can cut a link in this build.
        #[inline(always)]
        pub fn blocks_send_to(&self, _peer: u64) -> bool {
            false
        }

        /// Always `false`: nothing can cut a link in this build.
        #[inline(always)]
        pub fn blocks_recv_from(&self, _peer: u64) -> bool {
            false
        }
    }
}

//! The settings `reload-configuration` may change while the node runs (recovery filters,
//! timings and hooks), shared by every clone of the node's config.

use std::sync::{Arc, RwLock};

use super::recovery::RecoveryConfig;

/// The current recovery settings; clones share them.
#[derive(Debug, Clone)]
pub struct LiveRecovery(Arc<RwLock<Arc<RecoveryConfig>>>);

impl LiveRecovery {
    /// Starts with `initial`.
    pub fn new(initial: RecoveryConfig) -> Self {
        LiveRecovery(Arc::new(RwLock::new(Arc::new(initial))))
    }

    /// The settings in force now.
    pub fn get(&self) -> Arc<RecoveryConfig> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces them.
    pub fn set(&self, next: RecoveryConfig) {
        let next = Arc::new(next);
        match self.0.write() {
            Ok(mut g) => *g = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }
}

//! The brute-force counts of one SQLite-backed process.

use std::sync::Arc;

use keycard_core::auth::{MemoryThrottle, Throttle, ThrottlePolicy, ThrottleStore};

use crate::SqliteStore;

impl ThrottleStore for SqliteStore {
    /// One file means one process: its memory is where every attempt is seen.
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle> {
        Arc::new(MemoryThrottle::new(policy))
    }
}

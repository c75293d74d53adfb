//! Where the brute-force counts are kept.

use std::sync::Arc;

use crate::auth::throttle::{Throttle, ThrottlePolicy};

/// Where the brute-force counts are kept.
pub trait ThrottleStore: Send + Sync {
    /// The brute-force limits under `policy`, counted where every process serving this
    /// store sees the same counts.
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle>;
}

//! Sessions whose "last active" is being written right now, so a burst of requests
//! in one session writes it once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use super::session_id::SessionId;

/// Sessions whose "last active" is being written right now, so a burst of requests in
/// one session writes it once.
#[derive(Clone, Default)]
pub(super) struct Touching(Arc<Mutex<HashSet<SessionId>>>);

impl Touching {
    /// Claims the write for `session`, or `None` when another request holds it. The claim
    /// ends when dropped, however the write ended.
    pub(super) fn claim(&self, session: &SessionId) -> Option<TouchClaim> {
        let claimed = self.lock().insert(session.clone());
        claimed.then(|| TouchClaim {
            touching: self.clone(),
            session: session.clone(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<SessionId>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The claim on one session's write; ends when dropped.
pub(super) struct TouchClaim {
    touching: Touching,
    session: SessionId,
}

impl Drop for TouchClaim {
    fn drop(&mut self) {
        self.touching.lock().remove(&self.session);
    }
}

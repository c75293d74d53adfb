//! What the core asks of storage, in the core's own terms: one method per transaction,
//! each all-or-nothing, in one trait per concern (accounts, sessions, mailed links,
//! two-step, passkeys, activity, throttle) that [`Store`] gathers. keycard-sqlite and
//! keycard-postgres implement each in a file of the same name; the core never sees
//! SQL, so it has nothing to branch on when the database is another.

mod activity;
mod links;
mod passkeys;
mod sessions;
mod throttle;
mod two_step;
mod users;

pub use activity::ActivityStore;
pub use links::LinkStore;
pub use passkeys::PasskeyStore;
pub use sessions::SessionStore;
pub use throttle::ThrottleStore;
pub use two_step::TwoStepStore;
pub use users::UserStore;

pub use super::error::StoreError;

use std::sync::Arc;

use time::OffsetDateTime;

use super::sessions::SessionPolicy;

/// How a change to an account turned out once its transaction ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange<T> {
    /// The change was made.
    Done(T),
    /// The session making the change ended after the guard let the request in.
    SessionEnded,
    /// The password checked is no longer the account's, or the account is gone.
    PasswordNoLongerCurrent,
}

/// The store the core holds, shared by every request.
pub type SharedStore = Arc<dyn Store>;

/// Everything the core keeps, with what concerns all of it: readiness and pruning.
#[async_trait::async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + LinkStore
    + TwoStepStore
    + PasskeyStore
    + ActivityStore
    + ThrottleStore
    + Send
    + Sync
    + 'static
{
    /// Whether the database answers a read now: what readiness means for Keycard.
    async fn check(&self) -> Result<(), StoreError>;

    /// Deletes the sessions that can no longer be used (their refresh tokens with
    /// them), revoked token ids that have expired, mailed links past their expiry, and
    /// activity past its retention.
    /// Says how many sessions and events went.
    async fn prune(&self, policy: &SessionPolicy, now: OffsetDateTime)
    -> Result<usize, StoreError>;
}

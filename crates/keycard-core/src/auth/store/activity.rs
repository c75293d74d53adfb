//! The account's activity record and the devices it has signed in from.

use time::OffsetDateTime;

use crate::auth::activity::{ActivityEntry, ActivityEvent};
use crate::auth::device::ClientInfo;
use crate::auth::users::UserId;

use super::StoreError;

/// The account's activity record and the devices it has signed in from.
#[async_trait::async_trait]
pub trait ActivityStore: Send + Sync {
    /// Records `event` for `user`, from `client`, on its own.
    async fn record_activity(
        &self,
        user: UserId,
        event: ActivityEvent,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// The account's newest events, newest first, at most `ACTIVITY_SHOWN` of them.
    async fn list_activity(&self, user: UserId) -> Result<Vec<ActivityEntry>, StoreError>;

    /// The user agents `user` has signed up or signed in with, as far back as the
    /// activity goes.
    async fn known_user_agents(&self, user: UserId) -> Result<Vec<String>, StoreError>;
}

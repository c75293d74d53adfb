//! The account's activity record in PostgreSQL.

use deadpool_postgres::GenericClient;
use keycard_core::auth::{
    ACTIVITY_SHOWN, ActivityEntry, ActivityEvent, ActivityStore, ClientInfo, StoreError, UserId,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::pool::{CachedStatements as _, column};

/// Records `event` for `user`, from `who`; nothing if the account has just been
/// deleted (its activity went with it), rather than failing the change it records.
pub(crate) async fn record_activity(
    client: &impl GenericClient,
    user: UserId,
    event: ActivityEvent,
    who: &ClientInfo,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    client
        .cached_execute(
            "INSERT INTO activity (user_id, at, event, client_address, user_agent)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)",
            &[
                &user.0,
                &now.unix_timestamp(),
                &event.code(),
                &who.address.to_string(),
                &who.user_agent.as_str(),
            ],
        )
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl ActivityStore for PgStore {
    async fn record_activity(
        &self,
        user: UserId,
        event: ActivityEvent,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let db = self.client().await?;
        record_activity(&db, user, event, client, now).await
    }

    async fn list_activity(&self, user: UserId) -> Result<Vec<ActivityEntry>, StoreError> {
        let shown = i64::try_from(ACTIVITY_SHOWN).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .await?
            .cached_query(
                "SELECT at, event, client_address, user_agent FROM activity
                 WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                &[&user.0, &shown],
            )
            .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            entries.extend(ActivityEntry::from_stored(
                column(row, 0)?,
                column(row, 1)?,
                column(row, 2)?,
                column(row, 3)?,
            ));
        }
        Ok(entries)
    }

    async fn known_user_agents(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()
            .await?
            .cached_query(
                "SELECT DISTINCT user_agent FROM activity
                 WHERE user_id = $1 AND event IN ('account_created', 'signed_in')",
                &[&user.0],
            )
            .await?;
        rows.iter().map(|row| column(row, 0)).collect()
    }
}

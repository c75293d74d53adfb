#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod activity;
mod links;
mod locks;
mod migrations;
mod passkeys;
mod pool;
mod sessions;
mod throttle;
mod tls;
mod two_step;
mod users;

use keycard_core::auth::{
    ACTIVITY_KEPT_PER_ACCOUNT, ACTIVITY_RETENTION, SessionPolicy, Store, StoreError,
};
use time::OffsetDateTime;

use crate::pool::{CachedStatements as _, column};

pub use crate::pool::{OpenError, PgStore};
/// A PostgreSQL connection's settings, as parsed from a `postgres://` URL.
pub use tokio_postgres::Config as PgConfig;

#[async_trait::async_trait]
impl Store for PgStore {
    async fn check(&self) -> Result<(), StoreError> {
        self.client()
            .await?
            .cached_query_one("SELECT 1", &[])
            .await?;
        Ok(())
    }

    async fn prune(
        &self,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let db = self.client().await?;
        let cutoffs = policy.expiry_cutoffs(now);
        let seconds = now.unix_timestamp();
        let sessions = db
            .cached_execute(
                "DELETE FROM sessions
                 WHERE ended_at IS NOT NULL OR last_active_at < $1 OR created_at < $2",
                &[&cutoffs.last_active_before, &cutoffs.created_before],
            )
            .await?;
        db.cached_execute(
            "DELETE FROM revoked_tokens WHERE expires_at < $1",
            &[&seconds],
        )
        .await?;
        let links = db
            .cached_execute("DELETE FROM mail_links WHERE expires_at <= $1", &[&seconds])
            .await?;
        let retention = i64::try_from(ACTIVITY_RETENTION.as_secs()).unwrap_or(i64::MAX);
        let old = db
            .cached_execute(
                "DELETE FROM activity WHERE at < $1",
                &[&seconds.saturating_sub(retention)],
            )
            .await?;
        // Only accounts over the cap are looked at, each through its own index range.
        let crowded = db
            .cached_query(
                "SELECT user_id FROM activity GROUP BY user_id HAVING COUNT(*) > $1",
                &[&ACTIVITY_KEPT_PER_ACCOUNT],
            )
            .await?;
        let mut surplus = 0;
        for row in &crowded {
            surplus += db
                .cached_execute(
                    "DELETE FROM activity WHERE user_id = $1 AND id NOT IN (
                         SELECT id FROM activity WHERE user_id = $1
                         ORDER BY at DESC, id DESC LIMIT $2)",
                    &[&column::<i64>(row, 0)?, &ACTIVITY_KEPT_PER_ACCOUNT],
                )
                .await?;
        }
        db.cached_execute(
            concat!(
                "DELETE FROM throttle_events WHERE at_ms < ",
                throttle::now_ms!(),
                " - $1"
            ),
            &[&throttle::LONGEST_WINDOW_MS],
        )
        .await?;
        let pruned = sessions
            .saturating_add(links)
            .saturating_add(old)
            .saturating_add(surplus);
        Ok(usize::try_from(pruned).unwrap_or(usize::MAX))
    }
}

//! PostgreSQL, for several Keycard processes serving one site: a pool of connections,
//! the schema migrated before the first query, and the core's transactions as SQL.
//!
//! Where SQLite serialises every write through one lock, here each transaction locks
//! the rows it decides on before it reads them for the decision, so requests about one
//! account or one session take turns across processes and requests about different
//! ones do not wait for each other. Two rules keep that correct:
//! - Locks are taken in one order, the account's row before its sessions' rows, so
//!   two transactions never wait for each other.
//! - What a decision rests on is read by a statement that starts after the lock is
//!   held: a statement sees the database as of its own start, so a read in the same
//!   statement as the wait would see the state from before it.

mod activity;
mod links;
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

use crate::pool::{CachedStatements as _, column, store_error};

pub use crate::pool::{OpenError, PgStore};

#[async_trait::async_trait]
impl Store for PgStore {
    async fn check(&self) -> Result<(), StoreError> {
        self.client()
            .await?
            .cached_query_one("SELECT 1", &[])
            .await
            .map_err(store_error)?;
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
            .await
            .map_err(store_error)?;
        db.cached_execute(
            "DELETE FROM revoked_tokens WHERE expires_at < $1",
            &[&seconds],
        )
        .await
        .map_err(store_error)?;
        let links = db
            .cached_execute("DELETE FROM mail_links WHERE expires_at <= $1", &[&seconds])
            .await
            .map_err(store_error)?;
        let retention = i64::try_from(ACTIVITY_RETENTION.as_secs()).unwrap_or(i64::MAX);
        let old = db
            .cached_execute(
                "DELETE FROM activity WHERE at < $1",
                &[&seconds.saturating_sub(retention)],
            )
            .await
            .map_err(store_error)?;
        // Only accounts over the cap are looked at, each through its own index range.
        let crowded = db
            .cached_query(
                "SELECT user_id FROM activity GROUP BY user_id HAVING COUNT(*) > $1",
                &[&ACTIVITY_KEPT_PER_ACCOUNT],
            )
            .await
            .map_err(store_error)?;
        let mut surplus = 0;
        for row in &crowded {
            surplus += db
                .cached_execute(
                    "DELETE FROM activity WHERE user_id = $1 AND id NOT IN (
                         SELECT id FROM activity WHERE user_id = $1
                         ORDER BY at DESC, id DESC LIMIT $2)",
                    &[&column::<i64>(row, 0)?, &ACTIVITY_KEPT_PER_ACCOUNT],
                )
                .await
                .map_err(store_error)?;
        }
        db.cached_execute(
            concat!(
                "DELETE FROM throttle_events WHERE at_ms < ",
                throttle::now_ms!(),
                " - $1"
            ),
            &[&throttle::LONGEST_WINDOW_MS],
        )
        .await
        .map_err(store_error)?;
        let pruned = sessions
            .saturating_add(links)
            .saturating_add(old)
            .saturating_add(surplus);
        Ok(usize::try_from(pruned).unwrap_or(usize::MAX))
    }
}

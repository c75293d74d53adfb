//! The brute-force limits counted in PostgreSQL, so every process sees every attempt.
//! A sliding window per bucket: one row per attempt, with the database's clock, so
//! processes on machines whose clocks differ still agree.

use std::net::IpAddr;
use std::time::Duration;

use super::PgStore;
use super::pool::CachedStatements as _;
use crate::auth::{
    AuthError, MAX_THROTTLE_WINDOW, RetryAfter, StoreError, Throttle, ThrottlePolicy,
};

/// The database's clock in Unix milliseconds, as SQL: every process counts attempts by
/// the one clock they share.
macro_rules! now_ms {
    () => {
        "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"
    };
}
pub(super) use now_ms;

/// Events older than the longest window any process may be configured with count for
/// nobody, and are pruned.
pub const LONGEST_WINDOW_MS: i64 = MAX_THROTTLE_WINDOW.as_secs() as i64 * 1000;

pub struct PgThrottle {
    store: PgStore,
    policy: ThrottlePolicy,
}

impl PgThrottle {
    pub fn new(store: PgStore, policy: ThrottlePolicy) -> Self {
        Self { store, policy }
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.policy.window.as_millis()).unwrap_or(i64::MAX)
    }

    /// Records one attempt in `bucket` unless `limit` already fall in the window; one
    /// transaction holding the bucket's advisory lock, so racing attempts from several
    /// processes are counted one after the other and never overshoot.
    async fn record_if_allowed(&self, bucket: &str, limit: u32) -> Result<(), AuthError> {
        let mut client = self.store.client().await?;
        let transaction = client.transaction().await.map_err(StoreError::from)?;
        transaction
            .cached_execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&bucket],
            )
            .await
            .map_err(StoreError::from)?;
        let (refusal, now_ms) = self.refusal(&transaction, bucket, limit).await?;
        if refusal.is_none() {
            transaction
                .cached_execute(
                    "INSERT INTO throttle_events (bucket, at_ms) VALUES ($1, $2)",
                    &[&bucket, &now_ms],
                )
                .await
                .map_err(StoreError::from)?;
        }
        transaction.commit().await.map_err(StoreError::from)?;
        refusal.map_or(Ok(()), |retry| Err(AuthError::Throttled(retry)))
    }

    /// How long until `bucket` has room for another attempt, if it has none now; and
    /// the database's time it went by, in Unix milliseconds.
    async fn refusal(
        &self,
        client: &impl deadpool_postgres::GenericClient,
        bucket: &str,
        limit: u32,
    ) -> Result<(Option<RetryAfter>, i64), AuthError> {
        let row = client
            .cached_query_one(
                concat!(
                    "SELECT now.ms, COUNT(e.at_ms), MIN(e.at_ms)
                     FROM (SELECT ",
                    now_ms!(),
                    " AS ms) AS now
                     LEFT JOIN throttle_events e ON e.bucket = $1 AND e.at_ms > now.ms - $2
                     GROUP BY now.ms"
                ),
                &[&bucket, &self.window_ms()],
            )
            .await
            .map_err(StoreError::from)?;
        let now_ms: i64 = row.try_get(0).map_err(StoreError::from)?;
        let count: i64 = row.try_get(1).map_err(StoreError::from)?;
        let oldest: Option<i64> = row.try_get(2).map_err(StoreError::from)?;
        let refusal = match oldest {
            Some(oldest) if count >= i64::from(limit.max(1)) => {
                let wait = oldest
                    .saturating_add(self.window_ms())
                    .saturating_sub(now_ms);
                Some(RetryAfter(Duration::from_millis(
                    u64::try_from(wait).unwrap_or(0),
                )))
            }
            _ => None,
        };
        Ok((refusal, now_ms))
    }
}

fn address_bucket(client: IpAddr) -> String {
    format!("address {client}")
}

/// The account key comes last, so whatever it holds cannot make two buckets one.
fn login_bucket(account_key: &str, client: IpAddr) -> String {
    format!("login {client} {account_key}")
}

#[async_trait::async_trait]
impl Throttle for PgThrottle {
    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError> {
        self.record_if_allowed(&address_bucket(client), self.policy.attempts_per_address)
            .await
    }

    async fn check_login(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError> {
        let db = self.store.client().await?;
        let bucket = login_bucket(account_key, client);
        let (refusal, _) = self
            .refusal(&db, &bucket, self.policy.failures_per_account)
            .await?;
        refusal.map_or(Ok(()), |retry| Err(AuthError::Throttled(retry)))
    }

    async fn record_failed_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError> {
        let db = self.store.client().await?;
        db.cached_execute(
            concat!(
                "INSERT INTO throttle_events (bucket, at_ms) VALUES ($1, ",
                now_ms!(),
                ")"
            ),
            &[&login_bucket(account_key, client)],
        )
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    async fn record_successful_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError> {
        let db = self.store.client().await?;
        db.cached_execute(
            "DELETE FROM throttle_events WHERE bucket = $1",
            &[&login_bucket(account_key, client)],
        )
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError> {
        self.record_if_allowed(&format!("mail {mail_key}"), self.policy.mails_per_account)
            .await
    }
}

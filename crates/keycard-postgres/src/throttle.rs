//! The brute-force limits counted in PostgreSQL, so every process sees every attempt.
//! A sliding window per bucket: one row per attempt, with the database's clock, so
//! processes on machines whose clocks differ still agree.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use keycard_core::auth::{
    AuthError, MAX_THROTTLE_WINDOW, RECIPIENT_MAIL_WINDOW, RetryAfter, Throttle, ThrottlePolicy,
    ThrottleStore, client_network,
};

use crate::PgStore;
use crate::pool::{CachedStatements as _, begin, column, commit};

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

fn millis(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX)
}

impl PgThrottle {
    pub fn new(store: PgStore, policy: ThrottlePolicy) -> Self {
        Self { store, policy }
    }

    /// Records one attempt in `bucket` unless `limit` already fall in the last `window`;
    /// one transaction holding the bucket's advisory lock, so racing attempts from
    /// several processes are counted one after the other and never overshoot. Says how
    /// many attempts the window has room for after this one.
    async fn record_if_allowed(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
    ) -> Result<u32, AuthError> {
        let limit = limit.max(1);
        let window_ms = millis(window);
        let mut client = self.store.client().await?;
        let transaction = begin(&mut client).await?;
        transaction
            .cached_execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&bucket],
            )
            .await?;
        let row = transaction
            .cached_query_one(
                concat!(
                    "SELECT now.ms, COUNT(e.at_ms), MIN(e.at_ms)
                     FROM (SELECT ",
                    now_ms!(),
                    " AS ms) AS now
                     LEFT JOIN throttle_events e ON e.bucket = $1 AND e.at_ms > now.ms - $2
                     GROUP BY now.ms"
                ),
                &[&bucket, &window_ms],
            )
            .await?;
        let now_ms: i64 = column(&row, 0)?;
        let count: i64 = column(&row, 1)?;
        let oldest: Option<i64> = column(&row, 2)?;
        if let Some(oldest) = oldest
            && count >= i64::from(limit)
        {
            let wait = oldest.saturating_add(window_ms).saturating_sub(now_ms);
            return Err(AuthError::Throttled(RetryAfter(Duration::from_millis(
                u64::try_from(wait).unwrap_or(0),
            ))));
        }
        transaction
            .cached_execute(
                "INSERT INTO throttle_events (bucket, at_ms) VALUES ($1, $2)",
                &[&bucket, &now_ms],
            )
            .await?;
        commit(transaction).await?;
        let left = i64::from(limit) - count - 1;
        Ok(u32::try_from(left).unwrap_or(0))
    }
}

/// Address buckets name the client's network ([`client_network`]), so an IPv6 client
/// cannot take a fresh address for each try.
fn address_bucket(client: IpAddr) -> String {
    format!("address {}", client_network(client))
}

/// The account key comes last, so whatever it holds cannot make two buckets one.
fn login_bucket(account_key: &str, client: IpAddr) -> String {
    format!("login {} {account_key}", client_network(client))
}

fn code_bucket(account_key: &str) -> String {
    format!("code {account_key}")
}

#[async_trait::async_trait]
impl Throttle for PgThrottle {
    fn window(&self) -> Duration {
        self.policy.window
    }

    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError> {
        self.record_if_allowed(
            &address_bucket(client),
            self.policy.attempts_per_address,
            self.policy.window,
        )
        .await
        .map(drop)
    }

    async fn reserve_login_try(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError> {
        self.record_if_allowed(
            &login_bucket(account_key, client),
            self.policy.failures_per_account,
            self.policy.window,
        )
        .await
        .map(drop)
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
        .await?;
        Ok(())
    }

    async fn reserve_code_try(&self, account_key: &str) -> Result<u32, AuthError> {
        self.record_if_allowed(
            &code_bucket(account_key),
            self.policy.code_failures_per_account,
            self.policy.window,
        )
        .await
    }

    async fn give_back_code_try(&self, account_key: &str) -> Result<(), AuthError> {
        let db = self.store.client().await?;
        db.cached_execute(
            "DELETE FROM throttle_events WHERE ctid = (
                 SELECT ctid FROM throttle_events WHERE bucket = $1
                 ORDER BY at_ms DESC LIMIT 1)",
            &[&code_bucket(account_key)],
        )
        .await?;
        Ok(())
    }

    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError> {
        self.record_if_allowed(
            &format!("mail {mail_key}"),
            self.policy.mails_per_account,
            self.policy.window,
        )
        .await
        .map(drop)
    }

    async fn admit_mail_to(&self, recipient_key: &str) -> Result<(), AuthError> {
        self.record_if_allowed(
            &format!("recipient {recipient_key}"),
            self.policy.verification_mails_per_recipient,
            RECIPIENT_MAIL_WINDOW,
        )
        .await
        .map(drop)
    }
}

impl ThrottleStore for PgStore {
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle> {
        Arc::new(PgThrottle::new(self.clone(), policy))
    }
}

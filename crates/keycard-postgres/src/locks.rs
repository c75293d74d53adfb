//! The row locks every change takes, in one order across processes: the account's row
//! first, then the session's.

use deadpool_postgres::GenericClient;
use keycard_core::auth::{
    AccountChange, SessionId, SessionPolicy, SessionTimes, StoreError, UserId,
};
use time::OffsetDateTime;

use crate::pool::{CachedStatements as _, column};

/// A session's times, from four columns of `row` starting at `first`.
pub(crate) fn times_at(
    row: &tokio_postgres::Row,
    first: usize,
) -> Result<SessionTimes, StoreError> {
    Ok(SessionTimes {
        created_at: column(row, first)?,
        last_active_at: column(row, first + 1)?,
        password_at: column(row, first + 2)?,
        ended_at: column(row, first + 3)?,
    })
}

/// How a transaction holds its account's row, from the weakest.
#[derive(Clone, Copy)]
pub(crate) enum AccountLock {
    /// The account stays while its sessions change: waits only for a deletion.
    KeepAccount,
    /// The password stays as checked: waits for a password change or a deletion.
    KeepPassword,
    /// A password change: waits for, and holds off, sign-ins and other changes.
    ChangePassword,
    /// A deletion: waits for, and holds off, everything done to the account.
    Delete,
}

/// Locks the account's row until the transaction ends, so changes to one account take
/// turns across processes; false if there is no such account.
pub(crate) async fn lock_account(
    client: &impl GenericClient,
    user: UserId,
    lock: AccountLock,
) -> Result<bool, StoreError> {
    let sql = match lock {
        AccountLock::KeepAccount => "SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE",
        AccountLock::KeepPassword => "SELECT 1 FROM users WHERE id = $1 FOR SHARE",
        AccountLock::ChangePassword => "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
        AccountLock::Delete => "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
    };
    Ok(client.cached_query_opt(sql, &[&user.0]).await?.is_some())
}

/// Locks the account's row with `lock`, then `session`'s row; the refusal a change made
/// from that session gets if the account is gone or the session is no longer live.
pub(crate) async fn lock_for_change<T>(
    client: &impl GenericClient,
    user: UserId,
    session: &SessionId,
    lock: AccountLock,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> Result<Option<AccountChange<T>>, StoreError> {
    if !lock_account(client, user, lock).await? {
        return Ok(Some(AccountChange::PasswordNoLongerCurrent));
    }
    let live = lock_session(client, user, session)
        .await?
        .is_some_and(|times| policy.is_live(&times, now));
    Ok((!live).then_some(AccountChange::SessionEnded))
}

/// The times of `user`'s session `session`, locked until the transaction ends.
pub(crate) async fn lock_session(
    client: &impl GenericClient,
    user: UserId,
    session: &SessionId,
) -> Result<Option<SessionTimes>, StoreError> {
    client
        .cached_query_opt(
            "SELECT created_at, last_active_at, password_at, ended_at FROM sessions
             WHERE id = $1 AND user_id = $2 FOR UPDATE",
            &[&session.as_str(), &user.0],
        )
        .await?
        .map(|row| times_at(&row, 0))
        .transpose()
}

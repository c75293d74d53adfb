//! Sessions and their refresh tokens in PostgreSQL: each change locks the account's
//! row, then the session's, before reading what it decides on.

use deadpool_postgres::GenericClient;
use keycard_core::auth::{
    ActivityEvent, ClientInfo, EndReason, GuardRecord, NewSession, PresentedRefresh, Redemption,
    RefreshStep, RefreshToken, SessionId, SessionPolicy, SessionStore, SessionTimes, StoreError,
    StoredSession, User, UserAgent, UserId, UserStatus, VerifiedToken, timestamp,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::activity::record_activity;
use crate::locks::{AccountLock, lock_account, lock_for_change, lock_session, times_at};
use crate::pool::{CachedStatements as _, begin, column, commit};

pub(crate) async fn insert_refresh_token(
    client: &impl GenericClient,
    session: &SessionId,
    token: &RefreshToken,
    now: i64,
) -> Result<(), StoreError> {
    client
        .cached_execute(
            "INSERT INTO refresh_tokens (fingerprint, session_id, issued_at) VALUES ($1, $2, $3)",
            &[&token.fingerprint(), &session.as_str(), &now],
        )
        .await?;
    Ok(())
}

pub(crate) async fn mark_ended(
    client: &impl GenericClient,
    sessions: &[&str],
    reason: EndReason,
    now: i64,
) -> Result<(), StoreError> {
    client
        .cached_execute(
            "UPDATE sessions SET ended_at = $2, end_reason = $3
             WHERE id = ANY($1) AND ended_at IS NULL",
            &[&sessions, &now, &reason.as_str()],
        )
        .await?;
    Ok(())
}

/// Records a new session inside the caller's transaction (see
/// [`Store::insert_session`]); `false` if it may not start.
pub(crate) async fn insert_session_within(
    transaction: &deadpool_postgres::Transaction<'_>,
    session: &NewSession,
    user: UserId,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    // Waits for a password change or a deletion in flight, then sees its outcome: a
    // sign-in that checked the old password starts nothing.
    if !lock_account(transaction, user, AccountLock::KeepPassword).await? {
        return Ok(false);
    }
    let current = transaction
        .cached_query_opt(
            "SELECT 1 FROM users
             WHERE id = $1 AND password_version = $2 AND status = 'active'",
            &[&user.0, &session.checked.0],
        )
        .await?;
    if current.is_none() {
        return Ok(false);
    }
    // FOR SHARE waits for two-step being turned on (which updates this row) and then
    // sees it on; a session inserted first is ended by that change instead.
    let two_step_on = transaction
        .cached_query_opt(
            "SELECT 1 FROM two_factor WHERE user_id = $1 AND enabled FOR SHARE",
            &[&user.0],
        )
        .await?
        .is_some();
    if two_step_on && !session.second_step.satisfies_two_step() {
        return Ok(false);
    }
    let seconds = now.unix_timestamp();
    transaction
        .cached_execute(
            "INSERT INTO sessions (id, user_id, created_at, last_active_at, password_at,
                                   client_address, user_agent, passkey_id)
             VALUES ($1, $2, $3, $3, $3, $4, $5, $6)",
            &[
                &session.id.as_str(),
                &user.0,
                &seconds,
                &client.address.to_string(),
                &client.user_agent.as_str(),
                &session.second_step.passkey(),
            ],
        )
        .await?;
    insert_refresh_token(transaction, &session.id, &session.refresh, seconds).await?;
    record_activity(transaction, user, ActivityEvent::SignedIn, client, now).await?;
    Ok(true)
}

/// Records `token_id` as revoked until `expires_at`; `false` if it was already, which is
/// what spends a single-use id.
/// Records `token_id` as revoked until `expires_at`; `false` if it was already, or has
/// expired at `now`. An id past its expiry is never recorded, by the same comparison the
/// pruning uses, so a spend whose row was pruned cannot be made again.
pub(crate) async fn record_revocation(
    client: &impl GenericClient,
    token_id: &str,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    Ok(client
        .cached_execute(
            "INSERT INTO revoked_tokens (jti, expires_at)
             SELECT $1::TEXT, $2::BIGINT WHERE $2::BIGINT >= $3::BIGINT
             ON CONFLICT (jti) DO NOTHING",
            &[
                &token_id,
                &expires_at.unix_timestamp(),
                &now.unix_timestamp(),
            ],
        )
        .await?
        == 1)
}

/// Ends every live session of `user` but `keep` (all of them for `None`); how many.
/// Their rows are locked first, so a refresh in flight finishes before its session ends.
pub(crate) async fn end_sessions_but(
    client: &impl GenericClient,
    user: UserId,
    keep: Option<&SessionId>,
    reason: EndReason,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> Result<usize, StoreError> {
    let rows = client
        .cached_query(
            "SELECT id, created_at, last_active_at, password_at, ended_at FROM sessions
             WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $2 FOR UPDATE",
            &[&user.0, &keep.map(SessionId::as_str)],
        )
        .await?;
    let mut live = Vec::new();
    for row in &rows {
        if policy.is_live(&times_at(row, 1)?, now) {
            live.push(column::<&str>(row, 0)?);
        }
    }
    mark_ended(client, &live, reason, now.unix_timestamp()).await?;
    Ok(live.len())
}

#[async_trait::async_trait]
impl SessionStore for PgStore {
    async fn insert_session(
        &self,
        session: &NewSession,
        user: UserId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        let inserted = insert_session_within(&transaction, session, user, client, now).await?;
        if inserted {
            commit(transaction).await?;
        }
        Ok(inserted)
    }

    async fn redeem_refresh_token(
        &self,
        presented: &RefreshToken,
        successor: &RefreshToken,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Redemption, StoreError> {
        let presented_fingerprint = presented.fingerprint();
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        let Some(row) = transaction
            .cached_query_opt(
                "SELECT s.id, s.user_id FROM refresh_tokens r
                 JOIN sessions s ON s.id = r.session_id WHERE r.fingerprint = $1",
                &[&presented_fingerprint],
            )
            .await?
        else {
            return Ok(Redemption::Unknown);
        };
        let session = SessionId::from_stored(column(&row, 0)?);
        let user_id = UserId(column(&row, 1)?);
        // The session's row is the lock every request presenting one of its tokens
        // takes; what the token says is read only once it is held.
        let locked = lock_account(&transaction, user_id, AccountLock::KeepAccount).await?;
        let Some(times) = lock_session(&transaction, user_id, &session).await? else {
            return Ok(Redemption::Ended);
        };
        let row = transaction
            .cached_query_one(
                "SELECT (SELECT status = 'active' FROM users WHERE id = $1),
                        (SELECT replaced_at FROM refresh_tokens WHERE fingerprint = $2),
                        EXISTS (SELECT 1 FROM refresh_tokens
                                WHERE fingerprint = $3 AND replaced_at IS NULL)",
                &[&user_id.0, &presented_fingerprint, &successor.fingerprint()],
            )
            .await?;
        let found = PresentedRefresh {
            times,
            account_active: locked && column::<Option<bool>>(&row, 0)? == Some(true),
            replaced_at: column(&row, 1)?,
            successor_is_current: column(&row, 2)?,
        };
        let seconds = now.unix_timestamp();
        let used = SessionTimes {
            last_active_at: seconds,
            ..times
        };
        let touch = "UPDATE sessions SET last_active_at = $2 WHERE id = $1";
        let redemption = match policy.judge_refresh(&found, now) {
            RefreshStep::End => return Ok(Redemption::Ended),
            RefreshStep::Rotate => {
                transaction
                    .cached_execute(
                        "UPDATE refresh_tokens SET replaced_at = $2 WHERE fingerprint = $1",
                        &[&presented_fingerprint, &seconds],
                    )
                    .await?;
                insert_refresh_token(&transaction, &session, successor, seconds).await?;
                transaction
                    .cached_execute(touch, &[&session.as_str(), &seconds])
                    .await?;
                Redemption::Rotated {
                    user_id,
                    session,
                    times: used,
                }
            }
            RefreshStep::ServeRace => {
                transaction
                    .cached_execute(touch, &[&session.as_str(), &seconds])
                    .await?;
                Redemption::Raced {
                    user_id,
                    session,
                    times: used,
                }
            }
            RefreshStep::EndAsReused => {
                mark_ended(
                    &transaction,
                    &[session.as_str()],
                    EndReason::RefreshTokenReused,
                    seconds,
                )
                .await?;
                record_activity(
                    &transaction,
                    user_id,
                    ActivityEvent::RefreshTokenReused,
                    client,
                    now,
                )
                .await?;
                Redemption::Reused { user_id, session }
            }
        };
        commit(transaction).await?;
        Ok(redemption)
    }

    async fn sign_out(
        &self,
        token: &VerifiedToken,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        if !lock_account(&transaction, token.user_id, AccountLock::KeepAccount).await? {
            // Deleted since the guard let the request in: every token of it is refused.
            return Ok(());
        }
        record_revocation(&transaction, &token.token_id, token.expires_at, now).await?;
        mark_ended(
            &transaction,
            &[token.session_id.as_str()],
            EndReason::SignedOut,
            now.unix_timestamp(),
        )
        .await?;
        record_activity(
            &transaction,
            token.user_id,
            ActivityEvent::SignedOut,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
        Ok(())
    }

    async fn end_session(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        let lock = AccountLock::KeepAccount;
        let refused = lock_for_change::<()>(&transaction, user, session, lock, policy, now).await?;
        if refused.is_some() {
            return Ok(false);
        }
        mark_ended(
            &transaction,
            &[session.as_str()],
            EndReason::EndedFromAnotherSession,
            now.unix_timestamp(),
        )
        .await?;
        record_activity(&transaction, user, ActivityEvent::SessionEnded, client, now).await?;
        commit(transaction).await?;
        Ok(true)
    }

    async fn end_other_sessions(
        &self,
        user: UserId,
        keep: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        if !lock_account(&transaction, user, AccountLock::KeepAccount).await? {
            return Ok(0);
        }
        let ended = end_sessions_but(
            &transaction,
            user,
            Some(keep),
            EndReason::EndedFromAnotherSession,
            policy,
            now,
        )
        .await?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::OtherSessionsSignedOut,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
        Ok(ended)
    }

    async fn list_live_sessions(
        &self,
        user: UserId,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Vec<StoredSession>, StoreError> {
        let rows = self
            .client()
            .await?
            .cached_query(
                "SELECT created_at, last_active_at, password_at, ended_at, id, client_address,
                        user_agent
                 FROM sessions WHERE user_id = $1 AND ended_at IS NULL
                 ORDER BY last_active_at DESC, created_at DESC",
                &[&user.0],
            )
            .await?;
        let mut live = Vec::new();
        for row in &rows {
            let times = times_at(row, 0)?;
            if policy.is_live(&times, now) {
                live.push(StoredSession {
                    id: SessionId::from_stored(column(row, 4)?),
                    times,
                    address: column(row, 5)?,
                    user_agent: UserAgent::from_header(Some(column(row, 6)?)),
                });
            }
        }
        Ok(live)
    }

    async fn touch_session(
        &self,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.client()
            .await?
            .cached_execute(
                "UPDATE sessions SET last_active_at = $2 WHERE id = $1 AND last_active_at < $2",
                &[&session.as_str(), &now.unix_timestamp()],
            )
            .await?;
        Ok(())
    }

    async fn confirm_password(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        if !lock_account(&transaction, user, AccountLock::KeepAccount).await? {
            return Ok(());
        }
        transaction
            .cached_execute(
                "UPDATE sessions SET password_at = $2 WHERE id = $1",
                &[&session.as_str(), &now.unix_timestamp()],
            )
            .await?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::Reauthenticated,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
        Ok(())
    }

    async fn find_guard_record(
        &self,
        user: UserId,
        session: &SessionId,
        token_id: &str,
    ) -> Result<GuardRecord, StoreError> {
        // One round trip: the guard runs on every signed-in request.
        let row = self
            .client()
            .await?
            .cached_query_one(
                "SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $3),
                        u.username, u.email, u.status, u.created_at,
                        s.created_at, s.last_active_at, s.password_at, s.ended_at,
                        u.email_verified
                 FROM (SELECT 1) AS one
                 LEFT JOIN users u ON u.id = $1
                 LEFT JOIN sessions s ON s.id = $2 AND s.user_id = $1",
                &[&user.0, &session.as_str(), &token_id],
            )
            .await?;
        if column::<bool>(&row, 0)? {
            return Ok(GuardRecord::Revoked);
        }
        let Some(username) = column::<Option<String>>(&row, 1)? else {
            return Ok(GuardRecord::NoAccount);
        };
        let status = match column::<&str>(&row, 3)? {
            "active" => UserStatus::Active,
            _ => UserStatus::Disabled,
        };
        let account = User {
            id: user,
            username,
            email: column(&row, 2)?,
            email_verified: column(&row, 9)?,
            status,
            created_at: timestamp(column(&row, 4)?),
        };
        if column::<Option<i64>>(&row, 5)?.is_none() {
            return Ok(GuardRecord::NoSession);
        }
        Ok(GuardRecord::Found {
            user: account,
            times: times_at(&row, 5)?,
        })
    }
}

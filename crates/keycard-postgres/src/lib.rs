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

mod migrations;
mod pool;
mod throttle;
mod tls;

use std::sync::Arc;

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use self::pool::{CachedStatements as _, column, store_error};
pub use self::pool::{OpenError, PgStore};
use self::throttle::PgThrottle;
use keycard_core::auth::{
    ACTIVITY_KEPT_PER_ACCOUNT, ACTIVITY_RETENTION, ACTIVITY_SHOWN, AccountChange, AccountLookup,
    ActivityEntry, ActivityEvent, ClientInfo, EndReason, GuardRecord, LinkPurpose, NewLink,
    NewPasskey, NewSession, PasswordVersion, PresentedRefresh, Recipient, Redemption, RefreshStep,
    RefreshToken, SecondFactorProof, SecondFactorSpend, SessionId, SessionPolicy, SessionTimes,
    Store, StoreError, StoredCredentials, StoredLink, StoredPasskey, StoredSession,
    StoredTwoFactor, Throttle, ThrottlePolicy, TwoStepAfterReset, User, UserAgent, UserId,
    UserStatus, VerifiedToken, timestamp,
};
use keycard_core::domain::{Email, Username};

fn times_at(row: &tokio_postgres::Row, first: usize) -> Result<SessionTimes, StoreError> {
    Ok(SessionTimes {
        created_at: column(row, first)?,
        last_active_at: column(row, first + 1)?,
        password_at: column(row, first + 2)?,
        ended_at: column(row, first + 3)?,
    })
}

fn credentials(row: &tokio_postgres::Row) -> Result<StoredCredentials, StoreError> {
    Ok(StoredCredentials {
        id: UserId(column(row, 0)?),
        username: column(row, 1)?,
        username_key: column(row, 2)?,
        verified_email: column(row, 3)?,
        password_hash: column(row, 4)?,
        password_version: PasswordVersion(column(row, 5)?),
    })
}

/// Records `event` for `user`, from `who`; nothing if the account has just been
/// deleted (its activity went with it), rather than failing the change it records.
async fn record_activity(
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
        .await
        .map_err(store_error)?;
    Ok(())
}

async fn insert_refresh_token(
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
        .await
        .map_err(store_error)?;
    Ok(())
}

async fn mark_ended(
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
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The times of `user`'s session `session`, locked until the transaction ends.
async fn lock_session(
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
        .await
        .map_err(store_error)?
        .map(|row| times_at(&row, 0))
        .transpose()
}

/// Records a new session inside the caller's transaction (see
/// [`Store::insert_session`]); `false` if it may not start.
async fn insert_session_within(
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
        .await
        .map_err(store_error)?;
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
        .await
        .map_err(store_error)?
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
        .await
        .map_err(store_error)?;
    insert_refresh_token(transaction, &session.id, &session.refresh, seconds).await?;
    record_activity(transaction, user, ActivityEvent::SignedIn, client, now).await?;
    Ok(true)
}

/// Records `token_id` as revoked until `expires_at`; `false` if it was already, which is
/// what spends a single-use id.
/// Records `token_id` as revoked until `expires_at`; `false` if it was already, or has
/// expired at `now`. An id past its expiry is never recorded, by the same comparison the
/// pruning uses, so a spend whose row was pruned cannot be made again.
async fn record_revocation(
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
        .await
        .map_err(store_error)?
        == 1)
}

/// Deletes the mailed link `selector`; false if it was not there (spent already).
async fn spend_link(client: &impl GenericClient, selector: &str) -> Result<bool, StoreError> {
    Ok(client
        .cached_execute("DELETE FROM mail_links WHERE selector = $1", &[&selector])
        .await
        .map_err(store_error)?
        == 1)
}

/// How a transaction holds its account's row, from the weakest.
#[derive(Clone, Copy)]
enum AccountLock {
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
async fn lock_account(
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
    Ok(client
        .cached_query_opt(sql, &[&user.0])
        .await
        .map_err(store_error)?
        .is_some())
}

/// Locks the account's row with `lock`, then `session`'s row; the refusal a change made
/// from that session gets if the account is gone or the session is no longer live.
async fn lock_for_change<T>(
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

/// Ends every live session of `user` but `keep` (all of them for `None`); how many.
/// Their rows are locked first, so a refresh in flight finishes before its session ends.
async fn end_sessions_but(
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
        .await
        .map_err(store_error)?;
    let mut live = Vec::new();
    for row in &rows {
        if policy.is_live(&times_at(row, 1)?, now) {
            live.push(column::<&str>(row, 0)?);
        }
    }
    mark_ended(client, &live, reason, now.unix_timestamp()).await?;
    Ok(live.len())
}

/// What turning two-step sign-in on or off does besides: every other session ends and
/// the account's activity says so.
async fn changed_two_factor(
    client: &impl GenericClient,
    user: UserId,
    keep: &SessionId,
    event: ActivityEvent,
    who: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    end_sessions_but(
        client,
        user,
        Some(keep),
        EndReason::TwoFactorChanged,
        policy,
        now,
    )
    .await?;
    record_activity(client, user, event, who, now).await
}

const PASSKEY_COLUMNS: &str = "p.id, p.user_id, u.webauthn_handle, p.name, p.credential,
                               p.created_at, p.last_used_at";

fn stored_passkey(row: &tokio_postgres::Row) -> Result<StoredPasskey, StoreError> {
    Ok(StoredPasskey {
        id: column(row, 0)?,
        user: UserId(column(row, 1)?),
        user_handle: column(row, 2)?,
        name: column(row, 3)?,
        credential: column(row, 4)?,
        created_at: timestamp(column(row, 5)?),
        last_used_at: column::<Option<i64>>(row, 6)?.map(timestamp),
    })
}

/// Takes `step` as the last code `user` used, if it is later than the last one.
async fn spend_code_step(
    client: &impl GenericClient,
    user: UserId,
    step: u64,
) -> Result<bool, StoreError> {
    let spent = client
        .cached_execute(
            "UPDATE two_factor SET last_step = $2
             WHERE user_id = $1 AND enabled AND last_step < $2",
            &[&user.0, &step_column(step)],
        )
        .await
        .map_err(store_error)?;
    Ok(spent == 1)
}

fn step_column(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle> {
        Arc::new(PgThrottle::new(self.clone(), policy))
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.client()
            .await?
            .cached_query_one("SELECT 1", &[])
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn create_user(
        &self,
        username: &Username,
        email: Option<&Email>,
        password_hash: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        // The unique key decides: of sign-ups racing for one name, exactly one inserts.
        let inserted = transaction
            .cached_query_opt(
                "INSERT INTO users (username, username_key, email, email_key, password_hash,
                                    created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (username_key) DO NOTHING RETURNING id",
                &[
                    &username.as_str(),
                    &username.canonical_key(),
                    &email.map(Email::as_str),
                    &email.map(Email::lookup_key),
                    &password_hash,
                    &now.unix_timestamp(),
                ],
            )
            .await
            .map_err(store_error)?;
        let Some(row) = inserted else {
            return Ok(None);
        };
        let id = UserId(column(&row, 0)?);
        record_activity(&transaction, id, ActivityEvent::AccountCreated, client, now).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(Some(User {
            id,
            username: username.as_str().to_owned(),
            email: email.map(|e| e.as_str().to_owned()),
            email_verified: false,
            status: UserStatus::Active,
            created_at: now.replace_nanosecond(0).unwrap_or(now),
        }))
    }

    async fn find_credentials_by_name(
        &self,
        username: &Username,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        self.client()
            .await?
            .cached_query_opt(
                "SELECT id, username, username_key, CASE WHEN email_verified THEN email END,
                        password_hash, password_version
                 FROM users WHERE username_key = $1 AND status = 'active'",
                &[&username.canonical_key()],
            )
            .await
            .map_err(store_error)?
            .map(|row| credentials(&row))
            .transpose()
    }

    async fn find_credentials_by_id(
        &self,
        user: UserId,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        self.client()
            .await?
            .cached_query_opt(
                "SELECT id, username, username_key, CASE WHEN email_verified THEN email END,
                        password_hash, password_version
                 FROM users WHERE id = $1 AND status = 'active'",
                &[&user.0],
            )
            .await
            .map_err(store_error)?
            .map(|row| credentials(&row))
            .transpose()
    }

    async fn upgrade_password_hash(
        &self,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        self.client()
            .await?
            .cached_execute(
                "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_version = $3",
                &[&password_hash, &user.0, &checked.0],
            )
            .await
            .map_err(store_error)?;
        Ok(())
    }

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

    async fn insert_session(
        &self,
        session: &NewSession,
        user: UserId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        let inserted = insert_session_within(&transaction, session, user, client, now).await?;
        if inserted {
            transaction.commit().await.map_err(store_error)?;
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
        let transaction = db.transaction().await.map_err(store_error)?;
        let Some(row) = transaction
            .cached_query_opt(
                "SELECT s.id, s.user_id FROM refresh_tokens r
                 JOIN sessions s ON s.id = r.session_id WHERE r.fingerprint = $1",
                &[&presented_fingerprint],
            )
            .await
            .map_err(store_error)?
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
            .await
            .map_err(store_error)?;
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
                    .await
                    .map_err(store_error)?;
                insert_refresh_token(&transaction, &session, successor, seconds).await?;
                transaction
                    .cached_execute(touch, &[&session.as_str(), &seconds])
                    .await
                    .map_err(store_error)?;
                Redemption::Rotated {
                    user_id,
                    session,
                    times: used,
                }
            }
            RefreshStep::ServeRace => {
                transaction
                    .cached_execute(touch, &[&session.as_str(), &seconds])
                    .await
                    .map_err(store_error)?;
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
        transaction.commit().await.map_err(store_error)?;
        Ok(redemption)
    }

    async fn sign_out(
        &self,
        token: &VerifiedToken,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
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
        transaction.commit().await.map_err(store_error)?;
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
        let transaction = db.transaction().await.map_err(store_error)?;
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
        transaction.commit().await.map_err(store_error)?;
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
        let transaction = db.transaction().await.map_err(store_error)?;
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
        transaction.commit().await.map_err(store_error)?;
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
            .await
            .map_err(store_error)?;
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
            .await
            .map_err(store_error)?;
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
        let transaction = db.transaction().await.map_err(store_error)?;
        if !lock_account(&transaction, user, AccountLock::KeepAccount).await? {
            return Ok(());
        }
        transaction
            .cached_execute(
                "UPDATE sessions SET password_at = $2 WHERE id = $1",
                &[&session.as_str(), &now.unix_timestamp()],
            )
            .await
            .map_err(store_error)?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::Reauthenticated,
            client,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
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
            .await
            .map_err(store_error)?;
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

    async fn change_password(
        &self,
        user: UserId,
        keep: &SessionId,
        checked: PasswordVersion,
        password_hash: &str,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<usize>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if let Some(refused) = lock_for_change(
            &transaction,
            user,
            keep,
            AccountLock::ChangePassword,
            policy,
            now,
        )
        .await?
        {
            return Ok(refused);
        }
        let replaced = transaction
            .cached_execute(
                "UPDATE users SET password_hash = $1, password_version = password_version + 1
                 WHERE id = $2 AND password_version = $3 AND status = 'active'",
                &[&password_hash, &user.0, &checked.0],
            )
            .await
            .map_err(store_error)?;
        if replaced != 1 {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        let ended = end_sessions_but(
            &transaction,
            user,
            Some(keep),
            EndReason::PasswordChanged,
            policy,
            now,
        )
        .await?;
        transaction
            .cached_execute(
                "UPDATE sessions SET password_at = $2 WHERE id = $1",
                &[&keep.as_str(), &now.unix_timestamp()],
            )
            .await
            .map_err(store_error)?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::PasswordChanged,
            client,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(AccountChange::Done(ended))
    }

    async fn delete_user(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if let Some(refused) = lock_for_change(
            &transaction,
            user,
            session,
            AccountLock::Delete,
            policy,
            now,
        )
        .await?
        {
            return Ok(refused);
        }
        let deleted = transaction
            .cached_execute(
                "DELETE FROM users WHERE id = $1 AND password_version = $2",
                &[&user.0, &checked.0],
            )
            .await
            .map_err(store_error)?;
        if deleted != 1 {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(AccountChange::Done(()))
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
            .await
            .map_err(store_error)?;
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
            .await
            .map_err(store_error)?;
        rows.iter().map(|row| column(row, 0)).collect()
    }

    async fn insert_link(&self, link: &NewLink) -> Result<bool, StoreError> {
        let inserted = self
            .client()
            .await?
            .cached_execute(
                "INSERT INTO mail_links (selector, user_id, purpose, verifier_hash, email,
                                         password_version, created_at, expires_at)
                 SELECT $1, id, $3, $4, email, password_version, $6, $7 FROM users
                 WHERE id = $2 AND status = 'active' AND email = $5
                   AND ($8::BIGINT IS NULL OR (password_version = $8 AND email_verified))",
                &[
                    &link.selector,
                    &link.user.0,
                    &link.purpose.code(),
                    &link.verifier_hash,
                    &link.email,
                    &link.created_at,
                    &link.expires_at,
                    &link.password_version.map(|version| version.0),
                ],
            )
            .await
            .map_err(store_error)?;
        Ok(inserted == 1)
    }

    async fn find_link(&self, selector: &str) -> Result<Option<StoredLink>, StoreError> {
        let row = self
            .client()
            .await?
            .cached_query_opt(
                "SELECT l.user_id, u.username, l.purpose, l.verifier_hash, l.email,
                        l.password_version, l.expires_at
                 FROM mail_links l JOIN users u ON u.id = l.user_id
                 WHERE l.selector = $1",
                &[&selector],
            )
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(StoredLink {
            user: UserId(column(&row, 0)?),
            username: column(&row, 1)?,
            purpose: column::<&str>(&row, 2)?.parse().ok(),
            verifier_hash: column(&row, 3)?,
            email: column(&row, 4)?,
            password_version: PasswordVersion(column(&row, 5)?),
            expires_at: column(&row, 6)?,
        }))
    }

    async fn verify_email(
        &self,
        selector: &str,
        user: UserId,
        email: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        // The account first, as every transaction that changes it takes it.
        if !lock_account(&transaction, user, AccountLock::ChangePassword).await?
            || !spend_link(&transaction, selector).await?
        {
            return Ok(false);
        }
        let verified = transaction
            .cached_execute(
                "UPDATE users SET email_verified = TRUE
                 WHERE id = $1 AND email = $2 AND status = 'active'",
                &[&user.0, &email],
            )
            .await
            .map_err(store_error)?
            == 1;
        if verified {
            record_activity(
                &transaction,
                user,
                ActivityEvent::EmailVerified,
                client,
                now,
            )
            .await?;
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(verified)
    }

    async fn reset_password(
        &self,
        selector: &str,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
        two_step: TwoStepAfterReset,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<PasswordVersion>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if !lock_account(&transaction, user, AccountLock::ChangePassword).await?
            || !spend_link(&transaction, selector).await?
        {
            return Ok(None);
        }
        let replaced = transaction
            .cached_execute(
                "UPDATE users SET password_hash = $1, password_version = password_version + 1
                 WHERE id = $2 AND password_version = $3 AND status = 'active'",
                &[&password_hash, &user.0, &checked.0],
            )
            .await
            .map_err(store_error)?;
        if replaced != 1 {
            // The password changed since the link was sent: the link stays spent.
            transaction.commit().await.map_err(store_error)?;
            return Ok(None);
        }
        end_sessions_but(
            &transaction,
            user,
            None,
            EndReason::PasswordChanged,
            policy,
            now,
        )
        .await?;
        transaction
            .cached_execute(
                "DELETE FROM mail_links WHERE user_id = $1 AND purpose = $2",
                &[&user.0, &LinkPurpose::ResetPassword.code()],
            )
            .await
            .map_err(store_error)?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::PasswordReset,
            client,
            now,
        )
        .await?;
        if two_step == TwoStepAfterReset::TurnedOff {
            transaction
                .cached_execute("DELETE FROM two_factor WHERE user_id = $1", &[&user.0])
                .await
                .map_err(store_error)?;
            transaction
                .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
                .await
                .map_err(store_error)?;
            record_activity(
                &transaction,
                user,
                ActivityEvent::TwoFactorDisabled,
                client,
                now,
            )
            .await?;
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(Some(PasswordVersion(checked.0 + 1)))
    }

    async fn find_recipients(&self, lookup: &AccountLookup) -> Result<Vec<Recipient>, StoreError> {
        let (sql, key) = match lookup {
            AccountLookup::Username(key) => (
                "SELECT id, username, email, password_version FROM users
                 WHERE username_key = $1 AND status = 'active' AND email_verified
                   AND email IS NOT NULL",
                key,
            ),
            AccountLookup::Email(key) => (
                "SELECT id, username, email, password_version FROM users
                 WHERE email_key = $1 AND status = 'active' AND email_verified
                   AND email IS NOT NULL",
                key,
            ),
        };
        let rows = self
            .client()
            .await?
            .cached_query(sql, &[key])
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(Recipient {
                    user: UserId(column(row, 0)?),
                    username: column(row, 1)?,
                    email: column(row, 2)?,
                    password_version: PasswordVersion(column(row, 3)?),
                })
            })
            .collect()
    }

    async fn change_email(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        email: Option<&Email>,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if let Some(refused) = lock_for_change(
            &transaction,
            user,
            session,
            AccountLock::ChangePassword,
            policy,
            now,
        )
        .await?
        {
            return Ok(refused);
        }
        let replaced = transaction
            .cached_execute(
                "UPDATE users SET email = $1, email_key = $2, email_verified = FALSE
                 WHERE id = $3 AND password_version = $4 AND status = 'active'",
                &[
                    &email.map(Email::as_str),
                    &email.map(Email::lookup_key),
                    &user.0,
                    &checked.0,
                ],
            )
            .await
            .map_err(store_error)?;
        if replaced != 1 {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        transaction
            .cached_execute("DELETE FROM mail_links WHERE user_id = $1", &[&user.0])
            .await
            .map_err(store_error)?;
        record_activity(&transaction, user, ActivityEvent::EmailChanged, client, now).await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(AccountChange::Done(()))
    }

    async fn find_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, StoreError> {
        let db = self.client().await?;
        db.cached_query_opt(
            "SELECT sealed_secret, enabled, staged_in,
                    (SELECT COUNT(*) FROM recovery_codes r
                     WHERE r.user_id = t.user_id AND r.used_at IS NULL)
             FROM two_factor t WHERE user_id = $1",
            &[&user.0],
        )
        .await
        .map_err(store_error)?
        .map(|row| {
            Ok(StoredTwoFactor {
                sealed_secret: column(&row, 0)?,
                enabled: column(&row, 1)?,
                staged_in: column(&row, 2)?,
                recovery_codes_left: usize::try_from(column::<i64>(&row, 3)?).unwrap_or(0),
            })
        })
        .transpose()
    }

    async fn stage_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        sealed_secret: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let db = self.client().await?;
        let written = db
            .cached_execute(
                "INSERT INTO two_factor (user_id, sealed_secret, created_at, staged_in)
                 SELECT id, $2, $3, $4 FROM users WHERE id = $1
                 ON CONFLICT (user_id) DO UPDATE
                     SET sealed_secret = excluded.sealed_secret,
                         created_at = excluded.created_at, staged_in = excluded.staged_in,
                         last_step = -1
                     WHERE NOT two_factor.enabled",
                &[
                    &user.0,
                    &sealed_secret,
                    &now.unix_timestamp(),
                    &session.as_str(),
                ],
            )
            .await
            .map_err(store_error)?;
        Ok(written == 1)
    }

    async fn enable_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        step: u64,
        recovery_hashes: &[String],
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<bool>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if let Some(refused) = lock_for_change(
            &transaction,
            user,
            session,
            AccountLock::KeepAccount,
            policy,
            now,
        )
        .await?
        {
            return Ok(refused);
        }
        let enabled = transaction
            .cached_execute(
                "UPDATE two_factor SET enabled = TRUE, last_step = $2, staged_in = NULL
                 WHERE user_id = $1 AND NOT enabled AND staged_in = $3",
                &[&user.0, &step_column(step), &session.as_str()],
            )
            .await
            .map_err(store_error)?;
        if enabled != 1 {
            return Ok(AccountChange::Done(false));
        }
        transaction
            .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
            .await
            .map_err(store_error)?;
        transaction
            .cached_execute(
                "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::TEXT[])",
                &[&user.0, &recovery_hashes],
            )
            .await
            .map_err(store_error)?;
        changed_two_factor(
            &transaction,
            user,
            session,
            ActivityEvent::TwoFactorEnabled,
            client,
            policy,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(AccountChange::Done(true))
    }

    async fn disable_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        step: u64,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<bool>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if let Some(refused) = lock_for_change(
            &transaction,
            user,
            session,
            AccountLock::KeepPassword,
            policy,
            now,
        )
        .await?
        {
            return Ok(refused);
        }
        let current = transaction
            .cached_query_opt(
                "SELECT 1 FROM users WHERE id = $1 AND password_version = $2 AND status = 'active'",
                &[&user.0, &checked.0],
            )
            .await
            .map_err(store_error)?;
        if current.is_none() {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        let deleted = transaction
            .cached_execute(
                "DELETE FROM two_factor WHERE user_id = $1 AND enabled AND last_step < $2",
                &[&user.0, &step_column(step)],
            )
            .await
            .map_err(store_error)?;
        if deleted != 1 {
            return Ok(AccountChange::Done(false));
        }
        transaction
            .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
            .await
            .map_err(store_error)?;
        changed_two_factor(
            &transaction,
            user,
            session,
            ActivityEvent::TwoFactorDisabled,
            client,
            policy,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(AccountChange::Done(true))
    }

    async fn spend_code_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        spend_code_step(&self.client().await?, user, step).await
    }

    async fn spend_second_factor(
        &self,
        challenge_id: &str,
        challenge_expires_at: OffsetDateTime,
        user: UserId,
        proof: &SecondFactorProof,
        start: Option<&NewSession>,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<SecondFactorSpend, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        // A racing request with the same challenge waits here for this one to end.
        if !record_revocation(&transaction, challenge_id, challenge_expires_at, now).await? {
            return Ok(SecondFactorSpend::ChallengeSpent);
        }
        let spent = match proof {
            SecondFactorProof::Step(step) => spend_code_step(&transaction, user, *step).await?,
            SecondFactorProof::RecoveryCode {
                hashes: [current, legacy],
            } => {
                transaction
                    .cached_execute(
                        "UPDATE recovery_codes SET used_at = $3
                         WHERE user_id = $1 AND code_hash IN ($2, $4) AND used_at IS NULL
                           AND EXISTS (SELECT 1 FROM two_factor WHERE user_id = $1 AND enabled)",
                        &[&user.0, &current, &now.unix_timestamp(), &legacy],
                    )
                    .await
                    .map_err(store_error)?
                    == 1
            }
        };
        if !spent {
            return Ok(SecondFactorSpend::Rejected);
        }
        if matches!(proof, SecondFactorProof::RecoveryCode { .. }) {
            record_activity(
                &transaction,
                user,
                ActivityEvent::RecoveryCodeUsed,
                client,
                now,
            )
            .await?;
        }
        if let Some(start) = start
            && !insert_session_within(&transaction, start, user, client, now).await?
        {
            return Ok(SecondFactorSpend::SessionRefused);
        }
        transaction.commit().await.map_err(store_error)?;
        Ok(SecondFactorSpend::Spent)
    }

    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError> {
        let db = self.client().await?;
        record_revocation(&db, id, expires_at, OffsetDateTime::now_utc()).await
    }

    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError> {
        let db = self.client().await?;
        db.cached_execute(
            "UPDATE users SET webauthn_handle = $2 WHERE id = $1 AND webauthn_handle IS NULL",
            &[&user.0, &candidate],
        )
        .await
        .map_err(store_error)?;
        let row = db
            .cached_query_opt(
                "SELECT webauthn_handle FROM users WHERE id = $1",
                &[&user.0],
            )
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::Failed(format!("no account {}", user.0).into()))?;
        column(&row, 0)
    }

    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
        let db = self.client().await?;
        db.cached_query(
            &format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
                 WHERE p.user_id = $1 ORDER BY p.created_at DESC, p.id"
            ),
            &[&user.0],
        )
        .await
        .map_err(store_error)?
        .iter()
        .map(stored_passkey)
        .collect()
    }

    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        if !lock_account(&transaction, passkey.user, AccountLock::KeepAccount).await? {
            return Ok(false);
        }
        let inserted = transaction
            .cached_execute(
                "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at)
                 SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2 AND status = 'active'
                 ON CONFLICT DO NOTHING",
                &[
                    &passkey.id,
                    &passkey.user.0,
                    &passkey.credential_id,
                    &passkey.name,
                    &passkey.credential,
                    &now.unix_timestamp(),
                ],
            )
            .await
            .map_err(store_error)?;
        if inserted != 1 {
            return Ok(false);
        }
        record_activity(
            &transaction,
            passkey.user,
            ActivityEvent::PasskeyAdded,
            client,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        let db = self.client().await?;
        db.cached_query_opt(
            &format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
                 WHERE p.credential_id = $1 AND u.status = 'active'"
            ),
            &[&credential_id],
        )
        .await
        .map_err(store_error)?
        .as_ref()
        .map(stored_passkey)
        .transpose()
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let db = self.client().await?;
        let written = db
            .cached_execute(
                "UPDATE passkeys SET last_used_at = $2, credential = COALESCE($3, credential)
                 WHERE id = $1 AND credential = $4",
                &[&id, &now.unix_timestamp(), &credential, &read],
            )
            .await
            .map_err(store_error)?;
        Ok(written == 1)
    }

    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError> {
        let mut db = self.client().await?;
        let transaction = db.transaction().await.map_err(store_error)?;
        let removed = transaction
            .cached_execute(
                "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
                &[&id, &user.0],
            )
            .await
            .map_err(store_error)?;
        if removed != 1 {
            return Ok(None);
        }
        let ended = transaction
            .cached_execute(
                "UPDATE sessions SET ended_at = $3, end_reason = $4
                 WHERE user_id = $1 AND passkey_id = $2 AND ended_at IS NULL",
                &[
                    &user.0,
                    &id,
                    &now.unix_timestamp(),
                    &EndReason::PasskeyRemoved.as_str(),
                ],
            )
            .await
            .map_err(store_error)?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::PasskeyRemoved,
            client,
            now,
        )
        .await?;
        transaction.commit().await.map_err(store_error)?;
        Ok(Some(usize::try_from(ended).unwrap_or(usize::MAX)))
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

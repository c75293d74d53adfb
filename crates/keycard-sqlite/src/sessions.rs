//! Sessions and their refresh tokens in SQLite: each change one immediate transaction,
//! so two requests touching one session are served one after the other.

use keycard_core::auth::{
    ActivityEvent, ClientInfo, EndReason, GuardRecord, NewSession, PresentedRefresh, Redemption,
    RefreshStep, RefreshToken, SessionId, SessionPolicy, SessionStore, SessionTimes, StoreError,
    StoredSession, UserAgent, UserId, VerifiedToken,
};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::activity::record_activity;
use crate::blocklist::{is_token_revoked, record_revocation};
use crate::user_rows::find_user_by_id;
use crate::{SqliteStore, activity};

/// Records a new session, its first refresh token and the sign-in, if the account's
/// password is still the version the sign-in checked: a sign-in that checked a password
/// changed (or an account deleted) since starts nothing, and gets `false`.
pub fn insert_session(
    connection: &mut Connection,
    session: &NewSession,
    user: UserId,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let inserted = insert_session_within(&transaction, session, user, client, now)?;
    if inserted {
        transaction.commit()?;
    }
    Ok(inserted)
}

/// [`insert_session`] inside the caller's transaction, which commits it.
pub fn insert_session_within(
    transaction: &Connection,
    session: &NewSession,
    user: UserId,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    let inserted = transaction
        .prepare_cached(
            "INSERT INTO sessions (id, user_id, created_at, last_active_at, password_at,
                                   client_address, user_agent, passkey_id)
             SELECT ?1, id, ?3, ?3, ?3, ?4, ?5, ?8 FROM users
             WHERE id = ?2 AND password_version = ?6 AND status = 'active'
               AND (?7 OR NOT EXISTS (SELECT 1 FROM two_factor
                                      WHERE user_id = ?2 AND enabled = 1))",
        )?
        .execute(params![
            session.id.as_str(),
            user.0,
            now.unix_timestamp(),
            client.address.to_string(),
            client.user_agent.as_str(),
            session.checked.0,
            session.second_step.satisfies_two_step(),
            session.second_step.passkey(),
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    insert_refresh_token(
        transaction,
        &session.id,
        &session.refresh,
        now.unix_timestamp(),
    )?;
    record_activity(transaction, user, ActivityEvent::SignedIn, client, now)?;
    Ok(true)
}

fn insert_refresh_token(
    connection: &Connection,
    session: &SessionId,
    token: &RefreshToken,
    now: i64,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO refresh_tokens (fingerprint, session_id, issued_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token.fingerprint(), session.as_str(), now])?;
    Ok(())
}

/// Replaces `presented` by `successor` if it is its session's current token; tells a
/// race from a theft if it was already replaced, and ends the session on a theft (and
/// records it, with the `client` that presented the old token). One immediate
/// transaction, so two requests presenting one token are served one after the other.
pub fn redeem_refresh_token(
    connection: &mut Connection,
    presented: &RefreshToken,
    successor: &RefreshToken,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<Redemption> {
    let presented_fingerprint = presented.fingerprint();
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = transaction
        .prepare_cached(
            "SELECT r.replaced_at, s.id, s.user_id, s.created_at, s.last_active_at,
                    s.password_at, s.ended_at, u.status = 'active'
             FROM refresh_tokens r
             JOIN sessions s ON s.id = r.session_id
             JOIN users u ON u.id = s.user_id
             WHERE r.fingerprint = ?1",
        )?
        .query_row([&presented_fingerprint], |row| {
            Ok((
                row.get::<_, Option<i64>>(0)?,
                SessionId::from_stored(row.get(1)?),
                UserId(row.get(2)?),
                SessionTimes {
                    created_at: row.get(3)?,
                    last_active_at: row.get(4)?,
                    password_at: row.get(5)?,
                    ended_at: row.get(6)?,
                },
                row.get::<_, bool>(7)?,
            ))
        })
        .optional()?;
    let Some((replaced_at, session, user_id, times, account_active)) = found else {
        return Ok(Redemption::Unknown);
    };
    let successor_is_current: bool = transaction
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens
                            WHERE fingerprint = ?1 AND replaced_at IS NULL)",
        )?
        .query_row([successor.fingerprint()], |row| row.get(0))?;
    let found = PresentedRefresh {
        times,
        account_active,
        replaced_at,
        successor_is_current,
    };
    let now_seconds = now.unix_timestamp();
    let used = SessionTimes {
        last_active_at: now_seconds,
        ..times
    };
    let touch = |transaction: &Connection| -> rusqlite::Result<()> {
        transaction
            .prepare_cached("UPDATE sessions SET last_active_at = ?2 WHERE id = ?1")?
            .execute(params![session.as_str(), now_seconds])?;
        Ok(())
    };
    let redemption = match policy.judge_refresh(&found, now) {
        RefreshStep::End => return Ok(Redemption::Ended),
        RefreshStep::Rotate => {
            transaction
                .prepare_cached(
                    "UPDATE refresh_tokens SET replaced_at = ?2 WHERE fingerprint = ?1",
                )?
                .execute(params![presented_fingerprint, now_seconds])?;
            insert_refresh_token(&transaction, &session, successor, now_seconds)?;
            touch(&transaction)?;
            Redemption::Rotated {
                user_id,
                session,
                times: used,
            }
        }
        RefreshStep::ServeRace => {
            touch(&transaction)?;
            Redemption::Raced {
                user_id,
                session,
                times: used,
            }
        }
        RefreshStep::EndAsReused => {
            mark_ended(
                &transaction,
                &session,
                EndReason::RefreshTokenReused,
                now_seconds,
            )?;
            record_activity(
                &transaction,
                user_id,
                ActivityEvent::RefreshTokenReused,
                client,
                now,
            )?;
            Redemption::Reused { user_id, session }
        }
    };
    transaction.commit()?;
    Ok(redemption)
}

fn mark_ended(
    connection: &Connection,
    session: &SessionId,
    reason: EndReason,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE sessions SET ended_at = ?2, end_reason = ?3
             WHERE id = ?1 AND ended_at IS NULL",
        )?
        .execute(params![session.as_str(), now, reason.as_str()])?;
    Ok(changed > 0)
}

/// Logs out: revokes the token that proved the session, ends the session and records
/// it, in one transaction.
pub fn sign_out(
    connection: &mut Connection,
    token: &VerifiedToken,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    record_revocation(&transaction, &token.token_id, token.expires_at, now)?;
    mark_ended(
        &transaction,
        &token.session_id,
        EndReason::SignedOut,
        now.unix_timestamp(),
    )?;
    record_activity(
        &transaction,
        token.user_id,
        ActivityEvent::SignedOut,
        client,
        now,
    )?;
    transaction.commit()
}

/// Ends one session of `user` from another of theirs, used by `client`; false if it is
/// not a live session of theirs.
pub fn end_session(
    connection: &mut Connection,
    user: UserId,
    session: &SessionId,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !is_session_live(&transaction, user, session, policy, now)? {
        return Ok(false);
    }
    mark_ended(
        &transaction,
        session,
        EndReason::EndedFromAnotherSession,
        now.unix_timestamp(),
    )?;
    record_activity(&transaction, user, ActivityEvent::SessionEnded, client, now)?;
    transaction.commit()?;
    Ok(true)
}

/// Ends every session of `user` but `keep`, records it, and says how many were live.
pub fn end_other_sessions(
    connection: &mut Connection,
    user: UserId,
    keep: &SessionId,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ended = end_sessions_but(
        &transaction,
        user,
        Some(keep),
        EndReason::EndedFromAnotherSession,
        policy,
        now,
    )?;
    record_activity(
        &transaction,
        user,
        ActivityEvent::OtherSessionsSignedOut,
        client,
        now,
    )?;
    transaction.commit()?;
    Ok(ended)
}

/// Ends every live session of `user` but `keep` (all of them for `None`), inside the
/// caller's transaction; returns how many.
pub fn end_sessions_but(
    connection: &Connection,
    user: UserId,
    keep: Option<&SessionId>,
    reason: EndReason,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let others: Vec<SessionId> = list_live_sessions(connection, user, policy, now)?
        .into_iter()
        .map(|row| row.id)
        .filter(|id| Some(id) != keep)
        .collect();
    for id in &others {
        mark_ended(connection, id, reason, now.unix_timestamp())?;
    }
    Ok(others.len())
}

/// Ends `user`'s sessions that passkey `passkey` signed in; says how many.
pub fn end_sessions_of_passkey(
    connection: &Connection,
    user: UserId,
    passkey: &str,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    connection
        .prepare_cached(
            "UPDATE sessions SET ended_at = ?3, end_reason = ?4
             WHERE user_id = ?1 AND passkey_id = ?2 AND ended_at IS NULL",
        )?
        .execute(params![
            user.0,
            passkey,
            now.unix_timestamp(),
            EndReason::PasskeyRemoved.as_str()
        ])
}

/// Whether `user` has a session `session` that may still be used at `now`.
pub fn is_session_live(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    Ok(find_session_times(connection, user, session)?
        .is_some_and(|times| policy.is_live(&times, now)))
}

/// The times of `user`'s session `session`, if they have one by that id.
fn find_session_times(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
) -> rusqlite::Result<Option<SessionTimes>> {
    connection
        .prepare_cached(
            "SELECT created_at, last_active_at, password_at, ended_at
             FROM sessions WHERE id = ?1 AND user_id = ?2",
        )?
        .query_row(params![session.as_str(), user.0], session_times)
        .optional()
}

fn session_times(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionTimes> {
    Ok(SessionTimes {
        created_at: row.get(0)?,
        last_active_at: row.get(1)?,
        password_at: row.get(2)?,
        ended_at: row.get(3)?,
    })
}

/// The live sessions of `user`, most recently active first.
pub fn list_live_sessions(
    connection: &Connection,
    user: UserId,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<Vec<StoredSession>> {
    let rows = connection
        .prepare_cached(
            "SELECT created_at, last_active_at, password_at, ended_at, id, client_address,
                    user_agent
             FROM sessions WHERE user_id = ?1 AND ended_at IS NULL
             ORDER BY last_active_at DESC, created_at DESC",
        )?
        .query_map([user.0], |row| {
            Ok(StoredSession {
                times: session_times(row)?,
                id: SessionId::from_stored(row.get(4)?),
                address: row.get(5)?,
                user_agent: UserAgent::from_header(Some(&row.get::<_, String>(6)?)),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter(|row| policy.is_live(&row.times, now))
        .collect())
}

/// Writes "last active" unless another request already has, lately.
pub fn touch_session(
    connection: &Connection,
    session: &SessionId,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "UPDATE sessions SET last_active_at = ?2 WHERE id = ?1 AND last_active_at < ?2",
        )?
        .execute(params![session.as_str(), now.unix_timestamp()])?;
    Ok(())
}

/// Records that the password was just entered in this session, so it counts as a
/// recent sign-in.
pub fn record_password_entry(
    connection: &Connection,
    session: &SessionId,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached("UPDATE sessions SET password_at = ?2 WHERE id = ?1")?
        .execute(params![session.as_str(), now.unix_timestamp()])?;
    Ok(())
}

/// Deletes the sessions that can no longer be used (ended, idle too long or past their
/// lifetime; their refresh tokens go with them) and the revoked token ids that have
/// expired anyway. Returns how many sessions went.
pub fn prune_sessions(
    connection: &mut Connection,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let cutoffs = policy.expiry_cutoffs(now);
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let pruned = transaction
        .prepare_cached(
            "DELETE FROM sessions
             WHERE ended_at IS NOT NULL OR last_active_at < ?1 OR created_at < ?2",
        )?
        .execute(params![cutoffs.last_active_before, cutoffs.created_before])?;
    transaction
        .prepare_cached("DELETE FROM revoked_tokens WHERE expires_at < ?1")?
        .execute([now.unix_timestamp()])?;
    transaction.commit()?;
    Ok(pruned)
}

/// Whether `token_id` is revoked, then the session and its account: three primary-key
/// reads. Not one join: with the query planner's statistics compiled in (STAT4), SQLite
/// re-prepared a join on every call, which cost a quarter of the guard's throughput.
pub fn find_guard_record(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
    token_id: &str,
) -> rusqlite::Result<GuardRecord> {
    if is_token_revoked(connection, token_id)? {
        return Ok(GuardRecord::Revoked);
    }
    let times = find_session_times(connection, user, session)?;
    let account = find_user_by_id(connection, user)?;
    Ok(match (account, times) {
        (None, _) => GuardRecord::NoAccount,
        (Some(_), None) => GuardRecord::NoSession,
        (Some(user), Some(times)) => GuardRecord::Found { user, times },
    })
}

#[async_trait::async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(
        &self,
        session: &NewSession,
        user: UserId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (session.clone(), client.clone());
        self.write(move |connection| {
            let (session, client) = input;
            insert_session(connection, &session, user, &client, now)
        })
        .await
    }

    async fn redeem_refresh_token(
        &self,
        presented: &RefreshToken,
        successor: &RefreshToken,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Redemption, StoreError> {
        let input = (
            presented.clone(),
            successor.clone(),
            client.clone(),
            *policy,
        );
        self.write(move |connection| {
            let (presented, successor, client, policy) = input;
            redeem_refresh_token(connection, &presented, &successor, &client, &policy, now)
        })
        .await
    }

    async fn sign_out(
        &self,
        token: &VerifiedToken,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let input = (token.clone(), client.clone());
        self.write(move |connection| {
            let (token, client) = input;
            sign_out(connection, &token, &client, now)
        })
        .await
    }

    async fn end_session(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (session.clone(), client.clone(), *policy);
        self.write(move |connection| {
            let (session, client, policy) = input;
            end_session(connection, user, &session, &client, &policy, now)
        })
        .await
    }

    async fn end_other_sessions(
        &self,
        user: UserId,
        keep: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let input = (keep.clone(), client.clone(), *policy);
        self.write(move |connection| {
            let (keep, client, policy) = input;
            end_other_sessions(connection, user, &keep, &client, &policy, now)
        })
        .await
    }

    async fn list_live_sessions(
        &self,
        user: UserId,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Vec<StoredSession>, StoreError> {
        let policy = *policy;
        self.read(move |connection| list_live_sessions(connection, user, &policy, now))
            .await
    }

    async fn touch_session(
        &self,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let session = session.clone();
        self.write(move |connection| touch_session(connection, &session, now))
            .await
    }

    async fn confirm_password(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let input = (session.clone(), client.clone());
        self.write(move |connection| {
            let (session, client) = input;
            let transaction = connection.transaction()?;
            record_password_entry(&transaction, &session, now)?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::Reauthenticated,
                &client,
                now,
            )?;
            transaction.commit()
        })
        .await
    }

    async fn find_guard_record(
        &self,
        user: UserId,
        session: &SessionId,
        token_id: &str,
    ) -> Result<GuardRecord, StoreError> {
        let input = (session.clone(), token_id.to_owned());
        self.read(move |connection| {
            let (session, token_id) = input;
            find_guard_record(connection, user, &session, &token_id)
        })
        .await
    }
}

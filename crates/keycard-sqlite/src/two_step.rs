//! Two-step sign-in in SQLite: the sealed app secret with its last accepted step, and
//! the recovery codes as keyed hashes.

use keycard_core::auth::{
    AccountChange, ActivityEvent, ClientInfo, EndReason, NewSession, PasswordVersion,
    SecondFactorProof, SecondFactorSpend, SessionId, SessionPolicy, StoreError, StoredTwoFactor,
    TwoStepStore, UserId,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::blocklist::record_revocation;
use crate::{SqliteStore, activity, sessions, users};

pub fn find_two_factor(
    connection: &Connection,
    user: UserId,
) -> rusqlite::Result<Option<StoredTwoFactor>> {
    connection
        .prepare_cached(
            "SELECT sealed_secret, enabled, staged_in,
                    (SELECT COUNT(*) FROM recovery_codes r
                     WHERE r.user_id = t.user_id AND r.used_at IS NULL)
             FROM two_factor t WHERE user_id = ?1",
        )?
        .query_row([user.0], |row| {
            Ok(StoredTwoFactor {
                sealed_secret: row.get(0)?,
                enabled: row.get(1)?,
                staged_in: row.get(2)?,
                recovery_codes_left: usize::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
            })
        })
        .optional()
}

/// Keeps a secret waiting for its first code in session `staged_in`, unless two-step is
/// on already.
pub fn stage_two_factor(
    connection: &Connection,
    user: UserId,
    staged_in: &str,
    sealed_secret: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let written = connection
        .prepare_cached(
            "INSERT INTO two_factor (user_id, sealed_secret, created_at, staged_in)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE
                 SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at,
                     staged_in = excluded.staged_in, last_step = -1
                 WHERE two_factor.enabled = 0",
        )?
        .execute(params![user.0, sealed_secret, now, staged_in])?;
    Ok(written == 1)
}

/// Turns on the secret staged in session `staged_in` with its first code's step, and
/// stores fresh recovery codes; false if nothing was staged there.
pub fn enable_two_factor(
    connection: &Connection,
    user: UserId,
    staged_in: &str,
    step: i64,
    recovery_hashes: &[String],
) -> rusqlite::Result<bool> {
    let enabled = connection
        .prepare_cached(
            "UPDATE two_factor SET enabled = 1, last_step = ?2, staged_in = NULL
             WHERE user_id = ?1 AND enabled = 0 AND staged_in = ?3",
        )?
        .execute(params![user.0, step, staged_in])?;
    if enabled == 0 {
        return Ok(false);
    }
    connection
        .prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")?
        .execute([user.0])?;
    let mut insert = connection
        .prepare_cached("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for hash in recovery_hashes {
        insert.execute(params![user.0, hash])?;
    }
    Ok(true)
}

/// Forgets the secret and the recovery codes if `step` is later than the last code's.
pub fn disable_two_factor(
    connection: &Connection,
    user: UserId,
    step: i64,
) -> rusqlite::Result<bool> {
    let deleted = connection
        .prepare_cached(
            "DELETE FROM two_factor WHERE user_id = ?1 AND enabled = 1 AND last_step < ?2",
        )?
        .execute(params![user.0, step])?;
    if deleted == 0 {
        return Ok(false);
    }
    connection
        .prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")?
        .execute([user.0])?;
    Ok(true)
}

/// Takes `step` as the last code used, if it is later than the last one.
pub fn spend_code_step(connection: &Connection, user: UserId, step: i64) -> rusqlite::Result<bool> {
    let spent = connection
        .prepare_cached(
            "UPDATE two_factor SET last_step = ?2
             WHERE user_id = ?1 AND enabled = 1 AND last_step < ?2",
        )?
        .execute(params![user.0, step])?;
    Ok(spent == 1)
}

/// Deletes the account's two-step secret and recovery codes, whatever their state.
pub fn forget_two_factor(connection: &Connection, user: UserId) -> rusqlite::Result<()> {
    connection
        .prepare_cached("DELETE FROM two_factor WHERE user_id = ?1")?
        .execute([user.0])?;
    connection
        .prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")?
        .execute([user.0])?;
    Ok(())
}

/// Spends the challenge and the proof inside the caller's transaction; the caller
/// commits only on [`SecondFactorSpend::Spent`], so a rejected proof spends nothing.
pub fn spend_second_factor(
    connection: &Connection,
    challenge_id: &str,
    challenge_expires_at: OffsetDateTime,
    user: UserId,
    proof: &SecondFactorProof,
    now: OffsetDateTime,
) -> rusqlite::Result<SecondFactorSpend> {
    if !record_revocation(connection, challenge_id, challenge_expires_at, now)? {
        return Ok(SecondFactorSpend::ChallengeSpent);
    }
    let spent = match proof {
        SecondFactorProof::Step(step) => {
            spend_code_step(connection, user, i64::try_from(*step).unwrap_or(i64::MAX))?
        }
        SecondFactorProof::RecoveryCode {
            hashes: [current, legacy],
        } => {
            connection
                .prepare_cached(
                    "UPDATE recovery_codes SET used_at = ?3
                     WHERE user_id = ?1 AND code_hash IN (?2, ?4) AND used_at IS NULL
                       AND EXISTS (SELECT 1 FROM two_factor WHERE user_id = ?1 AND enabled = 1)",
                )?
                .execute(params![user.0, current, now.unix_timestamp(), legacy])?
                == 1
        }
    };
    if !spent {
        return Ok(SecondFactorSpend::Rejected);
    }
    Ok(SecondFactorSpend::Spent)
}

/// What turning two-step sign-in on or off does besides: every other session ends and
/// the account's activity says so.
pub(crate) fn changed_two_factor(
    transaction: &rusqlite::Transaction<'_>,
    user: UserId,
    keep: &SessionId,
    event: ActivityEvent,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    sessions::end_sessions_but(
        transaction,
        user,
        Some(keep),
        EndReason::TwoFactorChanged,
        policy,
        now,
    )?;
    activity::record_activity(transaction, user, event, client, now)
}

#[async_trait::async_trait]
impl TwoStepStore for SqliteStore {
    async fn find_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, StoreError> {
        self.read(move |connection| find_two_factor(connection, user))
            .await
    }

    async fn stage_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        sealed_secret: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (session.clone(), sealed_secret.to_owned());
        self.write(move |connection| {
            let (session, sealed_secret) = input;
            stage_two_factor(
                connection,
                user,
                session.as_str(),
                &sealed_secret,
                now.unix_timestamp(),
            )
        })
        .await
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
        let input = (
            session.clone(),
            recovery_hashes.to_vec(),
            client.clone(),
            *policy,
        );
        self.write(move |connection| {
            let (session, recovery_hashes, client, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !sessions::is_session_live(&transaction, user, &session, &policy, now)? {
                return Ok(AccountChange::SessionEnded);
            }
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            if !enable_two_factor(&transaction, user, session.as_str(), step, &recovery_hashes)? {
                return Ok(AccountChange::Done(false));
            }
            changed_two_factor(
                &transaction,
                user,
                &session,
                ActivityEvent::TwoFactorEnabled,
                &client,
                &policy,
                now,
            )?;
            transaction.commit()?;
            Ok(AccountChange::Done(true))
        })
        .await
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
        let input = (session.clone(), client.clone(), *policy);
        self.write(move |connection| {
            let (session, client, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !sessions::is_session_live(&transaction, user, &session, &policy, now)? {
                return Ok(AccountChange::SessionEnded);
            }
            if !users::has_password_version(&transaction, user, checked)? {
                return Ok(AccountChange::PasswordNoLongerCurrent);
            }
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            if !disable_two_factor(&transaction, user, step)? {
                return Ok(AccountChange::Done(false));
            }
            changed_two_factor(
                &transaction,
                user,
                &session,
                ActivityEvent::TwoFactorDisabled,
                &client,
                &policy,
                now,
            )?;
            transaction.commit()?;
            Ok(AccountChange::Done(true))
        })
        .await
    }

    async fn spend_code_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.write(move |connection| spend_code_step(connection, user, step))
            .await
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
        let input = (
            challenge_id.to_owned(),
            proof.clone(),
            start.cloned(),
            client.clone(),
        );
        self.write(move |connection| {
            let (challenge_id, proof, start, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let spend = spend_second_factor(
                &transaction,
                &challenge_id,
                challenge_expires_at,
                user,
                &proof,
                now,
            )?;
            if spend != SecondFactorSpend::Spent {
                return Ok(spend);
            }
            if matches!(proof, SecondFactorProof::RecoveryCode { .. }) {
                activity::record_activity(
                    &transaction,
                    user,
                    ActivityEvent::RecoveryCodeUsed,
                    &client,
                    now,
                )?;
            }
            if let Some(start) = &start
                && !sessions::insert_session_within(&transaction, start, user, &client, now)?
            {
                return Ok(SecondFactorSpend::SessionRefused);
            }
            transaction.commit()?;
            Ok(spend)
        })
        .await
    }
}

//! Two-step sign-in in PostgreSQL: the sealed app secret with its last accepted step,
//! and the recovery codes as keyed hashes.

use deadpool_postgres::GenericClient;
use keycard_core::auth::{
    AccountChange, ActivityEvent, ClientInfo, EndReason, NewSession, PasswordVersion,
    SecondFactorProof, SecondFactorSpend, SessionId, SessionPolicy, StoreError, StoredTwoFactor,
    TwoStepStore, UserId,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::activity::record_activity;
use crate::locks::{AccountLock, lock_for_change};
use crate::pool::{CachedStatements as _, begin, column, commit};
use crate::sessions::{end_sessions_but, insert_session_within, record_revocation};

/// What turning two-step sign-in on or off does besides: every other session ends and
/// the account's activity says so.
pub(crate) async fn changed_two_factor(
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

/// Takes `step` as the last code `user` used, if it is later than the last one.
pub(crate) async fn spend_code_step(
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
        .await?;
    Ok(spent == 1)
}

pub(crate) fn step_column(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl TwoStepStore for PgStore {
    async fn find_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, StoreError> {
        let db = self.client().await?;
        db.cached_query_opt(
            "SELECT sealed_secret, enabled, staged_in,
                    (SELECT COUNT(*) FROM recovery_codes r
                     WHERE r.user_id = t.user_id AND r.used_at IS NULL)
             FROM two_factor t WHERE user_id = $1",
            &[&user.0],
        )
        .await?
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
            .await?;
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
        let transaction = begin(&mut db).await?;
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
            .await?;
        if enabled != 1 {
            return Ok(AccountChange::Done(false));
        }
        transaction
            .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
            .await?;
        transaction
            .cached_execute(
                "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::TEXT[])",
                &[&user.0, &recovery_hashes],
            )
            .await?;
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
        commit(transaction).await?;
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
        let transaction = begin(&mut db).await?;
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
            .await?;
        if current.is_none() {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        let deleted = transaction
            .cached_execute(
                "DELETE FROM two_factor WHERE user_id = $1 AND enabled AND last_step < $2",
                &[&user.0, &step_column(step)],
            )
            .await?;
        if deleted != 1 {
            return Ok(AccountChange::Done(false));
        }
        transaction
            .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
            .await?;
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
        commit(transaction).await?;
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
        let transaction = begin(&mut db).await?;
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
                    .await?
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
        commit(transaction).await?;
        Ok(SecondFactorSpend::Spent)
    }
}

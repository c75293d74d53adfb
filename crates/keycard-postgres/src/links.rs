//! The links mailed out, in PostgreSQL: only a keyed hash of each link's verifier, and
//! the account changes the links complete.

use deadpool_postgres::GenericClient;
use keycard_core::auth::{
    AccountChange, ActivityEvent, ClientInfo, EndReason, LinkPurpose, LinkStore, NewLink,
    PasswordVersion, SessionId, SessionPolicy, StoreError, StoredLink, TwoStepAfterReset, UserId,
};
use keycard_core::domain::Email;
use time::OffsetDateTime;

use crate::PgStore;
use crate::activity::record_activity;
use crate::locks::{AccountLock, lock_account, lock_for_change};
use crate::pool::{CachedStatements as _, begin, column, commit};
use crate::sessions::end_sessions_but;

/// Deletes the mailed link `selector`; false if it was not there (spent already).
pub(crate) async fn spend_link(
    client: &impl GenericClient,
    selector: &str,
) -> Result<bool, StoreError> {
    Ok(client
        .cached_execute("DELETE FROM mail_links WHERE selector = $1", &[&selector])
        .await?
        == 1)
}

#[async_trait::async_trait]
impl LinkStore for PgStore {
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
            .await?;
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
            .await?;
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
        let transaction = begin(&mut db).await?;
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
            .await?
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
        commit(transaction).await?;
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
        let transaction = begin(&mut db).await?;
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
            .await?;
        if replaced != 1 {
            // The password changed since the link was sent: the link stays spent.
            commit(transaction).await?;
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
            .await?;
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
                .await?;
            transaction
                .cached_execute("DELETE FROM recovery_codes WHERE user_id = $1", &[&user.0])
                .await?;
            record_activity(
                &transaction,
                user,
                ActivityEvent::TwoFactorDisabled,
                client,
                now,
            )
            .await?;
        }
        commit(transaction).await?;
        Ok(Some(PasswordVersion(checked.0 + 1)))
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
        let transaction = begin(&mut db).await?;
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
            .await?;
        if replaced != 1 {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        transaction
            .cached_execute("DELETE FROM mail_links WHERE user_id = $1", &[&user.0])
            .await?;
        record_activity(&transaction, user, ActivityEvent::EmailChanged, client, now).await?;
        commit(transaction).await?;
        Ok(AccountChange::Done(()))
    }
}

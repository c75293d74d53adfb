//! Accounts in PostgreSQL: creating them, their credentials, and the changes that lock
//! the account's row before anything else (password, deletion).

use keycard_core::auth::{
    AccountChange, AccountLookup, ActivityEvent, ClientInfo, EndReason, PasswordVersion, Recipient,
    SessionId, SessionPolicy, StoreError, StoredCredentials, User, UserId, UserStatus, UserStore,
};
use keycard_core::domain::{Email, Username};
use time::OffsetDateTime;

use crate::PgStore;
use crate::activity::record_activity;
use crate::locks::{AccountLock, lock_for_change};
use crate::pool::{CachedStatements as _, begin, column, commit};
use crate::sessions::end_sessions_but;

pub(crate) fn credentials(row: &tokio_postgres::Row) -> Result<StoredCredentials, StoreError> {
    Ok(StoredCredentials {
        id: UserId(column(row, 0)?),
        username: column(row, 1)?,
        username_key: column(row, 2)?,
        verified_email: column(row, 3)?,
        password_hash: column(row, 4)?,
        password_version: PasswordVersion(column(row, 5)?),
    })
}

#[async_trait::async_trait]
impl UserStore for PgStore {
    async fn create_user(
        &self,
        username: &Username,
        email: Option<&Email>,
        password_hash: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
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
            .await?;
        let Some(row) = inserted else {
            return Ok(None);
        };
        let id = UserId(column(&row, 0)?);
        record_activity(&transaction, id, ActivityEvent::AccountCreated, client, now).await?;
        commit(transaction).await?;
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
            .await?
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
            .await?
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
            .await?;
        Ok(())
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
        let transaction = begin(&mut db).await?;
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
            .await?;
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
            .await?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::PasswordChanged,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
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
        let transaction = begin(&mut db).await?;
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
            .await?;
        if deleted != 1 {
            return Ok(AccountChange::PasswordNoLongerCurrent);
        }
        commit(transaction).await?;
        Ok(AccountChange::Done(()))
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
        let rows = self.client().await?.cached_query(sql, &[key]).await?;
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
}

//! Accounts in SQLite.

use keycard_core::auth::{
    AccountChange, AccountLookup, ActivityEvent, ClientInfo, EndReason, PasswordVersion, Recipient,
    SessionId, SessionPolicy, StoreError, StoredCredentials, User, UserId, UserStatus, UserStore,
};
use keycard_core::domain::{Email, Username};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::{SqliteStore, activity, sessions};

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("username is taken")]
    Taken,
    #[error(transparent)]
    Query(#[from] rusqlite::Error),
}

/// Whether any account is stored.
pub fn any_account(connection: &Connection) -> rusqlite::Result<bool> {
    connection.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |row| row.get(0))
}

/// Inserts a new account. The UNIQUE constraint on the case-folded key decides whether
/// the name is free, so two sign-ups racing for one name cannot both succeed.
pub fn insert_user(
    connection: &Connection,
    username: &Username,
    email: Option<&Email>,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<User, InsertUserError> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO users (username, username_key, email, email_key, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            username.as_str(),
            username.canonical_key(),
            email.map(Email::as_str),
            email.map(Email::lookup_key),
            password_hash,
            now.unix_timestamp(),
        ]);
    match inserted {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if failure.code == ErrorCode::ConstraintViolation =>
        {
            return Err(InsertUserError::Taken);
        }
        Err(other) => return Err(other.into()),
    }
    Ok(User {
        id: UserId(connection.last_insert_rowid()),
        username: username.as_str().to_owned(),
        email: email.map(|e| e.as_str().to_owned()),
        email_verified: false,
        status: UserStatus::Active,
        // Stored to the second, so report it to the second as well.
        created_at: now.replace_nanosecond(0).unwrap_or(now),
    })
}

/// The credentials of the active account with this name, compared case-folded.
pub fn find_credentials_by_name(
    connection: &Connection,
    username: &Username,
) -> rusqlite::Result<Option<StoredCredentials>> {
    connection
        .prepare_cached(
            "SELECT id, username, username_key, CASE WHEN email_verified = 1 THEN email END,
                    password_hash, password_version
             FROM users WHERE username_key = ?1 AND status = 'active'",
        )?
        .query_row([username.canonical_key()], stored_credentials)
        .optional()
}

/// The credentials of an active account, by its id.
pub fn find_credentials_by_id(
    connection: &Connection,
    id: UserId,
) -> rusqlite::Result<Option<StoredCredentials>> {
    connection
        .prepare_cached(
            "SELECT id, username, username_key, CASE WHEN email_verified = 1 THEN email END,
                    password_hash, password_version
             FROM users WHERE id = ?1 AND status = 'active'",
        )?
        .query_row([id.0], stored_credentials)
        .optional()
}

fn stored_credentials(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCredentials> {
    Ok(StoredCredentials {
        id: UserId(row.get(0)?),
        username: row.get(1)?,
        username_key: row.get(2)?,
        verified_email: row.get(3)?,
        password_hash: row.get(4)?,
        password_version: PasswordVersion(row.get(5)?),
    })
}

/// Replaces an account's password hash by one of the same password made with newer
/// parameters, after a login proved the password right; unless the password has been
/// changed since.
pub fn upgrade_password_hash(
    connection: &Connection,
    id: UserId,
    version: PasswordVersion,
    password_hash: &str,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2 AND password_version = ?3",
        )?
        .execute(params![password_hash, id.0, version.0])?;
    Ok(())
}

/// Sets a new password if the current one is still version `checked`; returns the new
/// version, or `None` if the password changed (or the account went) in the meantime.
pub fn replace_password(
    connection: &Connection,
    id: UserId,
    checked: PasswordVersion,
    password_hash: &str,
) -> rusqlite::Result<Option<PasswordVersion>> {
    let changed = connection
        .prepare_cached(
            "UPDATE users SET password_hash = ?1, password_version = password_version + 1
             WHERE id = ?2 AND password_version = ?3 AND status = 'active'",
        )?
        .execute(params![password_hash, id.0, checked.0])?;
    Ok((changed == 1).then_some(PasswordVersion(checked.0 + 1)))
}

/// Deletes the account if its password is still version `checked`, and with it (by
/// the foreign keys) its sessions, their refresh tokens and its activity. False if the
/// password changed or the account went in the meantime.
pub fn delete_user(
    connection: &Connection,
    id: UserId,
    checked: PasswordVersion,
) -> rusqlite::Result<bool> {
    let deleted = connection
        .prepare_cached("DELETE FROM users WHERE id = ?1 AND password_version = ?2")?
        .execute(params![id.0, checked.0])?;
    Ok(deleted == 1)
}

/// Whether the account is active with its password still at version `checked`.
pub fn has_password_version(
    connection: &Connection,
    id: UserId,
    checked: PasswordVersion,
) -> rusqlite::Result<bool> {
    connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users
                            WHERE id = ?1 AND password_version = ?2 AND status = 'active')",
        )?
        .query_row(params![id.0, checked.0], |row| row.get(0))
}

/// Sets (or removes) the account's address, unverified, if its password is still
/// version `checked`; false if not, or if the account went.
pub fn replace_email(
    connection: &Connection,
    id: UserId,
    checked: PasswordVersion,
    email: Option<&Email>,
) -> rusqlite::Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE users SET email = ?1, email_key = ?2, email_verified = 0
             WHERE id = ?3 AND password_version = ?4 AND status = 'active'",
        )?
        .execute(params![
            email.map(Email::as_str),
            email.map(Email::lookup_key),
            id.0,
            checked.0
        ])?;
    Ok(changed == 1)
}

/// Marks `email` verified if it is still the account's address.
pub fn mark_email_verified(
    connection: &Connection,
    id: UserId,
    email: &str,
) -> rusqlite::Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE users SET email_verified = 1
             WHERE id = ?1 AND email = ?2 AND status = 'active'",
        )?
        .execute(params![id.0, email])?;
    Ok(changed == 1)
}

/// The active accounts `lookup` names that have a verified address.
pub fn find_recipients(
    connection: &Connection,
    lookup: &AccountLookup,
) -> rusqlite::Result<Vec<Recipient>> {
    let (sql, key) = match lookup {
        AccountLookup::Username(key) => (
            "SELECT id, username, email, password_version FROM users
             WHERE username_key = ?1 AND status = 'active' AND email_verified = 1
               AND email IS NOT NULL",
            key,
        ),
        AccountLookup::Email(key) => (
            "SELECT id, username, email, password_version FROM users
             WHERE email_key = ?1 AND status = 'active' AND email_verified = 1
               AND email IS NOT NULL",
            key,
        ),
    };
    connection
        .prepare_cached(sql)?
        .query_map([key], |row| {
            Ok(Recipient {
                user: UserId(row.get(0)?),
                username: row.get(1)?,
                email: row.get(2)?,
                password_version: PasswordVersion(row.get(3)?),
            })
        })?
        .collect()
}

#[async_trait::async_trait]
impl UserStore for SqliteStore {
    async fn create_user(
        &self,
        username: &Username,
        email: Option<&Email>,
        password_hash: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let input = (
            username.clone(),
            email.cloned(),
            password_hash.to_owned(),
            client.clone(),
        );
        self.write(move |connection| {
            let (username, email, password_hash, client) = input;
            let transaction = connection.transaction()?;
            let user =
                match insert_user(&transaction, &username, email.as_ref(), &password_hash, now) {
                    Ok(user) => user,
                    Err(InsertUserError::Taken) => return Ok(None),
                    Err(InsertUserError::Query(error)) => return Err(error),
                };
            activity::record_activity(
                &transaction,
                user.id,
                ActivityEvent::AccountCreated,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(Some(user))
        })
        .await
    }

    async fn find_credentials_by_name(
        &self,
        username: &Username,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        let username = username.clone();
        self.read(move |connection| find_credentials_by_name(connection, &username))
            .await
    }

    async fn find_credentials_by_id(
        &self,
        user: UserId,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        self.read(move |connection| find_credentials_by_id(connection, user))
            .await
    }

    async fn upgrade_password_hash(
        &self,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let password_hash = password_hash.to_owned();
        self.write(move |connection| {
            upgrade_password_hash(connection, user, checked, &password_hash)
        })
        .await
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
        let input = (
            keep.clone(),
            password_hash.to_owned(),
            client.clone(),
            *policy,
        );
        self.write(move |connection| {
            let (keep, password_hash, client, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !sessions::is_session_live(&transaction, user, &keep, &policy, now)? {
                return Ok(AccountChange::SessionEnded);
            }
            if replace_password(&transaction, user, checked, &password_hash)?.is_none() {
                return Ok(AccountChange::PasswordNoLongerCurrent);
            }
            let ended = sessions::end_sessions_but(
                &transaction,
                user,
                Some(&keep),
                EndReason::PasswordChanged,
                &policy,
                now,
            )?;
            sessions::record_password_entry(&transaction, &keep, now)?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::PasswordChanged,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(AccountChange::Done(ended))
        })
        .await
    }

    async fn delete_user(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError> {
        let input = (session.clone(), *policy);
        self.write(move |connection| {
            let (session, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !sessions::is_session_live(&transaction, user, &session, &policy, now)? {
                return Ok(AccountChange::SessionEnded);
            }
            if !delete_user(&transaction, user, checked)? {
                return Ok(AccountChange::PasswordNoLongerCurrent);
            }
            transaction.commit()?;
            Ok(AccountChange::Done(()))
        })
        .await
    }

    async fn find_recipients(&self, lookup: &AccountLookup) -> Result<Vec<Recipient>, StoreError> {
        let lookup = lookup.clone();
        self.read(move |connection| find_recipients(connection, &lookup))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporary_connection;
    use crate::user_rows::find_user_by_id;

    #[test]
    fn a_username_is_taken_whatever_its_case() {
        let (_directory, connection) = temporary_connection();
        let now = OffsetDateTime::now_utc();
        let alice = Username::parse("Alice").unwrap();
        insert_user(&connection, &alice, None, "$argon2id$hash", now).unwrap();
        let shouting = Username::parse("ALICE").unwrap();
        assert!(matches!(
            insert_user(&connection, &shouting, None, "$argon2id$hash", now),
            Err(InsertUserError::Taken)
        ));
        let found = find_credentials_by_name(&connection, &shouting)
            .unwrap()
            .unwrap();
        let user = find_user_by_id(&connection, found.id).unwrap().unwrap();
        assert_eq!(user.username, "Alice");
    }

    #[test]
    fn sql_metacharacters_are_stored_as_data() {
        let (_directory, connection) = temporary_connection();
        let name = Username::parse("o.brien--").unwrap();
        let email = Email::parse("o'brien+x@example.com").unwrap();
        let user = insert_user(
            &connection,
            &name,
            Some(&email),
            "h",
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let stored = find_user_by_id(&connection, user.id).unwrap().unwrap();
        assert_eq!(stored.email.as_deref(), Some("o'brien+x@example.com"));
    }
}

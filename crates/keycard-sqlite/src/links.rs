//! The links mailed out, in SQLite: only a keyed hash of each link's verifier.

use keycard_core::auth::{
    AccountChange, ActivityEvent, ClientInfo, EndReason, LinkPurpose, LinkStore, NewLink,
    PasswordVersion, SessionId, SessionPolicy, StoreError, StoredLink, TwoStepAfterReset, UserId,
};
use keycard_core::domain::Email;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::{SqliteStore, activity, sessions, two_step, users};

/// Stores `link` if the account is active, still has the link's address, and for a
/// reset link, has it verified and its password still at the version given.
pub fn insert_link(connection: &Connection, link: &NewLink) -> rusqlite::Result<bool> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO mail_links (selector, user_id, purpose, verifier_hash, email,
                                     password_version, created_at, expires_at)
             SELECT ?1, id, ?3, ?4, email, password_version, ?6, ?7 FROM users
             WHERE id = ?2 AND status = 'active' AND email = ?5
               AND (?8 IS NULL OR (password_version = ?8 AND email_verified = 1))",
        )?
        .execute(params![
            link.selector,
            link.user.0,
            link.purpose.code(),
            link.verifier_hash,
            link.email,
            link.created_at,
            link.expires_at,
            link.password_version.map(|version| version.0),
        ])?;
    Ok(inserted == 1)
}

pub fn find_link(connection: &Connection, selector: &str) -> rusqlite::Result<Option<StoredLink>> {
    connection
        .prepare_cached(
            "SELECT l.user_id, u.username, l.purpose, l.verifier_hash, l.email,
                    l.password_version, l.expires_at
             FROM mail_links l JOIN users u ON u.id = l.user_id
             WHERE l.selector = ?1",
        )?
        .query_row([selector], |row| {
            Ok(StoredLink {
                user: UserId(row.get(0)?),
                username: row.get(1)?,
                purpose: row.get_ref(2)?.as_str()?.parse().ok(),
                verifier_hash: row.get(3)?,
                email: row.get(4)?,
                password_version: PasswordVersion(row.get(5)?),
                expires_at: row.get(6)?,
            })
        })
        .optional()
}

/// Deletes the link; false if it was not there (spent by a racing request).
pub fn spend_link(connection: &Connection, selector: &str) -> rusqlite::Result<bool> {
    let deleted = connection
        .prepare_cached("DELETE FROM mail_links WHERE selector = ?1")?
        .execute([selector])?;
    Ok(deleted == 1)
}

/// Deletes every link of the account's, or only those for `purpose`.
pub fn spend_links_of(
    connection: &Connection,
    user: UserId,
    purpose: Option<&str>,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "DELETE FROM mail_links WHERE user_id = ?1 AND (?2 IS NULL OR purpose = ?2)",
        )?
        .execute(params![user.0, purpose])?;
    Ok(())
}

/// Deletes links past their expiry; how many.
pub fn prune_links(connection: &Connection, now: i64) -> rusqlite::Result<usize> {
    connection
        .prepare_cached("DELETE FROM mail_links WHERE expires_at <= ?1")?
        .execute([now])
}

#[async_trait::async_trait]
impl LinkStore for SqliteStore {
    async fn insert_link(&self, link: &NewLink) -> Result<bool, StoreError> {
        let link = link.clone();
        self.write(move |connection| insert_link(connection, &link))
            .await
    }

    async fn find_link(&self, selector: &str) -> Result<Option<StoredLink>, StoreError> {
        let selector = selector.to_owned();
        self.read(move |connection| find_link(connection, &selector))
            .await
    }

    async fn verify_email(
        &self,
        selector: &str,
        user: UserId,
        email: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (selector.to_owned(), email.to_owned(), client.clone());
        self.write(move |connection| {
            let (selector, email, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let verified = spend_link(&transaction, &selector)?
                && users::mark_email_verified(&transaction, user, &email)?;
            if verified {
                activity::record_activity(
                    &transaction,
                    user,
                    ActivityEvent::EmailVerified,
                    &client,
                    now,
                )?;
            }
            transaction.commit()?;
            Ok(verified)
        })
        .await
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
        let input = (
            selector.to_owned(),
            password_hash.to_owned(),
            client.clone(),
            *policy,
        );
        self.write(move |connection| {
            let (selector, password_hash, client, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !spend_link(&transaction, &selector)? {
                return Ok(None);
            }
            let Some(version) =
                users::replace_password(&transaction, user, checked, &password_hash)?
            else {
                // The password changed since the link was sent: the link stays spent.
                transaction.commit()?;
                return Ok(None);
            };
            sessions::end_sessions_but(
                &transaction,
                user,
                None,
                EndReason::PasswordChanged,
                &policy,
                now,
            )?;
            spend_links_of(&transaction, user, Some(LinkPurpose::ResetPassword.code()))?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::PasswordReset,
                &client,
                now,
            )?;
            if two_step == TwoStepAfterReset::TurnedOff {
                two_step::forget_two_factor(&transaction, user)?;
                activity::record_activity(
                    &transaction,
                    user,
                    ActivityEvent::TwoFactorDisabled,
                    &client,
                    now,
                )?;
            }
            transaction.commit()?;
            Ok(Some(version))
        })
        .await
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
        let input = (session.clone(), email.cloned(), client.clone(), *policy);
        self.write(move |connection| {
            let (session, email, client, policy) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !sessions::is_session_live(&transaction, user, &session, &policy, now)? {
                return Ok(AccountChange::SessionEnded);
            }
            if !users::replace_email(&transaction, user, checked, email.as_ref())? {
                return Ok(AccountChange::PasswordNoLongerCurrent);
            }
            spend_links_of(&transaction, user, None)?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::EmailChanged,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(AccountChange::Done(()))
        })
        .await
    }
}

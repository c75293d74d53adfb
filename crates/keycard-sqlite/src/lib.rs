//! The embedded default: one SQLite file, its connections borrowed on the blocking
//! thread pool, and the core's transactions as SQL.

mod activity;
mod blocklist;
mod mail_links;
mod migrations;
mod passkeys;
mod pool;
mod sessions;
mod two_factor;
mod users;

use std::sync::Arc;

use rusqlite::TransactionBehavior;
use time::OffsetDateTime;

pub use pool::{DEFAULT_BUSY_TIMEOUT, Db, DbError};

use keycard_core::auth::{
    AccountChange, AccountLookup, ActivityEntry, ActivityEvent, ClientInfo, EndReason, GuardRecord,
    LinkPurpose, MemoryThrottle, NewLink, NewPasskey, NewSession, PasswordVersion, Recipient,
    Redemption, RefreshToken, SecondFactorProof, SecondFactorSpend, SessionId, SessionPolicy,
    Store, StoreError, StoredCredentials, StoredLink, StoredPasskey, StoredSession,
    StoredTwoFactor, Throttle, ThrottlePolicy, TwoStepAfterReset, User, UserId, VerifiedToken,
};
use keycard_core::domain::{Email, Username};

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(_) | DbError::WritesQueued | DbError::Closed => {
                Self::Unavailable(error.into())
            }
            _ => Self::Failed(error.into()),
        }
    }
}

/// The core's storage in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Reads on a pooled connection.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .db
            .run(move |connection| work(connection).map_err(DbError::from))
            .await?)
    }

    /// Writes on the writer connection, one at a time.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .db
            .write(move |connection| work(connection).map_err(DbError::from))
            .await?)
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    /// One file means one process: its memory is where every attempt is seen.
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle> {
        Arc::new(MemoryThrottle::new(policy))
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(self.db.check().await?)
    }

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
            let user = match users::insert_user(
                &transaction,
                &username,
                email.as_ref(),
                &password_hash,
                now,
            ) {
                Ok(user) => user,
                Err(users::InsertUserError::Taken) => return Ok(None),
                Err(users::InsertUserError::Query(error)) => return Err(error),
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
        self.read(move |connection| users::find_credentials_by_name(connection, &username))
            .await
    }

    async fn find_credentials_by_id(
        &self,
        user: UserId,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        self.read(move |connection| users::find_credentials_by_id(connection, user))
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
            users::upgrade_password_hash(connection, user, checked, &password_hash)
        })
        .await
    }

    async fn record_activity(
        &self,
        user: UserId,
        event: ActivityEvent,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let client = client.clone();
        self.write(move |connection| {
            activity::record_activity(connection, user, event, &client, now)
        })
        .await
    }

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
            sessions::insert_session(connection, &session, user, &client, now)
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
            sessions::redeem_refresh_token(
                connection, &presented, &successor, &client, &policy, now,
            )
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
            sessions::sign_out(connection, &token, &client, now)
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
            sessions::end_session(connection, user, &session, &client, &policy, now)
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
            sessions::end_other_sessions(connection, user, &keep, &client, &policy, now)
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
        self.read(move |connection| sessions::list_live_sessions(connection, user, &policy, now))
            .await
    }

    async fn touch_session(
        &self,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let session = session.clone();
        self.write(move |connection| sessions::touch_session(connection, &session, now))
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
            sessions::record_password_entry(&transaction, &session, now)?;
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
            sessions::find_guard_record(connection, user, &session, &token_id)
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
            if users::replace_password(&transaction, user, checked, &password_hash)?.is_none() {
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
            if !users::delete_user(&transaction, user, checked)? {
                return Ok(AccountChange::PasswordNoLongerCurrent);
            }
            transaction.commit()?;
            Ok(AccountChange::Done(()))
        })
        .await
    }

    async fn list_activity(&self, user: UserId) -> Result<Vec<ActivityEntry>, StoreError> {
        self.read(move |connection| activity::list_activity(connection, user))
            .await
    }

    async fn known_user_agents(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        self.read(move |connection| activity::known_user_agents(connection, user))
            .await
    }

    async fn insert_link(&self, link: &NewLink) -> Result<bool, StoreError> {
        let link = link.clone();
        self.write(move |connection| mail_links::insert_link(connection, &link))
            .await
    }

    async fn find_link(&self, selector: &str) -> Result<Option<StoredLink>, StoreError> {
        let selector = selector.to_owned();
        self.read(move |connection| mail_links::find_link(connection, &selector))
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
            let verified = mail_links::spend_link(&transaction, &selector)?
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
            if !mail_links::spend_link(&transaction, &selector)? {
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
            mail_links::spend_links_of(
                &transaction,
                user,
                Some(LinkPurpose::ResetPassword.code()),
            )?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::PasswordReset,
                &client,
                now,
            )?;
            if two_step == TwoStepAfterReset::TurnedOff {
                two_factor::forget_two_factor(&transaction, user)?;
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

    async fn find_recipients(&self, lookup: &AccountLookup) -> Result<Vec<Recipient>, StoreError> {
        let lookup = lookup.clone();
        self.read(move |connection| users::find_recipients(connection, &lookup))
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
            mail_links::spend_links_of(&transaction, user, None)?;
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

    async fn find_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, StoreError> {
        self.read(move |connection| two_factor::find_two_factor(connection, user))
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
            two_factor::stage_two_factor(
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
            if !two_factor::enable_two_factor(
                &transaction,
                user,
                session.as_str(),
                step,
                &recovery_hashes,
            )? {
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
            if !two_factor::disable_two_factor(&transaction, user, step)? {
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
        self.write(move |connection| two_factor::spend_code_step(connection, user, step))
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
            let spend = two_factor::spend_second_factor(
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

    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |connection| {
            blocklist::record_revocation(connection, &id, expires_at, OffsetDateTime::now_utc())
        })
        .await
    }

    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError> {
        let candidate = candidate.to_owned();
        let handle = self
            .write(move |connection| passkeys::webauthn_handle(connection, user, &candidate))
            .await?;
        handle.ok_or_else(|| StoreError::Failed(format!("no account {}", user.0).into()))
    }

    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
        self.read(move |connection| passkeys::list_passkeys(connection, user))
            .await
    }

    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (passkey.clone(), client.clone());
        self.write(move |connection| {
            let (passkey, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !passkeys::insert_passkey(&transaction, &passkey, now.unix_timestamp())? {
                return Ok(false);
            }
            activity::record_activity(
                &transaction,
                passkey.user,
                ActivityEvent::PasskeyAdded,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }

    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        let credential_id = credential_id.to_owned();
        self.read(move |connection| passkeys::find_passkey(connection, &credential_id))
            .await
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (
            id.to_owned(),
            read.to_owned(),
            credential.map(str::to_owned),
        );
        self.write(move |connection| {
            let (id, read, credential) = input;
            passkeys::record_passkey_use(
                connection,
                &id,
                &read,
                credential.as_deref(),
                now.unix_timestamp(),
            )
        })
        .await
    }

    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError> {
        let input = (id.to_owned(), client.clone());
        self.write(move |connection| {
            let (id, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !passkeys::remove_passkey(&transaction, user, &id)? {
                return Ok(None);
            }
            let ended = sessions::end_sessions_of_passkey(&transaction, user, &id, now)?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::PasskeyRemoved,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(Some(ended))
        })
        .await
    }

    async fn prune(
        &self,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let policy = *policy;
        self.write(move |connection| {
            let sessions = sessions::prune_sessions(connection, &policy, now)?;
            let links = mail_links::prune_links(connection, now.unix_timestamp())?;
            Ok(sessions + links + activity::prune_activity(connection, now)?)
        })
        .await
    }
}

/// What turning two-step sign-in on or off does besides: every other session ends and
/// the account's activity says so.
fn changed_two_factor(
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

/// A migrated database file in a fresh temporary directory, for unit tests of the SQL.
#[cfg(test)]
pub fn temporary_connection() -> (tempfile::TempDir, rusqlite::Connection) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("test.db");
    drop(Db::open(&path, DEFAULT_BUSY_TIMEOUT).expect("a migrated database"));
    let connection = rusqlite::Connection::open(&path).expect("a connection");
    (directory, connection)
}

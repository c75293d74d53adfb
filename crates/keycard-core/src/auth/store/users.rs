//! Accounts: creating them, finding their credentials, and the changes to them that
//! end other sessions (password, deletion).

use time::OffsetDateTime;

use crate::auth::device::ClientInfo;
use crate::auth::sessions::{SessionId, SessionPolicy};
use crate::auth::users::{
    AccountLookup, PasswordVersion, Recipient, StoredCredentials, User, UserId,
};
use crate::domain::{Email, Username};

use super::{AccountChange, StoreError};

/// Accounts: creating them, finding their credentials, and the changes to them that
/// end other sessions (password, deletion).
#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a new account and records its creation; `None` if the name (compared
    /// case-folded) is taken, decided by the database so racing sign-ups cannot both win.
    async fn create_user(
        &self,
        username: &Username,
        email: Option<&Email>,
        password_hash: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError>;

    /// The credentials of the active account with this name, compared case-folded.
    async fn find_credentials_by_name(
        &self,
        username: &Username,
    ) -> Result<Option<StoredCredentials>, StoreError>;

    /// The credentials of an active account, by its id.
    async fn find_credentials_by_id(
        &self,
        user: UserId,
    ) -> Result<Option<StoredCredentials>, StoreError>;

    /// Replaces the hash by one of the same password made with newer parameters, unless
    /// the password has been changed since version `checked`.
    async fn upgrade_password_hash(
        &self,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
    ) -> Result<(), StoreError>;

    /// Sets a new password if `keep` is still live and the password still version
    /// `checked`; ends every other session, counts `keep` as recently signed in and
    /// records the change. Says how many sessions ended.
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn change_password(
        &self,
        user: UserId,
        keep: &SessionId,
        checked: PasswordVersion,
        password_hash: &str,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<usize>, StoreError>;

    /// Deletes the account, if `session` is still live and the password still version
    /// `checked`, with its sessions, their refresh tokens and its activity.
    async fn delete_user(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError>;

    /// The active accounts `lookup` names that have a verified address.
    async fn find_recipients(&self, lookup: &AccountLookup) -> Result<Vec<Recipient>, StoreError>;
}

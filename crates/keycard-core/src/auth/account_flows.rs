//! What a signed-in person can do to their account itself: change its password, delete
//! it, and read its security activity. Each change first checks the password again,
//! under the login's limits.

use time::OffsetDateTime;

use super::activity::ActivityEntry;
use super::device::ClientInfo;
use super::error::{AuthError, Rejection};
use super::notices::Notice;
use super::service::AuthService;
use super::sessions::Session;
use super::store::AccountChange;
use crate::domain::{CredentialError, Password};

impl<T> AccountChange<T> {
    /// A session that ended after the guard let the request in (another device signed
    /// it out) is refused as it would have been a moment later; a password that is no
    /// longer the account's, or an account that is gone, like a wrong password.
    pub(super) fn into_result(self) -> Result<T, AuthError> {
        match self {
            Self::Done(value) => Ok(value),
            Self::SessionEnded => Err(Rejection::SessionEnded.into()),
            Self::PasswordNoLongerCurrent => Err(AuthError::InvalidCredentials),
        }
    }
}

impl AuthService {
    /// Sets a new password after checking the current one: every other session of the
    /// account ends, this one carries on (and counts as recently signed in). A wrong
    /// current password is [`AuthError::InvalidCredentials`] and counts as a failed login.
    /// Returns how many other sessions ended.
    pub async fn change_password(
        &self,
        session: &Session,
        current: Password,
        new: Password,
        client: &ClientInfo,
    ) -> Result<usize, AuthError> {
        // Compared only once the current password is known to be right, so the answer
        // to a wrong one is always "incorrect".
        let unchanged = current.expose() == new.expose();
        let checked = self.check_own_password(session, current, client).await?;
        if unchanged {
            return Err(CredentialError::PasswordUnchanged.into());
        }
        let password_hash = self.new_password_hash(new).await?;
        let user = session.user.id;
        let ended = self
            .store
            .change_password(
                user,
                session.id(),
                checked,
                &password_hash,
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .into_result()?;
        tracing::info!(
            target: "keycard::security",
            user_id = user.0,
            ended,
            "password changed; other sessions ended"
        );
        self.tell_verified_address(session, Notice::PasswordChanged);
        Ok(ended)
    }

    /// Deletes the account after checking its password: its sessions, their refresh
    /// tokens and its activity go with it, so every token of it is refused from the next
    /// request on. A wrong password changes nothing and counts as a failed login.
    pub async fn delete_account(
        &self,
        session: &Session,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let checked = self.check_own_password(session, password, client).await?;
        let user = session.user.id;
        self.store
            .delete_user(
                user,
                session.id(),
                checked,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .into_result()?;
        tracing::info!(target: "keycard::security", user_id = user.0, "account deleted");
        self.tell_verified_address(session, Notice::AccountDeleted);
        Ok(())
    }

    /// Mails the signed-in account's address, if it is verified.
    pub(super) fn tell_verified_address(&self, session: &Session, notice: Notice) {
        let user = &session.user;
        if let Some(email) = user.verified_email() {
            self.tell(email, &user.username, notice);
        }
    }

    /// The signed-in account's newest security events, newest first.
    pub async fn activity(&self, session: &Session) -> Result<Vec<ActivityEntry>, AuthError> {
        Ok(self.store.list_activity(session.user.id).await?)
    }
}

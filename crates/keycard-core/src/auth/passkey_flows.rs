//! Listing and removing an account's passkeys, with or without the `passkeys` feature.

use time::OffsetDateTime;

use super::device::ClientInfo;
use super::error::AuthError;
use super::notices::Notice;
use super::passkeys::PasskeySummary;
use super::service::AuthService;
use super::sessions::Session;

impl AuthService {
    /// The account's passkeys, newest first.
    pub async fn list_passkeys(&self, session: &Session) -> Result<Vec<PasskeySummary>, AuthError> {
        Ok(self
            .store
            .list_passkeys(session.user.id)
            .await?
            .into_iter()
            .map(|stored| PasskeySummary {
                id: stored.id,
                name: stored.name,
                created_at: stored.created_at,
                last_used_at: stored.last_used_at,
            })
            .collect())
    }

    /// Removes one of the account's passkeys: it signs nobody in from then on, and the
    /// sessions it signed in end (this one too, if it was one). Says how many ended.
    pub async fn remove_passkey(
        &self,
        session: &Session,
        id: &str,
        client: &ClientInfo,
    ) -> Result<usize, AuthError> {
        let user = session.user.id;
        let ended = self
            .store
            .remove_passkey(user, id, client, OffsetDateTime::now_utc())
            .await?
            .ok_or(AuthError::PasskeyNotFound)?;
        tracing::info!(target: "keycard::security", user_id = user.0, ended, "passkey removed; the sessions it signed in ended");
        self.tell_verified_address(session, Notice::PasskeyRemoved);
        Ok(ended)
    }
}

//! Passkeys as an account keeps them, listed and removed with or without the
//! `passkeys` feature; the ceremonies that add them and sign in with them are
//! `passkey_ceremonies`, behind it.

use time::OffsetDateTime;

use super::device::ClientInfo;
use super::error::AuthError;
use super::guard::Session;
use super::notices::Notice;
use super::service::AuthService;
use super::users::UserId;

/// A passkey as an account's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySummary {
    /// The passkey's id (not the credential id).
    pub id: String,
    /// The name its owner gave it.
    pub name: String,
    /// When it was added.
    pub created_at: OffsetDateTime,
    /// When it last signed in, if it has.
    pub last_used_at: Option<OffsetDateTime>,
}

/// A passkey as stored: webauthn-rs's credential (public key, counter, flags) as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The passkey's id.
    pub id: String,
    /// The account it belongs to.
    pub user: UserId,
    /// The account's WebAuthn user handle, which a discoverable credential returns.
    pub user_handle: String,
    /// The name its owner gave it.
    pub name: String,
    /// The webauthn-rs credential, serialised.
    pub credential: String,
    /// When it was added.
    pub created_at: OffsetDateTime,
    /// When it last signed in, if it has.
    pub last_used_at: Option<OffsetDateTime>,
}

/// A passkey to store.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    /// The passkey's id.
    pub id: String,
    /// The account it belongs to.
    pub user: UserId,
    /// The credential id, hex: how a sign-in finds the passkey.
    pub credential_id: String,
    /// The name its owner gave it.
    pub name: String,
    /// The webauthn-rs credential, serialised.
    pub credential: String,
}

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

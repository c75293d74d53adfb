//! Passkeys, and the one-time ids that let each passkey ceremony finish once.

use time::OffsetDateTime;

use crate::auth::device::ClientInfo;
use crate::auth::passkeys::{NewPasskey, StoredPasskey};
use crate::auth::users::UserId;

use super::StoreError;

/// Passkeys, and the one-time ids that let each passkey ceremony finish once.
#[async_trait::async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Records `id` as spent until `expires_at` (beside revoked token ids); `false` if
    /// it was already.
    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError>;

    /// The account's WebAuthn user handle: the one it has, or else `candidate`, kept.
    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError>;

    /// The account's passkeys, newest first.
    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError>;

    /// Stores `passkey` and records it in the account's activity; `false` if its
    /// credential is already stored, or the account is gone.
    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The passkey of an active account with this credential id.
    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError>;

    /// Notes a sign-in with passkey `id`, and its credential's new state if it changed
    /// (the signature counter), if its credential is still `read`, the state the
    /// sign-in was checked against; `false` (nothing written) if another sign-in changed
    /// it meanwhile: two authenticators answering with one counter, a cloned one.
    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes `user`'s passkey `id`, ends the sessions it signed in and records it;
    /// how many sessions ended, or `None` if there is no such passkey.
    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError>;
}

//! Passkeys as an account keeps them. Listing and removing them is `passkey_flows`,
//! with or without the `passkeys` feature; the ceremonies that add them and sign in
//! with them are `passkey_ceremonies`, behind it.

use time::OffsetDateTime;

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

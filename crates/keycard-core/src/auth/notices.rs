//! What the core asks to be mailed, and the port it hands letters to. The mail layer
//! (the app's mail module) words them, builds the links and delivers them; the core only
//! decides who is told what, and never waits for delivery.

use time::OffsetDateTime;

use super::link_token::LinkToken;

/// What one letter says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// "Confirm this is your address": a link to `/verify-email`.
    VerifyEmail {
        token: LinkToken,
    },
    /// "Reset your password": a link to `/reset-password`.
    ResetPassword {
        token: LinkToken,
    },
    PasswordChanged,
    /// The password was reset by mailed link; `passkeys` of the account's still sign in.
    PasswordReset {
        passkeys: usize,
    },
    /// Sent to the old address; `new_address` is `None` when the address was removed.
    EmailChanged {
        new_address: Option<String>,
    },
    AccountDeleted,
    TwoFactorEnabled,
    TwoFactorDisabled,
    /// Too many wrong codes were tried at the account's second step.
    TwoStepLocked,
    PasskeyAdded,
    PasskeyRemoved,
    /// A sign-in from a device this account had not signed in from before.
    NewDevice {
        device: String,
        address: String,
        at: OffsetDateTime,
    },
}

/// One letter to one account's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub username: String,
    pub notice: Notice,
}

/// Takes letters for delivery. `post` returns at once and never fails the caller: a
/// letter that cannot be sent is logged and reported by the mail layer, and the
/// account change it tells of stands.
pub trait Postbox: Send + Sync {
    fn post(&self, letter: Letter);
}

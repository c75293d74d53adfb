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
        /// The link's token.
        token: LinkToken,
    },
    /// "Reset your password": a link to `/reset-password`.
    ResetPassword {
        /// The link's token.
        token: LinkToken,
    },
    /// The password was changed.
    PasswordChanged,
    /// The password was reset by mailed link; `passkeys` of the account's still sign in.
    PasswordReset {
        /// How many passkeys the account has.
        passkeys: usize,
    },
    /// Sent to the old address; `new_address` is `None` when the address was removed.
    EmailChanged {
        /// The new address.
        new_address: Option<String>,
    },
    /// The account was deleted.
    AccountDeleted,
    /// Two-step sign-in was turned on.
    TwoFactorEnabled,
    /// Two-step sign-in was turned off.
    TwoFactorDisabled,
    /// Too many wrong codes were tried at the account's second step.
    TwoStepLocked,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// A sign-in from a device this account had not signed in from before.
    NewDevice {
        /// The device, as "Chrome on Linux".
        device: String,
        /// The client address it signed in from.
        address: String,
        /// When it signed in.
        at: OffsetDateTime,
    },
}

/// One letter to one account's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The address the letter goes to.
    pub to: String,
    /// The username, to greet its owner by.
    pub username: String,
    /// What the letter says.
    pub notice: Notice,
}

/// Takes letters for delivery. `post` returns at once and never fails the caller: a
/// letter that cannot be sent is logged and reported by the mail layer, and the
/// account change it tells of stands.
pub trait Postbox: Send + Sync {
    /// Hands `letter` over for delivery.
    fn post(&self, letter: Letter);
}

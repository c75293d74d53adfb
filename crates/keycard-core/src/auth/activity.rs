//! The account's security activity: sign-ins, failures, sign-outs and credential
//! changes, each with when, from which device and address. Storage writes it in the
//! transaction of the change it records; never a password, a token or a hash.

use std::time::Duration;

use time::OffsetDateTime;

use super::device::{UserAgent, describe_device};
use super::sessions::timestamp;

/// How many events the activity page and API show.
pub const ACTIVITY_SHOWN: usize = 50;
/// Events older than this are pruned.
pub const ACTIVITY_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);
/// At most this many events are kept per account, so failed sign-ins from many
/// addresses cannot grow one account's record without bound between prunes.
pub const ACTIVITY_KEPT_PER_ACCOUNT: i64 = 1000;

/// What happened. The codes are stable: the API publishes them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum ActivityEvent {
    /// The account was signed up.
    AccountCreated,
    /// A sign-in started a session.
    SignedIn,
    /// A wrong password for this account: at login, or when asked for it again.
    FailedSignIn,
    /// A session was signed out.
    SignedOut,
    /// A session was ended from another one of the account's sessions.
    SessionEnded,
    /// Every other session was ended at once.
    OtherSessionsSignedOut,
    /// The password was changed while signed in.
    PasswordChanged,
    /// A replaced refresh token came back, so its session was ended.
    RefreshTokenReused,
    /// The password was entered again in a session, to confirm a sensitive action.
    Reauthenticated,
    /// A new password set with a link mailed to the verified address.
    PasswordReset,
    /// The email address was changed or removed.
    EmailChanged,
    /// The email address was confirmed by its mailed link.
    EmailVerified,
    /// Two-step sign-in was turned on.
    TwoFactorEnabled,
    /// Two-step sign-in was turned off.
    TwoFactorDisabled,
    /// The second step of a sign-in answered with a recovery code instead of the app.
    RecoveryCodeUsed,
    /// Too many wrong codes for the account's second step, from anywhere: it refuses
    /// every try until the throttle window passes.
    TwoStepLocked,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
}

impl ActivityEvent {
    /// The event's stable code, as stored.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Every event's code, for the API document.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        <Self as strum::IntoEnumIterator>::iter().map(Self::code)
    }

    /// The words the activity page shows.
    pub fn description(self) -> &'static str {
        match self {
            Self::AccountCreated => "Account created",
            Self::SignedIn => "Signed in",
            Self::FailedSignIn => "Failed sign-in",
            Self::SignedOut => "Signed out",
            Self::SessionEnded => "Session ended from another device",
            Self::OtherSessionsSignedOut => "Other sessions signed out",
            Self::PasswordChanged => "Password changed",
            Self::RefreshTokenReused => "Refresh token reused: session ended",
            Self::Reauthenticated => "Signed in again to confirm",
            Self::PasswordReset => "Password reset",
            Self::EmailChanged => "Email address changed",
            Self::EmailVerified => "Email address verified",
            Self::TwoFactorEnabled => "Two-step sign-in turned on",
            Self::TwoFactorDisabled => "Two-step sign-in turned off",
            Self::RecoveryCodeUsed => "Recovery code used to sign in",
            Self::TwoStepLocked => "Second step locked after too many wrong codes",
            Self::PasskeyAdded => "Passkey added",
            Self::PasskeyRemoved => "Passkey removed",
        }
    }
}

/// One event as its account's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    /// When it happened.
    pub at: OffsetDateTime,
    /// What happened.
    pub event: ActivityEvent,
    /// "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    /// The client address it came from.
    pub address: String,
}

impl ActivityEntry {
    /// An event as stored; `None` for a code this build does not know (written by a
    /// newer one), which is left out rather than failing the whole list.
    pub fn from_stored(at: i64, code: &str, address: String, user_agent: &str) -> Option<Self> {
        Some(Self {
            at: timestamp(at),
            event: code.parse().ok()?,
            device: describe_device(&UserAgent::from_header(Some(user_agent))),
            address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_event() {
        for event in <ActivityEvent as strum::IntoEnumIterator>::iter() {
            assert_eq!(event.code().parse::<ActivityEvent>().unwrap(), event);
        }
        assert_eq!(ActivityEvent::codes().count(), 18);
        assert_eq!(ActivityEvent::RecoveryCodeUsed.code(), "recovery_code_used");
        assert_eq!(ActivityEvent::FailedSignIn.code(), "failed_sign_in");
    }
}

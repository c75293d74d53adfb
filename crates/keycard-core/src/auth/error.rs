//! What can go wrong in the core: the expected outcomes a person can act on, and
//! everything else as `Internal`, whose details are logged and never shown.

use std::time::Duration;

use crate::domain::CredentialError;

/// How long until the next attempt is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Rounded up, so a client that waits exactly this long is let in.
    pub fn whole_seconds(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

/// Why storage could not do what was asked. Nothing was committed either way.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not take the request now (locked past its timeout, full,
    /// read-only, unreachable); the same request may well succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: a bug or a damaged database, not something a retry fixes.
    #[error("database query failed: {0}")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Debug, thiserror::Error)]
/// What a flow of the core can end in besides success.
pub enum AuthError {
    #[error(transparent)]
    /// Input that breaks a credential rule.
    InvalidInput(#[from] CredentialError),
    #[error("invalid username or password")]
    /// Invalid username or password (never which of the two).
    InvalidCredentials,
    #[error("that username is taken")]
    /// The username (compared case-folded) is taken.
    UsernameTaken,
    #[error("too many attempts; retry in {} s", .0.0.as_secs())]
    /// Too many attempts; retry after the time given.
    Throttled(RetryAfter),
    #[error("not signed in: {0}")]
    /// Not signed in, and why not.
    Unauthenticated(#[from] Rejection),
    /// Ending other sessions needs the password entered in this session lately.
    #[error("the password must be entered again first")]
    RecentSignInRequired,
    /// No live session of this account has that id.
    #[error("no such session")]
    SessionNotFound,
    /// A mailed link that is unknown, spent, expired, for another purpose, or whose
    /// address or password changed since it was sent: all look alike from outside.
    #[error("This link is invalid or has expired")]
    InvalidLink,
    /// A code from the app (or a recovery code) that is wrong or was used before.
    #[error("that code is not right")]
    WrongCode,
    /// The second step of a sign-in came too late, or for an attempt already finished.
    #[error("the sign-in took too long; start again")]
    TwoStepExpired,
    #[error("two-step sign-in is already on")]
    /// Two-step sign-in is on already.
    TwoFactorAlreadyOn,
    #[error("two-step sign-in is not on")]
    /// Two-step sign-in is not on.
    TwoFactorNotOn,
    /// A passkey ceremony that failed any check (unknown credential, bad signature, no
    /// user verification, expired or spent): they all look alike from outside.
    #[error("the passkey was not accepted")]
    PasskeyRefused,
    #[error("no such passkey")]
    /// No passkey of this account has that id.
    PasskeyNotFound,
    /// The public origin has no domain name, which WebAuthn needs.
    #[error("passkeys are not available on this site")]
    PasskeysUnavailable,
    /// Codes from an authenticator app, which this build does not check (it was built
    /// without the `two-factor` feature): nothing is set up, and a second step is
    /// passed only with a recovery code.
    #[error("two-step codes are not checked by this build")]
    TwoFactorUnavailable,
    /// A code to confirm two-step sign-in, with no secret made for it.
    #[error("two-step sign-in is not being set up")]
    TwoFactorNotStarted,
    /// The database could not serve the request now (busy, full, read-only); nothing
    /// was committed. Also every failure to read the blocklist, so the guard fails closed.
    #[error(transparent)]
    Unavailable(StoreError),
    #[error(transparent)]
    /// Anything unexpected: logged with its details, shown only as a reference.
    Internal(#[from] anyhow::Error),
}

/// Why the guard did not accept a request as signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no token was sent")]
    /// No token was sent.
    MissingToken,
    #[error("the token has expired")]
    /// The token has expired.
    Expired,
    #[error("the token is not valid")]
    /// The token is not one of ours, or was tampered with.
    InvalidToken,
    #[error("the token has been revoked")]
    /// The token was revoked (signed out).
    Revoked,
    #[error("the account no longer exists or is disabled")]
    /// The account no longer exists or is disabled.
    AccountGone,
    #[error("the session has ended or expired")]
    /// The session has ended or expired.
    SessionEnded,
    #[error("the refresh token is not one that is in use")]
    /// The refresh token is not one that is in use.
    UnknownRefreshToken,
    #[error("an old refresh token was presented, so its session was ended")]
    /// A replaced refresh token was presented, so its session was ended.
    RefreshTokenReused,
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(error),
            StoreError::Failed(_) => Self::Internal(error.into()),
        }
    }
}

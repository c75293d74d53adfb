//! What can go wrong in the core: the expected outcomes a person can act on, and
//! everything else as `Internal`, whose details are logged and never shown.

use super::throttle::RetryAfter;
use crate::db::DbError;
use crate::domain::CredentialError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    InvalidInput(#[from] CredentialError),
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("that username is taken")]
    UsernameTaken,
    #[error("too many attempts; retry in {} s", .0.0.as_secs())]
    Throttled(RetryAfter),
    #[error("not signed in: {0}")]
    Unauthenticated(#[from] Rejection),
    /// The database could not serve the request now (busy, full, read-only); nothing
    /// was committed. Also every failure to read the blocklist, so the guard fails closed.
    #[error(transparent)]
    Unavailable(DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why the guard did not accept a request as signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no token was sent")]
    MissingToken,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    InvalidToken,
    #[error("the token has been revoked")]
    Revoked,
    #[error("the account no longer exists or is disabled")]
    AccountGone,
}

impl From<DbError> for AuthError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(_) => Self::Unavailable(error),
            _ => Self::Internal(error.into()),
        }
    }
}

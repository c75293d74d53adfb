//! The one mapping from the core's errors to what a client is told: the error a person
//! reads ([`AuthFnError`]) and its HTTP status. Unexpected errors are logged under a
//! random reference, the only thing about them a client ever sees.

use axum::http::{HeaderMap, StatusCode, header};
use keycard_core::auth::{AuthError, StoreError};
use keycard_types::{AuthFnError, ErrorReference};

/// Whether the client is a browser navigating or posting a form itself (JavaScript
/// off), judged the way leptos_axum judges it.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The error a client is told for a core error; unexpected ones are logged under a
/// reference first.
pub fn to_public_error(error: AuthError) -> AuthFnError {
    match error {
        AuthError::InvalidInput(invalid) => AuthFnError::Invalid(invalid),
        AuthError::InvalidCredentials => AuthFnError::InvalidCredentials,
        AuthError::UsernameTaken => AuthFnError::UsernameTaken,
        AuthError::Throttled(retry_after) => AuthFnError::TooManyAttempts {
            retry_after_seconds: retry_after.whole_seconds(),
        },
        AuthError::Unauthenticated(_) => AuthFnError::NotSignedIn,
        AuthError::RecentSignInRequired => AuthFnError::RecentSignInRequired,
        AuthError::SessionNotFound => AuthFnError::SessionNotFound,
        AuthError::InvalidLink => AuthFnError::InvalidLink,
        AuthError::WrongCode => AuthFnError::WrongCode,
        AuthError::TwoStepExpired => AuthFnError::TwoStepExpired,
        AuthError::TwoFactorAlreadyOn => AuthFnError::TwoFactorAlreadyOn,
        AuthError::TwoFactorNotOn => AuthFnError::TwoFactorNotOn,
        AuthError::TwoFactorNotStarted => AuthFnError::TwoFactorNotStarted,
        AuthError::PasskeyRefused => AuthFnError::PasskeyRefused,
        AuthError::PasskeyNotFound => AuthFnError::PasskeyNotFound,
        AuthError::PasskeysUnavailable => AuthFnError::PasskeysUnavailable,
        AuthError::TwoFactorUnavailable => AuthFnError::TwoFactorUnavailable,
        AuthError::Unavailable(unavailable) => {
            log_unavailable(&unavailable);
            AuthFnError::Unavailable
        }
        AuthError::Internal(internal) => internal_error(format!("{internal:#}")),
    }
}

/// Logs an unexpected error under a fresh reference and returns the generic error
/// that shows the person only that reference.
pub fn internal_error(details: String) -> AuthFnError {
    AuthFnError::Internal {
        reference: log_unexpected(details),
    }
}

/// Logs an unexpected error under a fresh random reference, the only thing about it a
/// client is ever shown.
pub fn log_unexpected(details: String) -> Option<ErrorReference> {
    let mut bytes = [0u8; 4];
    let reference = getrandom::fill(&mut bytes)
        .ok()
        .map(|()| ErrorReference::new(u32::from_be_bytes(bytes)));
    let shown = reference.map(|reference| reference.to_string());
    tracing::error!(
        reference = shown.as_deref().unwrap_or("none"),
        error = details,
        "request failed"
    );
    reference
}

/// Logs why the database turned a request away; the client only learns to retry.
pub fn log_unavailable(error: &StoreError) {
    tracing::warn!(%error, "request refused: the database is unavailable");
}

/// The one place a server-function error gets its HTTP status.
pub fn status_of(error: AuthFnError) -> StatusCode {
    match error {
        AuthFnError::Invalid(_) | AuthFnError::BadRequest | AuthFnError::InvalidLink => {
            StatusCode::BAD_REQUEST
        }
        AuthFnError::InvalidCredentials
        | AuthFnError::IncorrectPassword
        | AuthFnError::IncorrectCurrentPassword
        | AuthFnError::WrongCode
        | AuthFnError::WrongRecoveryCode
        | AuthFnError::TwoStepExpired
        | AuthFnError::PasskeyRefused
        | AuthFnError::PasskeyCancelled
        | AuthFnError::NotSignedIn => StatusCode::UNAUTHORIZED,
        AuthFnError::PasskeyNotFound => StatusCode::NOT_FOUND,
        AuthFnError::PasskeysUnavailable | AuthFnError::TwoFactorUnavailable => {
            StatusCode::NOT_IMPLEMENTED
        }
        AuthFnError::TwoFactorAlreadyOn
        | AuthFnError::TwoFactorNotOn
        | AuthFnError::TwoFactorNotStarted => StatusCode::CONFLICT,
        AuthFnError::CrossSite | AuthFnError::RecentSignInRequired => StatusCode::FORBIDDEN,
        AuthFnError::SessionNotFound => StatusCode::NOT_FOUND,
        AuthFnError::UsernameTaken => StatusCode::CONFLICT,
        AuthFnError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        AuthFnError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AuthFnError::Unreachable | AuthFnError::Internal { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

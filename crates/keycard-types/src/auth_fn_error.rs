//! The error a person is shown, shared by server and browser: what every auth server
//! function returns and what the JSON API's messages say. Each variant has one message
//! a person can act on and one stable code. With the `server-fn` feature it is the
//! error type Leptos server functions can return.

use serde::{Deserialize, Serialize};

use crate::{CredentialError, Field};

/// What "Forgot your password?" always answers, whoever is asked for.
pub const RESET_REQUESTED: &str = "If an account with a verified email matches, we sent a link";

/// Why a request failed, in words a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AuthFnError {
    #[error(transparent)]
    /// A credential of the wrong shape.
    Invalid(CredentialError),
    #[error("Invalid username or password")]
    /// Answered with "Invalid username or password".
    InvalidCredentials,
    /// A signed-in person's password, asked for again, was wrong.
    #[error("Password is incorrect")]
    IncorrectPassword,
    /// The current password, asked for before setting a new one, was wrong.
    #[error("Current password is incorrect")]
    IncorrectCurrentPassword,
    #[error("That username is taken")]
    /// Answered with "That username is taken".
    UsernameTaken,
    #[error("Too many attempts. Try again in {}.", minutes_text(*retry_after_seconds))]
    /// Too many tries: wait this many seconds.
    TooManyAttempts {
        /// How long to wait before trying again.
        retry_after_seconds: u64,
    },
    #[error("Please log in to see this page")]
    /// Answered with "Please log in to see this page".
    NotSignedIn,
    #[error("For your security, confirm your password first.")]
    /// Answered with "For your security, confirm your password first.".
    RecentSignInRequired,
    #[error("That session has already ended.")]
    /// Answered with "That session has already ended.".
    SessionNotFound,
    /// A mailed link that cannot be used (any reason: they all look alike).
    #[error("This link is invalid or has expired")]
    InvalidLink,
    #[error(
        "That code is not right. Check that your device's clock is right, and try the newest code."
    )]
    /// A wrong or used code from the authenticator app.
    WrongCode,
    #[error("That recovery code is not right, or it has been used")]
    /// Answered with "That recovery code is not right, or it has been used".
    WrongRecoveryCode,
    #[error("The sign-in took too long. Log in again.")]
    /// Answered with "The sign-in took too long. Log in again.".
    TwoStepExpired,
    #[error("Two-step sign-in is already on")]
    /// Answered with "Two-step sign-in is already on".
    TwoFactorAlreadyOn,
    #[error("Two-step sign-in is not on")]
    /// Answered with "Two-step sign-in is not on".
    TwoFactorNotOn,
    #[error("Start again: turning on two-step sign-in begins with your password")]
    /// Answered with "Start again: turning on two-step sign-in begins with your password".
    TwoFactorNotStarted,
    #[error("That passkey was not accepted. Try again, or log in with your password.")]
    /// Answered with "That passkey was not accepted. Try again, or log in with your
    /// password.".
    PasskeyRefused,
    #[error("That passkey has already been removed.")]
    /// Answered with "That passkey has already been removed.".
    PasskeyNotFound,
    #[error("Passkeys are not available on this site.")]
    /// Answered with "Passkeys are not available on this site.".
    PasskeysUnavailable,
    #[error(
        "Two-step sign-in with an authenticator app is not available on this site. An account that has it on signs in with a recovery code."
    )]
    /// Answered with "Two-step sign-in with an authenticator app is not available on
    /// this site. An account that has it on signs in with a recovery code.": the site
    /// was built without the `two-factor` feature.
    TwoFactorUnavailable,
    /// The browser's own passkey dialog failed or was dismissed.
    #[error("No passkey was used. Try again, or log in with your password.")]
    PasskeyCancelled,
    #[error(
        "This request did not come from a Keycard page, so it was refused. Open Keycard and try again."
    )]
    /// A state-changing request that did not come from the site's own pages.
    CrossSite,
    #[error("The form could not be read. Reload the page and try again.")]
    /// Answered with "The form could not be read. Reload the page and try again.".
    BadRequest,
    #[error("Keycard could not be reached. Check your connection and try again.")]
    /// Answered with "Keycard could not be reached. Check your connection and try again.".
    Unreachable,
    #[error(
        "Keycard cannot do that right now, and nothing was changed. Please try again in a moment."
    )]
    /// The database cannot serve the request now; nothing changed.
    Unavailable,
    #[error("Something went wrong on our side{}. Please try again in a moment.", reference_text(*reference))]
    /// Something unexpected; the reference finds its log line.
    Internal {
        /// The log line's reference, if one could be made.
        reference: Option<ErrorReference>,
    },
}

/// The id an unexpected error is logged under, shown to the person so support can
/// find the log line; it carries nothing about the error itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReference(u32);

impl ErrorReference {
    /// The reference of the log line numbered `id`.
    pub fn new(id: u32) -> Self {
        Self(id)
    }

    fn parse(text: &str) -> Option<Self> {
        (text.len() == 8)
            .then(|| u32::from_str_radix(text, 16).ok())
            .flatten()
            .map(Self)
    }
}

impl std::fmt::Display for ErrorReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

fn minutes_text(seconds: u64) -> String {
    match seconds.div_ceil(60) {
        0 | 1 => "a minute".to_owned(),
        minutes => format!("{minutes} minutes"),
    }
}

fn reference_text(reference: Option<ErrorReference>) -> String {
    reference.map_or_else(String::new, |reference| format!(" (reference {reference})"))
}

/// Longest wait a no-JavaScript redirect can claim, so a crafted link cannot show an
/// absurd one.
const MAX_SHOWN_WAIT_SECONDS: u64 = 24 * 60 * 60;

impl AuthFnError {
    /// The code that carries this error through a redirect when JavaScript is off.
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid(error) => error.code(),
            Self::InvalidCredentials => "invalid_credentials",
            Self::IncorrectPassword => "incorrect_password",
            Self::IncorrectCurrentPassword => "incorrect_current_password",
            Self::UsernameTaken => "username_taken",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::NotSignedIn => "not_signed_in",
            Self::RecentSignInRequired => "recent_sign_in_required",
            Self::SessionNotFound => "session_not_found",
            Self::InvalidLink => "invalid_link",
            Self::WrongCode => "wrong_code",
            Self::WrongRecoveryCode => "wrong_recovery_code",
            Self::TwoStepExpired => "two_step_expired",
            Self::TwoFactorAlreadyOn => "two_factor_already_on",
            Self::TwoFactorNotOn => "two_factor_not_on",
            Self::TwoFactorNotStarted => "two_factor_not_started",
            Self::PasskeyRefused => "passkey_refused",
            Self::PasskeyNotFound => "passkey_not_found",
            Self::PasskeysUnavailable => "passkeys_unavailable",
            Self::TwoFactorUnavailable => "two_factor_unavailable",
            Self::PasskeyCancelled => "passkey_cancelled",
            Self::CrossSite => "cross_site",
            Self::BadRequest => "bad_request",
            Self::Unreachable => "unreachable",
            Self::Unavailable => "unavailable",
            Self::Internal { .. } => "internal",
        }
    }

    /// The number that travels with the code: the wait, or the error reference.
    pub fn detail(self) -> Option<String> {
        match self {
            Self::TooManyAttempts {
                retry_after_seconds,
            } => Some(retry_after_seconds.to_string()),
            Self::Internal {
                reference: Some(reference),
            } => Some(reference.to_string()),
            _ => None,
        }
    }

    /// The inverse of [`AuthFnError::code`] and [`AuthFnError::detail`]; unknown codes
    /// show nothing and details must be numbers, so a crafted link cannot put words on
    /// the page.
    pub fn from_code(code: &str, detail: Option<&str>) -> Option<Self> {
        if let Ok(error) = code.parse::<CredentialError>() {
            return Some(Self::Invalid(error));
        }
        match code {
            "too_many_attempts" => Some(Self::TooManyAttempts {
                retry_after_seconds: detail
                    .and_then(|seconds| seconds.parse().ok())
                    .unwrap_or(0)
                    .min(MAX_SHOWN_WAIT_SECONDS),
            }),
            "internal" => Some(Self::Internal {
                reference: detail.and_then(ErrorReference::parse),
            }),
            _ => [
                Self::InvalidCredentials,
                Self::IncorrectPassword,
                Self::IncorrectCurrentPassword,
                Self::UsernameTaken,
                Self::NotSignedIn,
                Self::RecentSignInRequired,
                Self::SessionNotFound,
                Self::InvalidLink,
                Self::WrongCode,
                Self::WrongRecoveryCode,
                Self::TwoStepExpired,
                Self::TwoFactorAlreadyOn,
                Self::TwoFactorNotOn,
                Self::TwoFactorNotStarted,
                Self::PasskeyRefused,
                Self::PasskeyNotFound,
                Self::PasskeysUnavailable,
                Self::TwoFactorUnavailable,
                Self::PasskeyCancelled,
                Self::CrossSite,
                Self::BadRequest,
                Self::Unreachable,
                Self::Unavailable,
            ]
            .into_iter()
            .find(|error| error.code() == code),
        }
    }

    /// The input the error is about, if it is about one.
    pub fn field(self) -> Option<Field> {
        match self {
            Self::Invalid(error) => Some(error.field()),
            Self::UsernameTaken => Some(Field::Username),
            Self::IncorrectPassword => Some(Field::Password),
            Self::IncorrectCurrentPassword => Some(Field::CurrentPassword),
            Self::WrongCode => Some(Field::Code),
            Self::WrongRecoveryCode => Some(Field::RecoveryCode),
            _ => None,
        }
    }
}

impl From<CredentialError> for AuthFnError {
    fn from(error: CredentialError) -> Self {
        Self::Invalid(error)
    }
}

#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for AuthFnError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr;

        match error {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) => Self::Unreachable,
            _ => Self::Internal { reference: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_trip_through_a_redirect() {
        let errors = [
            AuthFnError::Invalid(CredentialError::PasswordTooShort),
            AuthFnError::Invalid(CredentialError::EmailInvalid),
            AuthFnError::InvalidCredentials,
            AuthFnError::IncorrectPassword,
            AuthFnError::IncorrectCurrentPassword,
            AuthFnError::UsernameTaken,
            AuthFnError::TooManyAttempts {
                retry_after_seconds: 600,
            },
            AuthFnError::NotSignedIn,
            AuthFnError::RecentSignInRequired,
            AuthFnError::SessionNotFound,
            AuthFnError::InvalidLink,
            AuthFnError::WrongCode,
            AuthFnError::WrongRecoveryCode,
            AuthFnError::TwoStepExpired,
            AuthFnError::TwoFactorAlreadyOn,
            AuthFnError::TwoFactorNotOn,
            AuthFnError::TwoFactorNotStarted,
            AuthFnError::PasskeyRefused,
            AuthFnError::PasskeyNotFound,
            AuthFnError::PasskeysUnavailable,
            AuthFnError::TwoFactorUnavailable,
            AuthFnError::PasskeyCancelled,
            AuthFnError::CrossSite,
            AuthFnError::BadRequest,
            AuthFnError::Unreachable,
            AuthFnError::Unavailable,
            AuthFnError::Internal {
                reference: Some(ErrorReference::new(0x1a2b_3c4d)),
            },
            AuthFnError::Internal { reference: None },
        ];
        for error in errors {
            let detail = error.detail();
            assert_eq!(
                AuthFnError::from_code(error.code(), detail.as_deref()),
                Some(error)
            );
        }
        assert_eq!(AuthFnError::from_code("<script>", None), None);
        assert_eq!(
            AuthFnError::from_code("internal", Some("<b>hi</b>")),
            Some(AuthFnError::Internal { reference: None })
        );
    }

    #[test]
    fn the_messages_are_the_ones_people_see() {
        assert_eq!(
            AuthFnError::InvalidCredentials.to_string(),
            "Invalid username or password"
        );
        assert_eq!(
            AuthFnError::UsernameTaken.to_string(),
            "That username is taken"
        );
        assert_eq!(
            AuthFnError::from(CredentialError::PasswordMismatch).to_string(),
            "Passwords do not match"
        );
        assert_eq!(
            AuthFnError::TooManyAttempts {
                retry_after_seconds: 601
            }
            .to_string(),
            "Too many attempts. Try again in 11 minutes."
        );
        assert_eq!(
            AuthFnError::Internal {
                reference: Some(ErrorReference::new(0xbeef))
            }
            .to_string(),
            "Something went wrong on our side (reference 0000beef). Please try again in a moment."
        );
    }
}

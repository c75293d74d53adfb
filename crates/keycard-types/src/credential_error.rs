//! Why a credential was refused and which form field it belongs to, with the limits
//! the messages quote. The server's parsers (keycard-core) return these errors; the
//! browser shows them next to the field they name.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// How many characters (Unicode scalar values, as JSON Schema counts them) a username has.
pub const USERNAME_LENGTH: RangeInclusive<usize> = 3..=32;
/// How many characters a password has.
pub const PASSWORD_LENGTH: RangeInclusive<usize> = 8..=1024;
/// How many characters an email address has, at most.
pub const EMAIL_MAX_LENGTH: usize = 254;

/// The username rule in words, for the sign-up form and the API's documentation.
pub fn username_rule() -> String {
    format!(
        "{} to {} letters, digits, '_', '.' or '-'",
        USERNAME_LENGTH.start(),
        USERNAME_LENGTH.end()
    )
}

/// The password rule in words, for the sign-up form and the API's documentation.
pub fn password_rule() -> String {
    format!("At least {} characters", PASSWORD_LENGTH.start())
}

/// Which form field an error belongs to, so the page can show it next to that input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    /// The username.
    Username,
    /// The email address.
    Email,
    /// The password being set (or, on forms with only one, the only one).
    Password,
    /// The new password typed again.
    ConfirmPassword,
    /// The password an account has now, asked for before it is changed.
    CurrentPassword,
    /// A code from an authenticator app.
    Code,
    /// A recovery code.
    RecoveryCode,
    /// A passkey's name.
    PasskeyName,
}

/// Why a credential was refused, in words a person can act on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    thiserror::Error,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialError {
    #[error("Username must be at least {} characters", USERNAME_LENGTH.start())]
    /// Fewer characters than a username needs.
    UsernameTooShort,
    #[error("Username must be at most {} characters", USERNAME_LENGTH.end())]
    /// More characters than a username may have.
    UsernameTooLong,
    #[error("Username may only contain letters, digits, '_', '.' and '-'")]
    /// Answered with "Username may only contain letters, digits, '_', '.' and '-'".
    UsernameInvalidCharacter,
    #[error("Password must be at least {} characters", PASSWORD_LENGTH.start())]
    /// Fewer characters than a password needs.
    PasswordTooShort,
    #[error("Password must be at most {} characters", PASSWORD_LENGTH.end())]
    /// More characters than a password may have.
    PasswordTooLong,
    #[error("This password is too common. Choose one that is harder to guess.")]
    /// Answered with "This password is too common. Choose one that is harder to guess.".
    PasswordTooCommon,
    #[error("Passwords do not match")]
    /// Answered with "Passwords do not match".
    PasswordMismatch,
    #[error("The new password must be different from the current one")]
    /// Answered with "The new password must be different from the current one".
    PasswordUnchanged,
    #[error("Email must be at most {EMAIL_MAX_LENGTH} characters")]
    /// A longer address than any can be.
    EmailTooLong,
    #[error("Enter an email address like name@example.com, or leave it empty")]
    /// Answered with "Enter an email address like name@example.com, or leave it empty".
    EmailInvalid,
    #[error("That is already your email address")]
    /// Answered with "That is already your email address".
    EmailUnchanged,
    #[error("A username or email is at most {EMAIL_MAX_LENGTH} characters")]
    /// Longer than any username or address can be.
    LoginTooLong,
    #[error("Enter the 6-digit code your authenticator app shows")]
    /// Answered with "Enter the 6-digit code your authenticator app shows".
    CodeInvalid,
    #[error("Enter one of your recovery codes, like abcde-23456")]
    /// Answered with "Enter one of your recovery codes, like abcde-23456".
    RecoveryCodeInvalid,
    #[error("Name the passkey in 1 to 64 characters, e.g. \"Laptop\"")]
    /// A passkey name that is empty or too long.
    PasskeyNameInvalid,
}

impl CredentialError {
    /// A short stable code, used to carry the error through a no-JavaScript redirect.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The field the error belongs to.
    pub fn field(self) -> Field {
        match self {
            Self::UsernameTooShort | Self::UsernameTooLong | Self::UsernameInvalidCharacter => {
                Field::Username
            }
            Self::PasswordTooShort
            | Self::PasswordTooLong
            | Self::PasswordTooCommon
            | Self::PasswordUnchanged => Field::Password,
            Self::PasswordMismatch => Field::ConfirmPassword,
            Self::EmailTooLong | Self::EmailInvalid | Self::EmailUnchanged => Field::Email,
            Self::LoginTooLong => Field::Username,
            Self::CodeInvalid => Field::Code,
            Self::RecoveryCodeInvalid => Field::RecoveryCode,
            Self::PasskeyNameInvalid => Field::PasskeyName,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_quote_the_limits_the_parser_uses() {
        assert_eq!(
            CredentialError::UsernameTooLong.to_string(),
            "Username must be at most 32 characters"
        );
        assert_eq!(
            CredentialError::PasswordTooShort.to_string(),
            "Password must be at least 8 characters"
        );
    }

    #[test]
    fn error_codes_round_trip() {
        let code = CredentialError::PasswordMismatch.code();
        assert_eq!(code, "password_mismatch");
        assert_eq!(
            code.parse::<CredentialError>().unwrap(),
            CredentialError::PasswordMismatch
        );
    }
}

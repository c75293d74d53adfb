//! Why a credential was refused and which form field it belongs to, with the limits
//! the messages quote. The server's parsers (keycard-core) return these errors; the
//! browser shows them next to the field they name.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// How many characters (Unicode scalar values, as JSON Schema counts them) a username has.
pub const USERNAME_LENGTH: RangeInclusive<usize> = 3..=32;
pub const PASSWORD_LENGTH: RangeInclusive<usize> = 8..=1024;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Username,
    Email,
    /// The password being set (or, on forms with only one, the only one).
    Password,
    ConfirmPassword,
    /// The password an account has now, asked for before it is changed.
    CurrentPassword,
    /// A code from an authenticator app.
    Code,
    RecoveryCode,
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
    UsernameTooShort,
    #[error("Username must be at most {} characters", USERNAME_LENGTH.end())]
    UsernameTooLong,
    #[error("Username may only contain letters, digits, '_', '.' and '-'")]
    UsernameInvalidCharacter,
    #[error("Password must be at least {} characters", PASSWORD_LENGTH.start())]
    PasswordTooShort,
    #[error("Password must be at most {} characters", PASSWORD_LENGTH.end())]
    PasswordTooLong,
    #[error("This password is too common. Choose one that is harder to guess.")]
    PasswordTooCommon,
    #[error("Passwords do not match")]
    PasswordMismatch,
    #[error("The new password must be different from the current one")]
    PasswordUnchanged,
    #[error("Email must be at most {EMAIL_MAX_LENGTH} characters")]
    EmailTooLong,
    #[error("Enter an email address like name@example.com, or leave it empty")]
    EmailInvalid,
    #[error("That is already your email address")]
    EmailUnchanged,
    #[error("A username or email is at most {EMAIL_MAX_LENGTH} characters")]
    LoginTooLong,
    #[error("Enter the 6-digit code your authenticator app shows")]
    CodeInvalid,
    #[error("Enter one of your recovery codes, like abcde-23456")]
    RecoveryCodeInvalid,
    #[error("Name the passkey in 1 to 64 characters, e.g. \"Laptop\"")]
    PasskeyNameInvalid,
}

impl CredentialError {
    /// A short stable code, used to carry the error through a no-JavaScript redirect.
    pub fn code(self) -> &'static str {
        self.into()
    }

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

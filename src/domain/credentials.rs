//! Username, password and email, each parsed from raw form or JSON input exactly once.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The smallest and largest username, counted in characters after NFKC normalisation.
const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=32;
/// Raw input longer than this is refused before normalisation, which can expand text.
const USERNAME_MAX_RAW_CHARS: usize = 64;
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1024;
const EMAIL_MAX_CHARS: usize = 254;
const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// Which form field an error belongs to, so the page can show it next to that input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Username,
    Email,
    Password,
    ConfirmPassword,
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
    #[error("Username must be at least 3 characters")]
    UsernameTooShort,
    #[error("Username must be at most 32 characters")]
    UsernameTooLong,
    #[error("Username may only contain letters, digits, '_', '.' and '-'")]
    UsernameInvalidCharacter,
    #[error("Password must be at least 8 characters")]
    PasswordTooShort,
    #[error("Password must be at most 1024 characters")]
    PasswordTooLong,
    #[error("This password is too common. Choose one that is harder to guess.")]
    PasswordTooCommon,
    #[error("Passwords do not match")]
    PasswordMismatch,
    #[error("Email must be at most 254 characters")]
    EmailTooLong,
    #[error("Enter an email address like name@example.com, or leave it empty")]
    EmailInvalid,
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
            Self::PasswordTooShort | Self::PasswordTooLong | Self::PasswordTooCommon => {
                Field::Password
            }
            Self::PasswordMismatch => Field::ConfirmPassword,
            Self::EmailTooLong | Self::EmailInvalid => Field::Email,
        }
    }
}

/// A username as the person typed it (NFKC-normalised, surrounding spaces trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > USERNAME_MAX_RAW_CHARS {
            return Err(CredentialError::UsernameTooLong);
        }
        let normalised: String = trimmed.nfkc().collect();
        let length = normalised.chars().count();
        if length < *USERNAME_CHARS.start() {
            return Err(CredentialError::UsernameTooShort);
        }
        if length > *USERNAME_CHARS.end() {
            return Err(CredentialError::UsernameTooLong);
        }
        if !normalised
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(CredentialError::UsernameInvalidCharacter);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two usernames are compared in: case-folded, then NFKC again, so that
    /// names differing only by case or Unicode compatibility forms are one account.
    pub fn canonical_key(&self) -> String {
        caseless::default_case_fold_str(&self.0).nfkc().collect()
    }
}

/// A password: 8 to 1024 characters of any Unicode, never truncated, never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let length = raw.chars().count();
        if length < *PASSWORD_CHARS.start() {
            return Err(CredentialError::PasswordTooShort);
        }
        if length > *PASSWORD_CHARS.end() {
            return Err(CredentialError::PasswordTooLong);
        }
        Ok(Self(raw.to_owned()))
    }

    /// A new password and its confirmation must be the same text.
    pub fn parse_confirmed(raw: &str, confirmation: &str) -> Result<Self, CredentialError> {
        let password = Self::parse(raw)?;
        if raw != confirmation {
            return Err(CredentialError::PasswordMismatch);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// An email address checked for shape only: one `@`, a plausible local part and a
/// dotted domain name. Whether it is deliverable is not Keycard's concern yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// An empty field means "no email"; anything else must be a valid address.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, CredentialError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        Self::parse(trimmed).map(Some)
    }

    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        if raw.chars().count() > EMAIL_MAX_CHARS {
            return Err(CredentialError::EmailTooLong);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(CredentialError::EmailInvalid)?;
        if !is_valid_local_part(local) || !is_valid_domain(domain) {
            return Err(CredentialError::EmailInvalid);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    !local.is_empty()
        && local.chars().count() <= EMAIL_LOCAL_MAX_CHARS
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || SPECIALS.contains(c))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_keeps_its_case_but_compares_case_folded() {
        let upper = Username::parse("Alice").unwrap();
        let lower = Username::parse("alice").unwrap();
        assert_eq!(upper.as_str(), "Alice");
        assert_eq!(upper.canonical_key(), lower.canonical_key());
    }

    #[test]
    fn usernames_differing_only_by_unicode_compatibility_form_are_the_same() {
        let ohm_sign = Username::parse("\u{2126}mega").unwrap();
        let omega = Username::parse("\u{03a9}mega").unwrap();
        assert_eq!(ohm_sign.canonical_key(), omega.canonical_key());
        let sharp_s = Username::parse("straße").unwrap();
        let double_s = Username::parse("STRASSE").unwrap();
        assert_eq!(sharp_s.canonical_key(), double_s.canonical_key());
    }

    #[test]
    fn username_length_is_counted_in_characters_after_normalisation() {
        assert_eq!(
            Username::parse("ab"),
            Err(CredentialError::UsernameTooShort)
        );
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"é".repeat(32)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(33)),
            Err(CredentialError::UsernameTooLong)
        );
        assert_eq!(
            Username::parse(&"a".repeat(10_000)),
            Err(CredentialError::UsernameTooLong)
        );
    }

    #[test]
    fn usernames_refuse_spaces_symbols_and_invisible_characters() {
        for raw in [
            "al ice",
            "al'ice",
            "alice;--",
            "al\u{0}ice",
            "al\u{200b}ice",
            "al\u{202e}ice",
        ] {
            assert_eq!(
                Username::parse(raw),
                Err(CredentialError::UsernameInvalidCharacter),
                "{raw:?} was accepted"
            );
        }
        assert!(Username::parse("j.doe_42-x").is_ok());
    }

    #[test]
    fn passwords_are_between_8_and_1024_characters_and_never_truncated() {
        assert_eq!(
            Password::parse("short").unwrap_err(),
            CredentialError::PasswordTooShort
        );
        let long = "ü".repeat(1024);
        assert_eq!(Password::parse(&long).unwrap().expose(), long.as_bytes());
        assert_eq!(
            Password::parse(&"a".repeat(1025)).unwrap_err(),
            CredentialError::PasswordTooLong
        );
    }

    #[test]
    fn a_password_confirmation_must_match() {
        assert_eq!(
            Password::parse_confirmed("correct horse", "correct house").unwrap_err(),
            CredentialError::PasswordMismatch
        );
        assert!(Password::parse_confirmed("correct horse", "correct horse").is_ok());
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    #[test]
    fn email_is_optional_but_checked_when_given() {
        assert_eq!(Email::parse_optional("  ").unwrap(), None);
        assert!(Email::parse_optional("ada@example.com").unwrap().is_some());
        for raw in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa..mple.com",
        ] {
            assert_eq!(
                Email::parse_optional(raw),
                Err(CredentialError::EmailInvalid),
                "{raw:?} was accepted"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            Email::parse_optional(&long),
            Err(CredentialError::EmailTooLong)
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

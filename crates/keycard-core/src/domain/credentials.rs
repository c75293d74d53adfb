//! Username, password and email, each parsed from raw form or JSON input exactly once.
//! Their rules are the constants below and keycard-types' lengths, which the parsers match and the JSON API's
//! OpenAPI document publishes, so the document says exactly what the server accepts.

use std::sync::LazyLock;

use keycard_types::{CredentialError, EMAIL_MAX_LENGTH, PASSWORD_LENGTH, USERNAME_LENGTH};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// A whole username: letters and numbers of any script, `_`, `.` and `-` (Django's
/// Unicode username rule, without its `@` and `+`). Combining marks are left out: they
/// stack into unreadable names and hide variation selectors. Written so that the regex
/// crate and ECMAScript (JSON Schema's dialect) read it alike.
pub const USERNAME_PATTERN: &str = r"^[\p{L}\p{N}_.-]*$";
/// A dot-atom local part (RFC 5322: atext runs joined by single dots, atext taking
/// letters and numbers of any script), `@`, and a domain of two or more labels of
/// letters, numbers and inner hyphens, each at most 63 characters long.
pub const EMAIL_PATTERN: &str = concat!(
    r"^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*",
    r"@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?",
    r"(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$",
);
/// RFC 5321's limit of 64 characters before the `@`. A pattern of its own: a regular
/// expression without look-ahead cannot bound a whole dot-atom's length.
pub const EMAIL_LOCAL_PART_PATTERN: &str = r"^[^@]{1,64}@";

/// Each rule's compiled pattern. The patterns are constants that a unit test compiles;
/// should one ever fail to, nothing matches it, so input is refused rather than let in.
struct Rules {
    username: Option<Regex>,
    email: Option<Regex>,
    email_local_part: Option<Regex>,
    ignorable: Option<Regex>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| Rules {
    username: Regex::new(USERNAME_PATTERN).ok(),
    email: Regex::new(EMAIL_PATTERN).ok(),
    email_local_part: Regex::new(EMAIL_LOCAL_PART_PATTERN).ok(),
    ignorable: Regex::new(r"\p{Default_Ignorable_Code_Point}").ok(),
});

fn matches(rule: &Option<Regex>, text: &str) -> bool {
    rule.as_ref().is_some_and(|pattern| pattern.is_match(text))
}

/// A username exactly as it was given; accounts are told apart by its canonical key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// The username if it follows the rule.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let length = raw.chars().count();
        if length < *USERNAME_LENGTH.start() {
            return Err(CredentialError::UsernameTooShort);
        }
        if length > *USERNAME_LENGTH.end() {
            return Err(CredentialError::UsernameTooLong);
        }
        if !matches(&RULES.username, raw) {
            return Err(CredentialError::UsernameInvalidCharacter);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The username as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two usernames are compared in: NFKC, case-folded, NFKC again, and
    /// without default-ignorable characters (the Hangul fillers are letters, but
    /// invisible), so names that differ only by case, Unicode compatibility forms or
    /// invisible characters are one account and nobody can register a look-alike of a
    /// taken name.
    pub fn canonical_key(&self) -> String {
        let normalised: String = self.0.nfkc().collect();
        let folded: String = caseless::default_case_fold_str(&normalised)
            .nfkc()
            .collect();
        match &RULES.ignorable {
            Some(ignorable) => ignorable.replace_all(&folded, "").into_owned(),
            None => folded,
        }
    }
}

/// What someone typed into "Username or email": no longer than the longest address,
/// without the spaces around it. Which of the two it is, and whether any account has
/// it, is the core's to find out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    /// What was typed, trimmed, if no longer than the longest address.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > EMAIL_MAX_LENGTH {
            return Err(CredentialError::LoginTooLong);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// What was typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password: 8 to 1024 characters of any Unicode, never truncated, never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The password if it has 8 to 1024 characters.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let length = raw.chars().count();
        if length < *PASSWORD_LENGTH.start() {
            return Err(CredentialError::PasswordTooShort);
        }
        if length > *PASSWORD_LENGTH.end() {
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

    /// The password's bytes, for hashing only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// An email address checked for shape only (see [`EMAIL_PATTERN`]). Whether it is
/// deliverable is not Keycard's concern yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// An empty field means "no email"; anything else must be a valid address.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, CredentialError> {
        if raw.is_empty() {
            return Ok(None);
        }
        Self::parse(raw).map(Some)
    }

    /// The address if it has the shape of one.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        if raw.chars().count() > EMAIL_MAX_LENGTH {
            return Err(CredentialError::EmailTooLong);
        }
        if !matches(&RULES.email, raw) || !matches(&RULES.email_local_part, raw) {
            return Err(CredentialError::EmailInvalid);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two addresses are compared in when looking an account up: NFKC and
    /// case-folded. Strictly the part before the `@` may be case-sensitive, but no
    /// provider people use treats it so, and "Grace@" and "grace@" must not be two
    /// people's.
    pub fn lookup_key(&self) -> String {
        let normalised: String = self.0.nfkc().collect();
        caseless::default_case_fold_str(&normalised)
            .nfkc()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_trimmed_and_at_most_as_long_as_an_address() {
        assert_eq!(Login::parse("  ada ").unwrap().as_str(), "ada");
        assert!(Login::parse(&"a".repeat(EMAIL_MAX_LENGTH)).is_ok());
        assert_eq!(
            Login::parse(&"a".repeat(EMAIL_MAX_LENGTH + 1)),
            Err(CredentialError::LoginTooLong)
        );
    }

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
    fn a_look_alike_made_of_invisible_letters_is_the_same_name() {
        let plain = Username::parse("alice").unwrap();
        for disguised in ["\u{3164}alice", "ali\u{115F}ce", "alice\u{FFA0}"] {
            let disguised = Username::parse(disguised).unwrap();
            assert_eq!(disguised.canonical_key(), plain.canonical_key());
        }
    }

    #[test]
    fn a_username_is_kept_exactly_as_given() {
        let fullwidth = Username::parse("\u{FF41}lice").unwrap();
        assert_eq!(fullwidth.as_str(), "\u{FF41}lice");
        assert_eq!(fullwidth.canonical_key(), "alice");
    }

    #[test]
    fn username_length_is_counted_in_characters() {
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
    fn usernames_of_any_script_are_welcome() {
        for name in ["Ωmega", "李小龍", "Zoë_2", "Łódź", "o.brien--", "٣٤٥abc"] {
            assert!(Username::parse(name).is_ok(), "{name:?} was refused");
        }
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
        assert_eq!(Email::parse_optional("").unwrap(), None);
        for raw in [
            "ada@example.com",
            "o'brien+x@mail.example.co.uk",
            "j.doe@xn--bcher-kva.example",
            "zoë@bücher.example",
            "李@例え.テスト",
        ] {
            assert!(Email::parse_optional(raw).unwrap().is_some(), "{raw:?}");
        }
        for raw in [
            " ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa..mple.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@@example.com",
            " ada@example.com",
            "ada@example.com\n",
        ] {
            assert_eq!(
                Email::parse_optional(raw),
                Err(CredentialError::EmailInvalid),
                "{raw:?} was accepted"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(
            Email::parse(&long_local),
            Err(CredentialError::EmailInvalid)
        );
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(64))).is_ok());
        let long_label = format!("ada@{}.com", "b".repeat(64));
        assert_eq!(
            Email::parse(&long_label),
            Err(CredentialError::EmailInvalid)
        );
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            Email::parse_optional(&long),
            Err(CredentialError::EmailTooLong)
        );
    }

    #[test]
    fn every_rule_pattern_compiles() {
        for pattern in [USERNAME_PATTERN, EMAIL_PATTERN, EMAIL_LOCAL_PART_PATTERN] {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
        assert!(RULES.ignorable.is_some());
    }
}

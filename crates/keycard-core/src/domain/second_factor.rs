//! What someone types at the second step of a sign-in: a code from an authenticator
//! app, or one of their recovery codes. Spaces and dashes people copy along are dropped.
//! The patterns say the same for the API's document, in a dialect the regex crate and
//! ECMAScript read alike.

use keycard_types::CredentialError;

/// Digits in an authenticator app's code.
pub const TOTP_CODE_DIGITS: usize = 6;
/// Characters in a recovery code, without its dash.
pub const RECOVERY_CODE_CHARS: usize = 10;
/// What a recovery code is made of: letters and digits that cannot be mistaken for one
/// another when typed from paper.
pub const RECOVERY_CODE_ALPHABET: &str = "abcdefghjkmnpqrstuvwxyz23456789";
/// What a code looks like: six digits, spaces and dashes allowed around them.
pub const TOTP_CODE_PATTERN: &str = "^[ -]*(?:[0-9][ -]*){6}$";
/// What a recovery code looks like: ten letters and digits of the code alphabet, spaces and
/// dashes allowed.
pub const RECOVERY_CODE_PATTERN: &str = "^[ -]*(?:[a-hjkmnp-zA-HJKMNP-Z2-9][ -]*){10}$";

/// Six digits from an authenticator app. Whether they are right is the core's to say.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    /// The code if it is six digits once spaces and dashes are dropped.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let digits: String = raw.chars().filter(|c| !is_separator(*c)).collect();
        if digits.len() != TOTP_CODE_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CredentialError::CodeInvalid);
        }
        Ok(Self(digits))
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One of an account's single-use recovery codes, in the form it is hashed in:
/// lower case, without the dash.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// The recovery code if it has ten characters of the alphabet once spaces and dashes
    /// are dropped, in the form it is hashed in.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let letters: String = raw
            .chars()
            .filter(|c| !is_separator(*c))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if letters.chars().count() != RECOVERY_CODE_CHARS
            || !letters.chars().all(|c| RECOVERY_CODE_ALPHABET.contains(c))
        {
            return Err(CredentialError::RecoveryCodeInvalid);
        }
        Ok(Self(letters))
    }

    /// The code, lowercase, without its dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What someone calls a passkey, to tell it from their others: 1 to 64 characters, no
/// control characters, spaces around it dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

/// The longest name a passkey may have, in characters.
pub const PASSKEY_NAME_MAX_CHARS: usize = 64;

impl PasskeyName {
    /// The name, trimmed, if it has 1 to 64 characters.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 || length > PASSKEY_NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(CredentialError::PasskeyNameInvalid);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_separator(c: char) -> bool {
    c == ' ' || c == '-'
}

// Neither is ever printed: a code in a log is a code someone else can use.
impl std::fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCode([redacted])")
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patterns_accept_exactly_what_the_parsers_accept() {
        let totp = regex::Regex::new(TOTP_CODE_PATTERN).unwrap();
        let recovery = regex::Regex::new(RECOVERY_CODE_PATTERN).unwrap();
        for text in [
            "123456", " 123 456", "12-34-56", "12345", "1234567", "12345a", "123\t456",
        ] {
            assert_eq!(
                totp.is_match(text),
                TotpCode::parse(text).is_ok(),
                "{text:?}"
            );
        }
        for text in [
            "k7mq2-x9pfa",
            "K7MQ2X9PFA",
            " k7mq2 x9pfa ",
            "k7mq2-x9pf",
            "k7mq2-x9pfo",
            "k7mq2-x9pfa1",
        ] {
            assert_eq!(
                recovery.is_match(text),
                RecoveryCode::parse(text).is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_code_is_six_digits_however_it_was_spaced() {
        assert_eq!(TotpCode::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(TotpCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        for wrong in ["12345", "1234567", "12345a", "", "١٢٣٤٥٦", "123\t456"] {
            assert_eq!(
                TotpCode::parse(wrong),
                Err(CredentialError::CodeInvalid),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_recovery_code_is_read_in_any_case_with_or_without_its_dash() {
        let code = RecoveryCode::parse("K7MQ2-X9PFA").unwrap();
        assert_eq!(code.as_str(), "k7mq2x9pfa");
        assert_eq!(RecoveryCode::parse("k7mq2 x9pfa").unwrap(), code);
        for wrong in ["k7mq2-x9pf", "k7mq2-x9pfa1", "k7mq2-x9pf1", "k7mq2-x9pfo"] {
            assert_eq!(
                RecoveryCode::parse(wrong),
                Err(CredentialError::RecoveryCodeInvalid),
                "{wrong}"
            );
        }
    }
}

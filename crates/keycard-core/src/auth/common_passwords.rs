//! The passwords people pick most often, refused at sign-up because they fall to the
//! first guesses of any attack. The list is the 11,611 entries of 8 or more characters
//! from the frequency-ranked password list of zxcvbn 4.4.2 (MIT, Dropbox), drawn from
//! leaked password sets; shorter entries are left out because Keycard refuses passwords
//! under 8 characters anyway.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::domain::Password;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// Whether the password, ignoring case, is one of the common ones.
pub fn is_common_password(password: &Password) -> bool {
    let lowercase = String::from_utf8_lossy(password.expose()).to_lowercase();
    COMMON_PASSWORDS.contains(lowercase.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    #[test]
    fn the_list_is_large_and_only_holds_usable_lengths() {
        assert!(
            COMMON_PASSWORDS.len() >= 10_000,
            "{}",
            COMMON_PASSWORDS.len()
        );
        assert!(
            COMMON_PASSWORDS
                .iter()
                .all(|entry| entry.chars().count() >= 8)
        );
    }

    #[test]
    fn common_passwords_are_found_whatever_their_case() {
        assert!(is_common_password(&password("password")));
        assert!(is_common_password(&password("PassWord1")));
        assert!(is_common_password(&password("iloveyou")));
        assert!(!is_common_password(&password(
            "correct horse battery staple"
        )));
    }
}

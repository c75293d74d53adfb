//! The tokens in the links Keycard mails out: verify an address, reset a password.
//!
//! A token is a selector, which finds its stored row, and a verifier, which proves the
//! link; 128 random bits each (Paragon's split-token design). The database keeps only
//! a keyed hash of the verifier (HMAC-SHA-256 under a key made from the server secret,
//! with the purpose mixed in), compared in constant time: neither a copy of the
//! database nor the time a lookup takes gives anyone a link that works.

use std::time::Duration;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use super::redacted::Redacted;
use super::token::JwtSecret;
use super::users::{PasswordVersion, UserId};

const PART_BYTES: usize = 16;
/// A token as it appears in a link: 64 lowercase hex digits.
pub const LINK_TOKEN_LENGTH: usize = 4 * PART_BYTES;
/// What a link token looks like: 64 lowercase hex digits.
pub const LINK_TOKEN_PATTERN: &str = "^[0-9a-f]{64}$";
/// Keeps the link key apart from the other keys made from the same secret.
const LINK_KEY_LABEL: &[u8] = b"keycard mailed-link verifier v1";

/// What a link is for; a token made for one purpose is refused for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum LinkPurpose {
    /// Confirms an email address.
    VerifyEmail,
    /// Resets a forgotten password.
    ResetPassword,
}

impl LinkPurpose {
    /// The purpose's stable code, as stored.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// A link's token as the recipient holds it. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken {
    selector: [u8; PART_BYTES],
    verifier: [u8; PART_BYTES],
}

impl LinkToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; 2 * PART_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("no randomness for a link token: {e}"))?;
        let (selector, verifier) = bytes.split_at(PART_BYTES);
        Ok(Self {
            selector: selector.try_into()?,
            verifier: verifier.try_into()?,
        })
    }

    /// A token as a link carried it: exactly 64 lowercase hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() != LINK_TOKEN_LENGTH || raw.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut bytes = [0u8; 2 * PART_BYTES];
        hex::decode_to_slice(raw, &mut bytes).ok()?;
        let (selector, verifier) = bytes.split_at(PART_BYTES);
        Some(Self {
            selector: selector.try_into().ok()?,
            verifier: verifier.try_into().ok()?,
        })
    }

    /// The half the database looks the link up by.
    pub fn selector(&self) -> String {
        hex::encode(self.selector)
    }

    /// The token as it goes into the link: selector and verifier, hex.
    pub fn reveal(&self) -> String {
        format!("{}{}", self.selector(), hex::encode(self.verifier))
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken([redacted])")
    }
}

/// A link to remember until it is used or expires. `Debug` leaves the verifier's hash
/// out.
#[derive(Clone)]
pub struct NewLink {
    /// The public half, by which the link is looked up.
    pub selector: String,
    /// The keyed hash of the secret half: the only trace of it stored.
    pub verifier_hash: String,
    /// The account the link is for.
    pub user: UserId,
    /// What the link does.
    pub purpose: LinkPurpose,
    /// The address the link is mailed to: it works only while the account has it.
    pub email: String,
    /// For a reset: the password version it may replace, so any later password change
    /// makes it useless. For a verification, none.
    pub password_version: Option<PasswordVersion>,
    /// When it was made, in Unix seconds.
    pub created_at: i64,
    /// When it stops working, in Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for NewLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewLink")
            .field("selector", &self.selector)
            .field("verifier_hash", &Redacted)
            .field("user", &self.user)
            .field("purpose", &self.purpose)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A link as stored. `Debug` leaves the verifier's hash out.
#[derive(Clone)]
pub struct StoredLink {
    /// The account the link is for.
    pub user: UserId,
    /// The account's username, for the page the link opens.
    pub username: String,
    /// The purpose code stored; `None` for one this build does not know.
    pub purpose: Option<LinkPurpose>,
    /// The keyed hash of the link's secret half.
    pub verifier_hash: String,
    /// The address the link was mailed to.
    pub email: String,
    /// The account's password version now.
    pub password_version: PasswordVersion,
    /// When the link stops working, in Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for StoredLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredLink")
            .field("user", &self.user)
            .field("purpose", &self.purpose)
            .field("verifier_hash", &Redacted)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The key link verifiers are hashed with, and the one they were hashed with before
/// keys were derived with HKDF, so links mailed before still work.
pub struct LinkKey {
    current: [u8; 32],
    legacy: [u8; 32],
}

impl LinkKey {
    pub fn new(secret: &JwtSecret) -> anyhow::Result<Self> {
        Ok(Self {
            current: secret.derive_key(LINK_KEY_LABEL)?,
            legacy: secret.legacy_key(LINK_KEY_LABEL)?,
        })
    }

    fn mac(
        key: &[u8; 32],
        purpose: LinkPurpose,
        token: &LinkToken,
    ) -> anyhow::Result<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| anyhow::anyhow!("unusable HMAC key: {e}"))?;
        mac.update(purpose.code().as_bytes());
        mac.update(&[0]);
        mac.update(&token.verifier);
        Ok(mac)
    }

    /// What the database keeps of `token`.
    pub fn stored_hash(&self, purpose: LinkPurpose, token: &LinkToken) -> anyhow::Result<String> {
        Ok(hex::encode(
            Self::mac(&self.current, purpose, token)?
                .finalize()
                .into_bytes(),
        ))
    }

    /// Whether `token` is the one `stored` was made from, for `purpose`; the comparison
    /// takes the same time wherever the two first differ.
    pub fn matches(&self, purpose: LinkPurpose, token: &LinkToken, stored: &str) -> bool {
        let Ok(expected) = hex::decode(stored) else {
            return false;
        };
        [&self.current, &self.legacy].into_iter().any(|key| {
            Self::mac(key, purpose, token).is_ok_and(|mac| mac.verify_slice(&expected).is_ok())
        })
    }
}

/// How long mailed links work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLifetimes {
    /// How long a verification link works.
    pub verify_email: Duration,
    /// How long a password reset link works.
    pub reset_password: Duration,
}

impl Default for LinkLifetimes {
    /// A day to confirm an address; an hour to use a reset link, as OWASP suggests for
    /// a token that stands in for the password.
    fn default() -> Self {
        Self {
            verify_email: Duration::from_secs(24 * 60 * 60),
            reset_password: Duration::from_secs(60 * 60),
        }
    }
}

impl LinkLifetimes {
    pub(super) fn of(&self, purpose: LinkPurpose) -> Duration {
        match purpose {
            LinkPurpose::VerifyEmail => self.verify_email,
            LinkPurpose::ResetPassword => self.reset_password,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links mailed before keys were derived with HKDF were hashed with the key of
    /// before: they keep working until they expire; new ones use the new key.
    #[test]
    fn a_link_hashed_before_hkdf_still_matches() {
        let secret = JwtSecret::new(vec![3; 32]).unwrap();
        let key = LinkKey::new(&secret).unwrap();
        let token = LinkToken::generate().unwrap();
        let purpose = LinkPurpose::ResetPassword;
        let legacy = hex::encode(
            LinkKey::mac(&secret.legacy_key(LINK_KEY_LABEL).unwrap(), purpose, &token)
                .unwrap()
                .finalize()
                .into_bytes(),
        );
        assert!(key.matches(purpose, &token, &legacy));
        let current = key.stored_hash(purpose, &token).unwrap();
        assert_ne!(current, legacy);
        assert!(key.matches(purpose, &token, &current));
        assert!(!key.matches(LinkPurpose::VerifyEmail, &token, &current));
    }

    fn key(byte: u8) -> LinkKey {
        LinkKey::new(&JwtSecret::new(vec![byte; 32]).unwrap()).unwrap()
    }

    #[test]
    fn a_token_has_256_random_bits_round_trips_and_never_prints() {
        let token = LinkToken::generate().unwrap();
        let shown = token.reveal();
        assert_eq!(shown.len(), LINK_TOKEN_LENGTH);
        assert_eq!(LinkToken::parse(&shown), Some(token.clone()));
        assert!(shown.starts_with(&token.selector()));
        assert!(!format!("{token:?}").contains(&shown[..8]));
        assert_ne!(LinkToken::generate().unwrap(), token);
        for bad in [shown.to_uppercase(), shown[1..].to_owned(), "z".repeat(64)] {
            assert_eq!(LinkToken::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_token_its_purpose_and_the_key_match_the_stored_hash() {
        let token = LinkToken::generate().unwrap();
        let stored = key(1)
            .stored_hash(LinkPurpose::ResetPassword, &token)
            .unwrap();
        assert!(!stored.contains(&token.reveal()[32..]));
        assert!(key(1).matches(LinkPurpose::ResetPassword, &token, &stored));
        assert!(!key(1).matches(LinkPurpose::VerifyEmail, &token, &stored));
        assert!(!key(2).matches(LinkPurpose::ResetPassword, &token, &stored));
        let mut other = LinkToken::generate().unwrap();
        other.selector = token.selector;
        assert!(!key(1).matches(LinkPurpose::ResetPassword, &other, &stored));
        assert!(!key(1).matches(LinkPurpose::ResetPassword, &token, "not hex"));
    }
}

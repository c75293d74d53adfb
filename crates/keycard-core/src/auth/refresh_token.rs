//! Refresh tokens: 256 random bits, stored only as their SHA-256 fingerprint.
//!
//! Each token's successor is derived from it with a server-side key (HMAC-SHA-256), not
//! drawn at random. So when two requests present the same token at once (two tabs, a
//! retried request), the one that loses the race can be handed the very token the
//! winner got, without the server ever storing a token it could leak: the "race, not
//! theft" answer within the reuse grace period.

use sha2::{Digest as _, Sha256};

use super::keyed_hash::hmac_sha256;
use super::token::JwtSecret;

const TOKEN_BYTES: usize = 32;
/// A token as clients see it: 64 lowercase hex digits.
pub const REFRESH_TOKEN_LENGTH: usize = 2 * TOKEN_BYTES;
/// What a refresh token looks like: 64 lowercase hex digits.
pub const REFRESH_TOKEN_PATTERN: &str = "^[0-9a-f]{64}$";
/// Keeps the successor key apart from the JWT signing key made from the same secret.
const SUCCESSOR_KEY_LABEL: &[u8] = b"keycard refresh-token successor v1";

/// A refresh token as the client holds it. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken([u8; TOKEN_BYTES]);

/// The key successors are derived with.
pub struct SuccessorKey([u8; 32]);

impl SuccessorKey {
    pub fn new(secret: &JwtSecret) -> anyhow::Result<Self> {
        secret.derive_key(SUCCESSOR_KEY_LABEL).map(Self)
    }
}

impl RefreshToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("no randomness for a refresh token: {e}"))?;
        Ok(Self(bytes))
    }

    /// A token as a client sent it: exactly 64 lowercase hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() != REFRESH_TOKEN_LENGTH || raw.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut bytes = [0u8; TOKEN_BYTES];
        hex::decode_to_slice(raw, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// The token that replaces this one when it is used.
    pub fn successor(&self, key: &SuccessorKey) -> anyhow::Result<Self> {
        hmac_sha256(&key.0, &self.0).map(Self)
    }

    /// What the database keeps: enough to recognise the token, useless to present.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }

    /// The token as the client holds it, hex.
    pub fn reveal(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SuccessorKey {
        SuccessorKey::new(&JwtSecret::new(vec![byte; 32]).unwrap()).unwrap()
    }

    #[test]
    fn a_token_round_trips_and_never_prints() {
        let token = RefreshToken::generate().unwrap();
        assert_eq!(RefreshToken::parse(&token.reveal()), Some(token.clone()));
        assert!(!format!("{token:?}").contains(&token.reveal()[..8]));
        assert_ne!(RefreshToken::generate().unwrap(), token);
    }

    #[test]
    fn only_64_lowercase_hex_digits_parse() {
        let token = RefreshToken::generate().unwrap().reveal();
        for bad in [
            token.to_uppercase(),
            token[1..].to_owned(),
            format!("{token}0"),
            "z".repeat(64),
            String::new(),
        ] {
            assert_eq!(RefreshToken::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_successor_is_fixed_by_the_token_and_the_key_alone() {
        let token = RefreshToken::generate().unwrap();
        let next = token.successor(&key(1)).unwrap();
        assert_eq!(token.successor(&key(1)).unwrap(), next);
        assert_ne!(next, token);
        assert_ne!(token.successor(&key(2)).unwrap(), next);
        assert_ne!(next.successor(&key(1)).unwrap(), next);
    }

    #[test]
    fn the_fingerprint_is_not_the_token() {
        let token = RefreshToken::generate().unwrap();
        assert_eq!(token.fingerprint().len(), 64);
        assert_ne!(token.fingerprint(), token.reveal());
    }
}

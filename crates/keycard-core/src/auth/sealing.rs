//! Authenticated encryption for what the server hands out or stores and must get back
//! unread and unchanged: XChaCha20-Poly1305 under a key derived from the server secret
//! for one purpose, with a fresh random nonce each time and associated data that binds
//! the sealed bytes to their context (an account, a ceremony's kind).

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::token::JwtSecret;

const NONCE_BYTES: usize = 24;

/// A key for one purpose.
pub struct SealingKey([u8; 32]);

impl SealingKey {
    /// The key for `label`'s purpose, derived from the server secret.
    pub fn derive(secret: &JwtSecret, label: &[u8]) -> anyhow::Result<Self> {
        secret.derive_key(label).map(Self)
    }

    /// The key `label` had before HKDF, to open what was sealed with it.
    pub fn legacy(secret: &JwtSecret, label: &[u8]) -> anyhow::Result<Self> {
        secret.legacy_key(label).map(Self)
    }

    fn cipher(&self) -> anyhow::Result<XChaCha20Poly1305> {
        XChaCha20Poly1305::new_from_slice(&self.0)
            .map_err(|e| anyhow::anyhow!("unusable sealing key: {e}"))
    }

    /// `message` sealed for `context`, as hex: the nonce, then the ciphertext and tag.
    pub fn seal(&self, context: &[u8], message: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let nonce = XNonce::try_from(&nonce[..])
            .map_err(|_| anyhow::anyhow!("a nonce of the wrong length"))?;
        let sealed = self
            .cipher()?
            .encrypt(
                &nonce,
                Payload {
                    msg: message,
                    aad: context,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        Ok(format!("{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// What `sealed` holds, if this key sealed it for `context` and nobody changed it.
    pub fn open(&self, context: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher()
            .ok()?
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

//! HMAC-SHA-256, the one keyed hash the core derives values with: refresh-token
//! successors, token keys from the secret, and recovery-code fingerprints.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// `message` under `key`.
pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> anyhow::Result<[u8; 32]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| anyhow::anyhow!("unusable HMAC key: {e}"))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

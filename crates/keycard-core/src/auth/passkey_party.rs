//! The relying party of passkey (WebAuthn) ceremonies: this site as WebAuthn names it,
//! and the sealing of each ceremony's state into the browser's hands, to come back
//! unread and unchanged. Only with the `passkeys` feature.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use super::error::AuthError;
use super::sealing::SealingKey;
use super::token::JwtSecret;

/// How long a ceremony may take, from the options to the authenticator's answer.
const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);
const CEREMONY_KEY_LABEL: &[u8] = b"keycard webauthn ceremony v1";
pub(super) const REGISTRATION: &[u8] = b"registration";
pub(super) const AUTHENTICATION: &[u8] = b"authentication";

/// The relying party: this site, as WebAuthn names it (the RP ID is the public
/// origin's host, which must be a domain name), and the key ceremonies are sealed with.
pub struct PasskeyRelyingParty {
    pub(super) webauthn: Webauthn,
    ceremonies: SealingKey,
}

impl PasskeyRelyingParty {
    /// The relying party of `origin`; an error if WebAuthn cannot work there (an IP
    /// address, for one: browsers refuse it as an RP ID).
    pub fn new(origin: &str, secret: &JwtSecret) -> anyhow::Result<Self> {
        let origin = Url::parse(origin)?;
        let host = origin
            .domain()
            .ok_or_else(|| anyhow::anyhow!("{origin} has no domain name for an RP ID"))?
            .to_owned();
        let webauthn = WebauthnBuilder::new(&host, &origin)?
            .rp_name("Keycard")
            .timeout(CEREMONY_LIFETIME)
            .build()?;
        Ok(Self {
            webauthn,
            ceremonies: SealingKey::derive(secret, CEREMONY_KEY_LABEL)?,
        })
    }

    /// `ceremony`, sealed for the browser to hand back.
    pub(super) fn seal<S: Serialize>(
        &self,
        kind: &[u8],
        ceremony: &Ceremony<S>,
    ) -> Result<String, AuthError> {
        let bytes = serde_json::to_vec(ceremony).map_err(anyhow::Error::from)?;
        Ok(self.ceremonies.seal(kind, &bytes)?)
    }

    /// The ceremony `sealed` holds, if it is one of ours of this kind and still good.
    pub(super) fn open<S: for<'de> Deserialize<'de>>(
        &self,
        kind: &[u8],
        sealed: &str,
    ) -> Result<Ceremony<S>, AuthError> {
        let ceremony: Ceremony<S> = self
            .ceremonies
            .open(kind, sealed)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(AuthError::PasskeyRefused)?;
        if ceremony.expires_at < OffsetDateTime::now_utc().unix_timestamp() {
            return Err(AuthError::PasskeyRefused);
        }
        Ok(ceremony)
    }
}

/// When a ceremony begun now stops being good, as sealed into it.
pub(super) fn expiry() -> i64 {
    (OffsetDateTime::now_utc() + CEREMONY_LIFETIME).unix_timestamp()
}

/// A ceremony in flight, as sealed into the browser's hands.
#[derive(Serialize, Deserialize)]
pub(super) struct Ceremony<S> {
    /// Spent (like a revoked token id) when the ceremony finishes, so it finishes once.
    pub(super) id: String,
    pub(super) expires_at: i64,
    /// The account adding a passkey; none for a sign-in, where the passkey says whose.
    pub(super) user: Option<i64>,
    pub(super) state: S,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party() -> PasskeyRelyingParty {
        PasskeyRelyingParty::new(
            "http://localhost:3000",
            &JwtSecret::new(vec![9; 32]).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_sealed_ceremony_opens_only_unchanged_for_its_kind_and_in_time() {
        let party = party();
        let ceremony = |expires_at| Ceremony {
            id: "one".to_owned(),
            expires_at,
            user: Some(7),
            state: "state".to_owned(),
        };
        let sealed = party.seal(REGISTRATION, &ceremony(expiry())).unwrap();
        let opened: Ceremony<String> = party.open(REGISTRATION, &sealed).unwrap();
        assert_eq!((opened.user, opened.state.as_str()), (Some(7), "state"));
        assert!(
            party.open::<String>(AUTHENTICATION, &sealed).is_err(),
            "another kind"
        );
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(party.open::<String>(REGISTRATION, &tampered).is_err());
        let stale = party.seal(REGISTRATION, &ceremony(expiry() - 301)).unwrap();
        assert!(party.open::<String>(REGISTRATION, &stale).is_err());
    }
}

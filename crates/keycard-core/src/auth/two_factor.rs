//! Two-step sign-in with an authenticator app (TOTP, RFC 6238): the secret, its codes
//! and their replay rule, the recovery codes, and how the secret is kept at rest.
//!
//! Codes are 6 digits over 30-second steps, one step of clock skew either side
//! (totp-rs, which compares in constant time). A code is accepted at most once: the
//! caller stores the step that matched and refuses any step not later than it
//! (RFC 6238 §5.2). The secret is stored encrypted (XChaCha20-Poly1305 under a key
//! derived from the server secret, bound to the account's id), so a copy of the
//! database alone cannot mint codes.

use std::time::Duration;

use anyhow::Context as _;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
#[cfg(feature = "two-factor")]
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::keyed_hash::hmac_sha256;
use super::random_id::{is_random_id, random_id};
use super::redacted::Redacted;
use super::sealing::SealingKey;
use super::sessions::SignedIn;
use super::token::JwtSecret;
use super::users::{PasswordVersion, UserId};
use crate::domain::{RECOVERY_CODE_ALPHABET, RECOVERY_CODE_CHARS, RecoveryCode, TotpCode};

const SECRET_BYTES: usize = 20;
#[cfg(feature = "two-factor")]
const DIGITS: u8 = 6;
#[cfg(feature = "two-factor")]
const STEP_SECONDS: u64 = 30;
#[cfg(feature = "two-factor")]
const SKEW_STEPS: u16 = 1;
#[cfg(feature = "two-factor")]
const ISSUER: &str = "Keycard";
/// How many recovery codes an account gets, each usable once.
pub const RECOVERY_CODES: usize = 10;
const SECRET_KEY_LABEL: &[u8] = b"keycard totp secret at rest v1";
const RECOVERY_KEY_LABEL: &[u8] = b"keycard recovery codes v1";
const CHALLENGE_KEY_LABEL: &[u8] = b"keycard two-step challenge v1";
const PENDING_RESET_KEY_LABEL: &[u8] = b"keycard reset waiting for its second step v1";
/// A challenge is never an access token: another key, and another audience.
const CHALLENGE_AUDIENCE: &str = "keycard-two-step";
const CHALLENGE_ISSUER: &str = "keycard";
/// Room for a sealed pending reset (a link selector and an argon2 hash) besides the claims.
const MAX_CHALLENGE_BYTES: usize = 2048;

/// An account's two-step settings as stored. `Debug` leaves the sealed secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredTwoFactor {
    /// The app's secret, sealed under a key derived from the server secret.
    pub sealed_secret: String,
    /// Confirmed with a code; until then, logins do not ask for one.
    pub enabled: bool,
    /// While it is being turned on, the session that started it: the only one that may
    /// see the secret waiting for its first code, or confirm it.
    pub staged_in: Option<String>,
    /// How many recovery codes are left unused.
    pub recovery_codes_left: usize,
}

impl std::fmt::Debug for StoredTwoFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTwoFactor")
            .field("sealed_secret", &Redacted)
            .field("enabled", &self.enabled)
            .field("staged_in", &self.staged_in.as_ref().map(|_| Redacted))
            .field("recovery_codes_left", &self.recovery_codes_left)
            .finish()
    }
}

/// What answers a second step, in the form storage spends it. `Debug` leaves a recovery
/// code's hash out.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactorProof {
    /// The time step a code from the app matched; spent if later than the last one.
    Step(u64),
    /// The keyed hashes a recovery code may be stored under (the current key's, and
    /// the one before HKDF's); spent if the account has it unused.
    RecoveryCode {
        /// The code's keyed hash, and its hash as made before HKDF.
        hashes: [String; 2],
    },
}

impl std::fmt::Debug for SecondFactorProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Step(step) => f.debug_tuple("Step").field(step).finish(),
            Self::RecoveryCode { .. } => f
                .debug_struct("RecoveryCode")
                .field("hashes", &Redacted)
                .finish(),
        }
    }
}

/// How spending a second step's answer turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorSpend {
    /// The answer was right and is now spent.
    Spent,
    /// A code used before (or an unknown or used recovery code), or two-step is off.
    Rejected,
    /// The login attempt the challenge stood for has already finished.
    ChallengeSpent,
    /// The session to start with it cannot be (the password changed since it was
    /// checked, or the account is gone): nothing was spent.
    SessionRefused,
}

/// An authenticator app's shared secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// 160 random bits, the length RFC 4226 recommends for HMAC-SHA-1.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("no randomness for a TOTP secret: {e}"))?;
        Ok(Self(bytes))
    }

    #[cfg(feature = "two-factor")]
    fn totp(&self, account: &str) -> anyhow::Result<Totp> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(Secret::from(self.0.clone()))
            .with_issuer(Some(ISSUER))
            .with_account_name(account.replace(':', "_"))
            .build()
            .map_err(|e| anyhow::anyhow!("unusable TOTP settings: {e}"))
    }

    /// The secret as people type it into an app: base32.
    #[cfg(feature = "two-factor")]
    pub fn to_base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    /// The `otpauth://` URL a QR code carries, naming the issuer and `account`.
    #[cfg(feature = "two-factor")]
    pub fn otpauth_url(&self, account: &str) -> anyhow::Result<String> {
        self.totp(account)?
            .to_url()
            .map_err(|e| anyhow::anyhow!("no otpauth URL: {e}"))
    }

    /// The step `code` is right for at `unix_seconds`, within one step either side.
    #[cfg(feature = "two-factor")]
    pub fn matching_step(&self, code: &TotpCode, unix_seconds: u64) -> Option<u64> {
        self.totp("").ok()?.check(code.as_str(), unix_seconds)
    }

    /// Without the `two-factor` feature no code is ever right.
    #[cfg(not(feature = "two-factor"))]
    pub fn matching_step(&self, _code: &TotpCode, _unix_seconds: u64) -> Option<u64> {
        None
    }

    #[cfg(feature = "two-factor")]
    fn code_at(&self, unix_seconds: u64) -> Option<String> {
        Some(self.totp("").ok()?.generate(unix_seconds).to_string())
    }
}

/// The code an authenticator app holding the base32 `secret` (as [`TotpSetup`] hands it
/// out) shows at `unix_seconds`: what a test of a host app types at the second step.
/// `None` for a secret that is not base32.
///
/// [`TotpSetup`]: super::TotpSetup
#[cfg(feature = "two-factor")]
pub fn code_for(secret: &str, unix_seconds: u64) -> Option<TotpCode> {
    let bytes = Secret::try_from_base32(secret).ok()?.as_bytes().to_vec();
    TotpCode::parse(&TotpSecret(bytes).code_at(unix_seconds)?).ok()
}

/// The keys of two-step sign-in, each derived from the server secret for one use: the
/// one TOTP secrets are kept under, the one recovery codes are hashed with, and the one
/// that signs the challenges between a login's password and its code.
pub struct TwoFactorKeys {
    secret_key: SealingKey,
    /// What app secrets were sealed with before keys were derived with HKDF.
    legacy_secret_key: SealingKey,
    pending_reset_key: SealingKey,
    recovery_key: [u8; 32],
    legacy_recovery_key: [u8; 32],
    challenge_encoding: EncodingKey,
    challenge_decoding: DecodingKey,
    challenge_validation: Validation,
}

/// What a login that needs its second step gets instead of a session: a signed token
/// naming the account and the password version that was checked, good for a few
/// minutes and spent once it succeeds. `Debug` leaves the token out.
pub struct TwoStepChallenge {
    /// The signed challenge the client sends back with the code.
    pub token: String,
    /// When the challenge stops working.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for TwoStepChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoStepChallenge")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A challenge whose signature and lifetime checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChallenge {
    pub user: UserId,
    pub checked: PasswordVersion,
    pub id: String,
    pub expires_at: OffsetDateTime,
    /// For the second step of a reset by mailed link: the new password, applied only
    /// once the step succeeds.
    pub pending_reset: Option<PendingReset>,
}

/// What a reset by mailed link does to the account's two-step sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoStepAfterReset {
    /// Left as it is: off, or on and passed for this reset.
    Kept,
    /// Turned off, because its secret no longer opens: without that the owner could
    /// never sign in again.
    TurnedOff,
}

/// A new password set with a reset link, waiting for the account's second step: the
/// link (by its selector) and the new password's hash. It travels inside the challenge,
/// sealed, so nothing about the account changes before the code. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingReset {
    /// The reset link's selector, spent with the second step.
    pub selector: String,
    /// The new password's hash, stored by the second step.
    pub password_hash: String,
}

impl std::fmt::Debug for PendingReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PendingReset").field(&Redacted).finish()
    }
}

#[derive(Serialize, Deserialize)]
struct ChallengeClaims {
    sub: String,
    /// The password version the first step checked.
    pv: i64,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    iss: String,
    aud: String,
    /// A [`PendingReset`], sealed for this challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rst: Option<String>,
}

impl TwoFactorKeys {
    pub fn new(secret: &JwtSecret) -> anyhow::Result<Self> {
        let challenge_key = secret.derive_key(CHALLENGE_KEY_LABEL)?;
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_issuer(&[CHALLENGE_ISSUER]);
        validation.set_audience(&[CHALLENGE_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        Ok(Self {
            secret_key: SealingKey::derive(secret, SECRET_KEY_LABEL)?,
            legacy_secret_key: SealingKey::legacy(secret, SECRET_KEY_LABEL)?,
            pending_reset_key: SealingKey::derive(secret, PENDING_RESET_KEY_LABEL)?,
            recovery_key: secret.derive_key(RECOVERY_KEY_LABEL)?,
            legacy_recovery_key: secret.legacy_key(RECOVERY_KEY_LABEL)?,
            challenge_encoding: EncodingKey::from_secret(&challenge_key)
                .context("unusable challenge key")?,
            challenge_decoding: DecodingKey::from_secret(&challenge_key)
                .context("unusable challenge key")?,
            challenge_validation: validation,
        })
    }

    /// A challenge for `user`, whose password (version `checked`) was right at `now`,
    /// or whose reset link was, carrying the new password as `pending_reset`.
    pub fn issue_challenge(
        &self,
        user: UserId,
        checked: PasswordVersion,
        lifetime: Duration,
        now: OffsetDateTime,
        pending_reset: Option<&PendingReset>,
    ) -> anyhow::Result<TwoStepChallenge> {
        let expires_at = now + lifetime;
        let jti = random_id()?;
        let rst = pending_reset
            .map(|reset| {
                let message = format!("{}\n{}", reset.selector, reset.password_hash);
                self.pending_reset_key
                    .seal(&reset_context(user, &jti), message.as_bytes())
            })
            .transpose()?;
        let claims = ChallengeClaims {
            sub: user.0.to_string(),
            pv: checked.0,
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
            exp: expires_at.unix_timestamp(),
            jti,
            iss: CHALLENGE_ISSUER.to_owned(),
            aud: CHALLENGE_AUDIENCE.to_owned(),
            rst,
        };
        let token = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &self.challenge_encoding,
        )
        .context("signing a two-step challenge failed")?;
        Ok(TwoStepChallenge { token, expires_at })
    }

    /// The challenge `token` carries, if it is one of ours and has not expired.
    pub fn verify_challenge(&self, token: &str) -> Option<VerifiedChallenge> {
        if token.len() > MAX_CHALLENGE_BYTES {
            return None;
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header != Header::new(jsonwebtoken::Algorithm::HS256) {
            return None;
        }
        let claims = jsonwebtoken::decode::<ChallengeClaims>(
            token,
            &self.challenge_decoding,
            &self.challenge_validation,
        )
        .ok()?
        .claims;
        if !is_random_id(&claims.jti) {
            return None;
        }
        let user = UserId(claims.sub.parse().ok()?);
        let pending_reset = match &claims.rst {
            Some(sealed) => {
                let opened = self
                    .pending_reset_key
                    .open(&reset_context(user, &claims.jti), sealed)?;
                let (selector, password_hash) =
                    std::str::from_utf8(&opened).ok()?.split_once('\n')?;
                Some(PendingReset {
                    selector: selector.to_owned(),
                    password_hash: password_hash.to_owned(),
                })
            }
            None => None,
        };
        Some(VerifiedChallenge {
            user,
            checked: PasswordVersion(claims.pv),
            id: claims.jti,
            expires_at: OffsetDateTime::from_unix_timestamp(claims.exp).ok()?,
            pending_reset,
        })
    }

    /// What the database keeps of `user`'s secret: sealed, and bound to the account.
    pub fn seal(&self, user: UserId, secret: &TotpSecret) -> anyhow::Result<String> {
        self.secret_key.seal(&user.0.to_be_bytes(), &secret.0)
    }

    /// The secret `stored` holds for `user`; `None` if it was sealed for another account
    /// or under another server secret, or has been tampered with.
    pub fn open(&self, user: UserId, stored: &str) -> Option<TotpSecret> {
        let context = user.0.to_be_bytes();
        self.secret_key
            .open(&context, stored)
            .or_else(|| self.legacy_secret_key.open(&context, stored))
            .map(TotpSecret)
    }

    /// What the database keeps of a recovery code: a keyed hash of its parsed form, so
    /// a copy of the database alone cannot be checked against guesses.
    pub fn recovery_hash(&self, code: &RecoveryCode) -> anyhow::Result<String> {
        hmac_sha256(&self.recovery_key, code.as_str().as_bytes()).map(hex::encode)
    }

    /// What a recovery code typed at the second step is looked for under: its hash, and
    /// the hash codes made before keys were derived with HKDF were stored under.
    pub fn recovery_proof(&self, code: &RecoveryCode) -> anyhow::Result<SecondFactorProof> {
        let legacy = hmac_sha256(&self.legacy_recovery_key, code.as_str().as_bytes())?;
        Ok(SecondFactorProof::RecoveryCode {
            hashes: [self.recovery_hash(code)?, hex::encode(legacy)],
        })
    }
}

/// What a pending reset is sealed for: one challenge of one account.
fn reset_context(user: UserId, challenge_id: &str) -> Vec<u8> {
    format!("{}:{challenge_id}", user.0).into_bytes()
}

/// A fresh set of recovery codes as shown once, e.g. `k7mq2-x9pfa`: about 50 random
/// bits each, from an alphabet without look-alike characters.
pub fn generate_recovery_codes() -> anyhow::Result<Vec<String>> {
    let alphabet = RECOVERY_CODE_ALPHABET.as_bytes();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_CODE_CHARS];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            // 256 is not a multiple of the alphabet's 31 letters; the modulo's bias is
            // under 1% per character, and the codes are single use behind the login's
            // limits.
            let letters: String = bytes
                .iter()
                .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
                .collect();
            Ok(format!("{}-{}", &letters[..5], &letters[5..]))
        })
        .collect()
}

/// How long the second step of a login may take, unless configured otherwise.
pub const DEFAULT_TWO_STEP_LIFETIME: Duration = Duration::from_secs(300);

/// What a login leads to: a session, or the second step for an account with two-step
/// sign-in on.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in.
    SignedIn(SignedIn),
    /// The password was right; a second step is needed.
    TwoStepRequired(TwoStepChallenge),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-step secrets and recovery codes stored before keys were derived with HKDF
    /// keep working: an upgrade must not lock anyone out of their second step.
    #[test]
    fn what_was_sealed_and_hashed_before_hkdf_still_opens_and_matches() {
        let secret = JwtSecret::new(vec![1; 32]).unwrap();
        let keys = TwoFactorKeys::new(&secret).unwrap();
        let app_secret = TotpSecret::generate().unwrap();
        let user = UserId(7);
        let legacy_sealed = SealingKey::legacy(&secret, SECRET_KEY_LABEL)
            .unwrap()
            .seal(&user.0.to_be_bytes(), &app_secret.0)
            .unwrap();
        assert_eq!(keys.open(user, &legacy_sealed), Some(app_secret.clone()));
        assert_eq!(keys.open(UserId(8), &legacy_sealed), None);
        let sealed = keys.seal(user, &app_secret).unwrap();
        assert!(
            SealingKey::legacy(&secret, SECRET_KEY_LABEL)
                .unwrap()
                .open(&user.0.to_be_bytes(), &sealed)
                .is_none(),
            "new seals use the HKDF key"
        );

        let code = RecoveryCode::parse("k7mq2-x9pfa").unwrap();
        let legacy_hash = hex::encode(
            hmac_sha256(
                &secret.legacy_key(RECOVERY_KEY_LABEL).unwrap(),
                code.as_str().as_bytes(),
            )
            .unwrap(),
        );
        let SecondFactorProof::RecoveryCode { hashes } = keys.recovery_proof(&code).unwrap() else {
            panic!("a recovery code's proof");
        };
        assert_eq!(hashes, [keys.recovery_hash(&code).unwrap(), legacy_hash]);
        assert_ne!(hashes[0], hashes[1]);
    }

    /// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" and its 8-digit
    /// codes; totp-rs computes them, and six digits are their last six.
    #[cfg(feature = "two-factor")]
    #[test]
    fn codes_follow_the_rfc_6238_test_vectors() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                secret.code_at(time).unwrap(),
                &eight_digits[2..],
                "at {time}"
            );
        }
    }

    #[cfg(feature = "two-factor")]
    #[test]
    fn a_code_is_good_one_step_either_side_and_says_which_step() {
        let secret = TotpSecret::generate().unwrap();
        let now = 1_800_000_000;
        let code = TotpCode::parse(&secret.code_at(now).unwrap()).unwrap();
        assert_eq!(secret.matching_step(&code, now), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now + 30), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now - 30), Some(now / 30));
        assert_eq!(secret.matching_step(&code, now + 60), None);
        let other = TotpCode::parse(&secret.code_at(now + 90).unwrap()).unwrap();
        assert_eq!(secret.matching_step(&other, now), None);
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_and_key() {
        let keys = TwoFactorKeys::new(&JwtSecret::new(vec![1; 32]).unwrap()).unwrap();
        let other = TwoFactorKeys::new(&JwtSecret::new(vec![2; 32]).unwrap()).unwrap();
        let secret = TotpSecret::generate().unwrap();
        let sealed = keys.seal(UserId(7), &secret).unwrap();
        assert!(!sealed.contains(&hex::encode(&secret.0)));
        assert_eq!(keys.open(UserId(7), &sealed), Some(secret.clone()));
        assert_eq!(keys.open(UserId(8), &sealed), None);
        assert_eq!(other.open(UserId(7), &sealed), None);
        assert_eq!(keys.open(UserId(7), "00"), None);
        assert_ne!(
            keys.seal(UserId(7), &secret).unwrap(),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn recovery_codes_are_distinct_readable_and_hash_the_same_however_typed() {
        let keys = TwoFactorKeys::new(&JwtSecret::new(vec![1; 32]).unwrap()).unwrap();
        let codes = generate_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 11);
        let hash_of = |typed: &str| {
            keys.recovery_hash(&RecoveryCode::parse(typed).unwrap())
                .unwrap()
        };
        let hash = hash_of(code);
        assert_eq!(hash_of(&code.to_uppercase()), hash);
        assert_eq!(hash_of(&code.replace('-', " ")), hash);
        assert_ne!(hash_of(&codes[1]), hash);
    }

    #[test]
    fn a_challenge_checks_out_only_with_its_key_and_before_it_expires() {
        let keys = TwoFactorKeys::new(&JwtSecret::new(vec![1; 32]).unwrap()).unwrap();
        let other = TwoFactorKeys::new(&JwtSecret::new(vec![2; 32]).unwrap()).unwrap();
        let now = OffsetDateTime::now_utc();
        let lifetime = Duration::from_secs(300);
        let challenge = keys
            .issue_challenge(UserId(7), PasswordVersion(3), lifetime, now, None)
            .unwrap();
        let verified = keys.verify_challenge(&challenge.token).unwrap();
        assert_eq!(verified.user, UserId(7));
        assert_eq!(verified.checked, PasswordVersion(3));
        assert_eq!(verified.pending_reset, None);
        assert!(other.verify_challenge(&challenge.token).is_none());
        let stale = keys
            .issue_challenge(
                UserId(7),
                PasswordVersion(3),
                lifetime,
                now - time::Duration::seconds(301),
                None,
            )
            .unwrap();
        assert!(keys.verify_challenge(&stale.token).is_none());
        let access = crate::auth::TokenKeys::new(&JwtSecret::new(vec![1; 32]).unwrap(), lifetime)
            .unwrap()
            .issue_token(UserId(7), &crate::auth::SessionId::generate().unwrap(), now)
            .unwrap();
        assert!(
            keys.verify_challenge(&access.token).is_none(),
            "an access token is no challenge"
        );
    }

    #[test]
    fn a_pending_reset_travels_sealed_and_opens_only_in_its_own_challenge() {
        let keys = TwoFactorKeys::new(&JwtSecret::new(vec![1; 32]).unwrap()).unwrap();
        let reset = PendingReset {
            selector: "abcdefghijklmnopqrstuv".to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".to_owned(),
        };
        let challenge = keys
            .issue_challenge(
                UserId(7),
                PasswordVersion(3),
                Duration::from_secs(300),
                OffsetDateTime::now_utc(),
                Some(&reset),
            )
            .unwrap();
        assert!(!challenge.token.contains("argon2"));
        let verified = keys.verify_challenge(&challenge.token).unwrap();
        assert_eq!(verified.pending_reset, Some(reset));
        assert_eq!(
            format!("{:?}", verified.pending_reset),
            "Some(PendingReset([redacted]))"
        );
    }

    #[cfg(feature = "two-factor")]
    #[test]
    fn the_otpauth_url_names_keycard_and_the_account_never_the_raw_bytes() {
        let secret = TotpSecret::generate().unwrap();
        let url = secret.otpauth_url("grace").unwrap();
        assert!(url.starts_with("otpauth://totp/Keycard:grace?"), "{url}");
        assert!(url.contains(&format!("secret={}", secret.to_base32())));
        assert!(url.contains("issuer=Keycard"));
        assert!(!format!("{secret:?}").contains(&secret.to_base32()));
    }
}

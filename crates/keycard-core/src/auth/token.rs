//! Signed access tokens: HS256 JWTs with every registered claim required and checked.

use std::time::Duration;

use anyhow::Context as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keyed_hash::hmac_sha256;
use super::random_id::{is_random_id, random_id};
use super::session_id::SessionId;
use super::users::UserId;

/// RFC 7518 asks for a key at least as long as the HS256 output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Anything longer is refused before it is decoded at all.
const MAX_TOKEN_BYTES: usize = 4096;
/// Allowed clock difference for `exp`, `nbf` and `iat`. Keycard both issues and checks
/// its tokens, so this only covers the skew between its own processes' clocks; kept
/// small so that a short `KEYCARD_TOKEN_TTL` means what it says.
const LEEWAY_SECONDS: i64 = 5;
const ISSUER: &str = "keycard";
const AUDIENCE: &str = "keycard";
const ALGORITHM: Algorithm = Algorithm::HS256;

/// The server's one secret, from which every key is derived (HKDF-SHA256, one label
/// per use, so no two uses share a key and none uses the secret itself). Its `Debug`
/// never shows the bytes.
pub struct JwtSecret(Vec<u8>);

#[derive(Debug, thiserror::Error)]
#[error("the JWT secret must be at least {MIN_SECRET_BYTES} bytes, got {0}")]
/// Why a secret was refused: it had this many bytes, fewer than 32.
pub struct SecretError(usize);

impl JwtSecret {
    /// A secret of at least 32 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, SecretError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError(bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// The key for the use `label` names (HKDF-SHA256, RFC 5869: the secret extracted
    /// with Keycard's salt, expanded with the label).
    pub(super) fn derive_key(&self, label: &[u8]) -> anyhow::Result<[u8; 32]> {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(KEY_DERIVATION_SALT), &self.0)
            .expand(label, &mut key)
            .map_err(|e| anyhow::anyhow!("no key for {}: {e}", String::from_utf8_lossy(label)))?;
        Ok(key)
    }

    /// The key `label` had before keys were derived with HKDF (an HMAC of the label
    /// under the secret), kept only to read what was stored with it: two-step secrets,
    /// recovery codes and mailed links made before.
    pub(super) fn legacy_key(&self, label: &[u8]) -> anyhow::Result<[u8; 32]> {
        hmac_sha256(&self.0, label)
    }
}

/// HKDF's salt for every key Keycard derives.
const KEY_DERIVATION_SALT: &[u8] = b"keycard key derivation v1";
/// What access tokens are signed with.
const ACCESS_TOKEN_KEY_LABEL: &[u8] = b"keycard access tokens v1";

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSecret([redacted])")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    iss: String,
    aud: String,
    /// The session the token belongs to.
    sid: String,
}

/// A freshly signed token. `Debug` leaves the token itself out.
pub struct IssuedToken {
    /// The signed JWT.
    pub token: String,
    /// When it expires.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a token that passed every check says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The account it signs in.
    pub user_id: UserId,
    /// The session it belongs to.
    pub session_id: SessionId,
    /// Its own id (`jti`), by which it is revoked.
    pub token_id: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it expires.
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token has expired")]
    Expired,
    #[error("token is not valid")]
    Invalid,
}

/// Signs and verifies tokens with one secret and a pinned algorithm.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl TokenKeys {
    /// Keys derived from `secret`, for tokens that last `lifetime`.
    pub fn new(secret: &JwtSecret, lifetime: Duration) -> anyhow::Result<Self> {
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECONDS.unsigned_abs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        let key = secret.derive_key(ACCESS_TOKEN_KEY_LABEL)?;
        Ok(Self {
            encoding: EncodingKey::from_secret(&key).context("unusable JWT secret")?,
            decoding: DecodingKey::from_secret(&key).context("unusable JWT secret")?,
            validation,
            lifetime,
        })
    }

    /// Signs a token for `user` in `session`, valid from `now` for the configured
    /// lifetime, with a random 128-bit id so each one can be revoked on its own.
    pub fn issue_token(
        &self,
        user: UserId,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> anyhow::Result<IssuedToken> {
        let issued_at = now.unix_timestamp();
        let expires_at = now + self.lifetime;
        let claims = Claims {
            sub: user.0.to_string(),
            iat: issued_at,
            nbf: issued_at,
            exp: expires_at.unix_timestamp(),
            jti: random_id()?,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sid: session.as_str().to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .context("signing a token failed")?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Checks size, header, algorithm, signature, `exp`, `nbf`, `iat`, `iss`, `aud`,
    /// and the shape of `sub`, `jti` and `sid`.
    pub fn verify_token(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Invalid);
        }
        // The header must be exactly the one Keycard writes: a `kid`, `jku`, `jwk`,
        // `x5u` or any other key hint is a sign of forgery, never something to follow.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header != Header::new(ALGORITHM) {
            return Err(TokenError::Invalid);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?
            .claims;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if claims.iat > now + LEEWAY_SECONDS || !is_random_id(&claims.jti) {
            return Err(TokenError::Invalid);
        }
        let session_id = SessionId::parse(&claims.sid).ok_or(TokenError::Invalid)?;
        let user_id = claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        let timestamp =
            |seconds| OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| TokenError::Invalid);
        Ok(VerifiedToken {
            user_id: UserId(user_id),
            session_id,
            token_id: claims.jti,
            issued_at: timestamp(claims.iat)?,
            expires_at: timestamp(claims.exp)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &JwtSecret::new(SECRET.to_vec()).unwrap(),
            Duration::from_secs(3600),
        )
        .unwrap()
    }

    fn now() -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }

    fn valid_claims() -> serde_json::Value {
        json!({
            "sub": "7", "iat": now(), "nbf": now(), "exp": now() + 600,
            "jti": "0123456789abcdef0123456789abcdef", "iss": ISSUER, "aud": AUDIENCE,
            "sid": "fedcba9876543210fedcba9876543210",
        })
    }

    fn sign(header: Header, claims: &serde_json::Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
    }

    /// Signed as Keycard signs: with the key derived for access tokens.
    fn sign_with(claims: serde_json::Value) -> String {
        let key = JwtSecret::new(SECRET.to_vec())
            .unwrap()
            .derive_key(ACCESS_TOKEN_KEY_LABEL)
            .unwrap();
        sign(Header::new(ALGORITHM), &claims, &key)
    }

    /// The secret is only the input of key derivation, never a signing key itself.
    #[test]
    fn a_token_signed_with_the_secret_itself_is_refused() {
        let raw = sign(Header::new(ALGORITHM), &valid_claims(), SECRET);
        assert!(keys().verify_token(&raw).is_err());
        assert!(keys().verify_token(&sign_with(valid_claims())).is_ok());
    }

    /// Every use gets its own key, none of them the secret or the key of another use.
    #[test]
    fn each_label_derives_its_own_key() {
        let secret = JwtSecret::new(SECRET.to_vec()).unwrap();
        let access = secret.derive_key(ACCESS_TOKEN_KEY_LABEL).unwrap();
        let other = secret.derive_key(b"keycard recovery codes v1").unwrap();
        assert_ne!(access, other);
        assert_ne!(&access[..], SECRET);
        assert_ne!(access, secret.legacy_key(ACCESS_TOKEN_KEY_LABEL).unwrap());
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut claims = valid_claims();
        claims[field] = value;
        claims
    }

    fn without(field: &str) -> serde_json::Value {
        let mut claims = valid_claims();
        claims.as_object_mut().unwrap().remove(field);
        claims
    }

    #[test]
    fn key_hints_in_the_header_are_refused_even_with_a_valid_signature() {
        let keys = keys();
        let hints: [fn(&mut Header); 4] = [
            |header| header.kid = Some("../../etc/passwd".to_owned()),
            |header| header.jku = Some("https://evil.example/keys.json".to_owned()),
            |header| header.x5u = Some("https://evil.example/cert.pem".to_owned()),
            |header| header.cty = Some("JWT".to_owned()),
        ];
        for add_hint in hints {
            let mut header = Header::new(ALGORITHM);
            add_hint(&mut header);
            let token = sign(header, &valid_claims(), SECRET);
            assert_eq!(keys.verify_token(&token), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_user() {
        let keys = keys();
        let session = SessionId::generate().unwrap();
        let issued = keys
            .issue_token(UserId(42), &session, OffsetDateTime::now_utc())
            .unwrap();
        let verified = keys.verify_token(&issued.token).unwrap();
        assert_eq!(verified.user_id, UserId(42));
        assert_eq!(verified.session_id, session);
        assert_eq!(
            verified.expires_at.unix_timestamp(),
            issued.expires_at.unix_timestamp()
        );
    }

    #[test]
    fn two_tokens_for_one_user_have_different_ids() {
        let keys = keys();
        let now = OffsetDateTime::now_utc();
        let session = SessionId::generate().unwrap();
        let first = keys
            .verify_token(&keys.issue_token(UserId(1), &session, now).unwrap().token)
            .unwrap();
        let second = keys
            .verify_token(&keys.issue_token(UserId(1), &session, now).unwrap().token)
            .unwrap();
        assert_ne!(first.token_id, second.token_id);
    }

    #[test]
    fn a_hand_made_valid_token_is_accepted() {
        assert!(keys().verify_token(&sign_with(valid_claims())).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let token = sign_with(with("exp", json!(now() - 120)));
        assert_eq!(keys().verify_token(&token), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_that_is_not_yet_valid_is_refused() {
        let token = sign_with(with("nbf", json!(now() + 600)));
        assert_eq!(keys().verify_token(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let token = sign_with(with("iat", json!(now() + 600)));
        assert_eq!(keys().verify_token(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let token = sign_with(valid_claims());
        let (rest, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let tampered = format!("{rest}.{flipped}{}", &signature[1..]);
        assert_eq!(keys().verify_token(&tampered), Err(TokenError::Invalid));
        let forged = sign(
            Header::new(ALGORITHM),
            &valid_claims(),
            b"another secret, 32 bytes long!!!",
        );
        assert_eq!(keys().verify_token(&forged), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_signed_with_another_algorithm_is_refused() {
        for algorithm in [Algorithm::HS384, Algorithm::HS512] {
            let token = sign(Header::new(algorithm), &valid_claims(), SECRET);
            assert_eq!(
                keys().verify_token(&token),
                Err(TokenError::Invalid),
                "{algorithm:?}"
            );
        }
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let token = sign_with(valid_claims());
        let payload = token.split('.').nth(1).unwrap();
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        for forged in [
            format!("{none_header}.{payload}."),
            format!("{none_header}.{payload}"),
        ] {
            assert_eq!(keys().verify_token(&forged), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn a_token_for_another_audience_or_issuer_is_refused() {
        for claims in [
            with("aud", json!("someone-else")),
            with("iss", json!("someone-else")),
            without("aud"),
            without("iss"),
        ] {
            assert_eq!(
                keys().verify_token(&sign_with(claims)),
                Err(TokenError::Invalid)
            );
        }
    }

    #[test]
    fn a_token_missing_a_required_claim_is_refused() {
        for field in ["exp", "nbf", "iat", "sub", "jti", "sid"] {
            let token = sign_with(without(field));
            assert_eq!(
                keys().verify_token(&token),
                Err(TokenError::Invalid),
                "{field}"
            );
        }
    }

    #[test]
    fn claims_of_the_wrong_type_are_refused() {
        for claims in [
            with("exp", json!((now() + 600).to_string())),
            with("sub", json!("not-a-number")),
            with("jti", json!("short")),
            with("sid", json!(7)),
            with("sid", json!("not-a-session-id")),
        ] {
            assert_eq!(
                keys().verify_token(&sign_with(claims)),
                Err(TokenError::Invalid)
            );
        }
    }

    #[test]
    fn an_oversized_token_is_refused_before_decoding() {
        let padding = "x".repeat(MAX_TOKEN_BYTES);
        let token = sign_with(with("pad", json!(padding)));
        assert_eq!(keys().verify_token(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(JwtSecret::new(vec![7; MIN_SECRET_BYTES - 1]).is_err());
        assert!(!format!("{:?}", JwtSecret::new(SECRET.to_vec()).unwrap()).contains("0123"));
    }
}

//! Sign-up, login and logout: the flows every surface (pages, server functions, the
//! JSON API) goes through.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::blocklist::revoke_token;
use super::common_passwords::is_common_password;
use super::error::AuthError;
use super::password::{PasswordHasher, Verification};
use super::throttle::{Throttle, ThrottlePolicy};
use super::token::{IssuedToken, TokenError, TokenKeys};
use super::users::{
    InsertUserError, UserId, find_credentials_by_name, insert_user, update_password_hash,
};
use crate::db::{Db, DbError};
use crate::domain::{CredentialError, Email, Password, Username};

/// The authentication core. Cheap to clone; clones share the database and keys.
#[derive(Clone)]
pub struct AuthService {
    pub(super) db: Db,
    pub(super) tokens: Arc<TokenKeys>,
    passwords: PasswordHasher,
    throttle: Arc<Throttle>,
}

impl AuthService {
    pub fn new(
        db: Db,
        tokens: TokenKeys,
        passwords: PasswordHasher,
        throttle: ThrottlePolicy,
    ) -> Self {
        Self {
            db,
            tokens: Arc::new(tokens),
            passwords,
            throttle: Arc::new(Throttle::new(throttle)),
        }
    }

    /// Argon2 verifications run so far, for tests and metrics.
    pub fn password_verifications(&self) -> u64 {
        self.passwords.verifications()
    }

    /// Whether the database answers, so the service can take requests.
    pub async fn check_ready(&self) -> Result<(), DbError> {
        self.db.check().await
    }

    pub fn token_lifetime(&self) -> Duration {
        self.tokens.lifetime()
    }

    /// Creates an account and signs it in. `client` is the address the request came
    /// from, which has a bounded number of attempts.
    pub async fn register(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
        client: IpAddr,
    ) -> Result<IssuedToken, AuthError> {
        self.throttle
            .admit_attempt(client, Instant::now())
            .map_err(AuthError::Throttled)?;
        if is_common_password(&password) {
            return Err(CredentialError::PasswordTooCommon.into());
        }
        let password_hash = self.passwords.hash_password(password).await?;
        let now = OffsetDateTime::now_utc();
        let user = self
            .db
            .run(move |connection| {
                insert_user(connection, &username, email.as_ref(), &password_hash, now).map_err(
                    |error| match error {
                        InsertUserError::Taken => AuthError::UsernameTaken,
                        InsertUserError::Query(query) => DbError::from(query).into(),
                    },
                )
            })
            .await?;
        tracing::info!(user_id = user.id.0, "account created");
        Ok(self.tokens.issue_token(user.id, now)?)
    }

    /// Checks a username and password; an unknown name and a wrong password give the
    /// same error after the same amount of work. Too many failures for one name from
    /// one address are refused before any hashing.
    pub async fn login(
        &self,
        username: Username,
        password: Password,
        client: IpAddr,
    ) -> Result<IssuedToken, AuthError> {
        let account_key = username.canonical_key();
        let now = Instant::now();
        self.throttle
            .admit_attempt(client, now)
            .and_then(|()| self.throttle.check_login(&account_key, client, now))
            .map_err(AuthError::Throttled)?;
        let stored = self
            .db
            .run(move |connection| {
                find_credentials_by_name(connection, &username).map_err(DbError::from)
            })
            .await?;
        let (user_id, stored_hash) = match stored {
            Some(credentials) => (Some(credentials.id), Some(credentials.password_hash)),
            None => (None, None),
        };
        let verification = self
            .passwords
            .verify_password(password.clone(), stored_hash)
            .await?;
        let user_id = match (user_id, verification) {
            (Some(user_id), Verification::Match | Verification::MatchWithOutdatedHash) => user_id,
            _ => {
                self.throttle
                    .record_failed_login(&account_key, client, Instant::now());
                return Err(AuthError::InvalidCredentials);
            }
        };
        self.throttle.record_successful_login(&account_key, client);
        // The password was right, so a failed upgrade must not turn into a failed login.
        if verification == Verification::MatchWithOutdatedHash
            && let Err(error) = self.rehash(user_id, password).await
        {
            tracing::warn!(
                user_id = user_id.0,
                error = format!("{error:#}"),
                "could not upgrade a password hash"
            );
        }
        tracing::info!(user_id = user_id.0, "signed in");
        Ok(self
            .tokens
            .issue_token(user_id, OffsetDateTime::now_utc())?)
    }

    /// Stores a hash made with the current parameters in place of an older one.
    async fn rehash(&self, user_id: UserId, password: Password) -> Result<(), AuthError> {
        let password_hash = self.passwords.hash_password(password).await?;
        self.db
            .run(move |connection| {
                update_password_hash(connection, user_id, &password_hash).map_err(DbError::from)
            })
            .await?;
        tracing::info!(
            user_id = user_id.0,
            "password hash upgraded to current parameters"
        );
        Ok(())
    }

    /// Revokes the token until it would have expired. A token that is already expired
    /// or not valid needs no revoking, so logging out with it still succeeds.
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        let verified = match self.tokens.verify_token(token) {
            Ok(verified) => verified,
            Err(TokenError::Expired | TokenError::Invalid) => return Ok(()),
        };
        let user_id = verified.user_id;
        self.db
            .run(move |connection| {
                revoke_token(
                    connection,
                    &verified.token_id,
                    verified.expires_at,
                    OffsetDateTime::now_utc(),
                )
                .map_err(DbError::from)
            })
            .await?;
        tracing::info!(user_id = user_id.0, "signed out");
        Ok(())
    }
}

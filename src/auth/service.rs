//! Sign-up, login and logout: the flows every surface (pages, server functions, the
//! JSON API) goes through.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::blocklist::revoke_token;
use super::error::AuthError;
use super::password::PasswordHasher;
use super::token::{IssuedToken, TokenError, TokenKeys};
use super::users::{InsertUserError, find_credentials_by_name, insert_user};
use crate::db::{Db, DbError};
use crate::domain::{Email, Password, Username};

/// The authentication core. Cheap to clone; clones share the database and keys.
#[derive(Clone)]
pub struct AuthService {
    pub(super) db: Db,
    pub(super) tokens: Arc<TokenKeys>,
    passwords: PasswordHasher,
}

impl AuthService {
    pub fn new(db: Db, tokens: TokenKeys, passwords: PasswordHasher) -> Self {
        Self {
            db,
            tokens: Arc::new(tokens),
            passwords,
        }
    }

    pub fn token_lifetime(&self) -> Duration {
        self.tokens.lifetime()
    }

    /// Creates an account and signs it in.
    pub async fn register(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
    ) -> Result<IssuedToken, AuthError> {
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
    /// same error after the same amount of work.
    pub async fn login(
        &self,
        username: Username,
        password: Password,
    ) -> Result<IssuedToken, AuthError> {
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
        let matched = self
            .passwords
            .verify_password(password, stored_hash)
            .await?;
        match user_id {
            Some(user_id) if matched => {
                tracing::info!(user_id = user_id.0, "signed in");
                Ok(self
                    .tokens
                    .issue_token(user_id, OffsetDateTime::now_utc())?)
            }
            _ => Err(AuthError::InvalidCredentials),
        }
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

//! Sign-up, login and logout: the flows every surface (pages, server functions, the
//! JSON API) goes through. Each sign-in starts a session.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;

use super::common_passwords::is_common_password;
use super::device::ClientInfo;
use super::error::AuthError;
use super::guard::{Session, Touching};
use super::password::{PasswordHasher, Verification};
use super::refresh_token::{RefreshToken, SuccessorKey};
use super::sessions::{
    IssuedRefreshToken, SessionId, SessionPolicy, SignedIn, insert_session, sign_out,
};
use super::throttle::{Throttle, ThrottlePolicy};
use super::token::{JwtSecret, TokenKeys};
use super::users::{
    InsertUserError, StoredCredentials, UserId, find_credentials_by_name, insert_user,
    update_password_hash,
};
use crate::db::{Db, DbError};
use crate::domain::{CredentialError, Email, Password, Username};

/// The authentication core. Cheap to clone; clones share the database and keys.
#[derive(Clone)]
pub struct AuthService {
    pub(super) db: Db,
    pub(super) tokens: Arc<TokenKeys>,
    pub(super) successor_key: Arc<SuccessorKey>,
    pub(super) sessions: SessionPolicy,
    pub(super) passwords: PasswordHasher,
    pub(super) throttle: Arc<Throttle>,
    pub(super) touching: Touching,
}

impl AuthService {
    /// The core over `db`, signing with keys made from `secret`.
    pub fn new(
        db: Db,
        secret: &JwtSecret,
        passwords: PasswordHasher,
        throttle: ThrottlePolicy,
        sessions: SessionPolicy,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            tokens: Arc::new(TokenKeys::new(secret, sessions.access_token_lifetime)?),
            successor_key: Arc::new(SuccessorKey::new(secret)?),
            sessions,
            passwords,
            throttle: Arc::new(Throttle::new(throttle)),
            touching: Touching::default(),
        })
    }

    /// Argon2 verifications run so far, for tests and metrics.
    pub fn password_verifications(&self) -> u64 {
        self.passwords.verifications()
    }

    /// Whether the database answers, so the service can take requests.
    pub async fn check_ready(&self) -> Result<(), DbError> {
        self.db.check().await
    }

    /// Creates an account without signing in (the JSON API's registration). `client` is
    /// the address the request came from, which has a bounded number of attempts.
    pub async fn create_account(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
        client: IpAddr,
    ) -> Result<UserId, AuthError> {
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
            .write(move |connection| {
                insert_user(connection, &username, email.as_ref(), &password_hash, now).map_err(
                    |error| match error {
                        InsertUserError::Taken => AuthError::UsernameTaken,
                        InsertUserError::Query(query) => DbError::from(query).into(),
                    },
                )
            })
            .await?;
        tracing::info!(user_id = user.id.0, "account created");
        Ok(user.id)
    }

    /// Creates an account and signs it in (the sign-up form).
    pub async fn register(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let user = self
            .create_account(username, email, password, client.address)
            .await?;
        self.start_session(user, client).await
    }

    /// Checks a username and password; an unknown name and a wrong password give the
    /// same error after the same amount of work. Too many failures for one name from
    /// one address are refused before any hashing.
    pub async fn login(
        &self,
        username: Username,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let account_key = username.canonical_key();
        self.throttle
            .admit_attempt(client.address, Instant::now())
            .map_err(AuthError::Throttled)?;
        let stored = self
            .db
            .run(move |connection| {
                find_credentials_by_name(connection, &username).map_err(DbError::from)
            })
            .await?;
        let user = self
            .check_password(&account_key, stored, password, client.address)
            .await?;
        tracing::info!(user_id = user.0, "signed in");
        self.start_session(user, client).await
    }

    /// The password check of a login or a re-confirmation: throttled per account and
    /// address, one argon2 run whether or not the account exists, failures counted and
    /// a success clearing them, an outdated hash upgraded.
    pub(super) async fn check_password(
        &self,
        account_key: &str,
        stored: Option<StoredCredentials>,
        password: Password,
        client: IpAddr,
    ) -> Result<UserId, AuthError> {
        self.throttle
            .check_login(account_key, client, Instant::now())
            .map_err(AuthError::Throttled)?;
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
                    .record_failed_login(account_key, client, Instant::now());
                return Err(AuthError::InvalidCredentials);
            }
        };
        self.throttle.record_successful_login(account_key, client);
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
        Ok(user_id)
    }

    /// Stores a hash made with the current parameters in place of an older one.
    async fn rehash(&self, user_id: UserId, password: Password) -> Result<(), AuthError> {
        let password_hash = self.passwords.hash_password(password).await?;
        self.db
            .write(move |connection| {
                update_password_hash(connection, user_id, &password_hash).map_err(DbError::from)
            })
            .await?;
        tracing::info!(
            user_id = user_id.0,
            "password hash upgraded to current parameters"
        );
        Ok(())
    }

    /// A new session for `user`, its first refresh token and an access token.
    async fn start_session(
        &self,
        user: UserId,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let session = SessionId::generate()?;
        let refresh = RefreshToken::generate()?;
        let now = OffsetDateTime::now_utc();
        let stored = (session.clone(), client.clone(), refresh.clone());
        self.db
            .write(move |connection| {
                let (session, client, refresh) = stored;
                insert_session(connection, &session, user, &client, &refresh, now)
                    .map_err(DbError::from)
            })
            .await?;
        let seconds = now.unix_timestamp();
        Ok(SignedIn {
            access: self.tokens.issue_token(user, &session, now)?,
            refresh: IssuedRefreshToken {
                token: refresh,
                expires_at: self.sessions.ends_at(seconds, seconds),
            },
            session_id: session,
        })
    }

    /// Ends the session and revokes the token that proved it, in one transaction: every
    /// token and the refresh token of this sign-in stop working at once.
    pub async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        let user = session.user.id;
        let token = session.token.clone();
        self.db
            .write(move |connection| {
                sign_out(connection, &token, OffsetDateTime::now_utc()).map_err(DbError::from)
            })
            .await?;
        tracing::info!(user_id = user.0, "signed out");
        Ok(())
    }
}

//! The one place that decides who is signed in: token, blocklist, then the account.

use super::blocklist::is_token_revoked;
use super::error::{AuthError, Rejection};
use super::service::AuthService;
use super::token::{TokenError, VerifiedToken};
use super::users::{User, UserStatus, find_user_by_id};
use crate::db::DbError;

/// A signed-in user and the token that proved it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub token: VerifiedToken,
}

impl AuthService {
    /// Accepts a request as signed in only if its token verifies, has not been
    /// revoked, and names an account that still exists and is active.
    pub async fn current_user(&self, token: Option<&str>) -> Result<Session, AuthError> {
        let token = token.ok_or(Rejection::MissingToken)?;
        let verified = self
            .tokens
            .verify_token(token)
            .map_err(|error| match error {
                TokenError::Expired => Rejection::Expired,
                TokenError::Invalid => Rejection::InvalidToken,
            })?;
        let lookup = verified.clone();
        // Whatever stops the blocklist or the account from being read, the answer is
        // "cannot tell", never "signed in": the guard fails closed.
        let found = self
            .db
            .run(move |connection| -> Result<_, DbError> {
                if is_token_revoked(connection, &lookup.token_id)? {
                    return Ok(Err(Rejection::Revoked));
                }
                Ok(Ok(find_user_by_id(connection, lookup.user_id)?))
            })
            .await
            .map_err(AuthError::Unavailable)?;
        let user = found?
            .filter(|user| user.status == UserStatus::Active)
            .ok_or(Rejection::AccountGone)?;
        Ok(Session {
            user,
            token: verified,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::{JwtSecret, PasswordHasher, ThrottlePolicy, TokenKeys};
    use crate::db::Db;
    use crate::domain::{Password, Username};

    async fn service(directory: &tempfile::TempDir) -> AuthService {
        let db = Db::open(
            &directory.path().join("guard.db"),
            crate::db::DEFAULT_BUSY_TIMEOUT,
        )
        .unwrap();
        let secret = JwtSecret::new(vec![9; 32]).unwrap();
        let keys = TokenKeys::new(&secret, Duration::from_secs(600)).unwrap();
        AuthService::new(
            db,
            keys,
            PasswordHasher::new(2).unwrap(),
            ThrottlePolicy::default(),
        )
    }

    async fn signed_up(auth: &AuthService) -> String {
        auth.register(
            Username::parse("grace").unwrap(),
            None,
            Password::parse("correct horse battery").unwrap(),
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await
        .unwrap()
        .token
    }

    #[tokio::test]
    async fn a_fresh_token_is_accepted_and_names_its_user() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let token = signed_up(&auth).await;
        let session = auth.current_user(Some(&token)).await.unwrap();
        assert_eq!(session.user.username, "grace");
    }

    #[tokio::test]
    async fn a_revoked_token_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let token = signed_up(&auth).await;
        auth.logout(&token).await.unwrap();
        assert!(matches!(
            auth.current_user(Some(&token)).await,
            Err(AuthError::Unauthenticated(Rejection::Revoked))
        ));
    }

    #[tokio::test]
    async fn a_token_of_a_deleted_account_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let token = signed_up(&auth).await;
        auth.db
            .run(|connection| {
                connection
                    .execute("DELETE FROM users", [])
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        assert!(matches!(
            auth.current_user(Some(&token)).await,
            Err(AuthError::Unauthenticated(Rejection::AccountGone))
        ));
    }

    #[tokio::test]
    async fn no_token_means_not_signed_in() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        assert!(matches!(
            auth.current_user(None).await,
            Err(AuthError::Unauthenticated(Rejection::MissingToken))
        ));
    }
}

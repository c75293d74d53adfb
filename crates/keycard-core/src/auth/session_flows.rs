//! What a signed-in person (or an attacker holding a token) can do with sessions:
//! renew one with its refresh token, list them, end one or all the others, confirm the
//! password again; and the pruning of those that can no longer be used.

use std::time::Duration;

use time::OffsetDateTime;

use super::device::ClientInfo;
use super::error::{AuthError, Rejection};
use super::refresh_token::RefreshToken;
use super::service::AuthService;
use super::sessions::Session;
use super::sessions::{IssuedRefreshToken, Redemption, SessionId, SessionSummary, SignedIn};
use crate::domain::Password;

/// What ending a session by its id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The caller's own session: a logout.
    ThisSession,
    /// Ended from another of the account's sessions.
    AnotherSession,
}

impl AuthService {
    /// Renews a session: the presented refresh token is replaced by its successor and a
    /// new access token is signed. The token replaced moments ago, presented again within
    /// the grace period, gets the same successor (two tabs racing are not an attack); any
    /// older token ends the whole session, since it means someone else has a copy.
    pub async fn refresh(
        &self,
        presented: &RefreshToken,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let successor = presented.successor(&self.successor_key)?;
        let now = OffsetDateTime::now_utc();
        let redemption = self
            .store
            .redeem_refresh_token(presented, &successor, client, &self.sessions, now)
            .await?;
        let (user, session, times) = match redemption {
            Redemption::Rotated {
                user_id,
                session,
                times,
            }
            | Redemption::Raced {
                user_id,
                session,
                times,
            } => (user_id, session, times),
            Redemption::Reused { user_id, session } => {
                tracing::warn!(
                    target: "keycard::security",
                    user_id = user_id.0,
                    session = session.as_str(),
                    "refresh token reused: session ended"
                );
                return Err(Rejection::RefreshTokenReused.into());
            }
            Redemption::Ended => return Err(Rejection::SessionEnded.into()),
            Redemption::Unknown => return Err(Rejection::UnknownRefreshToken.into()),
        };
        Ok(SignedIn {
            access: self.tokens.issue_token(user, &session, now)?,
            refresh: IssuedRefreshToken {
                token: successor,
                expires_at: self
                    .sessions
                    .ends_at(times.created_at, times.last_active_at),
            },
            session_id: session,
        })
    }

    /// The live sessions of the signed-in user: the current one first, then the most
    /// recently active.
    pub async fn list_sessions(&self, session: &Session) -> Result<Vec<SessionSummary>, AuthError> {
        let stored = self
            .store
            .list_live_sessions(session.user.id, &self.sessions, OffsetDateTime::now_utc())
            .await?;
        let mut summaries: Vec<SessionSummary> = stored
            .into_iter()
            .map(|row| row.summary(session.id()))
            .collect();
        summaries.sort_by_key(|summary| !summary.current);
        Ok(summaries)
    }

    /// Ends the session `id` of the signed-in user. Their own is a logout; another needs
    /// a recent password; an id that is not a live session of theirs is not found,
    /// whether it belongs to nobody or to someone else.
    pub async fn end_session_by_id(
        &self,
        session: &Session,
        id: &SessionId,
        client: &ClientInfo,
    ) -> Result<Ended, AuthError> {
        if id == session.id() {
            self.logout(session, client).await?;
            return Ok(Ended::ThisSession);
        }
        self.require_recent_password(session)?;
        let user = session.user.id;
        let ended = self
            .store
            .end_session(user, id, client, &self.sessions, OffsetDateTime::now_utc())
            .await?;
        if !ended {
            return Err(AuthError::SessionNotFound);
        }
        tracing::info!(user_id = user.0, "ended a session from another session");
        Ok(Ended::AnotherSession)
    }

    /// Ends every session of the signed-in user but this one; needs a recent password.
    /// Returns how many were ended.
    pub async fn end_other_sessions(
        &self,
        session: &Session,
        client: &ClientInfo,
    ) -> Result<usize, AuthError> {
        self.require_recent_password(session)?;
        let user = session.user.id;
        let ended = self
            .store
            .end_other_sessions(
                user,
                session.id(),
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?;
        tracing::info!(user_id = user.0, ended, "signed out the other sessions");
        Ok(ended)
    }

    /// Checks the password again within this session, which then counts as recently
    /// signed in. A wrong one counts as a failed login, under the same limits.
    pub async fn confirm_password(
        &self,
        session: &Session,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let user = session.user.id;
        self.check_own_password(session, password, client).await?;
        self.store
            .confirm_password(user, session.id(), client, OffsetDateTime::now_utc())
            .await?;
        tracing::info!(user_id = user.0, "password confirmed");
        Ok(())
    }

    /// Whether the signed-in user must confirm their password before ending sessions.
    pub fn needs_recent_password(&self, session: &Session) -> bool {
        !self
            .sessions
            .is_recent_password(session.times.password_at, OffsetDateTime::now_utc())
    }

    fn require_recent_password(&self, session: &Session) -> Result<(), AuthError> {
        if self.needs_recent_password(session) {
            return Err(AuthError::RecentSignInRequired);
        }
        Ok(())
    }

    /// Deletes the sessions and revoked token ids that can no longer be used, and the
    /// activity past its retention. Returns how many sessions and events went.
    pub async fn prune_expired(&self) -> Result<usize, AuthError> {
        Ok(self
            .store
            .prune(&self.sessions, OffsetDateTime::now_utc())
            .await?)
    }

    /// Prunes every `interval` for as long as the process runs; a failure is logged and
    /// tried again next time.
    pub async fn prune_periodically(self, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            match self.prune_expired().await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned expired sessions and activity"),
                Err(error) => tracing::warn!(%error, "could not prune expired sessions"),
            }
        }
    }
}

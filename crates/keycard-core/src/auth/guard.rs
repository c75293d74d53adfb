//! The one place that decides who is signed in: the token, the blocklist, the session
//! and the account.

use time::OffsetDateTime;

use super::error::{AuthError, Rejection};
use super::service::AuthService;
use super::sessions::{GuardRecord, Session, SessionId};
use super::token::TokenError;
use super::users::UserStatus;

impl AuthService {
    /// Accepts a request as signed in only if its token verifies, has not been
    /// revoked, belongs to a live session (not ended, not idle past the idle timeout,
    /// not older than the session lifetime), and names an active account.
    pub async fn current_user(&self, token: Option<&str>) -> Result<Session, AuthError> {
        let token = token.ok_or(Rejection::MissingToken)?;
        let verified = self
            .tokens
            .verify_token(token)
            .map_err(|error| match error {
                TokenError::Expired => Rejection::Expired,
                TokenError::Invalid => Rejection::InvalidToken,
            })?;
        // Whatever stops the blocklist, the session or the account from being read, the
        // answer is "cannot tell", never "signed in": the guard fails closed.
        let record = self
            .store
            .find_guard_record(verified.user_id, &verified.session_id, &verified.token_id)
            .await
            .map_err(AuthError::Unavailable)?;
        let (user, times) = match record {
            GuardRecord::Found { user, times } => (user, times),
            GuardRecord::Revoked => return Err(Rejection::Revoked.into()),
            GuardRecord::NoSession => return Err(Rejection::SessionEnded.into()),
            GuardRecord::NoAccount => return Err(Rejection::AccountGone.into()),
        };
        if user.status != UserStatus::Active {
            return Err(Rejection::AccountGone.into());
        }
        let now = OffsetDateTime::now_utc();
        if !self.sessions.is_live(&times, now) {
            return Err(Rejection::SessionEnded.into());
        }
        if self.sessions.needs_touch(times.last_active_at, now) {
            self.touch_in_background(verified.session_id.clone(), now);
        }
        Ok(Session {
            user,
            token: verified,
            times,
        })
    }

    /// Records the session's activity without holding up the request: a request is
    /// never refused or slowed because "last active" could not be written now.
    fn touch_in_background(&self, session: SessionId, now: OffsetDateTime) {
        let Some(claim) = self.touching.claim(&session) else {
            return;
        };
        let store = self.store.clone();
        tokio::spawn(async move {
            let touched = store.touch_session(&session, now).await;
            if let Err(error) = touched {
                tracing::debug!(%error, "could not record a session's last activity");
            }
            drop(claim);
        });
    }
}

//! The one place that decides who is signed in: the token, the blocklist, the session
//! and the account.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;

use super::error::{AuthError, Rejection};
use super::service::AuthService;
use super::sessions::{GuardRecord, SessionId, SessionTimes, timestamp};
use super::token::{TokenError, VerifiedToken};
use super::users::{User, UserStatus};

/// A request the guard accepted: the user, the token that proved it, and the times of
/// the session the token belongs to.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in account, as of this request.
    pub user: User,
    /// The verified access token.
    pub token: VerifiedToken,
    /// When the session started, was last active, and whether it ended.
    pub times: SessionTimes,
}

impl Session {
    /// The session's id.
    pub fn id(&self) -> &SessionId {
        &self.token.session_id
    }

    /// When the session was signed in.
    pub fn started_at(&self) -> OffsetDateTime {
        timestamp(self.times.created_at)
    }
}

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

/// Sessions whose "last active" is being written right now, so a burst of requests in
/// one session writes it once.
#[derive(Clone, Default)]
pub(super) struct Touching(Arc<Mutex<HashSet<SessionId>>>);

impl Touching {
    /// Claims the write for `session`, or `None` when another request holds it. The claim
    /// ends when dropped, however the write ended.
    fn claim(&self, session: &SessionId) -> Option<TouchClaim> {
        let claimed = self.lock().insert(session.clone());
        claimed.then(|| TouchClaim {
            touching: self.clone(),
            session: session.clone(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<SessionId>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct TouchClaim {
    touching: Touching,
    session: SessionId,
}

impl Drop for TouchClaim {
    fn drop(&mut self) {
        self.touching.lock().remove(&self.session);
    }
}

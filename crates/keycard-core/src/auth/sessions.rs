//! Sessions: every sign-in is one, with an unguessable id, the device it came from and
//! when it was last used. It lasts while it is used (the idle timeout), never longer
//! than its lifetime, and can be ended from anywhere. Its access tokens are short; a
//! refresh token renews them and is replaced on every use.

use std::time::Duration;

use time::OffsetDateTime;

use super::device::{UserAgent, describe_device};
use super::refresh_token::RefreshToken;
pub use super::session_id::{SESSION_ID_PATTERN, SessionId};
use super::token::{IssuedToken, VerifiedToken};
use super::users::{PasswordVersion, User, UserId};

/// How long access tokens and sessions last, and how recent a password must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long an access token lasts.
    pub access_token_lifetime: Duration,
    /// A session not used for this long is over.
    pub idle_timeout: Duration,
    /// No session lasts longer than this since its sign-in, however much it is used.
    pub lifetime: Duration,
    /// How long the refresh token just replaced may be presented again (a race between
    /// two tabs or a retried request) before presenting it counts as theft.
    pub refresh_reuse_grace: Duration,
    /// How recently the password must have been entered in this session to end others.
    pub reauthentication_window: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        const DAY: u64 = 24 * 60 * 60;
        Self {
            access_token_lifetime: Duration::from_secs(15 * 60),
            idle_timeout: Duration::from_secs(7 * DAY),
            lifetime: Duration::from_secs(30 * DAY),
            refresh_reuse_grace: Duration::from_secs(10),
            reauthentication_window: Duration::from_secs(60 * 60),
        }
    }
}

/// "Last active" is written at most once a minute per session, so the guard's hot path
/// stays a read; more often only if the idle timeout is short enough to need it.
const MAX_TOUCH_INTERVAL_SECONDS: i64 = 60;

impl SessionPolicy {
    fn seconds(duration: Duration) -> i64 {
        i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
    }

    /// Whether a session with these times may still be used at `now`.
    pub fn is_live(&self, times: &SessionTimes, now: OffsetDateTime) -> bool {
        let now = now.unix_timestamp();
        times.ended_at.is_none()
            && now.saturating_sub(times.last_active_at) <= Self::seconds(self.idle_timeout)
            && now.saturating_sub(times.created_at) <= Self::seconds(self.lifetime)
    }

    /// When a session last used at `last_active_at` ends unless it is used again.
    pub fn ends_at(&self, created_at: i64, last_active_at: i64) -> OffsetDateTime {
        let idle_end = last_active_at.saturating_add(Self::seconds(self.idle_timeout));
        let lifetime_end = created_at.saturating_add(Self::seconds(self.lifetime));
        timestamp(idle_end.min(lifetime_end))
    }

    /// Whether "last active" is stale enough at `now` to be written again.
    pub fn needs_touch(&self, last_active_at: i64, now: OffsetDateTime) -> bool {
        let interval = (Self::seconds(self.idle_timeout) / 2).clamp(1, MAX_TOUCH_INTERVAL_SECONDS);
        now.unix_timestamp().saturating_sub(last_active_at) >= interval
    }

    /// What storage must do with a presented refresh token, given what it found under
    /// its lock: the one rule both databases follow.
    pub fn judge_refresh(&self, found: &PresentedRefresh, now: OffsetDateTime) -> RefreshStep {
        if !found.account_active || !self.is_live(&found.times, now) {
            return RefreshStep::End;
        }
        match found.replaced_at {
            None => RefreshStep::Rotate,
            Some(replaced_at)
                if found.successor_is_current
                    && now.unix_timestamp().saturating_sub(replaced_at)
                        <= Self::seconds(self.refresh_reuse_grace) =>
            {
                RefreshStep::ServeRace
            }
            Some(_) => RefreshStep::EndAsReused,
        }
    }

    /// The times before which a session, by when it was last used or when it started,
    /// can no longer be used at `now`: what pruning deletes.
    pub fn expiry_cutoffs(&self, now: OffsetDateTime) -> ExpiryCutoffs {
        let now = now.unix_timestamp();
        ExpiryCutoffs {
            last_active_before: now.saturating_sub(Self::seconds(self.idle_timeout)),
            created_before: now.saturating_sub(Self::seconds(self.lifetime)),
        }
    }

    /// Whether a password entered at `password_at` is recent enough at `now`.
    pub fn is_recent_password(&self, password_at: i64, now: OffsetDateTime) -> bool {
        now.unix_timestamp().saturating_sub(password_at)
            <= Self::seconds(self.reauthentication_window)
    }
}

/// What storage found, under its lock, for a presented refresh token.
#[derive(Debug, Clone, Copy)]
pub struct PresentedRefresh {
    /// The session's times.
    pub times: SessionTimes,
    /// Whether the account is still active.
    pub account_active: bool,
    /// When the token was replaced by its successor; `None` while it is current.
    pub replaced_at: Option<i64>,
    /// Whether the successor this request would get is its session's current token.
    pub successor_is_current: bool,
}

/// See [`SessionPolicy::judge_refresh`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStep {
    /// The current token: replace it by its successor.
    Rotate,
    /// The token replaced moments ago, presented again within the grace period: the
    /// successor the first request got stays current.
    ServeRace,
    /// An older token, or the previous one after the grace period: end the session.
    EndAsReused,
    /// The session has ended or expired, or its account is gone: change nothing.
    End,
}

/// See [`SessionPolicy::expiry_cutoffs`]; Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryCutoffs {
    /// Sessions unused since before this Unix time are over.
    pub last_active_before: i64,
    /// Sessions signed in before this Unix time are over.
    pub created_before: i64,
}

/// The stored times of a session, as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// When it was signed in, in Unix seconds.
    pub created_at: i64,
    /// When it was last used, in Unix seconds.
    pub last_active_at: i64,
    /// The last time the password was entered in this session: at sign-in, or when it
    /// was confirmed again.
    pub password_at: i64,
    /// When it ended, if it has, in Unix seconds.
    pub ended_at: Option<i64>,
}

/// Why a session ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Signed out.
    SignedOut,
    /// Ended from another of the account's sessions.
    EndedFromAnotherSession,
    /// A replaced refresh token came back.
    RefreshTokenReused,
    /// The password was changed elsewhere.
    PasswordChanged,
    /// Two-step sign-in was turned on or off.
    TwoFactorChanged,
    /// The passkey that signed the session in was removed.
    PasskeyRemoved,
}

impl EndReason {
    /// The reason's stable code, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::EndedFromAnotherSession => "ended_from_another_session",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::PasswordChanged => "password_changed",
            Self::TwoFactorChanged => "two_factor_changed",
            Self::PasskeyRemoved => "passkey_removed",
        }
    }
}

/// What a sign-in proved beyond the password, as the session insert must know: an
/// account with two-step sign-in on gets no session from the password alone, even when
/// two-step was turned on while the sign-in was under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStep {
    /// Only the password (or a reset link) was checked.
    NotTaken,
    /// A code or a recovery code was checked too.
    Passed,
    /// The passkey with this id signed in (both factors at once); removing it ends the
    /// session.
    Passkey(String),
}

impl SecondStep {
    /// Whether the session may start on an account with two-step sign-in on.
    pub fn satisfies_two_step(&self) -> bool {
        *self != Self::NotTaken
    }

    /// The passkey the session is signed in with, if any.
    pub fn passkey(&self) -> Option<&str> {
        match self {
            Self::Passkey(id) => Some(id),
            Self::NotTaken | Self::Passed => None,
        }
    }
}

/// A session to record: its id and first refresh token, the password version the
/// sign-in checked, and what it proved beyond the password.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The new session's id.
    pub id: SessionId,
    /// Its first refresh token.
    pub refresh: RefreshToken,
    /// The password version the sign-in checked.
    pub checked: PasswordVersion,
    /// What the sign-in took besides the password.
    pub second_step: SecondStep,
}

/// A refresh token as handed out, with the moment its session ends unless used again.
#[derive(Debug)]
pub struct IssuedRefreshToken {
    /// The token.
    pub token: RefreshToken,
    /// When the session ends unless it is used again.
    pub expires_at: OffsetDateTime,
}

/// What a sign-in or a renewal hands the client: a short access token and the refresh
/// token that renews it.
#[derive(Debug)]
pub struct SignedIn {
    /// The session signed in.
    pub session_id: SessionId,
    /// Its access token.
    pub access: IssuedToken,
    /// Its refresh token.
    pub refresh: IssuedRefreshToken,
}

impl SignedIn {
    /// Whole seconds until the access token expires, rounded up.
    pub fn access_seconds_left(&self) -> u64 {
        seconds_until(self.access.expires_at)
    }

    /// Whole seconds until the session ends unless it is used again, rounded up.
    pub fn refresh_seconds_left(&self) -> u64 {
        seconds_until(self.refresh.expires_at)
    }
}

fn seconds_until(moment: OffsetDateTime) -> u64 {
    let left = moment - OffsetDateTime::now_utc();
    let whole = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    u64::try_from(whole).unwrap_or(0)
}

/// One live session as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// The session's id.
    pub id: SessionId,
    /// "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    /// The client address it was signed in from.
    pub address: String,
    /// When it was signed in.
    pub created_at: OffsetDateTime,
    /// When it was last used.
    pub last_active_at: OffsetDateTime,
    /// The session the request itself belongs to.
    pub current: bool,
}

/// What presenting a refresh token found.
#[derive(Debug)]
pub enum Redemption {
    /// The session's current token: it was replaced by its successor.
    Rotated {
        /// The account.
        user_id: UserId,
        /// The session.
        session: SessionId,
        /// Its times after the rotation.
        times: SessionTimes,
    },
    /// The token replaced moments ago, presented again within the grace period: the
    /// client gets the successor the first request got.
    Raced {
        /// The account.
        user_id: UserId,
        /// The session.
        session: SessionId,
        /// Its times.
        times: SessionTimes,
    },
    /// An older token, or the previous one after the grace period: the session has been
    /// ended, since someone other than its owner may hold its tokens.
    Reused {
        /// The account.
        user_id: UserId,
        /// The session, now ended.
        session: SessionId,
    },
    /// The session has ended, expired, or its account is gone.
    Ended,
    /// No token like it was ever issued.
    Unknown,
}

/// A stored Unix time as a moment; one that cannot be (never written by Keycard) reads
/// as the epoch, which every liveness check treats as long past.
pub fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A stored session, before it is described for a person.
pub struct StoredSession {
    /// The session's id.
    pub id: SessionId,
    /// Its times.
    pub times: SessionTimes,
    /// The client address it was signed in from.
    pub address: String,
    /// The client it was signed in from.
    pub user_agent: UserAgent,
}

impl StoredSession {
    /// The session as its owner sees it; `current` is the one asking.
    pub fn summary(self, current: &SessionId) -> SessionSummary {
        SessionSummary {
            current: &self.id == current,
            device: describe_device(&self.user_agent),
            id: self.id,
            address: self.address,
            created_at: timestamp(self.times.created_at),
            last_active_at: timestamp(self.times.last_active_at),
        }
    }
}

/// What the guard found for an access token.
pub enum GuardRecord {
    /// The token's id was revoked.
    Revoked,
    /// The token's session, and the account it belongs to.
    Found {
        /// The account.
        user: User,
        /// The session's times.
        times: SessionTimes,
    },
    /// The account exists, but has no session by that id (pruned, or never was).
    NoSession,
    /// The account is gone or disabled.
    NoAccount,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_id_pattern_takes_exactly_what_parse_takes() {
        let pattern = regex::Regex::new(SESSION_ID_PATTERN).unwrap();
        let generated = SessionId::generate().unwrap();
        for candidate in [
            generated.as_str(),
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdefa",
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert_eq!(
                pattern.is_match(candidate),
                SessionId::parse(candidate).is_some(),
                "{candidate}"
            );
        }
    }
}

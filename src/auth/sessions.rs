//! Sessions: every sign-in is one, with an unguessable id, the device it came from and
//! when it was last used. It lasts while it is used (the idle timeout), never longer
//! than its lifetime, and can be ended from anywhere. Its access tokens are short; a
//! refresh token renews them and is replaced on every use. The SQL of both tables is
//! here too.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use time::OffsetDateTime;

use super::activity::{ActivityEvent, record_activity};
use super::blocklist::{is_token_revoked, record_revocation};
use super::device::{ClientInfo, UserAgent, describe_device};
use super::random_id::{is_random_id, random_id};
use super::refresh_token::RefreshToken;
use super::token::{IssuedToken, VerifiedToken};
use super::users::{PasswordVersion, UserId, find_user_by_id};

/// What a session id looks like: what [`SessionId::parse`] takes. utoipa's attributes
/// take only literals, so the API document repeats it, and a test holds the two equal.
pub const SESSION_ID_PATTERN: &str = "^[0-9a-f]{32}$";

/// A session's id: 128 random bits, never derived from the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> anyhow::Result<Self> {
        random_id().map(Self)
    }

    /// An id as a client wrote it; anything that cannot be one is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        is_random_id(raw).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long access tokens and sessions last, and how recent a password must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
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

    /// Whether a password entered at `password_at` is recent enough at `now`.
    pub fn is_recent_password(&self, password_at: i64, now: OffsetDateTime) -> bool {
        now.unix_timestamp().saturating_sub(password_at)
            <= Self::seconds(self.reauthentication_window)
    }
}

/// The stored times of a session, as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_at: i64,
    pub last_active_at: i64,
    /// The last time the password was entered in this session: at sign-in, or when it
    /// was confirmed again.
    pub password_at: i64,
    pub ended_at: Option<i64>,
}

/// Why a session ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    EndedFromAnotherSession,
    RefreshTokenReused,
    PasswordChanged,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::EndedFromAnotherSession => "ended_from_another_session",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::PasswordChanged => "password_changed",
        }
    }
}

/// A refresh token as handed out, with the moment its session ends unless used again.
#[derive(Debug)]
pub struct IssuedRefreshToken {
    pub token: RefreshToken,
    pub expires_at: OffsetDateTime,
}

/// What a sign-in or a renewal hands the client: a short access token and the refresh
/// token that renews it.
#[derive(Debug)]
pub struct SignedIn {
    pub session_id: SessionId,
    pub access: IssuedToken,
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
    pub id: SessionId,
    /// "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    pub address: String,
    pub created_at: OffsetDateTime,
    pub last_active_at: OffsetDateTime,
    /// The session the request itself belongs to.
    pub current: bool,
}

/// What presenting a refresh token found.
#[derive(Debug)]
pub enum Redemption {
    /// The session's current token: it was replaced by its successor.
    Rotated {
        user_id: UserId,
        session: SessionId,
        times: SessionTimes,
    },
    /// The token replaced moments ago, presented again within the grace period: the
    /// client gets the successor the first request got.
    Raced {
        user_id: UserId,
        session: SessionId,
        times: SessionTimes,
    },
    /// An older token, or the previous one after the grace period: the session has been
    /// ended, since someone other than its owner may hold its tokens.
    Reused { user_id: UserId, session: SessionId },
    /// The session has ended, expired, or its account is gone.
    Ended,
    /// No token like it was ever issued.
    Unknown,
}

pub(super) fn timestamp(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Records a new session, its first refresh token and the sign-in, if the account's
/// password is still version `checked`: a sign-in that checked a password changed (or an
/// account deleted) since starts nothing, and gets `false`.
pub fn insert_session(
    connection: &mut Connection,
    id: &SessionId,
    user: UserId,
    checked: PasswordVersion,
    client: &ClientInfo,
    refresh: &RefreshToken,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let inserted = transaction
        .prepare_cached(
            "INSERT INTO sessions (id, user_id, created_at, last_active_at, password_at,
                                   client_address, user_agent)
             SELECT ?1, id, ?3, ?3, ?3, ?4, ?5 FROM users
             WHERE id = ?2 AND password_version = ?6 AND status = 'active'",
        )?
        .execute(params![
            id.as_str(),
            user.0,
            now.unix_timestamp(),
            client.address.to_string(),
            client.user_agent.as_str(),
            checked.0,
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    insert_refresh_token(&transaction, id, refresh, now.unix_timestamp())?;
    record_activity(&transaction, user, ActivityEvent::SignedIn, client, now)?;
    transaction.commit()?;
    Ok(true)
}

fn insert_refresh_token(
    connection: &Connection,
    session: &SessionId,
    token: &RefreshToken,
    now: i64,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO refresh_tokens (fingerprint, session_id, issued_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token.fingerprint(), session.as_str(), now])?;
    Ok(())
}

/// Replaces `presented` by `successor` if it is its session's current token; tells a
/// race from a theft if it was already replaced, and ends the session on a theft (and
/// records it, with the `client` that presented the old token). One immediate
/// transaction, so two requests presenting one token are served one after the other.
pub fn redeem_refresh_token(
    connection: &mut Connection,
    presented: &RefreshToken,
    successor: &RefreshToken,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<Redemption> {
    let presented_fingerprint = presented.fingerprint();
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = transaction
        .prepare_cached(
            "SELECT r.replaced_at, s.id, s.user_id, s.created_at, s.last_active_at,
                    s.password_at, s.ended_at, u.status = 'active'
             FROM refresh_tokens r
             JOIN sessions s ON s.id = r.session_id
             JOIN users u ON u.id = s.user_id
             WHERE r.fingerprint = ?1",
        )?
        .query_row([&presented_fingerprint], |row| {
            Ok((
                row.get::<_, Option<i64>>(0)?,
                SessionId(row.get(1)?),
                UserId(row.get(2)?),
                SessionTimes {
                    created_at: row.get(3)?,
                    last_active_at: row.get(4)?,
                    password_at: row.get(5)?,
                    ended_at: row.get(6)?,
                },
                row.get::<_, bool>(7)?,
            ))
        })
        .optional()?;
    let Some((replaced_at, session, user_id, times, account_active)) = found else {
        return Ok(Redemption::Unknown);
    };
    if !account_active || !policy.is_live(&times, now) {
        return Ok(Redemption::Ended);
    }
    let now_seconds = now.unix_timestamp();
    let used = SessionTimes {
        last_active_at: now_seconds,
        ..times
    };
    let touch = |transaction: &Connection| -> rusqlite::Result<()> {
        transaction
            .prepare_cached("UPDATE sessions SET last_active_at = ?2 WHERE id = ?1")?
            .execute(params![session.as_str(), now_seconds])?;
        Ok(())
    };
    let Some(replaced_at) = replaced_at else {
        transaction
            .prepare_cached("UPDATE refresh_tokens SET replaced_at = ?2 WHERE fingerprint = ?1")?
            .execute(params![presented_fingerprint, now_seconds])?;
        insert_refresh_token(&transaction, &session, successor, now_seconds)?;
        touch(&transaction)?;
        transaction.commit()?;
        return Ok(Redemption::Rotated {
            user_id,
            session,
            times: used,
        });
    };
    let successor_is_current: bool = transaction
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens
                            WHERE fingerprint = ?1 AND replaced_at IS NULL)",
        )?
        .query_row([successor.fingerprint()], |row| row.get(0))?;
    let within_grace = now_seconds.saturating_sub(replaced_at)
        <= SessionPolicy::seconds(policy.refresh_reuse_grace);
    if successor_is_current && within_grace {
        touch(&transaction)?;
        transaction.commit()?;
        return Ok(Redemption::Raced {
            user_id,
            session,
            times: used,
        });
    }
    mark_ended(
        &transaction,
        &session,
        EndReason::RefreshTokenReused,
        now_seconds,
    )?;
    record_activity(
        &transaction,
        user_id,
        ActivityEvent::RefreshTokenReused,
        client,
        now,
    )?;
    transaction.commit()?;
    Ok(Redemption::Reused { user_id, session })
}

fn mark_ended(
    connection: &Connection,
    session: &SessionId,
    reason: EndReason,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = connection
        .prepare_cached(
            "UPDATE sessions SET ended_at = ?2, end_reason = ?3
             WHERE id = ?1 AND ended_at IS NULL",
        )?
        .execute(params![session.as_str(), now, reason.as_str()])?;
    Ok(changed > 0)
}

/// Logs out: revokes the token that proved the session, ends the session and records
/// it, in one transaction.
pub fn sign_out(
    connection: &mut Connection,
    token: &VerifiedToken,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    record_revocation(&transaction, &token.token_id, token.expires_at, now)?;
    mark_ended(
        &transaction,
        &token.session_id,
        EndReason::SignedOut,
        now.unix_timestamp(),
    )?;
    record_activity(
        &transaction,
        token.user_id,
        ActivityEvent::SignedOut,
        client,
        now,
    )?;
    transaction.commit()
}

/// Ends one session of `user` from another of theirs, used by `client`; false if it is
/// not a live session of theirs.
pub fn end_session(
    connection: &mut Connection,
    user: UserId,
    session: &SessionId,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !is_session_live(&transaction, user, session, policy, now)? {
        return Ok(false);
    }
    mark_ended(
        &transaction,
        session,
        EndReason::EndedFromAnotherSession,
        now.unix_timestamp(),
    )?;
    record_activity(&transaction, user, ActivityEvent::SessionEnded, client, now)?;
    transaction.commit()?;
    Ok(true)
}

/// Ends every session of `user` but `keep`, records it, and says how many were live.
pub fn end_other_sessions(
    connection: &mut Connection,
    user: UserId,
    keep: &SessionId,
    client: &ClientInfo,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ended = end_sessions_but(
        &transaction,
        user,
        keep,
        EndReason::EndedFromAnotherSession,
        policy,
        now,
    )?;
    record_activity(
        &transaction,
        user,
        ActivityEvent::OtherSessionsSignedOut,
        client,
        now,
    )?;
    transaction.commit()?;
    Ok(ended)
}

/// Ends every live session of `user` but `keep`, inside the caller's transaction;
/// returns how many.
pub fn end_sessions_but(
    connection: &Connection,
    user: UserId,
    keep: &SessionId,
    reason: EndReason,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let others: Vec<SessionId> = list_live_sessions(connection, user, policy, now)?
        .into_iter()
        .map(|row| row.id)
        .filter(|id| id != keep)
        .collect();
    for id in &others {
        mark_ended(connection, id, reason, now.unix_timestamp())?;
    }
    Ok(others.len())
}

/// Whether `user` has a session `session` that may still be used at `now`.
pub fn is_session_live(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    Ok(find_session_times(connection, user, session)?
        .is_some_and(|times| policy.is_live(&times, now)))
}

/// The times of `user`'s session `session`, if they have one by that id.
fn find_session_times(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
) -> rusqlite::Result<Option<SessionTimes>> {
    connection
        .prepare_cached(
            "SELECT created_at, last_active_at, password_at, ended_at
             FROM sessions WHERE id = ?1 AND user_id = ?2",
        )?
        .query_row(params![session.as_str(), user.0], session_times)
        .optional()
}

fn session_times(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionTimes> {
    Ok(SessionTimes {
        created_at: row.get(0)?,
        last_active_at: row.get(1)?,
        password_at: row.get(2)?,
        ended_at: row.get(3)?,
    })
}

/// A stored session, before it is described for a person.
pub struct StoredSession {
    pub id: SessionId,
    pub times: SessionTimes,
    pub address: String,
    pub user_agent: UserAgent,
}

/// The live sessions of `user`, most recently active first.
pub fn list_live_sessions(
    connection: &Connection,
    user: UserId,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<Vec<StoredSession>> {
    let rows = connection
        .prepare_cached(
            "SELECT created_at, last_active_at, password_at, ended_at, id, client_address,
                    user_agent
             FROM sessions WHERE user_id = ?1 AND ended_at IS NULL
             ORDER BY last_active_at DESC, created_at DESC",
        )?
        .query_map([user.0], |row| {
            Ok(StoredSession {
                times: session_times(row)?,
                id: SessionId(row.get(4)?),
                address: row.get(5)?,
                user_agent: UserAgent::from_header(Some(&row.get::<_, String>(6)?)),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter(|row| policy.is_live(&row.times, now))
        .collect())
}

impl StoredSession {
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

/// Writes "last active" unless another request already has, lately.
pub fn touch_session(
    connection: &Connection,
    session: &SessionId,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "UPDATE sessions SET last_active_at = ?2 WHERE id = ?1 AND last_active_at < ?2",
        )?
        .execute(params![session.as_str(), now.unix_timestamp()])?;
    Ok(())
}

/// Records that the password was just entered in this session, so it counts as a
/// recent sign-in.
pub fn record_password_entry(
    connection: &Connection,
    session: &SessionId,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached("UPDATE sessions SET password_at = ?2 WHERE id = ?1")?
        .execute(params![session.as_str(), now.unix_timestamp()])?;
    Ok(())
}

/// Deletes the sessions that can no longer be used (ended, idle too long or past their
/// lifetime; their refresh tokens go with them) and the revoked token ids that have
/// expired anyway. Returns how many sessions went.
pub fn prune_sessions(
    connection: &mut Connection,
    policy: &SessionPolicy,
    now: OffsetDateTime,
) -> rusqlite::Result<usize> {
    let now = now.unix_timestamp();
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let pruned = transaction
        .prepare_cached(
            "DELETE FROM sessions
             WHERE ended_at IS NOT NULL OR last_active_at < ?1 OR created_at < ?2",
        )?
        .execute(params![
            now.saturating_sub(SessionPolicy::seconds(policy.idle_timeout)),
            now.saturating_sub(SessionPolicy::seconds(policy.lifetime)),
        ])?;
    transaction
        .prepare_cached("DELETE FROM revoked_tokens WHERE expires_at < ?1")?
        .execute([now])?;
    transaction.commit()?;
    Ok(pruned)
}

/// What the guard found for an access token.
pub enum GuardRecord {
    Revoked,
    /// The token's session, and the account it belongs to.
    Found {
        user: super::users::User,
        times: SessionTimes,
    },
    /// The account exists, but has no session by that id (pruned, or never was).
    NoSession,
    NoAccount,
}

/// Whether `token_id` is revoked, then the session and its account: three primary-key
/// reads. Not one join: with the query planner's statistics compiled in (STAT4), SQLite
/// re-prepared a join on every call, which cost a quarter of the guard's throughput.
pub fn find_guard_record(
    connection: &Connection,
    user: UserId,
    session: &SessionId,
    token_id: &str,
) -> rusqlite::Result<GuardRecord> {
    if is_token_revoked(connection, token_id)? {
        return Ok(GuardRecord::Revoked);
    }
    let times = find_session_times(connection, user, session)?;
    let account = find_user_by_id(connection, user)?;
    Ok(match (account, times) {
        (None, _) => GuardRecord::NoAccount,
        (Some(_), None) => GuardRecord::NoSession,
        (Some(user), Some(times)) => GuardRecord::Found { user, times },
    })
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

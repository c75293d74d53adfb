//! The account's security activity: sign-ins, failures, sign-outs and credential
//! changes, each with when, from which device and address. Written in the transaction
//! of the change it records; never a password, a token or a hash. The SQL is here too.

use std::time::Duration;

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::device::{ClientInfo, UserAgent, describe_device};
use super::sessions::timestamp;
use super::users::UserId;

/// How many events the activity page and API show.
pub const ACTIVITY_SHOWN: usize = 50;
/// Events older than this are pruned.
pub const ACTIVITY_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);
/// At most this many events are kept per account, so failed sign-ins from many
/// addresses cannot grow one account's record without bound between prunes.
const ACTIVITY_KEPT_PER_ACCOUNT: i64 = 1000;

/// What happened. The codes are stable: the API publishes them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum ActivityEvent {
    AccountCreated,
    SignedIn,
    /// A wrong password for this account: at login, or when asked for it again.
    FailedSignIn,
    SignedOut,
    /// A session was ended from another one of the account's sessions.
    SessionEnded,
    OtherSessionsSignedOut,
    PasswordChanged,
    RefreshTokenReused,
    /// The password was entered again in a session, to confirm a sensitive action.
    Reauthenticated,
}

impl ActivityEvent {
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// Every event's code, for the API document.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        <Self as strum::IntoEnumIterator>::iter().map(Self::code)
    }

    /// The words the activity page shows.
    pub fn description(self) -> &'static str {
        match self {
            Self::AccountCreated => "Account created",
            Self::SignedIn => "Signed in",
            Self::FailedSignIn => "Failed sign-in",
            Self::SignedOut => "Signed out",
            Self::SessionEnded => "Session ended from another device",
            Self::OtherSessionsSignedOut => "Other sessions signed out",
            Self::PasswordChanged => "Password changed",
            Self::RefreshTokenReused => "Refresh token reused: session ended",
            Self::Reauthenticated => "Signed in again to confirm",
        }
    }
}

/// One event as its account's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub at: OffsetDateTime,
    pub event: ActivityEvent,
    /// "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    pub address: String,
}

/// Records `event` for `user`, from `client`.
pub fn record_activity(
    connection: &Connection,
    user: UserId,
    event: ActivityEvent,
    client: &ClientInfo,
    now: OffsetDateTime,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO activity (user_id, at, event, client_address, user_agent)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            user.0,
            now.unix_timestamp(),
            event.code(),
            client.address.to_string(),
            client.user_agent.as_str(),
        ])?;
    Ok(())
}

/// The newest [`ACTIVITY_SHOWN`] events of `user`, newest first.
pub fn list_activity(
    connection: &Connection,
    user: UserId,
) -> rusqlite::Result<Vec<ActivityEntry>> {
    let rows = connection
        .prepare_cached(
            "SELECT at, event, client_address, user_agent FROM activity
             WHERE user_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )?
        .query_map(params![user.0, ACTIVITY_SHOWN as i64], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // A code this build does not know (written by a newer one) is left out, not an error.
    Ok(rows
        .into_iter()
        .filter_map(|(at, event, address, user_agent)| {
            Some(ActivityEntry {
                at: timestamp(at),
                event: event.parse().ok()?,
                device: describe_device(&UserAgent::from_header(Some(&user_agent))),
                address,
            })
        })
        .collect())
}

/// Deletes events older than [`ACTIVITY_RETENTION`] and those past the newest
/// [`ACTIVITY_KEPT_PER_ACCOUNT`] of an account. Returns how many went.
pub fn prune_activity(connection: &Connection, now: OffsetDateTime) -> rusqlite::Result<usize> {
    let retention = i64::try_from(ACTIVITY_RETENTION.as_secs()).unwrap_or(i64::MAX);
    let old = connection
        .prepare_cached("DELETE FROM activity WHERE at < ?1")?
        .execute([now.unix_timestamp().saturating_sub(retention)])?;
    // Only accounts over the cap are looked at, each through its own index range.
    let crowded: Vec<i64> = connection
        .prepare_cached("SELECT user_id FROM activity GROUP BY user_id HAVING COUNT(*) > ?1")?
        .query_map([ACTIVITY_KEPT_PER_ACCOUNT], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut surplus = 0;
    for user in crowded {
        surplus += connection
            .prepare_cached(
                "DELETE FROM activity WHERE user_id = ?1 AND id NOT IN (
                     SELECT id FROM activity WHERE user_id = ?1
                     ORDER BY at DESC, id DESC LIMIT ?2)",
            )?
            .execute(params![user, ACTIVITY_KEPT_PER_ACCOUNT])?;
    }
    Ok(old + surplus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::client;
    use crate::auth::users::insert_user;
    use crate::db::temporary_connection;
    use crate::domain::Username;

    fn account(connection: &Connection, name: &str) -> UserId {
        let name = Username::parse(name).unwrap();
        insert_user(connection, &name, None, "h", OffsetDateTime::now_utc())
            .unwrap()
            .id
    }

    #[test]
    fn every_code_reads_back_as_its_event() {
        for event in <ActivityEvent as strum::IntoEnumIterator>::iter() {
            assert_eq!(event.code().parse::<ActivityEvent>().unwrap(), event);
        }
        assert_eq!(ActivityEvent::codes().count(), 9);
        assert_eq!(ActivityEvent::FailedSignIn.code(), "failed_sign_in");
    }

    #[test]
    fn an_account_sees_its_newest_fifty_events_newest_first_and_nobody_elses() {
        let (_directory, connection) = temporary_connection();
        let grace = account(&connection, "grace");
        let alan = account(&connection, "alan");
        let start = OffsetDateTime::now_utc();
        for second in 0..60 {
            let at = start + time::Duration::seconds(second);
            record_activity(
                &connection,
                grace,
                ActivityEvent::SignedIn,
                &client("curl/8"),
                at,
            )
            .unwrap();
        }
        record_activity(
            &connection,
            alan,
            ActivityEvent::FailedSignIn,
            &client("x"),
            start,
        )
        .unwrap();
        let listed = list_activity(&connection, grace).unwrap();
        assert_eq!(listed.len(), ACTIVITY_SHOWN);
        assert_eq!(listed[0].at.unix_timestamp(), start.unix_timestamp() + 59);
        assert!(listed.windows(2).all(|pair| pair[0].at > pair[1].at));
        assert!(
            listed
                .iter()
                .all(|entry| entry.event == ActivityEvent::SignedIn)
        );
        assert_eq!(listed[0].device, "curl");
        assert_eq!(listed[0].address, "127.0.0.1");
    }

    #[test]
    fn pruning_drops_events_past_ninety_days_and_past_the_cap_per_account() {
        let (_directory, connection) = temporary_connection();
        let grace = account(&connection, "grace");
        let now = OffsetDateTime::now_utc();
        let curl = client("curl");
        record_activity(
            &connection,
            grace,
            ActivityEvent::SignedIn,
            &curl,
            now - time::Duration::days(91),
        )
        .unwrap();
        record_activity(
            &connection,
            grace,
            ActivityEvent::SignedOut,
            &curl,
            now - time::Duration::days(89),
        )
        .unwrap();
        assert_eq!(prune_activity(&connection, now).unwrap(), 1);
        let kept = list_activity(&connection, grace).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].event, ActivityEvent::SignedOut);
        for _ in 0..ACTIVITY_KEPT_PER_ACCOUNT {
            record_activity(&connection, grace, ActivityEvent::FailedSignIn, &curl, now).unwrap();
        }
        assert_eq!(prune_activity(&connection, now).unwrap(), 1);
        let newest = list_activity(&connection, grace).unwrap();
        assert!(
            newest
                .iter()
                .all(|entry| entry.event == ActivityEvent::FailedSignIn)
        );
    }
}

//! The account's security activity in SQLite.

use keycard_core::auth::{
    ACTIVITY_KEPT_PER_ACCOUNT, ACTIVITY_RETENTION, ACTIVITY_SHOWN, ActivityEntry, ActivityEvent,
    ActivityStore, ClientInfo, StoreError, UserId,
};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

use crate::SqliteStore;

/// Records `event` for `user`, from `client`; nothing if the account has just been
/// deleted (its activity went with it), rather than failing the change it records.
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
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
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
    Ok(rows
        .into_iter()
        .filter_map(|(at, code, address, user_agent)| {
            ActivityEntry::from_stored(at, &code, address, &user_agent)
        })
        .collect())
}

/// The distinct user agents `user` has signed up or signed in with.
pub fn known_user_agents(connection: &Connection, user: UserId) -> rusqlite::Result<Vec<String>> {
    connection
        .prepare_cached(
            "SELECT DISTINCT user_agent FROM activity
             WHERE user_id = ?1 AND event IN ('account_created', 'signed_in')",
        )?
        .query_map([user.0], |row| row.get(0))?
        .collect()
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

#[async_trait::async_trait]
impl ActivityStore for SqliteStore {
    async fn record_activity(
        &self,
        user: UserId,
        event: ActivityEvent,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let client = client.clone();
        self.write(move |connection| record_activity(connection, user, event, &client, now))
            .await
    }

    async fn list_activity(&self, user: UserId) -> Result<Vec<ActivityEntry>, StoreError> {
        self.read(move |connection| list_activity(connection, user))
            .await
    }

    async fn known_user_agents(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        self.read(move |connection| known_user_agents(connection, user))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporary_connection;
    use crate::users::insert_user;
    use keycard_core::auth::UserAgent;
    use keycard_core::domain::Username;

    fn client(user_agent: &str) -> ClientInfo {
        ClientInfo {
            address: std::net::Ipv4Addr::LOCALHOST.into(),
            user_agent: UserAgent::from_header(Some(user_agent)),
        }
    }

    fn account(connection: &Connection, name: &str) -> UserId {
        let name = Username::parse(name).unwrap();
        insert_user(connection, &name, None, "h", OffsetDateTime::now_utc())
            .unwrap()
            .id
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

//! Revoked token ids in SQLite, kept until the token would have expired anyway.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Records `token_id` as revoked until `expires_at`, and deletes rows whose tokens have
/// expired since, so the table only ever holds tokens that could still be presented.
/// Run it inside the caller's transaction, so it commits with the rest of a logout.
/// `false` if the id was revoked already, or has expired: what spends a single-use id.
/// An id past its expiry is never recorded, by the same comparison the pruning uses, so
/// a spend whose row was pruned cannot be made again.
pub fn record_revocation(
    connection: &Connection,
    token_id: &str,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> rusqlite::Result<bool> {
    connection
        .prepare_cached("DELETE FROM revoked_tokens WHERE expires_at < ?1")?
        .execute([now.unix_timestamp()])?;
    if expires_at.unix_timestamp() < now.unix_timestamp() {
        return Ok(false);
    }
    let recorded = connection
        .prepare_cached("INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)")?
        .execute(params![token_id, expires_at.unix_timestamp()])?;
    Ok(recorded == 1)
}

pub fn is_token_revoked(connection: &Connection, token_id: &str) -> rusqlite::Result<bool> {
    connection
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?1)")?
        .query_row([token_id], |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporary_connection;
    use time::Duration;

    #[test]
    fn a_revoked_token_is_reported_as_revoked() {
        let (_directory, connection) = temporary_connection();
        let now = OffsetDateTime::now_utc();
        record_revocation(&connection, "revoked", now + Duration::hours(1), now).unwrap();
        assert!(is_token_revoked(&connection, "revoked").unwrap());
        assert!(!is_token_revoked(&connection, "still-good").unwrap());
    }

    #[test]
    fn rows_of_expired_tokens_are_pruned_on_the_next_write() {
        let (_directory, connection) = temporary_connection();
        let now = OffsetDateTime::now_utc();
        record_revocation(
            &connection,
            "old",
            now - Duration::minutes(1),
            now - Duration::hours(1),
        )
        .unwrap();
        record_revocation(&connection, "new", now + Duration::hours(1), now).unwrap();
        let rows: i64 = connection
            .query_row("SELECT COUNT(*) FROM revoked_tokens", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        assert!(is_token_revoked(&connection, "new").unwrap());
    }
}

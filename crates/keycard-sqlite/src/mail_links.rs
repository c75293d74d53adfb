//! The links mailed out, in SQLite: only a keyed hash of each link's verifier.

use rusqlite::{Connection, OptionalExtension, params};

use keycard_core::auth::{NewLink, PasswordVersion, StoredLink, UserId};

/// Stores `link` if the account is active, still has the link's address, and for a
/// reset link, has it verified and its password still at the version given.
pub fn insert_link(connection: &Connection, link: &NewLink) -> rusqlite::Result<bool> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO mail_links (selector, user_id, purpose, verifier_hash, email,
                                     password_version, created_at, expires_at)
             SELECT ?1, id, ?3, ?4, email, password_version, ?6, ?7 FROM users
             WHERE id = ?2 AND status = 'active' AND email = ?5
               AND (?8 IS NULL OR (password_version = ?8 AND email_verified = 1))",
        )?
        .execute(params![
            link.selector,
            link.user.0,
            link.purpose.code(),
            link.verifier_hash,
            link.email,
            link.created_at,
            link.expires_at,
            link.password_version.map(|version| version.0),
        ])?;
    Ok(inserted == 1)
}

pub fn find_link(connection: &Connection, selector: &str) -> rusqlite::Result<Option<StoredLink>> {
    connection
        .prepare_cached(
            "SELECT l.user_id, u.username, l.purpose, l.verifier_hash, l.email,
                    l.password_version, l.expires_at
             FROM mail_links l JOIN users u ON u.id = l.user_id
             WHERE l.selector = ?1",
        )?
        .query_row([selector], |row| {
            Ok(StoredLink {
                user: UserId(row.get(0)?),
                username: row.get(1)?,
                purpose: row.get_ref(2)?.as_str()?.parse().ok(),
                verifier_hash: row.get(3)?,
                email: row.get(4)?,
                password_version: PasswordVersion(row.get(5)?),
                expires_at: row.get(6)?,
            })
        })
        .optional()
}

/// Deletes the link; false if it was not there (spent by a racing request).
pub fn spend_link(connection: &Connection, selector: &str) -> rusqlite::Result<bool> {
    let deleted = connection
        .prepare_cached("DELETE FROM mail_links WHERE selector = ?1")?
        .execute([selector])?;
    Ok(deleted == 1)
}

/// Deletes every link of the account's, or only those for `purpose`.
pub fn spend_links_of(
    connection: &Connection,
    user: UserId,
    purpose: Option<&str>,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "DELETE FROM mail_links WHERE user_id = ?1 AND (?2 IS NULL OR purpose = ?2)",
        )?
        .execute(params![user.0, purpose])?;
    Ok(())
}

/// Deletes links past their expiry; how many.
pub fn prune_links(connection: &Connection, now: i64) -> rusqlite::Result<usize> {
    connection
        .prepare_cached("DELETE FROM mail_links WHERE expires_at <= ?1")?
        .execute([now])
}

//! An account's row, read back as the core's `User`.

use keycard_core::auth::{User, UserId, UserStatus};
use rusqlite::{Connection, OptionalExtension as _};
use time::OffsetDateTime;

/// The account `id`, if there is one.
pub(crate) fn find_user_by_id(
    connection: &Connection,
    id: UserId,
) -> rusqlite::Result<Option<User>> {
    connection
        .prepare_cached(
            "SELECT id, username, email, status, created_at, email_verified FROM users
             WHERE id = ?1",
        )?
        .query_row([id.0], |row| {
            let status = match row.get_ref(3)?.as_str()? {
                "active" => UserStatus::Active,
                _ => UserStatus::Disabled,
            };
            let created_at = OffsetDateTime::from_unix_timestamp(row.get(4)?).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Integer,
                    e.into(),
                )
            })?;
            Ok(User {
                id: UserId(row.get(0)?),
                username: row.get(1)?,
                email: row.get(2)?,
                email_verified: row.get(5)?,
                status,
                created_at,
            })
        })
        .optional()
}

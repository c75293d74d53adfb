//! Passkeys in SQLite: each account's WebAuthn user handle and its credentials.

use keycard_core::auth::{
    ActivityEvent, ClientInfo, NewPasskey, PasskeyStore, StoreError, StoredPasskey, UserId,
    timestamp,
};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::{SqliteStore, activity, blocklist, sessions};

const COLUMNS: &str = "p.id, p.user_id, u.webauthn_handle, p.name, p.credential, p.created_at,
                       p.last_used_at";

fn stored(row: &Row<'_>) -> rusqlite::Result<StoredPasskey> {
    Ok(StoredPasskey {
        id: row.get(0)?,
        user: UserId(row.get(1)?),
        user_handle: row.get(2)?,
        name: row.get(3)?,
        credential: row.get(4)?,
        created_at: timestamp(row.get(5)?),
        last_used_at: row.get::<_, Option<i64>>(6)?.map(timestamp),
    })
}

pub fn webauthn_handle(
    connection: &Connection,
    user: UserId,
    candidate: &str,
) -> rusqlite::Result<Option<String>> {
    connection
        .prepare_cached(
            "UPDATE users SET webauthn_handle = ?2 WHERE id = ?1 AND webauthn_handle IS NULL",
        )?
        .execute(params![user.0, candidate])?;
    connection
        .prepare_cached("SELECT webauthn_handle FROM users WHERE id = ?1")?
        .query_row([user.0], |row| row.get(0))
        .optional()
}

pub fn list_passkeys(
    connection: &Connection,
    user: UserId,
) -> rusqlite::Result<Vec<StoredPasskey>> {
    connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
             WHERE p.user_id = ?1 ORDER BY p.created_at DESC, p.id"
        ))?
        .query_map([user.0], stored)?
        .collect()
}

pub fn insert_passkey(
    connection: &Connection,
    passkey: &NewPasskey,
    now: i64,
) -> rusqlite::Result<bool> {
    let inserted = connection
        .prepare_cached(
            "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at)
             SELECT ?1, id, ?3, ?4, ?5, ?6 FROM users WHERE id = ?2 AND status = 'active'
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            passkey.id,
            passkey.user.0,
            passkey.credential_id,
            passkey.name,
            passkey.credential,
            now
        ])?;
    Ok(inserted == 1)
}

pub fn find_passkey(
    connection: &Connection,
    credential_id: &str,
) -> rusqlite::Result<Option<StoredPasskey>> {
    connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
             WHERE p.credential_id = ?1 AND u.status = 'active'"
        ))?
        .query_row([credential_id], stored)
        .optional()
}

/// Compare-and-set on the credential: written only if it is still `read`.
pub fn record_passkey_use(
    connection: &Connection,
    id: &str,
    read: &str,
    credential: Option<&str>,
    now: i64,
) -> rusqlite::Result<bool> {
    let written = connection
        .prepare_cached(
            "UPDATE passkeys SET last_used_at = ?2, credential = COALESCE(?3, credential)
             WHERE id = ?1 AND credential = ?4",
        )?
        .execute(params![id, now, credential, read])?;
    Ok(written == 1)
}

pub fn remove_passkey(connection: &Connection, user: UserId, id: &str) -> rusqlite::Result<bool> {
    let removed = connection
        .prepare_cached("DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2")?
        .execute(params![id, user.0])?;
    Ok(removed == 1)
}

#[async_trait::async_trait]
impl PasskeyStore for SqliteStore {
    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |connection| {
            blocklist::record_revocation(connection, &id, expires_at, OffsetDateTime::now_utc())
        })
        .await
    }

    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError> {
        let candidate = candidate.to_owned();
        let handle = self
            .write(move |connection| webauthn_handle(connection, user, &candidate))
            .await?;
        handle.ok_or_else(|| StoreError::Failed(format!("no account {}", user.0).into()))
    }

    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
        self.read(move |connection| list_passkeys(connection, user))
            .await
    }

    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (passkey.clone(), client.clone());
        self.write(move |connection| {
            let (passkey, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !insert_passkey(&transaction, &passkey, now.unix_timestamp())? {
                return Ok(false);
            }
            activity::record_activity(
                &transaction,
                passkey.user,
                ActivityEvent::PasskeyAdded,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }

    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        let credential_id = credential_id.to_owned();
        self.read(move |connection| find_passkey(connection, &credential_id))
            .await
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let input = (
            id.to_owned(),
            read.to_owned(),
            credential.map(str::to_owned),
        );
        self.write(move |connection| {
            let (id, read, credential) = input;
            record_passkey_use(
                connection,
                &id,
                &read,
                credential.as_deref(),
                now.unix_timestamp(),
            )
        })
        .await
    }

    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError> {
        let input = (id.to_owned(), client.clone());
        self.write(move |connection| {
            let (id, client) = input;
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !remove_passkey(&transaction, user, &id)? {
                return Ok(None);
            }
            let ended = sessions::end_sessions_of_passkey(&transaction, user, &id, now)?;
            activity::record_activity(
                &transaction,
                user,
                ActivityEvent::PasskeyRemoved,
                &client,
                now,
            )?;
            transaction.commit()?;
            Ok(Some(ended))
        })
        .await
    }
}

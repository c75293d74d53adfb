//! Passkeys in PostgreSQL: each account's WebAuthn user handle, its credentials, and
//! the ceremony ids already spent.

use keycard_core::auth::{
    ActivityEvent, ClientInfo, EndReason, NewPasskey, PasskeyStore, StoreError, StoredPasskey,
    UserId, timestamp,
};
use time::OffsetDateTime;

use crate::PgStore;
use crate::activity::record_activity;
use crate::locks::{AccountLock, lock_account};
use crate::pool::{CachedStatements as _, begin, column, commit};
use crate::sessions::record_revocation;

pub(crate) const PASSKEY_COLUMNS: &str = "p.id, p.user_id, u.webauthn_handle, p.name, p.credential,
                               p.created_at, p.last_used_at";

pub(crate) fn stored_passkey(row: &tokio_postgres::Row) -> Result<StoredPasskey, StoreError> {
    Ok(StoredPasskey {
        id: column(row, 0)?,
        user: UserId(column(row, 1)?),
        user_handle: column(row, 2)?,
        name: column(row, 3)?,
        credential: column(row, 4)?,
        created_at: timestamp(column(row, 5)?),
        last_used_at: column::<Option<i64>>(row, 6)?.map(timestamp),
    })
}

#[async_trait::async_trait]
impl PasskeyStore for PgStore {
    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError> {
        let db = self.client().await?;
        record_revocation(&db, id, expires_at, OffsetDateTime::now_utc()).await
    }

    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError> {
        let db = self.client().await?;
        db.cached_execute(
            "UPDATE users SET webauthn_handle = $2 WHERE id = $1 AND webauthn_handle IS NULL",
            &[&user.0, &candidate],
        )
        .await?;
        let row = db
            .cached_query_opt(
                "SELECT webauthn_handle FROM users WHERE id = $1",
                &[&user.0],
            )
            .await?
            .ok_or_else(|| StoreError::Failed(format!("no account {}", user.0).into()))?;
        column(&row, 0)
    }

    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
        let db = self.client().await?;
        db.cached_query(
            &format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
                 WHERE p.user_id = $1 ORDER BY p.created_at DESC, p.id"
            ),
            &[&user.0],
        )
        .await?
        .iter()
        .map(stored_passkey)
        .collect()
    }

    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        if !lock_account(&transaction, passkey.user, AccountLock::KeepAccount).await? {
            return Ok(false);
        }
        let inserted = transaction
            .cached_execute(
                "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at)
                 SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2 AND status = 'active'
                 ON CONFLICT DO NOTHING",
                &[
                    &passkey.id,
                    &passkey.user.0,
                    &passkey.credential_id,
                    &passkey.name,
                    &passkey.credential,
                    &now.unix_timestamp(),
                ],
            )
            .await?;
        if inserted != 1 {
            return Ok(false);
        }
        record_activity(
            &transaction,
            passkey.user,
            ActivityEvent::PasskeyAdded,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
        Ok(true)
    }

    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError> {
        let db = self.client().await?;
        db.cached_query_opt(
            &format!(
                "SELECT {PASSKEY_COLUMNS} FROM passkeys p JOIN users u ON u.id = p.user_id
                 WHERE p.credential_id = $1 AND u.status = 'active'"
            ),
            &[&credential_id],
        )
        .await?
        .as_ref()
        .map(stored_passkey)
        .transpose()
    }

    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let db = self.client().await?;
        let written = db
            .cached_execute(
                "UPDATE passkeys SET last_used_at = $2, credential = COALESCE($3, credential)
                 WHERE id = $1 AND credential = $4",
                &[&id, &now.unix_timestamp(), &credential, &read],
            )
            .await?;
        Ok(written == 1)
    }

    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError> {
        let mut db = self.client().await?;
        let transaction = begin(&mut db).await?;
        let removed = transaction
            .cached_execute(
                "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
                &[&id, &user.0],
            )
            .await?;
        if removed != 1 {
            return Ok(None);
        }
        let ended = transaction
            .cached_execute(
                "UPDATE sessions SET ended_at = $3, end_reason = $4
                 WHERE user_id = $1 AND passkey_id = $2 AND ended_at IS NULL",
                &[
                    &user.0,
                    &id,
                    &now.unix_timestamp(),
                    &EndReason::PasskeyRemoved.as_str(),
                ],
            )
            .await?;
        record_activity(
            &transaction,
            user,
            ActivityEvent::PasskeyRemoved,
            client,
            now,
        )
        .await?;
        commit(transaction).await?;
        Ok(Some(usize::try_from(ended).unwrap_or(usize::MAX)))
    }
}

#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod activity;
mod blocklist;
mod links;
mod migrations;
mod passkeys;
mod pool;
mod sessions;
mod throttle;
mod two_step;
mod user_rows;
mod users;

use keycard_core::auth::{SessionPolicy, Store, StoreError};
use time::OffsetDateTime;

pub use pool::{DEFAULT_BUSY_TIMEOUT, Db, DbError};

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(_) | DbError::WritesQueued | DbError::Closed => {
                Self::Unavailable(error.into())
            }
            _ => Self::Failed(error.into()),
        }
    }
}

/// The core's storage in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// The store over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Reads on a pooled connection.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .db
            .run(move |connection| work(connection).map_err(DbError::from))
            .await?)
    }

    /// Writes on the writer connection, one at a time.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .db
            .write(move |connection| work(connection).map_err(DbError::from))
            .await?)
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn check(&self) -> Result<(), StoreError> {
        Ok(self.db.check().await?)
    }

    async fn prune(
        &self,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let policy = *policy;
        self.write(move |connection| {
            let sessions = sessions::prune_sessions(connection, &policy, now)?;
            let links = links::prune_links(connection, now.unix_timestamp())?;
            Ok(sessions + links + activity::prune_activity(connection, now)?)
        })
        .await
    }
}

/// A migrated database file in a fresh temporary directory, for unit tests of the SQL.
#[cfg(test)]
pub fn temporary_connection() -> (tempfile::TempDir, rusqlite::Connection) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("test.db");
    drop(Db::open(&path, DEFAULT_BUSY_TIMEOUT).expect("a migrated database"));
    let connection = rusqlite::Connection::open(&path).expect("a connection");
    (directory, connection)
}

//! A handful of reusable SQLite connections, borrowed on the blocking thread pool.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::migrations::migrate;

/// How long a write waits for another writer before giving up with SQLITE_BUSY, unless
/// configured otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections open at most, all kept for reuse with their statement caches; more
/// database work at once than this waits its turn instead of opening a new file
/// handle (and a cold cache) per request.
const MAX_CONNECTIONS: usize = 8;

#[derive(Debug, thiserror::Error)]
/// Why the SQLite file could not serve a request.
pub enum DbError {
    #[error("could not open the database at {path}: {source}")]
    /// The file could not be opened or migrated.
    Open {
        /// The file.
        path: PathBuf,
        /// Why not.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database could not take the request right now: another writer held the lock
    /// past the busy timeout, or the disk is full, read-only or failing. Nothing was
    /// committed, and the same request may well succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(rusqlite::Error),
    #[error("database query failed: {0}")]
    /// A query failed.
    Query(rusqlite::Error),
    /// This process's earlier writes held the database past the busy timeout.
    #[error("the database is unavailable: other writes did not finish in time")]
    WritesQueued,
    #[error("the database pool is closed")]
    /// The database has been closed.
    Closed,
    #[error("database task did not finish: {0}")]
    /// The blocking task running the work failed.
    Task(#[from] tokio::task::JoinError),
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{
            CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, PermissionDenied, ReadOnly,
            SystemIoFailure,
        };
        match error.sqlite_error_code() {
            Some(
                DatabaseBusy | DatabaseLocked | DiskFull | ReadOnly | SystemIoFailure | CannotOpen
                | PermissionDenied,
            ) => Self::Unavailable(error),
            _ => Self::Query(error),
        }
    }
}

/// The application's database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection that may be in use.
    in_use: Arc<Semaphore>,
    /// The one connection writes use, taking turns here, first come first served,
    /// rather than in SQLite, where a write that finds another in progress sleeps and
    /// retries while it holds a connection reads could use. One connection also keeps
    /// the pages and statements of writes out of the readers' caches. `None` until
    /// first used, or after a write failed inside a transaction.
    writer: tokio::sync::Mutex<Option<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database file and its directory, and migrates it.
    /// A write waits up to `busy_timeout` for another writer to finish.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self, DbError> {
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| DbError::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(directory) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // A directory Keycard creates holds password hashes and the signing secret,
            // so only the owner may look inside.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(directory)
                .map_err(|e| open_error(e.into()))?;
        }
        // The file holds password hashes, so a new one is owner-only whatever the umask;
        // SQLite gives its -wal and -shm files the same mode.
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => return Err(open_error(error.into())),
        }
        let mut connection =
            open_connection(path, busy_timeout).map_err(|e| open_error(e.into()))?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| open_error(e.into()))?;
        migrate(&mut connection).map_err(|e| open_error(e.into()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                busy_timeout,
                idle: Mutex::new(vec![connection]),
                in_use: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
                writer: tokio::sync::Mutex::new(None),
            }),
        })
    }

    /// Whether any account is stored; asked once, before the server takes requests.
    pub fn holds_accounts(&self) -> Result<bool, DbError> {
        let connection = open_connection(&self.inner.path, self.inner.busy_timeout)?;
        Ok(super::users::any_account(&connection)?)
    }

    /// Runs `work` with a pooled connection on the blocking thread pool, so SQLite
    /// never stalls the async runtime.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let permit = Arc::clone(&self.inner.in_use)
            .acquire_owned()
            .await
            .map_err(|_| DbError::Closed)?;
        tokio::task::spawn_blocking(move || {
            let mut connection = inner.checkout().map_err(DbError::from)?;
            let result = work(&mut connection);
            inner.checkin(connection);
            drop(permit);
            result
        })
        .await
        .map_err(DbError::from)?
    }

    /// Like [`Db::run`], for work that writes: it runs on the writer connection once
    /// this process's earlier writes are done, waiting its turn for at most the busy
    /// timeout, so a write never waits more than twice that before it is refused.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let mut writer = tokio::time::timeout(self.inner.busy_timeout, self.inner.writer.lock())
            .await
            .map_err(|_| DbError::WritesQueued)?;
        let kept = writer.take();
        let inner = Arc::clone(&self.inner);
        let (connection, result) = tokio::task::spawn_blocking(move || {
            let mut connection = match kept {
                Some(connection) => connection,
                None => match open_connection(&inner.path, inner.busy_timeout) {
                    Ok(connection) => connection,
                    Err(error) => return (None, Err(DbError::from(error).into())),
                },
            };
            let result = work(&mut connection);
            (Some(connection), result)
        })
        .await
        .map_err(DbError::from)?;
        *writer = connection.filter(Connection::is_autocommit);
        result
    }

    /// Whether the database answers a read now: what readiness means for Keycard.
    pub async fn check(&self) -> Result<(), DbError> {
        self.run(|connection| {
            connection
                .query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
                .map_err(DbError::from)
        })
        .await
    }
}

impl Inner {
    fn checkout(&self) -> rusqlite::Result<Connection> {
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match reused {
            Some(connection) => Ok(connection),
            None => open_connection(&self.path, self.busy_timeout),
        }
    }

    fn checkin(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if connection.is_autocommit() {
            idle.push(connection);
        }
    }
}

fn open_connection(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(busy_timeout)?;
    // FULL: an acknowledged sign-up or logout survives a power cut, not only a crash.
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // A deleted account's rows are overwritten with zeros, not left in free pages of the
    // file for anyone who copies it later.
    connection.pragma_update(None, "secure_delete", "ON")?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_data_directory_it_creates_is_private_to_the_owner() {
        let root = tempfile::tempdir().unwrap();
        let directory = root.path().join("nested").join("data");
        Db::open(&directory.join("keycard.db"), DEFAULT_BUSY_TIMEOUT).unwrap();
        let mode = std::fs::metadata(&directory).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn a_database_file_it_creates_and_its_journal_are_private_to_the_owner() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("keycard.db");
        let db = Db::open(&path, DEFAULT_BUSY_TIMEOUT).unwrap();
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        for file in [path.as_os_str(), wal.as_os_str()] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{file:?} has mode {mode:o}");
        }
        drop(db);
    }

    #[test]
    fn a_database_that_cannot_be_created_names_its_path() {
        let root = tempfile::tempdir().unwrap();
        let blocker = root.path().join("not-a-directory");
        std::fs::write(&blocker, b"").unwrap();
        let path = blocker.join("keycard.db");
        let error = Db::open(&path, DEFAULT_BUSY_TIMEOUT)
            .err()
            .expect("opening must fail");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }
}

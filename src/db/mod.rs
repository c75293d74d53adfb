//! SQLite: opening the file, per-connection pragmas, versioned migrations and a small
//! pool of connections used from the blocking thread pool. Server only.

mod migrations;
mod pool;

pub use pool::{DEFAULT_BUSY_TIMEOUT, Db, DbError};

/// A migrated database file in a fresh temporary directory, for unit tests of the SQL
/// that lives next to the core types.
#[cfg(test)]
pub fn temporary_connection() -> (tempfile::TempDir, rusqlite::Connection) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("test.db");
    drop(Db::open(&path, DEFAULT_BUSY_TIMEOUT).expect("a migrated database"));
    let connection = rusqlite::Connection::open(&path).expect("a connection");
    (directory, connection)
}

//! Fresh empty stores for the contract suite, one per test.

use std::sync::Arc;

use keycard_core::auth::SharedStore;
use keycard_postgres::PgStore;
use keycard_sqlite::{DEFAULT_BUSY_TIMEOUT, Db, SqliteStore};
use tempfile::TempDir;

/// A store on a new SQLite file, with the directory that holds it: the store works as
/// long as the directory is kept.
pub async fn sqlite_store() -> (TempDir, SharedStore) {
    let directory = tempfile::tempdir().unwrap();
    let db = Db::open(&directory.path().join("contract.db"), DEFAULT_BUSY_TIMEOUT).unwrap();
    (directory, Arc::new(SqliteStore::new(db)))
}

/// A store on a new database of the PostgreSQL server `tests/postgres/with-server`
/// started; panics when the tests run without one.
pub async fn postgres_store() -> ((), SharedStore) {
    let server = crate::postgres::server()
        .expect("a PostgreSQL server: run under tests/postgres/with-server");
    let url = crate::postgres::fresh_database(&server, "contract");
    let store = PgStore::connect(url.parse().unwrap(), DEFAULT_BUSY_TIMEOUT, None).unwrap();
    ((), Arc::new(store))
}

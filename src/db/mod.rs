//! Storage: where the core's [`Store`](crate::auth::Store) is implemented. Every SQL
//! statement Keycard runs is under this folder. Server only.

pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;

/// The throwaway PostgreSQL server of `tests/postgres/with-server`, for the core's
/// tests as for the integration suites.
#[cfg(test)]
#[path = "../../tests/support/postgres.rs"]
pub mod test_postgres;

/// A look inside the SQLite file, for the core's tests as for the integration suite.
#[cfg(test)]
#[path = "../../tests/support/sqlite.rs"]
pub mod test_sqlite;
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, Db, DbError, SqliteStore};

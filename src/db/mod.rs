//! Storage: where the core's [`Store`](crate::auth::Store) is implemented. Every SQL
//! statement Keycard runs is under this folder. Server only.

pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, Db, DbError, SqliteStore};

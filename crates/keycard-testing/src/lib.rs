//! What Keycard's tests share, in one place: the store contract every storage backend
//! runs; an auth service on a temporary SQLite file or, under
//! `tests/postgres/with-server`, on a fresh PostgreSQL database; the accounts and
//! clients the flow tests start from; looks inside either database behind the app's
//! back; and the real `keycard` binary as a child process with an HTTP client (`server`),
//! for the fault tests and the benchmark. For tests only.

pub mod contract;
pub mod postgres;
pub mod server;
mod service;
pub mod sqlite;
mod stores;

pub use service::{
    ExpectSignedIn, PASSWORD, PostedLetters, TurnedOn, assert_signed_out, client, count_rows,
    database_path, events, logged_in, password_version, service, service_mailing, service_signing,
    service_with, session_of, signed_up, sql, turned_on,
};
pub use stores::{postgres_store, sqlite_store};

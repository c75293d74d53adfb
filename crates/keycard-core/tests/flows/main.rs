//! The core's flows end to end over a real store: a SQLite file, or under
//! `tests/postgres/with-server` a fresh PostgreSQL database (keycard-testing).

mod account_flows;
mod email_flows;
mod guard;
#[cfg(feature = "passkeys")]
mod passkeys;
mod service;
mod session_flows;
mod two_factor_flows;

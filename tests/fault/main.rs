//! Fault tests: the real `keycard` binary as a child process, under concurrency, a
//! crash, a locked or full database and shutdown, checked for lost or false answers.

mod concurrency;
mod crash;
mod database_lock;
mod health;
mod load;
mod on_postgres;
mod outbox;
mod postgres_outage;
mod shutdown;
mod storage;

use keycard_testing::{postgres, server};

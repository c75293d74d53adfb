//! Black-box tests of the whole web app: the real router, a real SQLite file (or a
//! real PostgreSQL database, under `tests/postgres/with-server`), and requests shaped
//! like a browser's, with and without JavaScript.

mod account;
mod api;
mod brute_force;
mod csrf;
mod headers;
mod helpers;
mod input;
mod journeys;
mod mail;
mod mail_sink;
mod pages;
mod renewal;
mod session_list;
mod sessions;
mod tokens;
mod two_factor;

use keycard_testing::{postgres, sqlite};

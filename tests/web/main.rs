//! Black-box tests of the whole web app: the real router, a real SQLite file, and
//! requests shaped like a browser's, with and without JavaScript.

mod account;
mod api;
mod brute_force;
mod csrf;
mod headers;
mod helpers;
mod input;
mod journeys;
mod pages;
mod renewal;
mod session_list;
mod sessions;
mod tokens;

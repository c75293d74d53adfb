//! Black-box tests of the whole web app: the real router, a real SQLite file, and
//! requests shaped like a browser's, with and without JavaScript.

mod helpers;
mod journeys;
mod pages;
mod sessions;

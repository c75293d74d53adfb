//! Keycard's authentication core: the input types parsed at the edge ([`domain`]) and
//! every flow over them ([`auth`]): sign-up and sign-in, password hashing, access
//! tokens and rotating refresh tokens, sessions, mailed links, two-step codes,
//! passkeys, the throttle and the activity record. It knows nothing of HTTP, Leptos or
//! SQL: storage is the [`auth::Store`] trait, which keycard-sqlite and
//! keycard-postgres implement, and letters go to an [`auth::Postbox`].

pub mod auth;
pub mod domain;

//! The authentication core: password hashing, tokens, the blocklist, users and the
//! guard that decides who is signed in. It knows nothing of HTTP or Leptos; the web
//! pages, server functions and the JSON API are thin adapters over it. Server only.

mod blocklist;
mod common_passwords;
mod error;
mod guard;
mod hashing_threads;
mod password;
mod service;
mod throttle;
mod token;
mod users;

pub use error::{AuthError, Rejection};
pub use guard::Session;
pub use password::PasswordHasher;
pub use service::AuthService;
pub use throttle::{RetryAfter, ThrottlePolicy};
pub use token::{IssuedToken, JwtSecret, SecretError, TokenKeys, VerifiedToken};
pub use users::{User, UserId, UserStatus};

//! Typed values parsed once at the edge: credentials and the post-login destination.
//! Compiled for both targets; the server is the one that enforces them.

mod credentials;
mod next_path;

pub use credentials::{CredentialError, Email, Field, Password, Username};
pub use next_path::NextPath;

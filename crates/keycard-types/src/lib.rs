//! The words Keycard's server and its pages share: which form field an error belongs
//! to, why a credential was refused (with the limits its message quotes), the rules in
//! words, and the only kind of place a sign-in may send someone on to. It compiles for
//! the browser too, so it carries no parser that needs regex or Unicode tables: those
//! live in keycard-core.
//!
//! ```
//! use keycard_types::{CredentialError, Field, NextPath};
//!
//! let refused = CredentialError::PasswordTooShort;
//! assert_eq!(refused.field(), Field::Password);
//! assert_eq!(refused.to_string(), "Password must be at least 8 characters");
//! assert_eq!(refused.code().parse(), Ok(refused));
//!
//! assert!(NextPath::parse("/profile").is_some());
//! assert!(NextPath::parse("//evil.example").is_none());
//! ```

mod auth_fn_error;
mod credential_error;
mod next_path;

pub use auth_fn_error::{AuthFnError, ErrorReference, RESET_REQUESTED};
pub use credential_error::{
    CredentialError, EMAIL_MAX_LENGTH, Field, PASSWORD_LENGTH, USERNAME_LENGTH, password_rule,
    username_rule,
};
pub use next_path::NextPath;

#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth_fn_error;
mod credential_error;
mod next_path;
mod pages;

pub use auth_fn_error::{AuthFnError, ErrorReference, RESET_REQUESTED};
pub use credential_error::{
    CredentialError, EMAIL_MAX_LENGTH, Field, PASSWORD_LENGTH, USERNAME_LENGTH, password_rule,
    username_rule,
};
pub use next_path::NextPath;
pub use pages::{Page, Pages};

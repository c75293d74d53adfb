//! Typed values parsed once at the edge: credentials and second-step codes. The errors
//! they are refused with, and the post-login destination, are keycard-types', which the
//! browser shares; they are re-exported here so the server finds every input type in
//! one place.

mod credentials;
mod second_factor;

pub use credentials::{
    EMAIL_LOCAL_PART_PATTERN, EMAIL_PATTERN, Email, Login, Password, USERNAME_PATTERN, Username,
};
pub use keycard_types::{
    CredentialError, EMAIL_MAX_LENGTH, Field, NextPath, PASSWORD_LENGTH, USERNAME_LENGTH,
    password_rule, username_rule,
};
pub use second_factor::{
    PASSKEY_NAME_MAX_CHARS, PasskeyName, RECOVERY_CODE_ALPHABET, RECOVERY_CODE_CHARS,
    RECOVERY_CODE_PATTERN, RecoveryCode, TOTP_CODE_DIGITS, TOTP_CODE_PATTERN, TotpCode,
};

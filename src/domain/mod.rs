//! Typed values parsed once at the edge: credentials and the post-login destination.
//! Compiled for both targets; the server is the one that enforces them.

mod credentials;
mod next_path;
mod second_factor;

pub use credentials::{
    CredentialError, EMAIL_LOCAL_PART_PATTERN, EMAIL_MAX_LENGTH, EMAIL_PATTERN, Email, Field,
    Login, PASSWORD_LENGTH, Password, USERNAME_LENGTH, USERNAME_PATTERN, Username, password_rule,
    username_rule,
};
pub use next_path::NextPath;
pub use second_factor::{
    PASSKEY_NAME_MAX_CHARS, PasskeyName, RECOVERY_CODE_ALPHABET, RECOVERY_CODE_CHARS,
    RECOVERY_CODE_PATTERN, RecoveryCode, TOTP_CODE_DIGITS, TOTP_CODE_PATTERN, TotpCode,
};
